//! Damaged storage is reported, never panicked on, and never "repaired" by
//! throwing data away.
//!
//! Phones lose power mid-write, flash wears out, backup tools restore half a
//! file, and an app downgrade meets a database from a newer build. In every
//! case the store must answer with a typed error the app can act on
//! (`ErrorKind::Storage`: offer export/support, do not retry blindly), keep
//! working for the documents that are intact, and leave the damaged files in
//! place so they can be recovered. Covered: flipped bytes in the database
//! header, a truncated database, a document whose snapshot or appended change
//! is truncated or has flipped bytes (edited with rusqlite underneath the
//! store), a photo file whose bytes no longer match its hash, and a database
//! whose schema version is newer than this build's.

mod common;

use common::*;
use redline_device::doc::NewFinding;
use redline_device::inspection::*;
use redline_device::people::{Identity, Role};
use redline_device::store::{HazardQuery, InspectionQuery, PhotoMeta, SCHEMA_VERSION, Store};
use redline_device::time::Date;
use redline_device::{Error, ErrorKind};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn who() -> Identity {
    Identity {
        user_id: "insp-1".into(),
        name: "张检查员".into(),
        role: Role::Inspector,
        device_id: "6d1f0a9e-3b2c-4d5e-8f70-a1b2c3d4e5f6".into(),
    }
}

/// What a populated store holds, to look for afterwards.
struct Fixture {
    db: PathBuf,
    /// Submitted, with a hazard and photos.
    submitted: String,
    /// A draft edited past compaction: a snapshot plus appended changes.
    draft: String,
    hazard: String,
    photo: String,
}

fn populate(dir: &Path) -> Fixture {
    let store = open(dir, "phone.db", who());
    let t = store.template("hazardous_chemicals", None).unwrap();
    let i = store.start_inspection("site-1", InspectionKind::SpecialCampaign, "hazardous_chemicals").unwrap();
    for (_, item) in t.items() {
        let v = match &item.answer {
            redline_device::template::AnswerType::Number { .. } => AnswerValue::Number(1.0),
            _ if item.id == "H24" => AnswerValue::Fail,
            _ => AnswerValue::Pass,
        };
        store.answer(&i.id, &item.id, v, Some(format!("{} 已核对", item.id))).unwrap();
    }
    let f = store
        .add_finding(
            &i.id,
            NewFinding {
                item_id: Some("H24".into()),
                description: "安全警示标志缺失".into(),
                grade: Grade::General,
                location: None,
                deadline: Some(Date::today().add_days(10)),
                responsible: Some("王经理".into()),
            },
        )
        .unwrap();
    let p = store.attach_photo(&i.id, PhotoOwner::Finding(f.clone()), &photo("sign"), PhotoMeta::default()).unwrap();
    let hazards = store.submit(&i.id).unwrap();
    assert_eq!(hazards, vec![f.clone()]);

    let draft = store.start_inspection("site-2", InspectionKind::RoutinePatrol, "food_safety").unwrap();
    for n in 0..(redline_device::store::COMPACT_AFTER + 20) {
        let item = ["D01", "D03", "D05", "D07"][n as usize % 4];
        store.answer(&draft.id, item, AnswerValue::Pass, Some(format!("第{n}次"))).unwrap();
    }
    drop(store);
    let db = dir.join("phone.db");
    // Closed cleanly: everything is in the main file, none in a WAL.
    let wal = dir.join("phone.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0, "WAL checkpointed on close");
    Fixture { db, submitted: i.id, draft: draft.id, hazard: f, photo: p.hash }
}

/// Runs `f`, failing the test with a clear message if it panics.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("{what}: panic (the store must return a typed error, and must notice the damage): {msg:?}")
        }
    }
}

fn assert_storage<T: std::fmt::Debug>(what: &str, r: Result<T, Error>) -> Error {
    let e = r.expect_err(&format!("{what}: damage went unnoticed"));
    assert_eq!(e.kind(), ErrorKind::Storage, "{what}: {e}");
    e
}

