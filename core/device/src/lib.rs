//! Redline on the phone: the offline inspection engine the Android and iOS
//! apps embed (through `redline-ffi`), built on the shared domain.
//!
//! - [`store`]: the phone's SQLite store with index tables for every list a
//!   screen draws;
//! - [`photo`] (feature `photos`): the capture pipeline (orient, downscale,
//!   watermark, re-encode) a photo goes through before it is stored;
//! - [`sync::client`] (feature `client`): the device's HTTP sync client.
//!
//! The domain modules (`template`, `inspection`, `hazard`, `doc`, ...) are
//! re-exported from `redline-domain`, so an app-facing crate needs only
//! this one.

pub use redline_domain::{blob, code, doc, hazard, inspection, listing, people, plan, site, template, time};

pub mod error;
pub mod store;

/// The photo capture pipeline (redline-photo).
#[cfg(feature = "photos")]
pub use redline_photo as photo;

pub mod sync;

/// The PDF renderer of enforcement documents, for the FFI crate's types.
#[cfg(feature = "reports")]
pub use redline_reports as reports;

pub use error::{Error, ErrorKind, Result};
