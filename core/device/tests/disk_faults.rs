//! A failing or full disk gives typed errors and loses nothing.
//!
//! Two kinds of disk: SQLite's files on `redline-faults`, which answers
//! chosen operations with EIO (reads, writes, syncs) — and a real, small
//! file system (a tmpfs of a few megabytes mounted by the test) that the
//! edits and photos fill up. In both, every failing call must return
//! `ErrorKind::Storage`, everything acknowledged before must still be
//! there, no photo the documents refer to may be partial or missing, a
//! failing open must neither wipe the store nor make a new one, and once the
//! disk works again (healed, or space freed) the same store carries on.
//!
//! The faulty VFS is the default for this whole test binary, and its plan
//! is one per process: the scenarios take turns.

mod common;

use common::edits::{check_rows_match_documents, who};
use redline_device::inspection::{AnswerValue, InspectionKind, PhotoOwner};
use redline_device::store::{PhotoMeta, Store};
use redline_device::template::AnswerType;
use redline_device::{ErrorKind, Result};
use redline_faults::{Failure, Ops, SmallDisk};
use std::path::Path;
use std::sync::Mutex;

/// The faulty VFS's plan is one per process: one scenario at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const TEMPLATE: &str = "hazardous_chemicals";

/// An inspection being filled in, and what was acknowledged.
struct Work {
    inspection: String,
    items: Vec<String>,
    notes: Vec<(String, String)>,
    photos: Vec<(String, Vec<u8>)>,
    n: usize,
}

impl Work {
    fn start(store: &Store) -> Work {
        store.put_sites(&[common::site("site-1", "文三路烟花店")]).unwrap();
        let inspection = store.start_inspection("site-1", InspectionKind::RoutinePatrol, TEMPLATE).unwrap().id;
        let template = store.template(TEMPLATE, None).unwrap();
        let items = template.items().filter(|(_, i)| i.answer == AnswerType::PassFail).map(|(_, i)| i.id.clone()).collect();
        Work { inspection, items, notes: vec![], photos: vec![], n: 0 }
    }

    /// The next edit: an answer with a note, every third one a photo of
    /// `photo_len` bytes. Recorded only if it returned Ok.
    fn edit(&mut self, store: &Store, photo_len: usize) -> Result<()> {
        self.n += 1;
        let item = self.items[self.n % self.items.len()].clone();
        if self.n.is_multiple_of(3) {
            let bytes: Vec<u8> = (0..photo_len).map(|i| (i * 31 + self.n * 7) as u8).collect();
            let p = store.attach_photo(&self.inspection, PhotoOwner::Answer(item), &bytes, PhotoMeta::default())?;
            self.photos.push((p.hash, bytes));
        } else {
            let note = format!("第{}次", self.n);
            store.answer(&self.inspection, &item, AnswerValue::Fail, Some(note.clone()))?;
            self.notes.retain(|(i, _)| *i != item);
            self.notes.push((item, note));
        }
        Ok(())
    }

    /// Everything acknowledged is there; every photo the inspection refers
    /// to verifies.
    fn check(&self, store: &Store) {
        let i = store.inspection(&self.inspection).unwrap();
        for (item, note) in &self.notes {
            assert_eq!(i.answers[item].note.as_deref(), Some(note.as_str()), "answer {item}");
        }
        for (hash, bytes) in &self.photos {
            assert!(i.photos.contains_key(hash), "acknowledged photo {hash} is not in the inspection");
            assert_eq!(&store.blob(hash).unwrap(), bytes, "photo {hash}");
        }
        for hash in i.photos.keys() {
            store.blob(hash).unwrap_or_else(|e| panic!("the inspection refers to photo {hash}, which does not verify: {e}"));
        }
        store.check_integrity().unwrap();
    }
}

fn expect_storage(r: Result<()>, what: &str) {
    match r {
        Err(e) if e.kind() == ErrorKind::Storage => {}
        Err(e) => panic!("{what}: {e} is {:?}, not Storage", e.kind()),
        Ok(()) => panic!("{what}: succeeded on a failing disk"),
    }
}

/// Six edits while `ops` fail with `failure`: each refused as `Storage`.
/// The disk is healed afterwards.
fn refused_while(work: &mut Work, store: &Store, ops: Ops, failure: Failure, what: &str) {
    redline_faults::fail(ops, failure, 0);
    for k in 0..6 {
        expect_storage(work.edit(store, 2000), &format!("edit {k} {what}"));
    }
    redline_faults::heal();
}

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn io_errors_are_storage_errors_and_lose_nothing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    redline_faults::install();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    let store = Store::open(&db, who()).unwrap();
    let mut work = Work::start(&store);
    for _ in 0..12 {
        work.edit(&store, 2000).unwrap();
    }
    work.check(&store);

    // Writes fail: every edit is refused, none half-kept.
    refused_while(&mut work, &store, Ops::WRITES, Failure::Io, "with writes failing");
    work.check(&store);
    work.edit(&store, 2000).unwrap();

    // Syncs fail: the commit is not durable, so it is not acknowledged.
    refused_while(&mut work, &store, Ops::SYNCS, Failure::Io, "with syncs failing");
    for _ in 0..6 {
        work.edit(&store, 2000).unwrap();
    }
    work.check(&store);

    // SQLite reports a full disk: the same.
    refused_while(&mut work, &store, Ops::WRITES, Failure::Full, "on a full disk");
    work.edit(&store, 2000).unwrap();
    drop(store);

    // Reads fail while opening: a typed error, the file untouched — not a
    // wipe, not a new empty store, not "wrong key".
    let before = digest(&db);
    redline_faults::fail(Ops::READS, Failure::Io, 0);
    match Store::open(&db, who()) {
        Err(e) => assert_eq!(e.kind(), ErrorKind::Storage, "{e}"),
        Ok(_) => panic!("the store opened with every read failing"),
    }
    redline_faults::heal();
    assert_eq!(digest(&db), before, "a failed open changed the database file");

    let store = Store::open(&db, who()).unwrap();
    work.check(&store);
    drop(store);
    check_rows_match_documents(&db);
}

#[test]
fn a_full_file_system_refuses_edits_and_photos_and_then_carries_on() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some(disk) = SmallDisk::mount("6m") else { return };
    let db = disk.path().join("phone.db");
    // Room to give back once the disk is full.
    let ballast = disk.path().join("ballast");
    std::fs::write(&ballast, vec![1u8; 1 << 20]).unwrap();
    let store = Store::open(&db, who()).unwrap();
    let mut work = Work::start(&store);

    let (mut ok, mut refused) = (0, 0);
    while refused < 20 {
        match work.edit(&store, 64 * 1024) {
            Ok(()) => ok += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Storage, "a full disk gave {e}");
                refused += 1;
            }
        }
        assert!(ok < 2000, "the 6 MB disk never filled up");
    }
    work.check(&store);

    std::fs::remove_file(&ballast).unwrap();
    for k in 0..10 {
        work.edit(&store, 16 * 1024).unwrap_or_else(|e| panic!("edit {k} after freeing space: {e}"));
    }
    work.check(&store);
    drop(store);
    let store = Store::open(&db, who()).unwrap();
    work.check(&store);
    let leftovers = std::fs::read_dir(db.with_extension("blobs").join("tmp")).unwrap().count();
    assert_eq!(leftovers, 0, "temporaries left after reopening");
    drop(store);
    check_rows_match_documents(&db);
    println!("full disk: {ok} edits acknowledged before and between {refused} refusals, 10 after freeing space");
}
