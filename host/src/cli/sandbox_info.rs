//! `wandguard sandbox-info`: what the sandbox may use — its limits and the WASI interfaces the guest
//! imports (the host links them with no preopened directories, no environment and no network).

use wandguard::Sandbox;

use super::EXIT_OK;

/// Prints the limits and imports; returns the exit code.
pub fn run(sandbox: &Sandbox) -> u8 {
    let limits = sandbox.limits();
    println!("memory cap:      {} MiB", limits.memory_bytes >> 20);
    println!("deadline:        {} s", limits.timeout.as_secs_f64());
    println!("output cap:      {} MiB", limits.output_bytes >> 20);
    println!("guest output:    first {} KiB kept", limits.stderr_bytes >> 10);
    println!("guest imports (given an empty environment, no arguments, no files, no network):");
    for name in sandbox.guest_imports() {
        println!("  {name}");
    }
    EXIT_OK
}
