//! Photo and signature files sealed with AES-256-GCM: `magic | nonce |
//! ciphertext | tag`, the blob's hash (of the plaintext, the name the
//! server verifies) as associated data, so a file renamed to another
//! blob's name is refused like a changed one.
//!
//! A file without the magic is a photo stored before the store was
//! sealed; [`BlobSeal::is_sealed`] tells the two apart so the migration
//! can seal it (the hash check still guards its content meanwhile).

use crate::key::Secret;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

const TAG_LEN: usize = 16;
const MAGIC: &[u8; 8] = b"RLBLB\x01\0\0";
const HEAD: usize = MAGIC.len() + NONCE_LEN;

/// The blob key of one store.
pub struct BlobSeal {
    key: LessSafeKey,
    rng: SystemRandom,
}

/// Why a sealed file could not be opened.
#[derive(Debug, PartialEq, Eq)]
pub struct Forged;

impl BlobSeal {
    pub fn new(key: &Secret) -> BlobSeal {
        BlobSeal { key: LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key.bytes()).expect("AES-256 key")), rng: SystemRandom::new() }
    }

    /// Whether `stored` is a sealed file (else a plaintext one from before).
    pub fn is_sealed(stored: &[u8]) -> bool {
        stored.len() >= HEAD + TAG_LEN && &stored[..MAGIC.len()] == MAGIC
    }

    /// The bytes to write for the blob `name` holding `plain`.
    pub fn seal(&self, name: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).expect("the system's random generator works");
        let mut out = Vec::with_capacity(HEAD + plain.len() + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let tag = self
            .key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(name.as_bytes()), &mut out[HEAD..])
            .expect("a blob is far below AES-GCM's length bound");
        out.extend_from_slice(tag.as_ref());
        out
    }

    /// The plaintext of a sealed file stored as `name`, consuming it.
    pub fn open(&self, name: &str, mut stored: Vec<u8>) -> Result<Vec<u8>, Forged> {
        if !Self::is_sealed(&stored) {
            return Err(Forged);
        }
        let nonce = Nonce::try_assume_unique_for_key(&stored[MAGIC.len()..HEAD]).map_err(|_| Forged)?;
        let len = self.key.open_in_place(nonce, Aad::from(name.as_bytes()), &mut stored[HEAD..]).map_err(|_| Forged)?.len();
        stored.copy_within(HEAD..HEAD + len, 0);
        stored.truncate(len);
        Ok(stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal() -> BlobSeal {
        BlobSeal::new(&Secret::from_array([3; 32]))
    }

    #[test]
    fn a_blob_round_trips_and_hides_its_bytes() {
        let s = seal();
        let photo = b"\xff\xd8\xff\xe0 a photo of a fire exit".repeat(20);
        let stored = s.seal("abc", &photo);
        assert!(BlobSeal::is_sealed(&stored) && !BlobSeal::is_sealed(&photo));
        assert!(!stored.windows(20).any(|w| w == &photo[..20]));
        assert_eq!(s.open("abc", stored).unwrap(), photo);
    }

    #[test]
    fn a_changed_file_or_one_under_another_name_is_refused() {
        let s = seal();
        let stored = s.seal("abc", b"signature");
        let mut changed = stored.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert_eq!(s.open("abc", changed), Err(Forged));
        assert_eq!(s.open("abd", stored.clone()), Err(Forged));
        assert_eq!(s.open("abc", stored[..10].to_vec()), Err(Forged));
    }
}
