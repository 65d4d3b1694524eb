//! Where the server keeps photos and signatures. The API needs only a few
//! operations of a store — read, resumable upload into a partial, verify and
//! install, list, delete — so they are a trait with two backends: a local
//! folder (the default, [`folder::FsBlobStore`]) and an S3-compatible object
//! store (`redline-blobs-s3`). Blobs are content-addressed: the name is the
//! SHA-256 of the bytes, and a stored blob is never overwritten.
//!
//! [`collect`] removes blobs that no document cites after a retention
//! period, and partial uploads abandoned for as long.

pub mod collect;
pub mod folder;

pub use folder::FsBlobStore;
use redline_domain::blob::BlobHash;

/// A stored blob as a listing shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredBlob {
    pub hash: BlobHash,
    /// When it was last written, in seconds since the Unix epoch.
    pub modified: i64,
}

/// One page of a listing and where the next one starts (`None`: the end).
#[derive(Debug, Default)]
pub struct ListPage {
    pub blobs: Vec<StoredBlob>,
    pub next: Option<String>,
}

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// The blob's bytes, verified against its name; `None` when absent.
    async fn get(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>>;
    async fn exists(&self, hash: &BlobHash) -> bool;
    /// Bytes received so far of `uploader`'s upload of `hash`.
    async fn partial_len(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<u64>;
    /// Appends a chunk at the end of the partial upload (durable before it
    /// returns); the partial's new length.
    async fn append(&self, hash: &BlobHash, uploader: &str, bytes: &[u8]) -> std::io::Result<u64>;
    /// Verifies the partial against `hash` and stores it durably (a blob
    /// already stored is kept as it is); false (and the partial discarded)
    /// when the bytes do not match.
    async fn finish(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<bool>;
    /// One page of the stored blobs, from `from` (a previous page's `next`).
    async fn list(&self, from: Option<String>) -> std::io::Result<ListPage>;
    /// Removes a stored blob; removing one that is absent is not an error.
    async fn delete(&self, hash: &BlobHash) -> std::io::Result<()>;
    /// Removes partial uploads last written before `before` (Unix seconds);
    /// how many.
    async fn drop_partials(&self, before: i64) -> std::io::Result<usize>;
}

/// Seconds since the Unix epoch of a file time (0 for times before it).
pub fn unix_secs(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Now, in seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    unix_secs(std::time::SystemTime::now())
}
