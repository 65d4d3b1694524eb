//! The one error type the apps see, and the guard every exported call runs
//! in.
//!
//! The core has two layers of error ([`redline_device::Error`] with the
//! detail, [`ErrorKind`] with what an app can do about it). Apps branch on
//! the kind, so [`RedlineError`] has one variant per kind and carries the
//! core's message as `detail` for logs and developer screens. A photo that
//! cannot be used is `InvalidInput` like any bad input, with a
//! [`PhotoProblem`] saying why, so the app can tell the user the right
//! thing ("that file is not a picture", "take another", "too large").
//!
//! A panic must never unwind into Kotlin or Swift (it would abort the app or,
//! through uniffi's own net, surface as an untyped internal error). [`guard`]
//! turns it into [`RedlineError::Internal`] instead, so the caller gets a
//! typed error it already handles.

use crate::logging;
use redline_device::ErrorKind;
use redline_device::photo::PhotoError;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// An error an app can act on. Each variant is one thing the app can do:
/// show "not found", ask the user to fix an input, explain a refusal,
/// reload after a concurrent change, retry later, ignore a cancellation, or
/// report a fault.
#[derive(Debug, Clone, PartialEq, uniffi::Error)]
pub enum RedlineError {
    /// The thing does not exist, or lies outside the user's scope.
    NotFound {
        /// The core's message: what failed and why, for logs and developers.
        detail: String,
    },
    /// The input is wrong (unknown option, bad date, missing field); the
    /// detail says what and why and can be shown to the user.
    InvalidInput {
        /// What is wrong with the input; fit to show the user.
        detail: String,
        /// Set when the input is a photo (or a watermark font) that cannot
        /// be used: which problem it has.
        photo: Option<PhotoProblem>,
    },
    /// The user's role or the record's state forbids it (e.g. editing a
    /// submitted inspection, an assistant closing a major hazard).
    NotAllowed {
        /// Why it is refused; fit to show the user.
        detail: String,
    },
    /// Someone changed it concurrently: read it again, then retry.
    Conflict {
        /// The core's message: what failed and why, for logs and developers.
        detail: String,
    },
    /// The network failed; `retryable` says whether trying again later may
    /// succeed.
    Network {
        /// The core's message: what failed and why, for logs and developers.
        detail: String,
        /// Whether the same call may succeed later.
        retryable: bool,
    },
    /// The local database or files failed (disk full, damaged file, a
    /// database written by a newer app version).
    Storage {
        /// The core's message: what failed and why, for logs and developers.
        detail: String,
    },
    /// The caller cancelled the operation (e.g. a sync); nothing half-done
    /// was kept. Usually not worth showing.
    Cancelled {
        /// The core's message: what failed and why, for logs and developers.
        detail: String,
    },
    /// The key does not open the encrypted store (another key, or none for
    /// a store that has one). Nothing was read or changed: try the key the
    /// app kept before a key change, or ask the user to sign in again.
    WrongKey {
        /// The core's message: what failed and why, for logs and developers.
        detail: String,
    },
    /// A fault in Redline itself (a bug). The call did not complete; the
    /// store stays usable. Worth reporting with the detail.
    Internal {
        /// What went wrong (a panic message); include it in bug reports.
        detail: String,
    },
}

/// Why a photo (or the font for its watermark) cannot be used. Each is
/// something to tell the user, never worth retrying with the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PhotoProblem {
    /// The file is not a picture at all.
    NotAnImage,
    /// A picture in a format the core does not take (HEIC, AVIF, WebP, GIF,
    /// TIFF, BMP, a lossless JPEG): convert it to JPEG with the platform
    /// codec first.
    Unsupported,
    /// The picture is cut short (an interrupted copy or download): take or
    /// copy it again.
    Truncated,
    /// The picture is damaged: take another.
    Damaged,
    /// More pixels than any phone camera makes.
    TooLarge,
    /// Decoding it would need more memory than a capture may use (e.g. a
    /// 16-bit PNG near the size limit).
    NeedsTooMuchMemory,
    /// The watermark font cannot be used (not a font, no digits).
    Font,
    /// Re-encoding the processed photo failed.
    Encode,
}

impl From<&PhotoError> for PhotoProblem {
    fn from(e: &PhotoError) -> PhotoProblem {
        match e {
            PhotoError::NotAnImage => PhotoProblem::NotAnImage,
            PhotoError::Unsupported(_) => PhotoProblem::Unsupported,
            PhotoError::Truncated(_) => PhotoProblem::Truncated,
            PhotoError::Decode(_) => PhotoProblem::Damaged,
            PhotoError::TooLarge { .. } => PhotoProblem::TooLarge,
            PhotoError::LimitExceeded(_) => PhotoProblem::NeedsTooMuchMemory,
            PhotoError::Font(_) => PhotoProblem::Font,
            PhotoError::Encode(_) => PhotoProblem::Encode,
        }
    }
}

impl RedlineError {
    /// Shorthand for the most common conversion error of records.
    pub(crate) fn invalid(detail: impl Into<String>) -> RedlineError {
        RedlineError::InvalidInput { detail: detail.into(), photo: None }
    }

    /// The detail text, whatever the variant.
    pub fn detail(&self) -> &str {
        match self {
            RedlineError::NotFound { detail }
            | RedlineError::InvalidInput { detail, .. }
            | RedlineError::NotAllowed { detail }
            | RedlineError::Conflict { detail }
            | RedlineError::Network { detail, .. }
            | RedlineError::Storage { detail }
            | RedlineError::Cancelled { detail }
            | RedlineError::WrongKey { detail }
            | RedlineError::Internal { detail } => detail,
        }
    }
}

