//! The sealed database as a store uses it: real SQLite files through the
//! VFS shim, read back as bytes to show nothing is in clear; the wrong key,
//! a changed byte, a store written in clear by an earlier version (with
//! work still in its WAL), a new key, and SQLite's own heavy paths (WAL
//! checkpoints, an in-place VACUUM, a rollback journal).

use redline_seal::database::{self, open_flags};
use redline_seal::{AppKey, SealError, SealedDatabase, configure_connection};
use rusqlite::Connection;
use std::path::Path;

const SECRET: &str = "危险化学品仓库 secret-marker-4711";

fn key(b: u8) -> AppKey {
    AppKey::new(&[b; 32]).unwrap()
}

fn connect(sealed: &SealedDatabase) -> Connection {
    let conn = Connection::open_with_flags(sealed.uri(), open_flags(false)).unwrap();
    configure_connection(&conn).unwrap();
    redline_sqlite_like_durable(&conn);
    conn
}

/// What the phone store sets on every connection.
fn redline_sqlite_like_durable(conn: &Connection) {
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
}

fn fill(conn: &Connection, rows: usize) {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)").unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..rows {
        tx.execute("INSERT INTO notes (body) VALUES (?1)", [format!("{SECRET} {i} {}", "x".repeat(200))]).unwrap();
    }
    tx.commit().unwrap();
}

fn count(conn: &Connection) -> i64 {
    conn.query_row("SELECT COUNT(*) FROM notes WHERE body LIKE ?1", [format!("{SECRET}%")], |r| r.get(0)).unwrap()
}

/// Whether any file of the store holds the marker in clear.
fn clear_anywhere(db: &Path) -> Vec<String> {
    let dir = db.parent().unwrap();
    let mut found = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap_or_default();
        if bytes.windows(b"secret-marker".len()).any(|w| w == b"secret-marker") {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn a_sealed_store_keeps_its_rows_and_no_file_holds_them_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    let conn = connect(&sealed);
    fill(&conn, 2000); // several checkpoints' worth of pages
    assert_eq!(clear_anywhere(&db), Vec::<String>::new(), "while open: database and WAL");
    conn.execute_batch("DELETE FROM notes WHERE id % 2 = 0; VACUUM;").unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    drop(sealed);
    assert_eq!(clear_anywhere(&db), Vec::<String>::new(), "after close");

    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    assert_eq!(count(&connect(&sealed)), 1000);
}

#[test]
fn another_key_is_wrong_key_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    fill(&connect(&sealed), 10);
    drop(sealed);
    let before = std::fs::read(&db).unwrap();
    assert!(matches!(SealedDatabase::open(&db, &key(2)), Err(SealError::WrongKey)));
    assert_eq!(std::fs::read(&db).unwrap(), before);
    // Opening the sealed file in clear finds no database.
    let plain = Connection::open(&db).unwrap();
    assert!(plain.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());
}

#[test]
fn a_changed_byte_is_an_error_not_different_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    {
        let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
        fill(&connect(&sealed), 300);
    }
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 8192);
    bytes[3 * 4096 + 700] ^= 0x20;
    std::fs::write(&db, &bytes).unwrap();
    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    let conn = connect(&sealed);
    let read = conn.query_row("SELECT COUNT(*), SUM(LENGTH(body)) FROM notes", [], |r| r.get::<_, i64>(0));
    let err = read.expect_err("a forged page is refused");
    assert!(err.to_string().contains("disk I/O error"), "{err}");
}

#[test]
fn a_clear_store_with_work_in_its_wal_is_sealed_on_first_open_with_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.db");
    let conn = Connection::open(&live).unwrap();
    redline_sqlite_like_durable(&conn);
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    fill(&conn, 500);
    // The files as a killed app leaves them: the rows only in the WAL.
    let db = dir.path().join("copy").join("store.db");
    std::fs::create_dir(db.parent().unwrap()).unwrap();
    std::fs::copy(&live, &db).unwrap();
    std::fs::copy(dir.path().join("live.db-wal"), dir.path().join("copy/store.db-wal")).unwrap();
    drop(conn);
    assert!(!clear_anywhere(&db).is_empty());

    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    assert_eq!(count(&connect(&sealed)), 500);
    assert!(database::is_sealed(&db));
    drop(sealed);
    assert_eq!(clear_anywhere(&db), Vec::<String>::new());
    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    assert_eq!(count(&connect(&sealed)), 500);
}

#[test]
fn a_migration_killed_after_its_key_file_is_finished_by_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let conn = Connection::open(&db).unwrap();
    fill(&conn, 50);
    drop(conn);
    // A key file beside a clear database: what a kill between writing the
    // key file and renaming the sealed copy leaves.
    let first = SealedDatabase::open(&dir.path().join("other.db"), &key(1)).unwrap();
    drop(first);
    std::fs::copy(dir.path().join("other.db.key"), database::slot_path(&db)).unwrap();
    std::fs::write(dir.path().join("store.db.sealing"), b"half a copy").unwrap();
    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    assert_eq!(count(&connect(&sealed)), 50);
    assert!(!dir.path().join("store.db.sealing").exists());
    assert!(matches!(SealedDatabase::open(&db, &key(9)), Err(SealError::WrongKey)));
}

#[test]
fn rekey_moves_the_store_to_the_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    let conn = connect(&sealed);
    fill(&conn, 20);
    sealed.rekey(&key(2)).unwrap();
    fill(&conn, 20); // the open store goes on working
    drop((conn, sealed));
    assert!(matches!(SealedDatabase::open(&db, &key(1)), Err(SealError::WrongKey)));
    let sealed = SealedDatabase::open(&db, &key(2)).unwrap();
    assert_eq!(count(&connect(&sealed)), 40);
}

#[test]
fn a_reader_pool_and_a_writer_share_the_sealed_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let sealed = SealedDatabase::open(&db, &key(1)).unwrap();
    let writer = connect(&sealed);
    fill(&writer, 10);
    let reader = Connection::open_with_flags(sealed.uri(), open_flags(true)).unwrap();
    configure_connection(&reader).unwrap();
    assert_eq!(count(&reader), 10);
    fill(&writer, 5);
    assert_eq!(count(&reader), 15, "the reader sees the writer's commit through the sealed WAL");
}
