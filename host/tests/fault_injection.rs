//! Runs only with `--features fault-injection`, which embeds a guest with a test hook: a panic inside the
//! guest must surface as `guest-fault` carrying the captured panic message, a guest stuck in a loop must be
//! stopped by the deadline, and in both cases the next call must work on a fresh store.
#![cfg(feature = "fault-injection")]

use std::time::Duration;

use wandguard::config::{DefinitionContext, Kind, Options, Syntax};
use wandguard::{Limits, Sandbox, SandboxError};

fn options() -> Options {
    Options {
        kind: Some(Kind::WandbConfig),
        context: DefinitionContext::Asset,
        partitioned: false,
        artifact_object: false,
        syntax: Syntax::Auto,
        resources: Vec::new(),
        ops: Vec::new(),
        max_diagnostics: 100,
    }
}

const VALID: &[u8] = br#"{"entity": "e", "project": "p"}"#;

#[test]
fn guest_panic_is_a_guest_fault_with_its_message() {
    let sandbox = Sandbox::new(Limits::default()).expect("loads");
    let error = sandbox.validate(b"#wandguard-fault-injection:panic", &options()).expect_err("panics");
    match &error {
        SandboxError::GuestFault { output, .. } => {
            assert!(output.contains("fault injected by the host's test"), "captured: {output}");
        }
        other => panic!("expected a guest fault, got {other:?}"),
    }
    assert_eq!(error.code(), "guest-fault");
    assert!(sandbox.validate(VALID, &options()).expect("next call works").is_ok());
}

#[test]
fn endless_loop_is_stopped_by_the_deadline() {
    let sandbox = Sandbox::new(Limits { timeout: Duration::from_millis(200), ..Limits::default() }).expect("loads");
    let error = sandbox.validate(b"#wandguard-fault-injection:spin", &options()).expect_err("interrupted");
    assert!(matches!(error, SandboxError::Timeout { .. }), "got {error:?}");
    assert!(sandbox.validate(VALID, &options()).expect("next call works").is_ok());
}
