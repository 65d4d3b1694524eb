//! Redline's shared domain: one definition of what a valid inspection is,
//! compiled by the phone (through `redline-device`) and by the server.
//!
//! - [`template`]: versioned checklists, built-in and loaded as data;
//! - [`inspection`] and [`hazard`]: the read models and their rules
//!   (scoring, the hazard lifecycle);
//! - [`doc`]: both as automerge documents, with validated edits, and the
//!   [`doc::DocKind`] of every document;
//! - [`listing`]: the fields every list shows (outcome, overdue, major,
//!   open), derived once so phone and dashboard agree;
//! - [`plan`]: inspection plans, the tasks they expand into and whether
//!   each is done, due or missed;
//! - [`sync`]: the wire types, the checks on uploaded bytes and the rules a
//!   change set must satisfy;
//! - [`blob`]: content hashes ([`blob::BlobHash`]) and the durable
//!   content-addressed folder both sides keep photos in.

pub mod blob;
pub mod code;
pub mod doc;
pub mod error;
pub mod hazard;
pub mod inspection;
pub mod listing;
pub mod people;
pub mod plan;
pub mod site;
pub mod sync;
pub mod template;
pub mod time;

pub use error::{Error, ErrorKind, Result};
