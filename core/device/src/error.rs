//! Errors of the phone side, in two layers: [`Error`] carries the detail a
//! log or a developer needs; [`ErrorKind`] (shared with the domain) is the
//! small set an app can act on (show "not found", retry later, ask the user
//! to fix an input, ...). The domain's errors convert variant by variant,
//! so their kind survives the crossing.

pub use redline_domain::ErrorKind;
use redline_domain::hazard::TransitionRefused;
use redline_domain::template::TemplateError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// The server withdrew this device's access (the user was removed or
    /// the phone reported lost). The unsent work was moved into the
    /// quarantine; the app should sign the user out and offer the export.
    #[error("access withdrawn: {0}")]
    Revoked(String),
    /// The edit was made against a state someone else has changed since
    /// (for example two edits of one document racing on a shared phone).
    #[error("conflict: {0}")]
    Conflict(String),
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
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    /// A photo that cannot be processed: always a problem with the input
    /// file, and the variant says which (not an image, unsupported, damaged,
    /// too large, ...).
    #[cfg(feature = "photos")]
    #[error(transparent)]
    Photo(#[from] crate::photo::PhotoError),
    #[error("network: {detail}")]
    Network { detail: String, retryable: bool },
    /// The server refused the request (a 4xx other than authentication,
    /// scope or conflict): what was sent is wrong, not a permission question.
    #[error("server refused: {0}")]
    Refused(String),
    /// The server answered with bytes the device cannot accept (undecodable,
    /// changes that do not apply, a blob with other content). Nothing of it
    /// was kept; a later sync may get a good answer.
    #[error("bad answer from the server: {0}")]
    BadResponse(String),
    #[error("cancelled")]
    Cancelled,
    /// The key does not open this encrypted store, or it was opened
    /// without one. Nothing was read or changed.
    #[error("wrong key: {0}")]
    WrongKey(String),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::InvalidInput(_) | Error::Template(_) => ErrorKind::InvalidInput,
            #[cfg(feature = "photos")]
            Error::Photo(_) => ErrorKind::InvalidInput,
            Error::NotAllowed(_) | Error::Revoked(_) => ErrorKind::NotAllowed,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Refused(_) => ErrorKind::InvalidInput,
            Error::BadResponse(_) => ErrorKind::Network,
            Error::Transition(t) if t.is_permission() => ErrorKind::NotAllowed,
            Error::Transition(_) => ErrorKind::InvalidInput,
            Error::Network { .. } => ErrorKind::Network,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::WrongKey(_) => ErrorKind::WrongKey,
            Error::CorruptDocument { .. } | Error::SchemaTooNew { .. } | Error::Automerge(_) | Error::Io(_) | Error::Sqlite(_) => {
                ErrorKind::Storage
            }
        }
    }

    /// Whether repeating the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Network { retryable: true, .. })
    }
}

impl From<redline_domain::Error> for Error {
    fn from(e: redline_domain::Error) -> Self {
        use redline_domain::Error as D;
        match e {
            D::NotFound(s) => Error::NotFound(s),
            D::InvalidInput(s) => Error::InvalidInput(s),
            D::NotAllowed(s) => Error::NotAllowed(s),
            D::Conflict(s) => Error::Conflict(s),
            D::Template(t) => Error::Template(t),
            D::Transition(t) => Error::Transition(t),
            D::CorruptDocument { id, detail } => Error::CorruptDocument { id, detail },
            D::Automerge(a) => Error::Automerge(a),
            D::Io(i) => Error::Io(i),
        }
    }
}

impl From<redline_seal::SealError> for Error {
    fn from(e: redline_seal::SealError) -> Self {
        use redline_seal::SealError as S;
        match e {
            S::WrongKey => Error::WrongKey("this key does not open the store".into()),
            S::BadKey(s) => Error::InvalidInput(s),
            S::Corrupt(detail) => Error::CorruptDocument { id: "store key".into(), detail },
            S::Io(e) => Error::Io(e),
            S::Sqlite(e) => Error::Sqlite(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
