//! What was written but not yet synced, per file path: the disk's write
//! cache. Reads see it (as they would see the page cache), a sync moves it
//! to the file, a power cut keeps a random part of it.
//!
//! Kept per path, not per open handle: SQLite opens the same database from
//! several connections, and each must read what another wrote.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// A change not yet on disk.
#[derive(Clone, Debug)]
pub enum Change {
    Write { offset: u64, data: Vec<u8> },
    Truncate { size: u64 },
}

fn all() -> MutexGuard<'static, HashMap<String, Vec<Change>>> {
    static ALL: OnceLock<Mutex<HashMap<String, Vec<Change>>>> = OnceLock::new();
    ALL.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner())
}

pub fn push(path: &str, change: Change) {
    all().entry(path.to_string()).or_default().push(change);
}

/// Takes the changes of `path` (for a sync).
pub fn take(path: &str) -> Vec<Change> {
    all().remove(path).unwrap_or_default()
}

/// Takes everything (for a power cut).
pub fn take_all() -> Vec<(String, Vec<Change>)> {
    all().drain().collect()
}

/// The file was deleted: what was cached for it goes with it.
pub fn forget(path: &str) {
    all().remove(path);
}

/// Whether `path` has changes not yet on disk.
pub fn any(path: &str) -> bool {
    all().get(path).is_some_and(|c| !c.is_empty())
}

/// The file's size with its pending changes, from its size on disk.
pub fn size(path: &str, on_disk: u64) -> u64 {
    let all = all();
    let Some(changes) = all.get(path) else { return on_disk };
    changes.iter().fold(on_disk, |size, c| match c {
        Change::Write { offset, data } => size.max(offset + data.len() as u64),
        Change::Truncate { size: t } => *t,
    })
}

/// Lays the pending changes of `path` over `buf`, which holds the bytes on
/// disk at `offset` (zeros past the end). Returns the file's size with them.
pub fn overlay(path: &str, buf: &mut [u8], offset: u64, on_disk: u64) -> u64 {
    let all = all();
    let Some(changes) = all.get(path) else { return on_disk };
    let end = offset + buf.len() as u64;
    let mut size = on_disk;
    for c in changes {
        match c {
            Change::Truncate { size: t } => {
                if *t < end {
                    let from = t.saturating_sub(offset) as usize;
                    buf[from..].fill(0);
                }
                size = *t;
            }
            Change::Write { offset: at, data } => {
                let w_end = at + data.len() as u64;
                if *at < end && w_end > offset {
                    let from = (*at).max(offset);
                    let to = w_end.min(end);
                    let src = &data[(from - at) as usize..(to - at) as usize];
                    buf[(from - offset) as usize..(to - offset) as usize].copy_from_slice(src);
                }
                size = size.max(w_end);
            }
        }
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_see_writes_and_truncations_in_order() {
        let p = "/virtual/a.db";
        push(p, Change::Write { offset: 4, data: vec![1; 4] });
        push(p, Change::Truncate { size: 6 });
        push(p, Change::Write { offset: 10, data: vec![2; 2] });
        let mut buf = [9u8; 12];
        let size = overlay(p, &mut buf, 0, 8);
        assert_eq!(buf, [9, 9, 9, 9, 1, 1, 0, 0, 0, 0, 2, 2]);
        assert_eq!((size, self::size(p, 8)), (12, 12));
        assert_eq!(take(p).len(), 3);
        assert!(!any(p));
    }
}
