//! wandguard's guest: everything that touches untrusted input. It is pure logic (no filesystem, network or
//! environment), compiled natively for unit tests and to `wasm32-wasip2` as the sandbox component.

pub mod codec;
pub mod config;
pub mod formats;
pub mod pickle;

#[cfg(target_arch = "wasm32")]
mod bindings;
