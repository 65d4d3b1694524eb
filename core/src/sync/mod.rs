//! Sync between devices and the server: the wire messages, the checks on
//! uploaded automerge bytes, the rules a change set must satisfy, and (with
//! the `client` feature) the device's HTTP client.
//!
//! The exchange in one line: a device posts its changed documents and its
//! feed cursor; the server validates and merges each document, answers with
//! what the device lacks, and pages through the change feed of the device's
//! scope. See `docs/protocol.md`.

#[cfg(feature = "client")]
pub mod client;
pub mod chunks;
pub mod rules;
pub mod wire;

pub use wire::PROTOCOL_VERSION;
