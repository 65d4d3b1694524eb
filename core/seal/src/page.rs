//! How one database page is sealed: AES-256-GCM over the page's bytes,
//! with a fresh random nonce each time it is written and the nonce and tag
//! kept in the page's reserved bytes (SQLite leaves the last
//! [`RESERVE`] bytes of every page alone when told to reserve them).
//!
//! The associated data names where the page lives (which file and at which
//! offset), so a page copied to another place in the file, or from the WAL
//! into the database, does not decrypt: moving ciphertext around is
//! detected like changing it. The reserved bytes always read back as
//! zeros, so what SQLite checksums (whole WAL frames) is what it wrote.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, Tag, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// The page size of a sealed database (SQLite's default on phones).
pub const PAGE_SIZE: usize = 4096;
/// AES-GCM's tag.
const TAG_LEN: usize = 16;
/// Bytes reserved at the end of each page: nonce, then tag.
pub const RESERVE: usize = NONCE_LEN + TAG_LEN;
/// The bytes of a page that carry SQLite's data.
const BODY: usize = PAGE_SIZE - RESERVE;

/// Which file a page is in; part of the associated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFile {
    Database = 1,
    Wal = 2,
    Journal = 3,
}

/// Why a page could not be opened.
#[derive(Debug, PartialEq, Eq)]
pub enum PageError {
    /// The tag does not match: another key, or the bytes were changed or moved.
    Forged,
}

/// The page key of one store.
pub struct PageCipher {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl PageCipher {
    pub fn new(key: &[u8; 32]) -> PageCipher {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("32 bytes is an AES-256 key"));
        PageCipher { key, rng: SystemRandom::new() }
    }

    fn aad(file: PageFile, offset: u64) -> [u8; 9] {
        let mut aad = [0u8; 9];
        aad[0] = file as u8;
        aad[1..].copy_from_slice(&offset.to_le_bytes());
        aad
    }

    /// Seals `plain` (one page as SQLite wrote it) into `out`.
    pub fn seal(&self, plain: &[u8; PAGE_SIZE], file: PageFile, offset: u64, out: &mut [u8; PAGE_SIZE]) -> Result<(), PageError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| PageError::Forged)?;
        out[..BODY].copy_from_slice(&plain[..BODY]);
        let aad = Self::aad(file, offset);
        let tag = self
            .key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&aad), &mut out[..BODY])
            .map_err(|_| PageError::Forged)?;
        out[BODY..BODY + NONCE_LEN].copy_from_slice(&nonce);
        out[BODY + NONCE_LEN..].copy_from_slice(tag.as_ref());
        Ok(())
    }

    /// Opens a sealed page in place; its reserved bytes become zeros.
    pub fn open(&self, page: &mut [u8; PAGE_SIZE], file: PageFile, offset: u64) -> Result<(), PageError> {
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&page[BODY..BODY + NONCE_LEN]);
        let tag = Tag::try_from(&page[BODY + NONCE_LEN..]).map_err(|_| PageError::Forged)?;
        let aad = Self::aad(file, offset);
        self.key
            .open_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&aad), tag, &mut page[..BODY], 0..)
            .map_err(|_| PageError::Forged)?;
        page[BODY..].fill(0);
        Ok(())
    }
}

/// Whether a page is all zeros: space SQLite has not written yet (a hole
/// left by a checkpoint writing a later page first) reads as zeros, not as
/// a forged page.
pub fn is_blank(page: &[u8]) -> bool {
    page.iter().all(|&b| b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(fill: u8) -> [u8; PAGE_SIZE] {
        let mut p = [fill; PAGE_SIZE];
        p[BODY..].fill(0);
        p
    }

    #[test]
    fn a_page_round_trips_and_its_ciphertext_differs_each_time() {
        let c = PageCipher::new(&[7; 32]);
        let plain = page(0x5a);
        let (mut a, mut b) = ([0u8; PAGE_SIZE], [0u8; PAGE_SIZE]);
        c.seal(&plain, PageFile::Database, 4096, &mut a).unwrap();
        c.seal(&plain, PageFile::Database, 4096, &mut b).unwrap();
        assert_ne!(a, b, "a fresh nonce on every write");
        assert!(!a.windows(16).any(|w| w == [0x5a; 16]), "no plaintext run survives");
        c.open(&mut a, PageFile::Database, 4096).unwrap();
        assert_eq!(a, plain);
    }

    #[test]
    fn another_key_a_changed_byte_or_another_place_is_refused() {
        let c = PageCipher::new(&[7; 32]);
        let mut sealed = [0u8; PAGE_SIZE];
        c.seal(&page(1), PageFile::Wal, 56, &mut sealed).unwrap();
        let mut other = sealed;
        assert_eq!(PageCipher::new(&[8; 32]).open(&mut other, PageFile::Wal, 56), Err(PageError::Forged));
        let mut moved = sealed;
        assert_eq!(c.open(&mut moved, PageFile::Wal, 56 + 4120), Err(PageError::Forged));
        let mut into_db = sealed;
        assert_eq!(c.open(&mut into_db, PageFile::Database, 56), Err(PageError::Forged));
        let mut flipped = sealed;
        flipped[100] ^= 1;
        assert_eq!(c.open(&mut flipped, PageFile::Wal, 56), Err(PageError::Forged));
    }
}
