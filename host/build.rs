//! Placeholder build script.
fn main() {}