impl std::fmt::Display for RedlineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self {
            RedlineError::NotFound { .. } => "not found",
            RedlineError::InvalidInput { .. } => "invalid input",
            RedlineError::NotAllowed { .. } => "not allowed",
            RedlineError::Conflict { .. } => "conflict",
            RedlineError::Network { .. } => "network",
            RedlineError::Storage { .. } => "storage",
            RedlineError::Cancelled { .. } => "cancelled",
            RedlineError::WrongKey { .. } => "wrong key",
            RedlineError::Internal { .. } => "internal error",
        };
        write!(f, "{what}: {}", self.detail())
    }
}

impl std::error::Error for RedlineError {}

impl From<redline_device::Error> for RedlineError {
    fn from(e: redline_device::Error) -> RedlineError {
        // The variant follows the kind (what the app can do); the detail is
        // the core's full message (what a developer needs).
        let detail = e.to_string();
        match e.kind() {
            ErrorKind::NotFound => RedlineError::NotFound { detail },
            ErrorKind::InvalidInput => {
                let photo = match &e {
                    redline_device::Error::Photo(p) => Some(p.into()),
                    _ => None,
                };
                RedlineError::InvalidInput { detail, photo }
            }
            ErrorKind::NotAllowed => RedlineError::NotAllowed { detail },
            ErrorKind::Conflict => RedlineError::Conflict { detail },
            ErrorKind::Network => RedlineError::Network { detail, retryable: e.is_retryable() },
            ErrorKind::Storage => RedlineError::Storage { detail },
            ErrorKind::Cancelled => RedlineError::Cancelled { detail },
            ErrorKind::WrongKey => RedlineError::WrongKey { detail },
        }
    }
}

/// The result type of every exported call.
pub type FfiResult<T> = Result<T, RedlineError>;

/// Runs the body of exported call `call`: a panic becomes
/// [`RedlineError::Internal`], and every error is logged once here so the
/// methods themselves stay one-line delegations.
///
/// `AssertUnwindSafe` is sound here because nothing the closure borrows is
/// left half-updated by a panic: the core's store recovers its mutex and
/// SQLite rolls back an unfinished transaction.
pub(crate) fn guard<T>(call: &'static str, body: impl FnOnce() -> FfiResult<T>) -> FfiResult<T> {
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        let detail = format!("{call} panicked: {}", panic_message(payload.as_ref()));
        Err(RedlineError::Internal { detail })
    });
    log_failure(call, &outcome);
    outcome
}

/// Logs a failed call once, at a level that says whether it is a fault.
/// Shared by [`guard`] and the async calls of `runtime`, which catch panics
/// through tokio's task boundary instead of `catch_unwind`.
pub(crate) fn log_failure<T>(call: &'static str, outcome: &FfiResult<T>) {
    if let Err(e) = outcome {
        // Not-found, invalid input, a cancelled or offline sync are ordinary
        // answers to a screen; only faults deserve a loud log line.
        let level = match e {
            RedlineError::Internal { .. } | RedlineError::Storage { .. } => log::Level::Error,
            _ => log::Level::Debug,
        };
        logging::emit(level, call, &e.to_string());
    }
}

/// The text of a panic payload (`panic!` with a literal or a format).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_kinds_map_to_variants() {
        let e: RedlineError = redline_device::Error::NotFound("inspection x".into()).into();
        assert_eq!(e, RedlineError::NotFound { detail: "not found: inspection x".into() });
        let e: RedlineError = redline_device::Error::Network { detail: "timeout".into(), retryable: true }.into();
        assert!(matches!(e, RedlineError::Network { retryable: true, .. }));
        let e: RedlineError = redline_device::Error::SchemaTooNew { found: 9, supported: 1 }.into();
        assert!(matches!(e, RedlineError::Storage { .. }));
    }

    #[test]
    fn a_photo_error_keeps_its_problem_and_other_input_errors_have_none() {
        let cases = [
            (PhotoError::NotAnImage, PhotoProblem::NotAnImage),
            (PhotoError::Unsupported("HEIC".into()), PhotoProblem::Unsupported),
            (PhotoError::Truncated("cut".into()), PhotoProblem::Truncated),
            (PhotoError::Decode("bad huffman".into()), PhotoProblem::Damaged),
            (PhotoError::TooLarge { width: 20_000, height: 10 }, PhotoProblem::TooLarge),
            (PhotoError::LimitExceeded("300 MB".into()), PhotoProblem::NeedsTooMuchMemory),
            (PhotoError::Font("no digits".into()), PhotoProblem::Font),
            (PhotoError::Encode("width".into()), PhotoProblem::Encode),
        ];
        for (core, problem) in cases {
            let message = core.to_string();
            let e: RedlineError = redline_device::Error::Photo(core).into();
            assert_eq!(e, RedlineError::InvalidInput { detail: message, photo: Some(problem) });
        }
        let e: RedlineError = redline_device::Error::InvalidInput("the photo is empty".into()).into();
        assert!(matches!(e, RedlineError::InvalidInput { photo: None, .. }), "{e:?}");
        assert_eq!(RedlineError::invalid("bad date"), RedlineError::InvalidInput { detail: "bad date".into(), photo: None });
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let out: FfiResult<()> = guard("probe", || panic!("boom {}", 42));
        match out {
            Err(RedlineError::Internal { detail }) => assert_eq!(detail, "probe panicked: boom 42"),
            other => panic!("expected Internal, got {other:?}"),
        }
    }
}