/// Everything a phone does on opening: the store, the lists, every document
/// and photo, SQLite's own check. Returns the first failure; nothing may
/// panic, and nothing may return data while the database is damaged.
fn use_everything(f: &Fixture) -> Result<(), Error> {
    let store = Store::open(&f.db, who())?;
    store.check_integrity()?;
    store.inspections(&InspectionQuery::default())?;
    store.hazards(&HazardQuery::default(), Date::today())?;
    store.inspection(&f.submitted)?;
    store.inspection(&f.draft)?;
    store.hazard(&f.hazard)?;
    store.blob(&f.photo)?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A copy of the database and its photos in `into`.
fn copy_fixture(f: &Fixture, into: &Path) -> Fixture {
    std::fs::create_dir_all(into).unwrap();
    let db = into.join("phone.db");
    std::fs::copy(&f.db, &db).unwrap();
    copy_dir(&f.db.with_extension("blobs"), &db.with_extension("blobs"));
    Fixture { db, submitted: f.submitted.clone(), draft: f.draft.clone(), hazard: f.hazard.clone(), photo: f.photo.clone() }
}

// ---- the database file -------------------------------------------------------

#[test]
fn flipped_bytes_in_the_database_header_are_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = populate(dir.path());
    let good = std::fs::read(&f.db).unwrap();
    // The magic string, the page size, and the payload fractions that must
    // be 64/32/32.
    let damages: &[(&str, &[usize])] = &[("magic", &[0, 5, 15]), ("page size", &[16, 17]), ("payload fractions", &[21, 22, 23])];
    for (n, (name, offsets)) in damages.iter().enumerate() {
        let case = copy_fixture(&f, &dir.path().join(format!("header-{n}")));
        let mut bytes = good.clone();
        for &o in *offsets {
            bytes[o] ^= 0xA5;
        }
        std::fs::write(&case.db, &bytes).unwrap();
        let result = no_panic(name, || use_everything(&case));
        let e = assert_storage(name, result);
        assert!(matches!(e, Error::Sqlite(_) | Error::CorruptDocument { .. }), "{name}: {e:?}");
        // The damaged file is left exactly as it was, for recovery.
        assert_eq!(std::fs::read(&case.db).unwrap(), bytes, "{name}: the store rewrote the damaged file");
        // Undo the damage: nothing was lost by the failed open.
        std::fs::write(&case.db, &good).unwrap();
        use_everything(&case).unwrap_or_else(|e| panic!("{name}: restored: {e}"));
        let store = Store::open(&case.db, who()).unwrap();
        assert_eq!(store.inspection(&f.draft).unwrap().answers.len(), 4);
    }
}

#[test]
fn a_truncated_database_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = populate(dir.path());
    let good = std::fs::read(&f.db).unwrap();
    let page = u16::from_be_bytes([good[16], good[17]]) as usize;
    let page = if page == 1 { 65_536 } else { page };
    assert!(good.len() >= 8 * page, "the fixture spans several pages: {} bytes", good.len());
    let lengths = [
        ("inside the header", 50),
        ("one page", page),
        ("one page and a bit", page + 100),
        ("half", good.len() / 2 / page * page),
        ("all but the last page", good.len() - page),
    ];
    // (SQLite keeps no checksum of page contents, so a cut inside the last
    // page that leaves the page count alone is not detectable in general.)
    for (n, (name, len)) in lengths.into_iter().enumerate() {
        let case = copy_fixture(&f, &dir.path().join(format!("trunc-{n}")));
        std::fs::write(&case.db, &good[..len]).unwrap();
        let result = no_panic(name, || use_everything(&case));
        assert_storage(name, result);
        assert!(case.db.exists(), "{name}: the damaged file is kept");
        assert!(std::fs::metadata(&case.db).unwrap().len() >= len as u64, "{name}: the store shrank the damaged file");
    }
}

// ---- one damaged document ------------------------------------------------------

