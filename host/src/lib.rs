//! wandguard host library.
