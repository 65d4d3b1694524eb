//! Keys: the app's key, which never touches the disk, and the store's data
//! key, random, made once, kept on disk only wrapped by the app's key (the
//! key file beside the database).
//!
//! Envelope encryption, as disk encryption does it: opening with the wrong
//! key is one failed tag check on 68 bytes (a typed `WrongKey`, nothing
//! read or changed), and changing the app's key rewrites only the key file
//! — atomically, so a kill during it leaves the old or the new key working,
//! never neither. The pages and photo files stay sealed with the same data
//! key; see ARCHITECTURE.md for what that does and does not protect.

use crate::SealError;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

/// Length of the app's key and of every key derived here.
pub const KEY_LEN: usize = 32;
const MAGIC: &[u8; 8] = b"RLKEY\x01\0\0";
const SLOT_LEN: usize = MAGIC.len() + NONCE_LEN + KEY_LEN + 16;

/// 32 secret bytes, wiped from memory when dropped.
pub struct Secret([u8; KEY_LEN]);

impl Secret {
    #[cfg(test)]
    pub(crate) fn from_array(bytes: [u8; KEY_LEN]) -> Secret {
        Secret(bytes)
    }

    pub fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // Volatile, so the wipe is not optimised away as a dead store.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The key the app keeps in the Android Keystore or the iOS Keychain.
pub struct AppKey(Secret);

impl AppKey {
    /// The app's key: exactly 32 bytes (from a secure random generator).
    pub fn new(bytes: &[u8]) -> Result<AppKey, SealError> {
        let bytes: [u8; KEY_LEN] =
            bytes.try_into().map_err(|_| SealError::BadKey(format!("a store key is {KEY_LEN} bytes, not {}", bytes.len())))?;
        Ok(AppKey(Secret(bytes)))
    }

    /// The key that wraps the data key.
    fn wrapping_key(&self) -> LessSafeKey {
        let k = derive(self.0.bytes(), b"redline keyslot v1");
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, k.bytes()).expect("AES-256 key"))
    }
}

/// The store's data key and the two keys made from it.
pub struct DataKey(Secret);

impl DataKey {
    pub(crate) fn random() -> Result<DataKey, SealError> {
        Ok(DataKey(Secret(crate::random_bytes()?)))
    }

    /// The key of the database pages.
    pub fn page_key(&self) -> Secret {
        derive(self.0.bytes(), b"redline pages v1")
    }

    /// The key of the photo and signature files.
    pub fn blob_key(&self) -> Secret {
        derive(self.0.bytes(), b"redline blobs v1")
    }
}

struct Len32;
impl KeyType for Len32 {
    fn len(&self) -> usize {
        KEY_LEN
    }
}

/// HKDF-SHA256 of a uniformly random 32-byte key, one label per use.
fn derive(ikm: &[u8; KEY_LEN], info: &[u8]) -> Secret {
    let prk = Salt::new(HKDF_SHA256, b"redline").extract(ikm);
    let mut out = [0u8; KEY_LEN];
    prk.expand(&[info], Len32).and_then(|okm| okm.fill(&mut out)).expect("32 bytes is within HKDF's bound");
    Secret(out)
}

/// Makes a new data key and writes its key file, wrapped by `app`.
pub fn create(slot: &Path, app: &AppKey) -> Result<DataKey, SealError> {
    let data = DataKey::random()?;
    write_slot(slot, &data, app)?;
    Ok(data)
}

/// The data key in `slot`, if `app` is the key that wrapped it.
pub fn unlock(slot: &Path, app: &AppKey) -> Result<DataKey, SealError> {
    let bytes = fs::read(slot)?;
    if bytes.len() != SLOT_LEN || &bytes[..MAGIC.len()] != MAGIC {
        return Err(SealError::Corrupt(format!("{} is not a Redline key file", slot.display())));
    }
    let nonce = Nonce::try_assume_unique_for_key(&bytes[MAGIC.len()..MAGIC.len() + NONCE_LEN]).expect("12 bytes");
    let mut sealed = bytes[MAGIC.len() + NONCE_LEN..].to_vec();
    let plain = app.wrapping_key().open_in_place(nonce, Aad::from(MAGIC), &mut sealed).map_err(|_| SealError::WrongKey)?;
    let key: [u8; KEY_LEN] = (&*plain).try_into().expect("the slot holds 32 bytes");
    sealed.fill(0);
    Ok(DataKey(Secret(key)))
}

/// Wraps `data` with `app` and replaces the key file atomically: after a
/// crash the file holds the old wrapping or the new, whole.
pub fn write_slot(slot: &Path, data: &DataKey, app: &AppKey) -> Result<(), SealError> {
    let nonce: [u8; NONCE_LEN] = crate::random_bytes()?;
    let mut sealed = data.0.bytes().to_vec();
    app.wrapping_key()
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(MAGIC), &mut sealed)
        .map_err(|_| SealError::Io(std::io::Error::other("sealing the key failed")))?;
    let mut out = Vec::with_capacity(SLOT_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    write_atomically(slot, &out)?;
    Ok(())
}

/// Writes `bytes` to `path` through a synced temporary file and a rename,
/// then syncs the directory, so the name points at the old or new bytes.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Syncs the directory holding `path`, so a rename or a new file in it is durable.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_key_unlocks_another_is_refused_and_a_rewrap_keeps_the_data_key() {
        let dir = tempfile::tempdir().unwrap();
        let slot = dir.path().join("db.key");
        let (a, b) = (AppKey::new(&[1; 32]).unwrap(), AppKey::new(&[2; 32]).unwrap());
        let data = create(&slot, &a).unwrap();
        let page = *data.page_key().bytes();
        assert_eq!(*unlock(&slot, &a).unwrap().page_key().bytes(), page);
        assert!(matches!(unlock(&slot, &b), Err(SealError::WrongKey)));
        write_slot(&slot, &data, &b).unwrap();
        assert!(matches!(unlock(&slot, &a), Err(SealError::WrongKey)));
        assert_eq!(*unlock(&slot, &b).unwrap().page_key().bytes(), page);
        assert_ne!(page, *data.blob_key().bytes(), "one key per use");
    }

    #[test]
    fn keys_of_the_wrong_length_and_damaged_key_files_are_typed_errors() {
        assert!(matches!(AppKey::new(&[0; 16]), Err(SealError::BadKey(_))));
        let dir = tempfile::tempdir().unwrap();
        let slot = dir.path().join("db.key");
        fs::write(&slot, b"not a key file").unwrap();
        assert!(matches!(unlock(&slot, &AppKey::new(&[1; 32]).unwrap()), Err(SealError::Corrupt(_))));
    }
}
