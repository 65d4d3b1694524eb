//! The documents merged last, kept loaded between uploads. In a shared
//! scope every device edits the same few inspections, and parsing each
//! from its saved bytes for every upload (automerge rebuilds the whole op
//! set) and reading it again as the domain sees it were most of a merge's
//! work. An entry stands for exactly one stored version: a commit anywhere
//! else (another process on the same database) bumps the version, and the
//! entry is then dropped unused, so the cache can never make a merge start
//! from anything but what is committed.
//!
//! Entries are taken out for the length of a merge (which holds the
//! document's lock in this process) and put back only with the version
//! the merge committed.

use std::collections::VecDeque;
use std::sync::Mutex;

/// How many documents stay loaded: the hot set of a district's shared
/// inspections, small enough that a few hundred of them cost little memory.
pub const HOT_DOCS: usize = 256;

pub struct HotDocs<T> {
    capacity: usize,
    /// Newest first: `(id, version, value)`.
    entries: Mutex<VecDeque<(String, i64, T)>>,
}

impl<T> Default for HotDocs<T> {
    fn default() -> Self {
        HotDocs::new(HOT_DOCS)
    }
}

impl<T> HotDocs<T> {
    pub fn new(capacity: usize) -> HotDocs<T> {
        HotDocs { capacity, entries: Mutex::new(VecDeque::new()) }
    }

    /// Takes out document `id` if what is kept is its `version`; a copy of
    /// any other version is dropped.
    pub fn take(&self, id: &str, version: i64) -> Option<T> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let at = entries.iter().position(|(k, _, _)| k == id)?;
        let (_, kept, value) = entries.remove(at)?;
        (kept == version).then_some(value)
    }

    /// Keeps `value` as document `id` at `version`, the newest entry;
    /// the oldest leaves when the cache is full.
    pub fn put(&self, id: &str, version: i64, value: T) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|(k, _, _)| k != id);
        entries.push_front((id.to_string(), version, value));
        entries.truncate(self.capacity);
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_own_version_and_only_once() {
        let hot = HotDocs::new(4);
        hot.put("a", 3, "a@3");
        assert_eq!(hot.take("a", 4), None, "committed elsewhere since: not used");
        assert_eq!(hot.take("a", 3), None, "and dropped");
        hot.put("a", 4, "a@4");
        assert_eq!(hot.take("a", 4), Some("a@4"));
        assert_eq!(hot.take("a", 4), None, "taken out while merged");
    }

    #[test]
    fn one_entry_per_document_and_the_oldest_leaves_first() {
        let hot = HotDocs::new(3);
        for (i, id) in ["a", "b", "c", "a", "d"].iter().enumerate() {
            hot.put(id, i as i64, *id);
        }
        assert_eq!(hot.len(), 3);
        assert_eq!(hot.take("b", 1), None, "the oldest left");
        assert_eq!(hot.take("a", 3), Some("a"), "the newer copy of a replaced the older");
        assert_eq!((hot.take("c", 2), hot.take("d", 4)), (Some("c"), Some("d")));
    }
}
