//! End to end through `config::validate`: source text → parse → schema stage → rules → located diagnostics.
//! Only codes the rules own are asserted, so these tests hold whatever the JSON Schemas contain.

use wandguard_guest::config::schema_stage::SCHEMA_CODES;
use wandguard_guest::config::{Context, Diagnostic, Kind, Options, Report, Severity, validate};

/// A run config in the shape of the W&B guide, with one rule problem per block.
const RUN_CONFIG: &str = r#"resources:
  io_manager:
    config:
      run_id: nightly/run
      run_tags: [team-a, nightly, team-a]
      cache_duration_in_minutes: 0
  wandb_resource:
    config:
      api_key: 0123456789abcdef0123456789abcdef01234567
      host: https://api.wandb.ai/
  wandb_config:
    config:
      entity: my-team
      project: my:project
ops:
  run_launch_agent:
    config:
      queues: [gpu, cpu, gpu]
  training:
    ops:
      run_launch_job:
        config:
          job: my-team/my-project/train job:latest
          queue: gpu
"#;

fn report(source: &str, options: &Options) -> Report {
    match validate(source.as_bytes(), options) {
        Ok(report) => report,
        Err(error) => panic!("the document should parse: {error:?}"),
    }
}

/// The diagnostic with `code`, asserting there is exactly one.
fn only<'a>(report: &'a Report, code: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = report.diagnostics.iter().filter(|d| d.code == code).collect();
    assert_eq!(found.len(), 1, "expected one '{code}' in {:#?}", report.diagnostics);
    found[0]
}

fn assert_at(diagnostic: &Diagnostic, severity: Severity, pointer: &str, line: u32, column: u32) {
    assert_eq!(diagnostic.severity, severity, "{diagnostic:#?}");
    assert_eq!(diagnostic.pointer, pointer, "{diagnostic:#?}");
    assert_eq!((diagnostic.line, diagnostic.column), (line, column), "{diagnostic:#?}");
    assert!(!diagnostic.message.is_empty());
}

#[test]
fn run_config_blocks_are_checked_by_their_rules() {
    let options = Options { kind: Some(Kind::RunConfig), ..Options::default() };
    let report = report(RUN_CONFIG, &options);
    assert_eq!(report.kind, Kind::RunConfig);
    let io = "/resources/io_manager/config";
    assert_at(only(&report, "invalid-run-id"), Severity::Error, &format!("{io}/run_id"), 4, 15);
    assert_at(only(&report, "duplicate-run-tag"), Severity::Warning, &format!("{io}/run_tags/2"), 5, 35);
    assert_at(only(&report, "cache-disabled"), Severity::Warning, &format!("{io}/cache_duration_in_minutes"), 6, 34);
    let resource = "/resources/wandb_resource/config";
    assert_at(only(&report, "literal-api-key"), Severity::Warning, &format!("{resource}/api_key"), 9, 16);
    assert_at(only(&report, "host-trailing-slash"), Severity::Warning, &format!("{resource}/host"), 10, 13);
    assert_at(only(&report, "invalid-project-name"), Severity::Error, "/resources/wandb_config/config/project", 14, 16);
    assert_at(only(&report, "duplicate-queue"), Severity::Warning, "/ops/run_launch_agent/config/queues/2", 18, 26);
    assert_at(
        only(&report, "invalid-job-name"),
        Severity::Error,
        "/ops/training/ops/run_launch_job/config/job",
        23,
        16,
    );
    assert!(report.has_errors());
}

#[test]
fn the_api_key_never_appears_in_a_report() {
    let report = report(RUN_CONFIG, &Options { kind: Some(Kind::RunConfig), ..Options::default() });
    let secret = "0123456789abcdef0123456789abcdef01234567";
    for diagnostic in &report.diagnostics {
        assert!(!diagnostic.message.contains(secret), "{diagnostic:#?}");
        assert!(!diagnostic.hint.as_deref().unwrap_or_default().contains(secret), "{diagnostic:#?}");
    }
}

#[test]
fn rule_findings_point_at_keys_where_the_key_is_the_problem() {
    let source = "name: my_dataset\nversion: v3\nalias: best\nget: Table\n";
    let options = Options { kind: Some(Kind::ArtifactInput), ..Options::default() };
    let report = report(source, &options);
    assert_at(only(&report, "name-with-asset-key"), Severity::Error, "/name", 1, 1);
    assert_at(only(&report, "version-alias-conflict"), Severity::Error, "/alias", 3, 1);
}

#[test]
fn partitioned_reads_in_json() {
    let source = r#"{
  "get": "Table",
  "partitions": {
    "*": {"get": "Table"},
    "2024-01-01": {}
  }
}"#;
    let options = Options { kind: Some(Kind::ArtifactInput), partitioned: true, ..Options::default() };
    let report = report(source, &options);
    assert_at(only(&report, "get-in-partitioned-read"), Severity::Error, "/get", 2, 3);
    assert_at(only(&report, "empty-partition-config"), Severity::Error, "/partitions/2024-01-01", 5, 5);
}

#[test]
fn op_outputs_use_the_context_options() {
    let source = "type: model\naliases:\n  - best\n  - latest\npartitions: {}\n";
    let options = Options { kind: Some(Kind::ArtifactOutput), context: Context::Op, ..Options::default() };
    let report = report(source, &options);
    assert_at(only(&report, "name-required"), Severity::Error, "", 1, 1);
    assert_at(only(&report, "reserved-alias"), Severity::Warning, "/aliases/1", 4, 5);
    assert_at(only(&report, "partitions-on-write"), Severity::Warning, "/partitions", 5, 1);
}

#[test]
fn clean_guide_configs_have_no_rule_findings() {
    let run_config = r#"resources:
  io_manager:
    config:
      cache_duration_in_minutes: 60
      run_tags: [dagster]
  wandb_resource:
    config:
      api_key: {env: WANDB_API_KEY}
  wandb_config:
    config:
      entity: my-team
      project: my-project
ops:
  run_launch_job:
    config:
      job: my-team/my-project/train:latest
      queue: gpu
"#;
    let report = report(run_config, &Options { kind: Some(Kind::RunConfig), ..Options::default() });
    let from_rules: Vec<&Diagnostic> = report.diagnostics.iter().filter(|d| !SCHEMA_CODES.contains(&d.code)).collect();
    assert!(from_rules.is_empty(), "{from_rules:#?}");
}
