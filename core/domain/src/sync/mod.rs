//! Sync between devices and the server, the parts both sides share: the
//! wire messages, the checks on uploaded automerge bytes, and the rules a
//! change set must satisfy. The device's HTTP client is in `redline-device`.
//!
//! The exchange in one line: a device posts its changed documents and its
//! feed cursor; the server validates and merges each document, answers with
//! what the device lacks, and pages through the change feed of the device's
//! scope. See `docs/protocol.md`.

pub mod chunks;
pub mod rules;
pub mod wire;

pub use wire::PROTOCOL_VERSION;
