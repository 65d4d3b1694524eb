//! The records and enums that cross the boundary, mirrored from the core's
//! types as uniffi Records and Enums, with the conversions both ways.
//!
//! Why mirror instead of deriving uniffi traits in the core: the core must
//! not know uniffi (the server compiles it too), and the FFI shapes differ
//! on purpose: dates travel as `YYYY-MM-DD` strings, maps keyed by uuid
//! become lists, and typed paths and targets travel as their text.
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
//! - [`sync`]: sync progress and results, the quarantine;
//! - [`tasks`]: plan tasks for the task screens.

pub mod checklist;
pub mod hazard;
pub mod inspection;
pub mod inspection_detail;
pub mod lists;
pub mod photos;
pub mod reference;
pub mod sync;
pub mod tasks;

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

/// Converts every element, stopping at the first error.
pub(crate) fn try_map<A, B>(items: Vec<A>, f: impl Fn(A) -> FfiResult<B>) -> FfiResult<Vec<B>> {
    items.into_iter().map(f).collect()
}
