//! The records and enums that cross the boundary, mirrored from the core's
//! types as uniffi Records and Enums, with the conversions both ways.
//!
//! Why mirror instead of deriving uniffi traits in the core: the core must
//! not know uniffi (the server compiles it too), and the FFI shapes differ
//! on purpose: dates travel as `YYYY-MM-DD` strings, maps keyed by uuid
//! become lists, and free-form strings of the index tables become enums.
//! Conversions are exhaustive `match`es, so a variant added to the core
//! fails this crate's build instead of silently falling through.
//!
//! - [`reference`]: who is working and the sites they inspect;
//! - [`checklist`]: templates as a checklist screen draws them;
//! - [`inspection`]: the parts of an inspection (answers, findings, photos);
//! - [`inspection_detail`]: the whole inspection and its score summary;
//! - [`hazard`]: a hazard, its lifecycle actions and history;
//! - [`photos`]: photo metadata, capture options and references;
//! - [`lists`]: queries and rows of the list screens, change notices;
//! - [`sync`]: sync progress and results, the quarantine.

pub mod checklist;
pub mod hazard;
pub mod inspection;
pub mod inspection_detail;
pub mod lists;
pub mod photos;
pub mod reference;
pub mod sync;

use crate::errors::{FfiResult, RedlineError};
use redline_device::time::Date;

/// Mirrors a fieldless core enum as an FFI enum with the same variant
/// names, converting both ways.
macro_rules! mirror_enum {
    ($ffi:ident <=> $core:path { $($variant:ident),+ $(,)? }) => {
        impl From<$ffi> for $core {
            fn from(v: $ffi) -> $core {
                match v { $($ffi::$variant => <$core>::$variant,)+ }
            }
        }
        impl From<$core> for $ffi {
            fn from(v: $core) -> $ffi {
                match v { $(<$core>::$variant => $ffi::$variant,)+ }
            }
        }
    };
}
pub(crate) use mirror_enum;

/// A `YYYY-MM-DD` string from the app as a core date.
pub(crate) fn parse_date(field: &str, s: &str) -> FfiResult<Date> {
    Date::parse(s.trim()).ok_or_else(|| RedlineError::invalid(format!("{field}: {s:?} is not a date (YYYY-MM-DD)")))
}

pub(crate) fn parse_optional_date(field: &str, s: Option<String>) -> FfiResult<Option<Date>> {
    s.map(|s| parse_date(field, &s)).transpose()
}

/// A core enum from the snake_case name the index tables store (the core
/// writes them with serde, so serde reads them back: one spelling, kept by
/// the core). An unknown name means the row was written by a newer version.
pub(crate) fn enum_from_name<T: serde::de::DeserializeOwned>(what: &str, name: &str) -> FfiResult<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
        .map_err(|_| RedlineError::Storage { detail: format!("unknown {what} {name:?} in the index") })
}

/// The snake_case name the core writes for an enum value (the inverse of
/// [`enum_from_name`]), for filters on the index tables.
pub(crate) fn enum_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// Converts every element, stopping at the first error.
pub(crate) fn try_map<A, B>(items: Vec<A>, f: impl Fn(A) -> FfiResult<B>) -> FfiResult<Vec<B>> {
    items.into_iter().map(f).collect()
}
