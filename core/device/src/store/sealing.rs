//! The encrypted store: opening with the app's key, changing it, and the
//! photo and signature files sealed with the database (`redline-seal` does
//! the cryptography; this file is what the store makes of it).
//!
//! A store written in clear by an earlier version is sealed on its first
//! open with a key: the database by `redline-seal`'s migration, then the
//! blob files one by one, and only then a mark in `meta`, so a kill half
//! way through the files is finished by the next open.

use super::connections::Target;
use super::{Store, check_identity, sync_apply};
use crate::blob::{BlobCodec, BlobHash};
use crate::error::{Error, Result};
use crate::people::Identity;
use redline_seal::{AppKey, BlobSeal, SealedDatabase};
use std::path::Path;
use std::sync::Arc;

/// Set once every blob file written before the store was sealed is sealed.
const BLOBS_SEALED: &str = "blobs_sealed";

/// The blob files' seal, as the blob folder calls it.
struct SealedBlobs(BlobSeal);

impl BlobCodec for SealedBlobs {
    fn seal(&self, hash: &BlobHash, plain: &[u8]) -> Vec<u8> {
        self.0.seal(hash.as_str(), plain)
    }

    fn open(&self, hash: &BlobHash, stored: Vec<u8>) -> Option<Vec<u8>> {
        self.0.open(hash.as_str(), stored).ok()
    }

    fn is_sealed(&self, stored: &[u8]) -> bool {
        BlobSeal::is_sealed(stored)
    }
}

pub(super) fn codec(sealed: &SealedDatabase) -> Arc<dyn BlobCodec> {
    Arc::new(SealedBlobs(sealed.blob_seal()))
}

impl Store {
    /// Opens (creating if needed) the encrypted store at `path` with the
    /// app's key: 32 bytes the app keeps in the Android Keystore or the iOS
    /// Keychain. A key that is not this store's is `WrongKey` (nothing is
    /// read or changed); a store in clear from an earlier version is
    /// encrypted on this first open with a key, photos included.
    pub fn open_encrypted(path: impl AsRef<Path>, identity: Identity, key: &[u8]) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        check_identity(&identity)?;
        let app = AppKey::new(key)?;
        let sealed = SealedDatabase::open(&path, &app)?;
        let target = Target::Sealed(sealed.uri());
        let store = Store::open_at(path, identity, target, Some(sealed))?;
        store.seal_old_blobs()?;
        Ok(store)
    }

    /// Whether the store is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.seal.is_some()
    }

    /// Changes the app's key: once this returns only `new_key` opens the
    /// store. Killed during the call, the store opens with the old key or
    /// the new one, so the app keeps both until it returns. Nothing else is
    /// rewritten (the data key stays; see ARCHITECTURE.md).
    pub fn rekey(&self, new_key: &[u8]) -> Result<()> {
        let app = AppKey::new(new_key)?;
        let sealed =
            self.seal.as_ref().ok_or_else(|| Error::NotAllowed("the store is not encrypted: open it with a key to encrypt it".into()))?;
        Ok(sealed.rekey(&app)?)
    }

    /// Seals blob files from before the store was encrypted, once.
    fn seal_old_blobs(&self) -> Result<()> {
        if sync_apply::get_meta(&*self.reader()?, BLOBS_SEALED)?.is_some() {
            return Ok(());
        }
        self.blobs.seal_existing()?;
        let mut w = self.writer();
        let tx = w.conn.transaction()?;
        sync_apply::set_meta(&tx, BLOBS_SEALED, "1")?;
        tx.commit()?;
        Ok(())
    }
}
