//! Errors of the core, in two layers: [`Error`] carries the detail a log or a
//! developer needs; [`ErrorKind`] is the small set an app can act on (show
//! "not found", retry later, ask the user to fix an input, ...).

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
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("not allowed: {0}")]
    NotAllowed(String),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("transition refused: {0}")]
    Transition(#[from] TransitionRefused),
    #[error("document {id} is damaged: {detail}")]
    CorruptDocument { id: String, detail: String },
    #[error("the database was written by a newer version (schema {found}, this build knows up to {supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    #[cfg(feature = "store")]
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("network: {detail}")]
    Network { detail: String, retryable: bool },
    #[error("server refused: {0}")]
    Refused(String),
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::InvalidInput(_) | Error::Template(_) => ErrorKind::InvalidInput,
            Error::NotAllowed(_) | Error::Refused(_) => ErrorKind::NotAllowed,
            Error::Transition(t) if t.is_permission() => ErrorKind::NotAllowed,
            Error::Transition(_) => ErrorKind::InvalidInput,
            Error::Network { .. } => ErrorKind::Network,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::CorruptDocument { .. } | Error::SchemaTooNew { .. } | Error::Automerge(_) | Error::Io(_) => {
                ErrorKind::Storage
            }
            #[cfg(feature = "store")]
            Error::Sqlite(_) => ErrorKind::Storage,
        }
    }

    /// Whether repeating the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Network { retryable: true, .. })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A photo that cannot be processed is always a problem with the input
/// file (see `photo::PhotoError`), never a storage or network failure.
#[cfg(feature = "photos")]
impl From<crate::photo::PhotoError> for Error {
    fn from(e: crate::photo::PhotoError) -> Self {
        Error::InvalidInput(e.to_string())
    }
}
