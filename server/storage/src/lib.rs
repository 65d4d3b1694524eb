//! Server storage behind one trait, and the caller's scope every query
//! applies. Each backend is its own crate with its own numbered migrations:
//! `redline-storage-sqlite` (the embedded default: zero set-up, one process)
//! and `redline-storage-postgres` (several server processes share one
//! database; this is how the server grows past one machine). The same story
//! tests run against both.

use redline_domain::blob::BlobHash;
use redline_domain::doc::DocKind;
use redline_domain::people::Role;
use redline_domain::site::Site;
use serde::{Deserialize, Serialize};

pub mod sql;

pub type StorageResult<T> = Result<T, StorageError>;

/// A boxed backend error, kept as the source so logs show the real cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database: {0}")]
    Database(#[source] BoxError),
    /// A row the backend holds that does not read back (an unknown role, bad
    /// JSON): damage or a newer writer, never the caller's fault.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The disk under the database is full: nothing was written, and the
    /// same request may succeed once space is freed.
    #[error("the server's storage is full: {0}")]
    Full(String),
    /// The database's schema is newer than this build knows.
    #[error("the database schema is version {found}; this build knows up to {supported}")]
    SchemaTooNew { found: i64, supported: i64 },
}

impl StorageError {
    pub fn database(e: impl std::error::Error + Send + Sync + 'static) -> StorageError {
        StorageError::Database(Box::new(e))
    }
}

/// Where a user may see and write: area path prefixes (`zj/hz/xh` covers
/// `zj/hz/xh/c01`) and individual sites. An empty area `""` covers all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub areas: Vec<String>,
    pub sites: Vec<String>,
}

impl Scope {
    pub fn contains(&self, site_id: &str, area: &str) -> bool {
        self.sites.iter().any(|s| s == site_id)
            || self.areas.iter().any(|p| p.is_empty() || area == p || area.starts_with(&format!("{p}/")))
    }

    /// Whether two scopes share any area (one's prefix covers the other's).
    /// Site-only scopes overlap an area scope through the sites they list
    /// only when the caller knows the sites' areas, so they count by sites.
    pub fn overlaps(&self, other: &Scope) -> bool {
        let nested =
            |a: &str, b: &str| a.is_empty() || b.is_empty() || a == b || b.starts_with(&format!("{a}/")) || a.starts_with(&format!("{b}/"));
        self.areas.iter().any(|a| other.areas.iter().any(|b| nested(a, b))) || self.sites.iter().any(|s| other.sites.contains(s))
    }

    /// A short stable digest; part of cursors, so a scope change restarts a
    /// device's feed from a full snapshot.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        let json = serde_json::to_string(self).expect("serialisable");
        hex::encode(&sha2::Sha256::digest(json.as_bytes())[..6])
    }

    /// SQL condition on columns `site_id` and `area`, with its parameters
    /// numbered from `first`; `mark` is the backend's placeholder sigil
    /// (`$` for PostgreSQL, `?` for SQLite, both numbered).
    pub fn sql(&self, first: usize, mark: char) -> (String, Vec<String>) {
        let mut parts = vec![];
        let mut args = vec![];
        for a in &self.areas {
            if a.is_empty() {
                return ("TRUE".into(), vec![]);
            }
            let n = first + args.len();
            parts.push(format!("(area = {mark}{n} OR {})", below_area("area", &format!("{mark}{}", n + 1), a)));
            args.push(a.clone());
            args.push(format!("{a}/"));
        }
        for s in &self.sites {
            parts.push(format!("site_id = {mark}{}", first + args.len()));
            args.push(s.clone());
        }
        if parts.is_empty() { ("FALSE".into(), vec![]) } else { (format!("({})", parts.join(" OR ")), args) }
    }
}

/// The condition "`column` is an area below `area`", comparing its first
/// characters with `placeholder`, which is bound to `area` followed by `/`.
/// Not `LIKE`: a bound `LIKE` pattern makes SQLite prepare the statement
/// again on every run (its plan may depend on the pattern), and SQLite's
/// `LIKE` ignores ASCII case where PostgreSQL's does not.
pub fn below_area(column: &str, placeholder: &str, area: &str) -> String {
    format!("substr({column}, 1, {}) = {placeholder}", area.chars().count() + 1)
}

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    pub device_id: String,
    /// When the device token expires, unix milliseconds.
    pub token_expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
}

/// A document as the server holds it.
#[derive(Clone, Debug)]
pub struct StoredDoc {
    pub kind: DocKind,
    pub site_id: String,
    pub area: String,
    pub snapshot: Vec<u8>,
    /// Bumped on every commit; the compare-and-swap token for writers.
    pub version: i64,
}

/// One merged, validated write of a document.
#[derive(Clone, Debug)]
pub struct DocWrite {
    pub id: String,
    pub kind: DocKind,
    pub site_id: String,
    pub area: String,
    pub snapshot: Vec<u8>,
    /// `None` when the document is new.
    pub expected_version: Option<i64>,
    /// New changes (hash hex, bytes), appended to the feed in order.
    pub changes: Vec<(String, Vec<u8>)>,
    pub device_id: String,
    /// Photo and signature blobs the document refers to.
    pub blob_refs: Vec<BlobHash>,
    /// Statements replacing the document's read-model rows, run in the
    /// commit's transaction (empty when read models are switched off).
    pub read_rows: Vec<sql::Sql>,
}

