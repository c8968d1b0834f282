//! The one place where a failed guest call is classified: hitting a limit, running out of time, or a fault
//! inside the guest (panic, bad memory access). None of these is ever confused with a hostile payload or
//! an invalid config — those are data returned by a successful call.

use std::time::Duration;

use wasmtime::Trap;

use super::limits::LimitHit;
use super::state::StoreState;

/// Why the sandbox could not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The guest hit the memory cap, or its result exceeded the output cap.
    #[error("resource limit: {what}")]
    ResourceLimit {
        /// Which limit, in words.
        what: String,
    },
    /// The call ran past its deadline and was interrupted.
    #[error("the sandbox call was stopped after its {}s deadline", .limit.as_secs_f64())]
    Timeout {
        /// The deadline that was exceeded.
        limit: Duration,
    },
    /// The guest crashed (a panic or another trap); its captured output is attached.
    #[error("the sandbox faulted: {message}{}", if .output.is_empty() { String::new() } else { format!(" (guest said: {})", .output) })]
    GuestFault {
        /// The trap or error that stopped the guest.
        message: String,
        /// What the guest wrote to stdout/stderr before it stopped (bounded).
        output: String,
    },
    /// The engine or component could not be set up (not caused by any input).
    #[error("the sandbox could not be set up: {0}")]
    Setup(String),
}

impl SandboxError {
    /// Stable code: `resource-limit`, `timeout`, `guest-fault` or `sandbox-setup`.
    pub fn code(&self) -> &'static str {
        match self {
            SandboxError::ResourceLimit { .. } => "resource-limit",
            SandboxError::Timeout { .. } => "timeout",
            SandboxError::GuestFault { .. } => "guest-fault",
            SandboxError::Setup(_) => "sandbox-setup",
        }
    }
}

/// Classifies the error of a guest call, using what the store observed during the call.
pub(crate) fn classify(error: &wasmtime::Error, state: &StoreState, timeout: Duration) -> SandboxError {
    if let Some(hit) = state.limiter.hit() {
        let what = match hit {
            LimitHit::Memory { requested } => {
                format!("the guest needed more than its memory cap ({} MiB requested)", requested >> 20)
            }
            LimitHit::Table => "the guest needed a larger function table than allowed".to_owned(),
        };
        return SandboxError::ResourceLimit { what };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => SandboxError::Timeout { limit: timeout },
        Some(Trap::StackOverflow) => {
            SandboxError::ResourceLimit { what: "the guest exhausted its call stack".to_owned() }
        }
        _ => SandboxError::GuestFault { message: error.to_string(), output: state.output.text() },
    }
}

/// The result of a call exceeded the output cap.
pub(crate) fn output_too_large(size: usize, cap: usize) -> SandboxError {
    SandboxError::ResourceLimit { what: format!("the result is {size} bytes, above the output cap of {cap} bytes") }
}
