//! Redline core: the offline inspection engine embedded by the Android and
//! iOS apps (through `redline-ffi`) and shared with the server.
//!
//! - [`template`]: versioned checklists, built-in and loaded as data;
//! - [`inspection`] and [`hazard`]: the read models and their rules
//!   (scoring, the hazard lifecycle);
//! - [`doc`]: both as automerge documents, with validated edits;
//! - [`store`] (feature `store`): the phone's SQLite store with index tables
//!   for every list a screen draws;
//! - [`sync`]: the protocol, the rules a change set must satisfy, and (feature
//!   `client`) the device's HTTP client;
//! - [`photo`] (feature `photos`, part of `device`): the capture pipeline
//!   (orient, downscale, watermark, re-encode) a photo goes through before
//!   it is stored.

pub mod doc;
pub mod error;
pub mod hazard;
pub mod inspection;
pub mod people;
pub mod site;
pub mod sync;
pub mod template;
pub mod time;

#[cfg(feature = "store")]
pub mod store;

#[cfg(feature = "photos")]
pub mod photo;


pub use error::{Error, ErrorKind, Result};
