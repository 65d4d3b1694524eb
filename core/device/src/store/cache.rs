//! The small cache of loaded documents, shared by the writer and every
//! reader connection. Answering item after item must not reload the
//! inspection each time, and a detail screen re-reading what was just
//! edited should not either.
//!
//! The one rule: the cache never holds a document older than what is
//! committed. A writer takes a document out for the length of its write
//! ([`DocCache::start_write`]) and puts back only the committed state
//! ([`DocCache::finish_write`]); while a write is under way, readers neither
//! use nor fill the cache for that document. A reader that loaded from its
//! own connection puts its copy in only if no write started or finished
//! since it looked ([`ReadTicket`]), because its snapshot may predate that
//! write.

use automerge::AutoCommit;
use std::collections::{HashSet, VecDeque};

/// Documents kept in memory. Small, because phones are.
const CACHE_SIZE: usize = 8;

#[derive(Default)]
pub struct DocCache {
    entries: VecDeque<(String, AutoCommit)>,
    /// Documents a writer holds; readers go to the database for them.
    writing: HashSet<String>,
    /// Bumped at the start and end of every write.
    epoch: u64,
}

/// What a reader saw when it looked in the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadTicket {
    epoch: u64,
}

impl DocCache {
    fn take(&mut self, id: &str) -> Option<AutoCommit> {
        let pos = self.entries.iter().position(|(k, _)| k == id)?;
        self.entries.remove(pos).map(|(_, d)| d)
    }

    fn put(&mut self, id: String, doc: AutoCommit) {
        self.entries.retain(|(k, _)| *k != id);
        self.entries.push_front((id, doc));
        self.entries.truncate(CACHE_SIZE);
    }

    /// A writer starts on `id`: returns the cached copy, if any, taken out
    /// until [`finish_write`](Self::finish_write).
    pub fn start_write(&mut self, id: &str) -> Option<AutoCommit> {
        self.epoch += 1;
        self.writing.insert(id.to_string());
        self.take(id)
    }

    /// The write of `id` is over: `doc` is its committed state, or `None`
    /// when the write failed (the database still holds the old state, which
    /// the next use loads) or the document is gone.
    pub fn finish_write(&mut self, id: &str, doc: Option<AutoCommit>) {
        self.epoch += 1;
        self.writing.remove(id);
        match doc {
            Some(doc) => self.put(id.to_string(), doc),
            None => drop(self.take(id)),
        }
    }

    /// A reader looks for `id`: the cached copy (taken out while it is read,
    /// so no one else changes it meanwhile) and a ticket for putting back.
    pub fn start_read(&mut self, id: &str) -> (Option<AutoCommit>, ReadTicket) {
        let ticket = ReadTicket { epoch: self.epoch };
        if self.writing.contains(id) { (None, ticket) } else { (self.take(id), ticket) }
    }

    /// Puts back what a reader used or loaded, unless a write started or
    /// ended since its ticket (its copy may be older than the database).
    pub fn finish_read(&mut self, id: &str, doc: AutoCommit, ticket: ReadTicket) {
        if ticket.epoch == self.epoch && !self.writing.contains(id) {
            self.put(id.to_string(), doc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{ROOT, ReadDoc, transaction::Transactable};

    fn doc(value: i64) -> AutoCommit {
        let mut d = AutoCommit::new();
        d.put(ROOT, "v", value).unwrap();
        d
    }

    fn value(d: &AutoCommit) -> i64 {
        d.get(ROOT, "v").unwrap().unwrap().0.as_i64().unwrap()
    }

    #[test]
    fn a_write_replaces_the_cached_copy_and_a_failed_write_drops_it() {
        let mut c = DocCache::default();
        c.finish_write("a", Some(doc(1)));
        let taken = c.start_write("a").expect("cached");
        assert_eq!(value(&taken), 1);
        assert!(c.start_read("a").0.is_none(), "taken by the writer");
        c.finish_write("a", Some(doc(2)));
        let (read, t) = c.start_read("a");
        assert_eq!(value(read.as_ref().unwrap()), 2);
        c.finish_read("a", read.unwrap(), t);
        c.start_write("a");
        c.finish_write("a", None);
        assert!(c.start_read("a").0.is_none(), "a failed write leaves nothing cached");
    }

    #[test]
    fn a_reader_never_caches_a_copy_older_than_a_write() {
        let mut c = DocCache::default();
        // Looked before the write started, loaded the old state, comes back
        // during the write, then after it: neither time is its copy kept.
        let (_, early) = c.start_read("a");
        assert!(c.start_write("a").is_none());
        c.finish_read("a", doc(1), early);
        assert!(c.start_read("a").0.is_none());
        let (_, during) = c.start_read("a");
        c.finish_write("a", Some(doc(2)));
        c.finish_read("a", doc(1), during);
        let (kept, _) = c.start_read("a");
        assert_eq!(value(&kept.unwrap()), 2, "the committed state stays");
    }

    #[test]
    fn one_entry_per_document_and_a_bounded_size() {
        let mut c = DocCache::default();
        for i in 0..20 {
            c.finish_write(&format!("d{}", i % 10), Some(doc(i)));
        }
        assert_eq!(c.entries.len(), CACHE_SIZE);
        let (d9, _) = c.start_read("d9");
        assert_eq!(value(&d9.unwrap()), 19, "the newest write of d9");
        assert!(c.start_read("d0").0.is_none(), "the oldest left first");
    }
}
