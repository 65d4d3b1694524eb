//! The server's SQLite migrations cut by a power failure at every one of
//! their operations: the database is left at the old version with the old
//! schema or at the new one with the new, never between, and opens with its
//! users, sites and device tokens intact.
//!
//! A child process (this test binary re-run as its ignored
//! `migrate_server_child`) opens a copy of a version-6 database (made with
//! this build, then taken back with the inverse of migration 7) on
//! `redline-faults`, whose power fails at operation K: unsynced writes are
//! partly lost and the child dies. K runs over every operation of the open
//! and a few after it.

use redline_faults::power_cut_at;
use redline_storage::Storage;
use redline_storage_sqlite::SqliteStorage;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

const ENV_DB: &str = "REDLINE_SERVER_MIGRATE_DB";
const ENV_CUT: &str = "REDLINE_SERVER_MIGRATE_CUT";
const SIGKILL: i32 = 9;

#[test]
#[ignore = "child process of server_migrations_cut_anywhere_leave_the_database_old_or_new"]
fn migrate_server_child() {
    let Ok(db) = std::env::var(ENV_DB) else { return };
    match std::env::var(ENV_CUT) {
        Ok(cut) => power_cut_at(cut.parse().unwrap(), cut.parse::<u64>().unwrap() * 7919),
        Err(_) => redline_faults::install(),
    }
    let before = redline_faults::operations();
    let storage = SqliteStorage::open(Path::new(&db)).expect("opening migrates the database");
    println!("OPENED {}", redline_faults::operations() - before);
    drop(storage);
}

/// (user_version, whether migration 7's table is there); the integrity
/// check must pass either way.
fn schema_of(db: &Path) -> (i64, bool) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    let table: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'document_numbers'", [], |r| r.get(0)).unwrap();
    (version, table == 1)
}

fn run_child(db: &Path, cut: Option<u64>) -> (std::process::ExitStatus, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--ignored", "--exact", "migrate_server_child", "--nocapture", "--test-threads=1"]).env(ENV_DB, db);
    if let Some(cut) = cut {
        command.env(ENV_CUT, cut.to_string());
    }
    let out = command.stdin(Stdio::null()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_migrations_cut_anywhere_leave_the_database_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("v6.db");
    let token = {
        let storage = SqliteStorage::open(&template).unwrap();
        redline_tests::seed(&storage).await;
        redline_admin::register_device(&storage, "insp-1").await.unwrap().token
    };
    {
        let conn = rusqlite::Connection::open(&template).unwrap();
        conn.execute_batch("DROP TABLE document_numbers; PRAGMA user_version = 6;").unwrap();
    }
    assert_eq!(schema_of(&template), (6, false));

    let measure = dir.path().join("measure.db");
    std::fs::copy(&template, &measure).unwrap();
    let (status, text) = run_child(&measure, None);
    assert!(status.success(), "{text}");
    let total: u64 = text.lines().find_map(|l| l.split("OPENED ").nth(1)).unwrap().trim().parse().unwrap();
    assert_eq!(schema_of(&measure), (7, true));

    let (mut old, mut new) = (0, 0);
    for cut in 1..=total + 4 {
        let db = dir.path().join(format!("cut-{cut}.db"));
        std::fs::copy(&template, &db).unwrap();
        let (status, text) = run_child(&db, Some(cut));
        if cut <= total {
            assert_eq!(status.signal(), Some(SIGKILL), "cut at {cut} of {total}: the child was not cut:\n{text}");
        }
        match schema_of(&db) {
            (6, false) => old += 1,
            (7, true) => new += 1,
            other => panic!("cut at {cut} of {total}: half-migrated: (version, table) = {other:?}"),
        }
        let storage = SqliteStorage::open(&db).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(storage.users().await.unwrap().len(), redline_tests::users().len(), "cut at {cut}");
        let who = storage.principal(&redline_admin::tokens::token_hash(&token), 0).await.unwrap();
        assert_eq!(who.map(|p| p.user_id).as_deref(), Some("insp-1"), "cut at {cut}: the device token still works");
    }
    println!("{} cut points ({total} while opening and migrating): {old} left version 6, {new} version 7", total + 4);
    assert!(old >= 1 && new >= 1, "both outcomes were reached: {old} old, {new} new");
}
