//! What the guest can reach: only WASI basics (stdio, clocks, randomness, an environment the host leaves
//! empty) — no filesystem, no sockets, no HTTP.

use wandguard::{Limits, Sandbox};

#[test]
fn guest_imports_only_wasi_basics() {
    let sandbox = Sandbox::new(Limits::default()).expect("loads");
    let imports = sandbox.guest_imports();
    assert!(!imports.is_empty());
    let allowed = ["wasi:cli/", "wasi:clocks/", "wasi:io/", "wasi:random/"];
    for name in &imports {
        assert!(allowed.iter().any(|prefix| name.starts_with(prefix)), "unexpected import {name}");
        for forbidden in ["filesystem", "sockets", "http", "preopens"] {
            assert!(!name.contains(forbidden), "the guest must not import {name}");
        }
    }
}

#[test]
fn sandbox_info_lists_limits_and_imports() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wandguard"))
        .args(["--memory-mb", "64", "sandbox-info"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("memory cap:      64 MiB"), "{text}");
    assert!(text.contains("wasi:random/random"), "{text}");
    assert!(!text.contains("wasi:filesystem"), "{text}");
}
