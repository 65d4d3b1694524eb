//! Encryption at rest for the phone: a lost phone must not hand over a
//! district's enforcement records, photos of people and premises, and
//! signatures.
//!
//! - [`key`]: the app's key (kept in the Android Keystore or the iOS
//!   Keychain, never stored by the core) wraps a random data key in a small
//!   key file beside the database; changing the app's key rewrites only that
//!   file, atomically;
//! - [`page`] and [`vfs`]: every database page (in the database, its WAL and
//!   any rollback journal) sealed with AES-256-GCM by a SQLite VFS shim, the
//!   nonce and tag in the page's reserved bytes;
//! - [`blob`]: photo and signature files sealed the same way, named by the
//!   hash of their plaintext (what the server verifies);
//! - [`database`]: opening, creating and migrating a store's files (a store
//!   written in clear by an earlier version is sealed on its first open
//!   with a key, and a kill at any point of that loses nothing).
//!
//! The cipher is ring's AES-256-GCM (already in the phone library for TLS):
//! hardware AES on every current phone, no second crypto library, and no
//! OpenSSL (which SQLCipher would bring); BENCHMARKS.md has the figures.

pub mod blob;
pub mod database;
pub mod key;
pub mod page;
pub mod shim;
pub mod vfs;

pub use blob::BlobSeal;
pub use database::{SealedDatabase, configure_connection};
pub use key::AppKey;

/// `N` bytes from the system's secure random generator (keys, nonces of
/// the key file, registration tokens).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], SealError> {
    let mut out = [0u8; N];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut out)
        .map_err(|_| SealError::Io(std::io::Error::other("no secure random numbers")))?;
    Ok(out)
}

/// Why a store's key or sealed files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key does not open this store (or none was given for a sealed
    /// one). Nothing was read or changed.
    #[error("this key does not open the store")]
    WrongKey,
    /// The key given is not a key (wrong length).
    #[error("{0}")]
    BadKey(String),
    /// A key file or sealed file is damaged.
    #[error("{0}")]
    Corrupt(String),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
