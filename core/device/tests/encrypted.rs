//! The encrypted store as an app uses it: an inspection with findings,
//! photos and a signature kept with the app's key, nothing of it readable
//! in any file; the wrong key, no key, a new key; a store in clear from the
//! current version (photos included) encrypted on its first open with a
//! key; a photo file changed on flash.

mod common;

use common::{identity, photo, site};
use redline_device::ErrorKind;
use redline_device::inspection::{AnswerValue, InspectionKind, PhotoOwner, SignerRole};
use redline_device::people::{Identity, Role};
use redline_device::store::{PhotoMeta, Store};
use std::path::Path;

const KEY: [u8; 32] = [0x42; 32];
const OTHER: [u8; 32] = [0x17; 32];
/// Text that must never appear in clear in any file of the store.
const MARK: &str = "secret-evidence-marker";

fn who() -> Identity {
    Identity { device_id: "d-enc".into(), ..identity("inspector-enc", Role::Inspector) }
}

/// Files under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_containing(&path, needle));
        } else if std::fs::read(&path).unwrap().windows(needle.len()).any(|w| w == needle) {
            out.push(path.display().to_string());
        }
    }
    out
}

/// An inspection with a finding note, a photo and a signature that carry
/// the marker; returns its id and the photo's hash.
fn inspect(store: &Store) -> (String, String) {
    store.put_sites(&[site("site-1", "西湖化工仓库")]).unwrap();
    let i = store.start_inspection("site-1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let item = store.template("hazardous_chemicals", None).unwrap().items().next().unwrap().1.id.clone();
    store.answer(&i.id, &item, AnswerValue::Fail, Some(format!("{MARK} 储罐区无防泄漏围堰"))).unwrap();
    let photo_ref = store.attach_photo(&i.id, PhotoOwner::Answer(item), &photo(MARK), PhotoMeta::default()).unwrap();
    store.sign(&i.id, "王经理", SignerRole::Enterprise, &photo(&format!("{MARK}-signature"))).unwrap();
    (i.id, photo_ref.hash)
}

#[test]
fn an_encrypted_store_works_and_no_file_holds_its_records_or_photos_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("redline.db");
    let store = Store::open_encrypted(&db, who(), &KEY).unwrap();
    assert!(store.is_encrypted());
    let (id, hash) = inspect(&store);
    assert_eq!(files_containing(dir.path(), MARK.as_bytes()), Vec::<String>::new(), "while open");
    drop(store);
    assert_eq!(files_containing(dir.path(), MARK.as_bytes()), Vec::<String>::new(), "after close");
    assert_eq!(files_containing(dir.path(), "储罐区".as_bytes()), Vec::<String>::new());

    let store = Store::open_encrypted(&db, who(), &KEY).unwrap();
    let inspection = store.inspection(&id).unwrap();
    assert!(inspection.answers.values().any(|a| a.note.as_deref().is_some_and(|n| n.starts_with(MARK))));
    assert_eq!(store.blob(&hash).unwrap(), photo(MARK), "the photo reads back, hash-verified");
    store.check_integrity().unwrap();
}

#[test]
fn the_wrong_key_or_no_key_is_wrong_key_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("redline.db");
    let (id, _) = inspect(&Store::open_encrypted(&db, who(), &KEY).unwrap());
    let before = std::fs::read(&db).unwrap();
    for attempt in [Store::open_encrypted(&db, who(), &OTHER), Store::open(&db, who())] {
        let err = attempt.err().expect("refused");
        assert_eq!(err.kind(), ErrorKind::WrongKey, "{err}");
    }
    let short = Store::open_encrypted(&db, who(), &KEY[..16]).err().unwrap();
    assert_eq!(short.kind(), ErrorKind::InvalidInput, "{short}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "never a wipe, never a new database");
    assert!(Store::open_encrypted(&db, who(), &KEY).unwrap().inspection(&id).is_ok());
}

#[test]
fn rekey_changes_the_key_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("redline.db");
    let store = Store::open_encrypted(&db, who(), &KEY).unwrap();
    let (id, hash) = inspect(&store);
    store.rekey(&OTHER).unwrap();
    let item = store.inspection(&id).unwrap().answers.keys().next().unwrap().clone();
    store.answer(&id, &item, AnswerValue::Pass, None).unwrap(); // the open store goes on working
    drop(store);
    assert_eq!(Store::open_encrypted(&db, who(), &KEY).err().unwrap().kind(), ErrorKind::WrongKey);
    let store = Store::open_encrypted(&db, who(), &OTHER).unwrap();
    assert!(store.inspection(&id).is_ok());
    assert_eq!(store.blob(&hash).unwrap(), photo(MARK));

    let clear = Store::open(dir.path().join("clear.db"), who()).unwrap();
    assert_eq!(clear.rekey(&KEY).err().unwrap().kind(), ErrorKind::NotAllowed, "a store in clear has no key to change");
}

#[test]
fn a_store_in_clear_is_encrypted_with_its_photos_on_first_open_with_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("redline.db");
    let (id, hash) = inspect(&Store::open(&db, who()).unwrap());
    assert!(!files_containing(dir.path(), MARK.as_bytes()).is_empty(), "in clear before");

    let store = Store::open_encrypted(&db, who(), &KEY).unwrap();
    assert_eq!(files_containing(dir.path(), MARK.as_bytes()), Vec::<String>::new(), "database and photos sealed");
    assert!(store.inspection(&id).is_ok());
    assert_eq!(store.blob(&hash).unwrap(), photo(MARK));
    store.check_integrity().unwrap();
    drop(store);
    assert_eq!(Store::open(&db, who()).err().unwrap().kind(), ErrorKind::WrongKey, "no way back to clear by accident");
}

#[test]
fn a_changed_photo_file_is_detected_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("redline.db");
    let store = Store::open_encrypted(&db, who(), &KEY).unwrap();
    let (_, hash) = inspect(&store);
    let file = dir.path().join("redline.blobs").join(&hash[..2]).join(&hash);
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, &bytes).unwrap();
    let err = store.blob(&hash).expect_err("a changed file is refused");
    assert_eq!(err.kind(), ErrorKind::Storage, "{err}");
}
