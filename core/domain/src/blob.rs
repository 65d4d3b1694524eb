//! Photos and signatures as content-addressed files, the same on the phone
//! and on the server: a [`BlobHash`] names the bytes (lowercase hex
//! SHA-256), and a [`BlobFolder`] keeps them durably.
//!
//! A blob is written to a temporary file, synced, renamed into place and
//! the directory synced, all before any database row that refers to it is
//! committed: after a crash a row never points at a missing or torn file.
//! Writing the same bytes twice is a no-op, and a file can be verified
//! against its name at any time.
//!
//! A folder may keep its files sealed (the phone, with a [`BlobCodec`] from
//! `redline-seal`): the name stays the hash of the plaintext, which is what
//! the server verifies and what documents refer to.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The SHA-256 of a blob's bytes, as 64 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobHash(String);

impl BlobHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> BlobHash {
        BlobHash(hex::encode(Sha256::digest(bytes)))
    }

    /// A hash given as text, if it is one (64 lowercase hex digits).
    pub fn parse(s: &str) -> Option<BlobHash> {
        let ok = s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| BlobHash(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `bytes` are the blob this hash names.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        BlobHash::of(bytes) == *self
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BlobHash {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<BlobHash, String> {
        BlobHash::parse(&s).ok_or_else(|| format!("{s:?} is not a SHA-256 hash"))
    }
}

impl From<BlobHash> for String {
    fn from(h: BlobHash) -> String {
        h.0
    }
}

/// How a folder keeps its files when they are not kept as they are.
pub trait BlobCodec: Send + Sync {
    /// The bytes to write for the blob `hash` holding `plain`.
    fn seal(&self, hash: &BlobHash, plain: &[u8]) -> Vec<u8>;
    /// The plaintext of a stored file; `None` when it does not open
    /// (changed, damaged, or another blob's file under this name).
    fn open(&self, hash: &BlobHash, stored: Vec<u8>) -> Option<Vec<u8>>;
    /// Whether a stored file is sealed (else written before sealing began).
    fn is_sealed(&self, stored: &[u8]) -> bool;
}

/// A folder of blobs named by their hash, with a `tmp` folder for writes in
/// progress. `ab/abcdef…`: a two-character fan-out keeps directories small.
pub struct BlobFolder {
    root: PathBuf,
    codec: Option<Arc<dyn BlobCodec>>,
}

impl BlobFolder {
    pub fn open(root: impl Into<PathBuf>) -> Result<BlobFolder> {
        let root = root.into();
        fs::create_dir_all(root.join("tmp"))?;
        Ok(BlobFolder { root, codec: None })
    }

    /// A folder whose files are written sealed by `codec`; files written
    /// before are still read (and verified) until [`Self::seal_existing`]
    /// has sealed them.
    pub fn open_sealed(root: impl Into<PathBuf>, codec: Arc<dyn BlobCodec>) -> Result<BlobFolder> {
        let mut folder = BlobFolder::open(root)?;
        folder.codec = Some(codec);
        Ok(folder)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path_of(&self, hash: &BlobHash) -> PathBuf {
        self.root.join(&hash.0[..2]).join(&hash.0)
    }

    /// A fresh path in the temporary folder for bytes of `hash` on their way in.
    pub fn temp_path(&self, hash: &BlobHash) -> PathBuf {
        self.root.join("tmp").join(format!("{hash}.{}", uuid::Uuid::new_v4()))
    }

    /// Stores `bytes` durably and returns their hash.
    pub fn put(&self, bytes: &[u8]) -> Result<BlobHash> {
        let hash = BlobHash::of(bytes);
        // Already stored, unless the file there no longer matches its name:
        // then these bytes, which do, replace it (fetching a damaged photo
        // again must repair it, not be told it is already there).
        if self.verified(&hash) {
            return Ok(hash);
        }
        self.write(&hash, bytes)?;
        Ok(hash)
    }

    /// Writes the file of `hash` (sealed, if the folder seals) through a
    /// synced temporary file and a rename.
    fn write(&self, hash: &BlobHash, plain: &[u8]) -> Result<()> {
        let sealed = self.codec.as_ref().map(|c| c.seal(hash, plain));
        let tmp = self.temp_path(hash);
        let written = (|| -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(sealed.as_deref().unwrap_or(plain))?;
            f.sync_all()?;
            self.rename_into_place(&tmp, hash)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
        Ok(())
    }

    /// Moves a complete file (already synced by its writer) into place if
    /// its bytes are `hash`; otherwise deletes it and answers false. A blob
    /// already in place is kept and the file dropped: stored blobs are never
    /// overwritten.
    pub fn install(&self, file: &Path, hash: &BlobHash) -> Result<bool> {
        let bytes = fs::read(file)?;
        if !hash.matches(&bytes) {
            fs::remove_file(file)?;
            return Ok(false);
        }
        if self.path_of(hash).exists() {
            fs::remove_file(file)?;
        } else if self.codec.is_some() {
            self.write(hash, &bytes)?;
            fs::remove_file(file)?;
        } else {
            File::open(file)?.sync_all()?;
            self.rename_into_place(file, hash)?;
        }
        Ok(true)
    }

    fn rename_into_place(&self, file: &Path, hash: &BlobHash) -> std::io::Result<()> {
        let dest = self.path_of(hash);
        let dir = dest.parent().expect("fan-out directory");
        fs::create_dir_all(dir)?;
        fs::rename(file, &dest)?;
        File::open(dir)?.sync_all()
    }

    /// The bytes of `hash`, verified against it.
    pub fn get(&self, hash: &BlobHash) -> Result<Vec<u8>> {
        let stored = match fs::read(self.path_of(hash)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::NotFound(format!("blob {hash}"))),
            Err(e) => return Err(e.into()),
        };
        let damaged = |detail: &str| Error::CorruptDocument { id: hash.to_string(), detail: detail.into() };
        let bytes = match &self.codec {
            Some(c) if c.is_sealed(&stored) => c.open(hash, stored).ok_or_else(|| damaged("the sealed blob file does not open"))?,
            _ => stored,
        };
        if !hash.matches(&bytes) {
            return Err(damaged("blob content does not match its hash"));
        }
        Ok(bytes)
    }

    pub fn contains(&self, hash: &BlobHash) -> bool {
        self.path_of(hash).exists()
    }

    fn verified(&self, hash: &BlobHash) -> bool {
        self.get(hash).is_ok()
    }

    /// Seals every file written before the folder sealed (a store sealed by
    /// an update); files that do not match their name are left for
    /// [`Self::get`] to report. Safe to repeat after a crash. Returns how
    /// many were sealed.
    pub fn seal_existing(&self) -> Result<u32> {
        let Some(codec) = &self.codec else { return Ok(0) };
        let mut sealed = 0;
        for fan in fs::read_dir(&self.root)? {
            let fan = fan?.path();
            if !fan.is_dir() || fan.file_name().is_some_and(|n| n == "tmp") {
                continue;
            }
            for file in fs::read_dir(&fan)? {
                let path = file?.path();
                let Some(hash) = path.file_name().and_then(|n| n.to_str()).and_then(BlobHash::parse) else { continue };
                let stored = fs::read(&path)?;
                if !codec.is_sealed(&stored) && hash.matches(&stored) {
                    self.write(&hash, &stored)?;
                    sealed += 1;
                }
            }
        }
        Ok(sealed)
    }

    /// Deletes the file of `hash`; false when there was none.
    pub fn remove(&self, hash: &BlobHash) -> Result<bool> {
        match fs::remove_file(self.path_of(hash)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Leftovers of writes interrupted by a crash; safe to delete because no
    /// row can refer to a temporary file.
    pub fn sweep_temporaries(&self) -> Result<()> {
        for entry in fs::read_dir(self.root.join("tmp"))? {
            let _ = fs::remove_file(entry?.path());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lowercase_hex_of_the_right_length() {
        let h = BlobHash::of(b"photo");
        assert_eq!(BlobHash::parse(h.as_str()), Some(h.clone()));
        assert!(BlobHash::parse(&h.as_str().to_uppercase()).is_none());
        assert!(BlobHash::parse(&h.as_str()[1..]).is_none());
        assert!(BlobHash::parse("../../etc/passwd").is_none());
        assert!(serde_json::from_str::<BlobHash>("\"nope\"").is_err());
    }

    #[test]
    fn a_damaged_file_is_reported_and_repaired_by_storing_again() {
        let dir = tempfile::tempdir().unwrap();
        let folder = BlobFolder::open(dir.path().join("b")).unwrap();
        let h = folder.put(b"evidence").unwrap();
        fs::write(folder.path_of(&h), b"tampered").unwrap();
        assert!(matches!(folder.get(&h), Err(Error::CorruptDocument { .. })));
        assert_eq!(folder.put(b"evidence").unwrap(), h);
        assert_eq!(folder.get(&h).unwrap(), b"evidence");
    }

    #[test]
    fn install_refuses_bytes_that_do_not_match_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let folder = BlobFolder::open(dir.path().join("b")).unwrap();
        let h = BlobHash::of(b"one");
        let wrong = folder.temp_path(&h);
        fs::write(&wrong, b"two").unwrap();
        assert!(!folder.install(&wrong, &h).unwrap());
        assert!(!wrong.exists() && !folder.contains(&h));
        let right = folder.temp_path(&h);
        fs::write(&right, b"one").unwrap();
        assert!(folder.install(&right, &h).unwrap());
        assert_eq!(folder.get(&h).unwrap(), b"one");
    }
}
