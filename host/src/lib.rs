//! wandguard's host: runs the guest sandbox under hard limits and does all IO. Untrusted bytes (payloads,
//! configuration documents) are only ever parsed inside the sandbox.

pub mod runtime;
pub mod serve;
mod utc;
pub mod wandb;

pub use runtime::{CacheLocation, Limits, Sandbox, SandboxError, codec, config};