fn sql(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

fn snapshot_of(db: &Path, id: &str) -> Vec<u8> {
    sql(db).query_row("SELECT snapshot FROM documents WHERE id = ?1", [id], |r| r.get(0)).unwrap()
}

fn set_snapshot(db: &Path, id: &str, bytes: &[u8]) {
    let n = sql(db).execute("UPDATE documents SET snapshot = ?2 WHERE id = ?1", rusqlite::params![id, bytes]).unwrap();
    assert_eq!(n, 1);
}

/// The last appended change of `id`: (seq, bytes).
fn last_change(db: &Path, id: &str) -> (i64, Vec<u8>) {
    sql(db)
        .query_row("SELECT seq, bytes FROM document_changes WHERE doc_id = ?1 ORDER BY seq DESC LIMIT 1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
}

fn set_change(db: &Path, id: &str, seq: i64, bytes: &[u8]) {
    let n = sql(db)
        .execute("UPDATE document_changes SET bytes = ?3 WHERE doc_id = ?1 AND seq = ?2", rusqlite::params![id, seq, bytes])
        .unwrap();
    assert_eq!(n, 1);
}

/// Opens the store over a database with one damaged document `bad` and
/// checks: loading it (and editing it) is a CorruptDocument error naming
/// it, the stored bytes are left as they were, and the other documents and
/// the lists keep working.
fn check_damaged(f: &Fixture, bad: &str, is_hazard: bool, what: &str, stored: impl Fn() -> Vec<u8>) {
    let before = stored();
    no_panic(what, || {
        let store = Store::open(&f.db, who()).unwrap_or_else(|e| panic!("{what}: one bad document must not stop the store: {e}"));
        let loaded = if is_hazard { store.hazard(bad).map(|_| ()) } else { store.inspection(bad).map(|_| ()) };
        match assert_storage(what, loaded) {
            Error::CorruptDocument { id, .. } => assert_eq!(id, bad, "{what}"),
            e => panic!("{what}: expected CorruptDocument, got {e:?}"),
        }
        // An edit of it is refused the same way and writes nothing.
        let edited = if is_hazard {
            store.transition(bad, redline_device::hazard::Action::Regrade { grade: Grade::Major }, "", &[]).map(|_| ())
        } else {
            store.answer(bad, "D02", AnswerValue::Pass, None)
        };
        assert!(matches!(edited, Err(Error::CorruptDocument { .. })), "{what}: {edited:?}");
        // Everything else still works.
        for other in [&f.submitted, &f.draft].into_iter().filter(|id| *id != bad) {
            store.inspection(other).unwrap_or_else(|e| panic!("{what}: {other}: {e}"));
        }
        if !is_hazard {
            store.hazard(&f.hazard).unwrap();
        }
        assert_eq!(store.inspections(&InspectionQuery::default()).unwrap().len(), 2);
        assert_eq!(store.hazards(&HazardQuery::default(), Date::today()).unwrap().len(), 1);
        store.check_integrity().unwrap();
    });
    assert_eq!(stored(), before, "{what}: the damaged bytes were changed");
}

/// Positions spread over `len` bytes, always including both ends.
fn positions(len: usize, count: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..count).map(|k| k * (len - 1) / (count - 1)).collect();
    p.dedup();
    p
}

#[test]
fn a_damaged_document_snapshot_is_a_corrupt_document_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = populate(dir.path());
    for (bad, is_hazard) in [(f.draft.clone(), false), (f.submitted.clone(), false), (f.hazard.clone(), true)] {
        let good = snapshot_of(&f.db, &bad);
        assert!(good.len() > 64, "{bad}: {} bytes", good.len());
        for len in [0, 1, 8, good.len() / 2, good.len() - 1] {
            set_snapshot(&f.db, &bad, &good[..len]);
            check_damaged(&f, &bad, is_hazard, &format!("{bad}: snapshot cut to {len} bytes"), || snapshot_of(&f.db, &bad));
        }
        for at in positions(good.len(), 24) {
            let mut bytes = good.clone();
            bytes[at] ^= 0x10;
            set_snapshot(&f.db, &bad, &bytes);
            check_damaged(&f, &bad, is_hazard, &format!("{bad}: snapshot byte {at} flipped"), || snapshot_of(&f.db, &bad));
        }
        set_snapshot(&f.db, &bad, &good);
    }
    // Repaired, everything is back.
    use_everything(&f).unwrap();
}

