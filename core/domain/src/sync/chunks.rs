//! Splits and checks the automerge bytes a device uploads before automerge
//! itself sees them.
//!
//! Devices upload only plain change chunks (what `save_after` produces).
//! Document and compressed chunks carry DEFLATE streams that automerge would
//! inflate without a bound, so accepting them from a device would let one
//! request expand into gigabytes; they are refused here by their type byte,
//! along with wrong magic, bad lengths and trailing garbage.

use automerge::Change;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const CHANGE_CHUNK: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    #[error("chunk at byte {0} does not start with the automerge magic")]
    BadMagic(usize),
    #[error("chunk at byte {0} is truncated")]
    Truncated(usize),
    #[error("chunk at byte {offset} has type {kind}; only plain change chunks are accepted")]
    NotAChange { offset: usize, kind: u8 },
    #[error("change at byte {offset} does not decode: {detail}")]
    BadChange { offset: usize, detail: String },
    #[error("too many changes in one upload (limit {0})")]
    TooMany(usize),
}

/// Reads an unsigned LEB128 length; `None` when truncated or over 64 bits.
fn uleb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Decodes a run of concatenated change chunks into changes.
pub fn split_changes(bytes: &[u8], max_changes: usize) -> Result<Vec<Change>, ChunkError> {
    let mut out = vec![];
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < 9 {
            return Err(ChunkError::Truncated(at));
        }
        if rest[..4] != MAGIC {
            return Err(ChunkError::BadMagic(at));
        }
        if rest[8] != CHANGE_CHUNK {
            return Err(ChunkError::NotAChange { offset: at, kind: rest[8] });
        }
        let (len, len_size) = uleb128(&rest[9..]).ok_or(ChunkError::Truncated(at))?;
        let total = 9usize
            .checked_add(len_size)
            .and_then(|n| usize::try_from(len).ok().and_then(|l| n.checked_add(l)))
            .ok_or(ChunkError::Truncated(at))?;
        if total > rest.len() {
            return Err(ChunkError::Truncated(at));
        }
        if out.len() == max_changes {
            return Err(ChunkError::TooMany(max_changes));
        }
        let change = Change::from_bytes(rest[..total].to_vec()).map_err(|e| ChunkError::BadChange { offset: at, detail: e.to_string() })?;
        out.push(change);
        at += total;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, ROOT, transaction::Transactable};

    fn two_changes() -> Vec<u8> {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).unwrap();
        doc.commit();
        doc.put(ROOT, "b", "x".repeat(2000)).unwrap();
        doc.commit();
        doc.save_after(&[])
    }

    #[test]
    fn plain_changes_split_and_decode() {
        let bytes = two_changes();
        let changes = split_changes(&bytes, 10).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(split_changes(&bytes, 1), Err(ChunkError::TooMany(1)));
    }

    #[test]
    fn documents_garbage_and_truncation_are_refused() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).unwrap();
        let saved = doc.save();
        assert!(matches!(split_changes(&saved, 10), Err(ChunkError::NotAChange { kind: 0, .. })));
        assert_eq!(split_changes(b"not automerge at all", 10), Err(ChunkError::BadMagic(0)));
        let bytes = two_changes();
        assert!(matches!(split_changes(&bytes[..bytes.len() - 3], 10), Err(ChunkError::Truncated(_))));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0xff;
        assert!(matches!(split_changes(&flipped, 10), Err(ChunkError::BadChange { .. })));
        // A length that claims far more than is there.
        let mut huge = MAGIC.to_vec();
        huge.extend([0, 0, 0, 0, CHANGE_CHUNK, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(matches!(split_changes(&huge, 10), Err(ChunkError::Truncated(0))));
    }
}
