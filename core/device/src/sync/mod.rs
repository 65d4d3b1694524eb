//! Sync on the phone: the shared wire types and rules of `redline-domain`,
//! and the device's HTTP client that speaks them.

pub use redline_domain::sync::*;

#[cfg(feature = "client")]
pub mod client;