#[test]
fn a_damaged_appended_change_is_a_corrupt_document_error() {
    // The newest edits live in appended changes until the next compaction:
    // losing one silently would show the inspector an older answer as if
    // nothing had happened.
    let dir = tempfile::tempdir().unwrap();
    let f = populate(dir.path());
    let (seq, good) = last_change(&f.db, &f.draft);
    assert!(good.len() > 16);
    for len in [0, 1, good.len() / 2, good.len() - 1] {
        set_change(&f.db, &f.draft, seq, &good[..len]);
        check_damaged(&f, &f.draft, false, &format!("change cut to {len} bytes"), || last_change(&f.db, &f.draft).1);
    }
    for at in positions(good.len(), 16) {
        let mut bytes = good.clone();
        bytes[at] ^= 0x10;
        set_change(&f.db, &f.draft, seq, &bytes);
        check_damaged(&f, &f.draft, false, &format!("change byte {at} flipped"), || last_change(&f.db, &f.draft).1);
    }
    set_change(&f.db, &f.draft, seq, &good);
    use_everything(&f).unwrap();

    // A lost change in the middle: the ones after it cannot apply.
    let first: i64 = sql(&f.db).query_row("SELECT MIN(seq) FROM document_changes WHERE doc_id = ?1", [&f.draft], |r| r.get(0)).unwrap();
    assert!(first < seq, "the draft has several appended changes");
    let first_bytes: Vec<u8> = sql(&f.db)
        .query_row("SELECT bytes FROM document_changes WHERE doc_id = ?1 AND seq = ?2", rusqlite::params![&f.draft, first], |r| r.get(0))
        .unwrap();
    sql(&f.db).execute("DELETE FROM document_changes WHERE doc_id = ?1 AND seq = ?2", rusqlite::params![&f.draft, first]).unwrap();
    check_damaged(&f, &f.draft, false, "a middle change deleted", || last_change(&f.db, &f.draft).1);
    sql(&f.db)
        .execute("INSERT INTO document_changes (doc_id, seq, bytes) VALUES (?1, ?2, ?3)", rusqlite::params![&f.draft, first, first_bytes])
        .unwrap();
    use_everything(&f).unwrap();
}

// ---- photos --------------------------------------------------------------------

#[test]
fn a_photo_whose_bytes_no_longer_match_its_hash_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = populate(dir.path());
    let file = dir.path().join("phone.blobs").join(&f.photo[..2]).join(&f.photo);
    let good = std::fs::read(&file).unwrap();
    assert_eq!(good, photo("sign"));
    let store = Store::open(&f.db, who()).unwrap();
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 1;
    for (what, bytes) in [("flipped", flipped), ("truncated", good[..good.len() / 2].to_vec()), ("empty", vec![])] {
        std::fs::write(&file, &bytes).unwrap();
        let result = no_panic(what, || store.blob(&f.photo));
        match assert_storage(what, result) {
            Error::CorruptDocument { id, .. } => assert_eq!(id, f.photo),
            e => panic!("{what}: expected CorruptDocument, got {e:?}"),
        }
        assert_eq!(std::fs::read(&file).unwrap(), bytes, "{what}: the damaged file is kept");
        // The documents that refer to it are fine.
        assert!(store.inspection(&f.submitted).unwrap().photos.contains_key(&f.photo));
    }
    // A missing file is a different answer: not found (fetch it again).
    std::fs::remove_file(&file).unwrap();
    assert_eq!(store.blob(&f.photo).unwrap_err().kind(), ErrorKind::NotFound);
    // A name that is not a hash never reaches the file system.
    assert_eq!(store.blob("../phone.db").unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn storing_the_same_photo_again_replaces_a_damaged_file() {
    // Sync or the camera roll may hand the same bytes over again; they must
    // not be dropped as "already stored" while the stored file is damaged.
    let dir = tempfile::tempdir().unwrap();
    let f = populate(dir.path());
    let file = dir.path().join("phone.blobs").join(&f.photo[..2]).join(&f.photo);
    std::fs::write(&file, b"garbage").unwrap();
    let store = Store::open(&f.db, who()).unwrap();
    let draft = store.start_inspection("site-1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let p = store.attach_photo(&draft.id, PhotoOwner::Answer("H01".into()), &photo("sign"), PhotoMeta::default()).unwrap();
    assert_eq!(p.hash, f.photo);
    assert_eq!(store.blob(&f.photo).unwrap(), photo("sign"));
}

// ---- a newer schema --------------------------------------------------------------

#[test]
fn a_database_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let f = populate(dir.path());
    let newer = SCHEMA_VERSION + 1;
    sql(&f.db).pragma_update(None, "user_version", newer).unwrap();
    let documents = |db: &Path| -> i64 { sql(db).query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0)).unwrap() };
    let count = documents(&f.db);

    let result = no_panic("newer schema", || Store::open(&f.db, who()).map(|_| ()));
    match result {
        Err(e @ Error::SchemaTooNew { .. }) => {
            assert_eq!(e.kind(), ErrorKind::Storage);
            let Error::SchemaTooNew { found, supported } = e else { unreachable!() };
            assert_eq!((found, supported), (newer, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    let version: i64 = sql(&f.db).pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, newer, "no migration ran backwards");
    assert_eq!(documents(&f.db), count);

    // The current version opens as before.
    sql(&f.db).pragma_update(None, "user_version", SCHEMA_VERSION).unwrap();
    use_everything(&f).unwrap();
}
