//! Builds the guest component for `wasm32-wasip2` (in its own target directory, with the size profile) and
//! places it in `OUT_DIR` for `include_bytes!`, so `cargo build -p wandguard` is all a user runs. No `.wasm`
//! is ever committed.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

const GUEST_TARGET: &str = "wasm32-wasip2";
const GUEST_PROFILE: &str = "guest";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.parent().expect("host/ lives inside the workspace").to_path_buf();
    for watched in ["guest/src", "guest/Cargo.toml", "wit", "schemas", "Cargo.toml", "Cargo.lock"] {
        println!("cargo::rerun-if-changed={}", workspace.join(watched).display());
    }
    println!("cargo::rerun-if-env-changed=WANDGUARD_GUEST_WASM");

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let embedded = out_dir.join("wandguard_guest.wasm");
    let built = match env::var_os("WANDGUARD_GUEST_WASM") {
        // Escape hatch for packagers who build the guest separately.
        Some(prebuilt) => PathBuf::from(prebuilt),
        None => build_guest(&workspace),
    };
    let wasm = std::fs::read(&built)
        .unwrap_or_else(|err| panic!("reading the guest component {} failed: {err}", built.display()));
    std::fs::write(&embedded, &wasm).expect("writing the embedded guest component");
    // The cache key of the precompiled component, computed here so loading never hashes 3 MB at run time.
    let digest: String = Sha256::digest(&wasm).iter().map(|byte| format!("{byte:02x}")).collect();
    std::fs::write(out_dir.join("wandguard_guest.sha256"), digest).expect("writing the guest digest");
}

fn build_guest(workspace: &Path) -> PathBuf {
    let target_dir = guest_target_dir(workspace);
    let fault_injection = env::var_os("CARGO_FEATURE_FAULT_INJECTION").is_some();
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "--package", "wandguard-guest", "--target", GUEST_TARGET, "--profile", GUEST_PROFILE])
        .arg("--target-dir")
        .arg(&target_dir);
    if fault_injection {
        command.args(["--features", "fault-injection"]);
    }
    // The outer build's flags are for the host's target, not for wasm32; and an outer `cargo clippy` sets a
    // workspace wrapper (clippy-driver) that must not wrap the nested build (the guest is linted on its own).
    for variable in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CLIPPY_ARGS",
        "CLIPPY_CONF_DIR",
        // The outer build's jobserver descriptors are not the nested cargo's to use.
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        command.env_remove(variable);
    }
    // The nested cargo probes `rustc -`, which reads source from stdin: never let it see the outer build's stdin.
    command.stdin(Stdio::null());
    let status = command.status().expect("running cargo to build the guest component");
    assert!(
        status.success(),
        "building the guest component failed; is the target installed? (rustup target add {GUEST_TARGET})"
    );
    target_dir.join(GUEST_TARGET).join(GUEST_PROFILE).join("wandguard_guest.wasm")
}

/// `<workspace target dir>/guest`: separate from the host's so the nested cargo never waits on its lock.
fn guest_target_dir(workspace: &Path) -> PathBuf {
    let base = env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), PathBuf::from);
    let base = if base.is_absolute() { base } else { workspace.join(base) };
    base.join("guest")
}