impl DocWrite {
    /// The document's version once this write commits: 1 for a new
    /// document, one past the version it was merged on otherwise. Every
    /// backend numbers commits this way, and versions never repeat (a
    /// document is never deleted), so a version names one content.
    pub fn version_after(&self) -> i64 {
        self.expected_version.map_or(1, |v| v + 1)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum CommitOutcome {
    Committed,
    /// Someone committed first; merge again on the newer version.
    Stale,
}

/// A place in the change feed: rows are read in `(pos, seq)` order. `pos`
/// orders transactions (every row of one commit shares it) and `seq` orders
/// the rows within one, so a page cut mid-commit resumes where it stopped.
/// Compared field by field, `pos` first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedPosition {
    pub pos: i64,
    pub seq: i64,
}

impl FeedPosition {
    /// Before the first row.
    pub const START: FeedPosition = FeedPosition { pos: 0, seq: 0 };

    /// After every row at or below `pos`: where a reader stands once it
    /// has read up to a horizon.
    pub fn through(pos: i64) -> FeedPosition {
        FeedPosition { pos, seq: i64::MAX }
    }
}

/// A row of the change feed.
#[derive(Clone, Debug)]
pub struct FeedRow {
    /// The commit's place in the feed (see [`FeedPosition`]).
    pub pos: i64,
    pub seq: i64,
    pub doc_id: String,
    pub kind: DocKind,
    pub bytes: Vec<u8>,
}

impl FeedRow {
    /// Where a reader stands once it has this row.
    pub fn position(&self) -> FeedPosition {
        FeedPosition { pos: self.pos, seq: self.seq }
    }
}

#[async_trait::async_trait]
pub trait Storage: Send + Sync {
    // Users, devices, tokens.
    async fn put_user(&self, user: &UserRecord) -> StorageResult<()>;
    async fn users(&self) -> StorageResult<Vec<UserRecord>>;
    async fn add_device(&self, device_id: &str, user_id: &str, token_hash: &str, expires_at: i64) -> StorageResult<()>;
    async fn revoke_device(&self, device_id: &str) -> StorageResult<bool>;
    /// Whether `token_hash` is the token of a device an administrator
    /// revoked (asked only for a token that is not live).
    async fn is_revoked(&self, token_hash: &str) -> StorageResult<bool>;
    /// The principal for a live (unrevoked, unexpired) token.
    async fn principal(&self, token_hash: &str, now: i64) -> StorageResult<Option<Principal>>;

    // Reference data.
    async fn put_site(&self, site: &Site) -> StorageResult<()>;
    async fn site(&self, id: &str) -> StorageResult<Option<Site>>;
    async fn sites_in(&self, scope: &Scope) -> StorageResult<Vec<Site>>;
    async fn put_template(&self, id: &str, version: u32, json: &str) -> StorageResult<()>;
    async fn templates(&self) -> StorageResult<Vec<String>>;
    /// Bumped by every change to reference data.
    async fn reference_counter(&self) -> StorageResult<i64>;

    // Documents and the feed.
    async fn document(&self, id: &str) -> StorageResult<Option<StoredDoc>>;
    async fn commit(&self, write: &DocWrite) -> StorageResult<CommitOutcome>;
    /// The highest `pos` a reader may pass: every row at or below it is
    /// visible already or will never exist, so a cursor moved up to it
    /// skips nothing. Rows above it may be visible too; they wait (a
    /// backend may wait a moment for the horizon to pass them).
    async fn feed_horizon(&self) -> StorageResult<i64>;
    /// Feed rows in scope after `after` in `(pos, seq)` order with
    /// `pos <= upto`, not written by `exclude_device`, at most `limit`.
    async fn feed(&self, scope: &Scope, after: FeedPosition, upto: i64, exclude_device: &str, limit: i64) -> StorageResult<Vec<FeedRow>>;
    /// Snapshots in scope with id after `after_id`, by id, at most `limit`.
    async fn snapshots(&self, scope: &Scope, after_id: &str, limit: i64) -> StorageResult<Vec<(String, DocKind, Vec<u8>)>>;
    async fn blob_in_scope(&self, hash: &BlobHash, scope: &Scope) -> StorageResult<bool>;
    /// Records that `device_id` sent every byte of `hash`, verified against
    /// it, at `at` (Unix seconds); recording it again moves the time.
    async fn record_blob_upload(&self, hash: &BlobHash, device_id: &str, at: i64) -> StorageResult<()>;
    /// Forgets `device_id`'s upload of `hash` (its bytes were collected
    /// while the upload was being recorded: the device must send them again).
    async fn forget_blob_upload(&self, hash: &BlobHash, device_id: &str) -> StorageResult<()>;
    /// Those of `hashes` (in their order) that `device_id` may not cite:
    /// neither uploaded by it at or after `uploaded_since`
    /// ([`Storage::record_blob_upload`]) nor cited by a document in
    /// `scope`. Whether a blob is stored for anyone else plays no part.
    async fn blobs_not_citable(
        &self,
        hashes: &[BlobHash],
        device_id: &str,
        scope: &Scope,
        uploaded_since: i64,
    ) -> StorageResult<Vec<BlobHash>>;
    /// Whether `hash` may be collected: no document cites it and no upload
    /// of it was recorded at or after `uploaded_before`. When it may, its
    /// upload records are removed in the same transaction, so no device can
    /// cite it from then on.
    async fn release_blob(&self, hash: &BlobHash, uploaded_before: i64) -> StorageResult<bool>;
    async fn document_count(&self) -> StorageResult<i64>;

    // Read models and other SQL built once for both backends.
    /// The placeholder style statements for this backend must use.
    fn dialect(&self) -> sql::Dialect;
    /// Runs one read-only statement and returns its rows.
    async fn query(&self, q: sql::Sql) -> StorageResult<Vec<sql::Row>>;
    /// Runs statements in one transaction.
    async fn execute(&self, stmts: Vec<sql::Sql>) -> StorageResult<()>;
}
