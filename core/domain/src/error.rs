//! Errors of the shared domain, in two layers: [`Error`] carries the detail
//! a log or a developer needs; [`ErrorKind`] is the small set an app (or an
//! HTTP mapping) can act on. The device crate wraps this error with its own
//! storage and network failures and keeps the kind.

use crate::hazard::TransitionRefused;
use crate::template::TemplateError;

/// What an app can do about an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The thing does not exist (or is outside the user's scope).
    NotFound,
    /// The input is wrong; the detail says what and why.
    InvalidInput,
    /// The user's role or the record's state does not allow it.
    NotAllowed,
    /// Someone else changed it concurrently; read again and retry.
    Conflict,
    /// The network failed; the flag on the error says whether a retry may help.
    Network,
    /// The local database or files failed (disk full, corrupt file, ...).
    Storage,
    /// The caller cancelled the operation; nothing half-done was kept.
    Cancelled,
    /// The key given does not open the encrypted store (or none was given
    /// for one); nothing was read or changed.
    WrongKey,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// The edit was made against a state someone else has changed since.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("transition refused: {0}")]
    Transition(#[from] TransitionRefused),
    #[error("document {id} is damaged: {detail}")]
    CorruptDocument { id: String, detail: String },
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::InvalidInput(_) | Error::Template(_) => ErrorKind::InvalidInput,
            Error::NotAllowed(_) => ErrorKind::NotAllowed,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Transition(t) if t.is_permission() => ErrorKind::NotAllowed,
            Error::Transition(_) => ErrorKind::InvalidInput,
            Error::CorruptDocument { .. } | Error::Automerge(_) | Error::Io(_) => ErrorKind::Storage,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
