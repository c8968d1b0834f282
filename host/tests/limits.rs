//! One test per sandbox limit: each proves the limit fires with its own error kind, and that the sandbox
//! serves the next call normally afterwards (a trapped store is discarded).

use std::time::Duration;

use wandguard::config::{DefinitionContext, Kind, Options, Syntax};
use wandguard::{CacheLocation, Limits, Sandbox, SandboxError};

fn options(kind: Option<Kind>) -> Options {
    Options {
        kind,
        context: DefinitionContext::Asset,
        partitioned: false,
        artifact_object: false,
        syntax: Syntax::Auto,
        resources: Vec::new(),
        ops: Vec::new(),
        max_diagnostics: 100_000,
    }
}

fn sandbox(limits: Limits) -> Sandbox {
    Sandbox::new(limits).expect("the sandbox loads")
}

fn small_valid_config() -> &'static [u8] {
    br#"{"entity": "my-team", "project": "my-project"}"#
}

/// A ~12 MB YAML list: valid syntax, far more than a small memory cap allows.
fn big_yaml() -> Vec<u8> {
    let mut text = String::from("items:\n");
    while text.len() < 12 << 20 {
        text.push_str("  - {alpha: 1, beta: two, gamma: [3, 4]}\n");
    }
    text.into_bytes()
}

#[test]
fn memory_cap_fires_as_resource_limit_and_the_next_call_works() {
    let sandbox = sandbox(Limits { memory_bytes: 24 << 20, ..Limits::default() });
    let error = sandbox.validate(&big_yaml(), &options(Some(Kind::WandbConfig))).expect_err("exceeds 24 MiB");
    assert!(matches!(error, SandboxError::ResourceLimit { .. }), "got {error:?}");
    assert_eq!(error.code(), "resource-limit");
    let report = sandbox.validate(small_valid_config(), &options(Some(Kind::WandbConfig))).expect("fresh store");
    assert!(report.is_ok());
}

#[test]
fn output_cap_fires_as_resource_limit() {
    let sandbox = sandbox(Limits { output_bytes: 512, ..Limits::default() });
    // Hundreds of unknown keys: hundreds of diagnostics, far beyond 512 bytes of output.
    let mut document = String::from("{");
    for index in 0..300 {
        document.push_str(&format!("\"unknown_key_{index}\": 1,"));
    }
    document.push_str("\"entity\": \"e\", \"project\": \"p\"}");
    let error = sandbox.validate(document.as_bytes(), &options(Some(Kind::WandbConfig))).expect_err("too much output");
    assert_eq!(error.code(), "resource-limit", "got {error:?}");
    assert!(sandbox.validate(small_valid_config(), &options(Some(Kind::WandbConfig))).expect("works").is_ok());
}

#[test]
fn deadline_fires_as_timeout_on_real_work() {
    // One 10 ms epoch tick: parsing and checking 12 MB cannot finish in time.
    let sandbox = sandbox(Limits { timeout: Duration::from_millis(1), ..Limits::default() });
    let error = sandbox.validate(&big_yaml(), &options(Some(Kind::WandbConfig))).expect_err("interrupted");
    assert!(matches!(error, SandboxError::Timeout { .. }), "got {error:?}");
    assert_eq!(error.code(), "timeout");
}

#[test]
fn unparseable_input_is_data_not_a_sandbox_error() {
    let sandbox = sandbox(Limits::default());
    let outcome = sandbox.validate(b"{\"entity\": ", &options(None)).expect("the sandbox itself is fine");
    let error = outcome.expect_err("truncated JSON");
    assert_eq!((error.code.as_str(), error.line, error.column), ("parse-error", 1, 12));
    let outcome = sandbox.validate(&[0xff, 0xfe, 0x00, 0x41], &options(None)).expect("sandbox fine");
    assert_eq!(outcome.expect_err("binary junk").code, "not-utf8");
}

#[test]
fn precompiled_component_is_cached_and_a_corrupt_entry_is_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = CacheLocation::Dir(dir.path().to_path_buf());
    Sandbox::with_cache(Limits::default(), &cache).expect("compiles and stores");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).expect("listable").flatten().map(|e| e.path()).collect();
    assert_eq!(entries.len(), 1, "one precompiled entry: {entries:?}");
    assert!(entries[0].extension().is_some_and(|ext| ext == "cwasm"));

    std::fs::write(&entries[0], b"not a precompiled component").expect("overwrite");
    let sandbox = Sandbox::with_cache(Limits::default(), &cache).expect("recompiles past the corrupt entry");
    assert!(sandbox.validate(small_valid_config(), &options(Some(Kind::WandbConfig))).expect("works").is_ok());
    let rewritten = std::fs::read(&entries[0]).expect("entry exists again");
    assert!(rewritten.len() > 1000, "the corrupt entry was replaced by a real one");
}

#[test]
fn concurrent_calls_from_many_threads_are_correct() {
    let sandbox = sandbox(Limits::default());
    std::thread::scope(|scope| {
        for index in 0..8 {
            let sandbox = &sandbox;
            scope.spawn(move || {
                let document = format!("{{\"entity\": \"team-{index}\", \"project\": \"p\", \"extra_{index}\": 1}}");
                let report = sandbox.validate(document.as_bytes(), &options(Some(Kind::WandbConfig))).expect("ok");
                let report = report.expect("parses");
                assert_eq!(report.kind, Kind::WandbConfig);
                let pointers: Vec<&str> = report.diagnostics.iter().map(|d| d.pointer.as_str()).collect();
                assert_eq!(pointers, [format!("/extra_{index}")]);
            });
        }
    });
}
