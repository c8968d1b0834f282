//! The `wandguard` binary as a user runs it: exit codes, text and JSON output, and bad input of every sort
//! (huge, deeply nested, binary, missing) ending in a clean error instead of a crash.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn wandguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wandguard")).args(args).output().expect("the binary runs")
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write fixture");
    path
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_report(args: &[&str]) -> (i32, Value) {
    let output = wandguard(args);
    let report =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("JSON output ({err}): {}", stdout(&output)));
    (output.status.code().unwrap_or(-1), report)
}

#[test]
fn clean_file_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "config.json", br#"{"entity": "team", "project": "proj"}"#);
    let output = wandguard(&["validate", "--kind", "wandb-config", file.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("ok (wandb-config)"));
}

#[test]
fn errors_exit_one_with_a_caret_under_the_offending_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "config.yaml", b"entity: team\nproject: proj\nprojcet: typo\n");
    let output = wandguard(&["validate", "--kind", "wandb-config", file.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("error[unknown-key]"), "{text}");
    assert!(text.contains(":3:1 at /projcet"), "{text}");
    assert!(text.contains("3 | projcet: typo\n  | ^\n"), "{text}");
    assert!(text.contains("did you mean 'project'"), "{text}");
}

#[test]
fn json_format_lists_every_file_with_located_diagnostics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.json", br#"{"entity": "team", "project": "proj"}"#);
    let bad = write(dir.path(), "bad.json", b"{\n  \"entity\": 5,\n  \"project\": \"p\"\n}");
    let (code, report) = json_report(&[
        "validate",
        "--kind",
        "wandb-config",
        "--format",
        "json",
        good.to_str().expect("utf-8"),
        bad.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(report["files"][0]["diagnostics"].as_array().map(Vec::len), Some(0));
    let diagnostic = &report["files"][1]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "wrong-type");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["pointer"], "/entity");
    assert_eq!((diagnostic["line"].as_u64(), diagnostic["column"].as_u64()), (Some(2), Some(13)));
    assert_eq!(report["summary"]["errors"], 1);
}

#[test]
fn run_config_kind_is_inferred() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file =
        write(dir.path(), "run.yaml", b"resources:\n  wandb_config:\n    config:\n      entity: e\n      project: p\n");
    let (code, report) = json_report(&["validate", "--format", "json", file.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["files"][0]["kind"], "run-config");
}

#[test]
fn ambiguous_documents_ask_for_a_kind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "only-name.json", br#"{"name": "x"}"#);
    let (code, report) = json_report(&["validate", "--format", "json", file.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert_eq!(report["files"][0]["error"]["code"], "ambiguous-kind");
}

#[test]
fn unparseable_input_exits_two_with_its_location() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "broken.json", b"{\"entity\": \"team\",\n \"project\": }");
    let (code, report) =
        json_report(&["validate", "--kind", "wandb-config", "--format", "json", file.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    let error = &report["files"][0]["error"];
    assert_eq!(error["code"], "parse-error");
    assert_eq!((error["line"].as_u64(), error["column"].as_u64()), (Some(2), Some(13)));
}

#[test]
fn binary_junk_is_refused_as_not_utf8() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let file = write(dir.path(), "junk.bin", &junk);
    let (code, report) = json_report(&["validate", "--format", "json", file.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert_eq!(report["files"][0]["error"]["code"], "not-utf8");
}

#[test]
fn a_100_mb_file_is_refused_without_being_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.json");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(100 << 20).expect("sparse 100 MB file");
    let (code, report) = json_report(&["validate", "--format", "json", path.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert_eq!(report["files"][0]["error"]["code"], "too-large");
}

#[test]
fn deeply_nested_documents_are_refused_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let depth = 100_000;
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let yaml = format!("a:\n{}", (1..2000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect::<String>());
    for (name, content) in [("deep.json", json), ("deep.yaml", yaml)] {
        let file = write(dir.path(), name, content.as_bytes());
        let (code, report) =
            json_report(&["validate", "--kind", "io-manager", "--format", "json", file.to_str().expect("utf-8")]);
        assert_eq!(code, 2, "{name}");
        assert_eq!(report["files"][0]["error"]["code"], "too-deep", "{name}: {report}");
    }
}

#[test]
fn missing_files_and_bad_flags_exit_two() {
    let output = wandguard(&["validate", "/nonexistent/wandguard/config.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("error[unreadable]"));
    let output = wandguard(&["validate", "--kind", "artifact-ouptut", "x.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown kind 'artifact-ouptut'"));
}

#[test]
fn help_is_available_everywhere() {
    for args in [&["--help"][..], &["validate", "--help"], &["schema", "--help"]] {
        let output = wandguard(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(stdout(&output).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn schemas_export_byte_identical_to_the_repository() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = wandguard(&["schema", "--export", dir.path().to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(0));
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    for entry in std::fs::read_dir(&repository).expect("schemas/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name");
        let exported = std::fs::read_to_string(dir.path().join(name)).expect("exported");
        assert!(exported == std::fs::read_to_string(&path).expect("original"), "{name:?} differs from schemas/");
    }
    let single = wandguard(&["schema", "io-manager"]);
    let schema: Value = serde_json::from_slice(&single.stdout).expect("a JSON schema");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
}
