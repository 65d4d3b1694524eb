//! Content-addressed files (photos, signatures) beside the database.
//!
//! A blob is written to a temporary file, synced, renamed into place and
//! the directory synced, all before the database row that refers to it is
//! committed: after a crash a row never points at a missing or torn file.
//! Files are named by their SHA-256, so writing the same bytes twice is a
//! no-op and a file can be verified against its name at any time.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct BlobDir {
    root: PathBuf,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl BlobDir {
    pub fn open(root: PathBuf) -> Result<BlobDir> {
        fs::create_dir_all(root.join("tmp"))?;
        Ok(BlobDir { root })
    }

    /// `ab/abcdef…`: a two-character fan-out keeps directories small.
    pub fn path_of(&self, hash: &str) -> Result<PathBuf> {
        if !is_hash(hash) {
            return Err(Error::InvalidInput(format!("{hash:?} is not a SHA-256 hash")));
        }
        Ok(self.root.join(&hash[..2]).join(hash))
    }

    /// Stores `bytes` durably and returns their hash.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let hash = sha256_hex(bytes);
        let dest = self.path_of(&hash)?;
        // Already stored, unless the file there no longer matches its name:
        // then these bytes, which do, replace it (sync fetching a damaged
        // photo again must repair it, not be told it is already there).
        if dest.exists() && fs::read(&dest).is_ok_and(|b| sha256_hex(&b) == hash) {
            return Ok(hash);
        }
        let dir = dest.parent().expect("fan-out directory");
        fs::create_dir_all(dir)?;
        let tmp = self.root.join("tmp").join(format!("{hash}.{}", uuid::Uuid::new_v4()));
        let written = (|| -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &dest)?;
            File::open(dir)?.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
        Ok(hash)
    }

    /// The bytes of `hash`, verified against it.
    pub fn get(&self, hash: &str) -> Result<Vec<u8>> {
        let path = self.path_of(hash)?;
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::NotFound(format!("blob {hash}"))),
            Err(e) => return Err(e.into()),
        };
        if sha256_hex(&bytes) != hash {
            return Err(Error::CorruptDocument { id: hash.into(), detail: "blob content does not match its hash".into() });
        }
        Ok(bytes)
    }

    pub fn contains(&self, hash: &str) -> bool {
        self.path_of(hash).is_ok_and(|p| p.exists())
    }

    /// Leftovers of writes interrupted by a crash; safe to delete because no
    /// row can refer to a temporary file.
    pub fn sweep_temporaries(&self) -> Result<()> {
        for entry in fs::read_dir(self.root.join("tmp"))? {
            let _ = fs::remove_file(entry?.path());
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}
