//! The server's migrations cut part-way: SQLite's by a power failure at
//! every one of their operations, PostgreSQL's by the connection dying at
//! points inside their transaction. The database is left at the old
//! version with the old schema or at the new one with the new, never
//! between, and opens with its users and device tokens intact.
//!
//! A child process (this test binary re-run as its ignored
//! `migrate_server_child`) opens a copy of a version-6 database (made with
//! this build, then taken back with the inverses of migrations 8 and 7) on
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
/// The SQLite schema's newest version (steps 7 and 8 are taken back).
const LATEST: i64 = redline_storage_sqlite::MIGRATIONS.len() as i64;

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
        conn.execute_batch("ALTER TABLE blob_uploads DROP COLUMN uploaded_at; DROP TABLE document_numbers; PRAGMA user_version = 6;")
            .unwrap();
    }
    assert_eq!(schema_of(&template), (6, false));

    let measure = dir.path().join("measure.db");
    std::fs::copy(&template, &measure).unwrap();
    let (status, text) = run_child(&measure, None);
    assert!(status.success(), "{text}");
    let total: u64 = text.lines().find_map(|l| l.split("OPENED ").nth(1)).unwrap().trim().parse().unwrap();
    assert_eq!(schema_of(&measure), (LATEST, true));

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
            (LATEST, true) => new += 1,
            other => panic!("cut at {cut} of {total}: half-migrated: (version, table) = {other:?}"),
        }
        let storage = SqliteStorage::open(&db).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(storage.users().await.unwrap().len(), redline_tests::users().len(), "cut at {cut}");
        let who = storage.principal(&redline_admin::tokens::token_hash(&token), 0).await.unwrap();
        assert_eq!(who.map(|p| p.user_id).as_deref(), Some("insp-1"), "cut at {cut}: the device token still works");
    }
    println!("{} cut points ({total} while opening and migrating): {old} left version 6, {new} version {LATEST}", total + 4);
    assert!(old >= 1 && new >= 1, "both outcomes were reached: {old} old, {new} new");
}

/// PostgreSQL: migration 7's transaction cut by its connection dying (the
/// server process killed) before its SQL, between its two statements, and
/// after it before the commit. Each time the schema is still version 6
/// without the new table once the backend has gone; then a normal start
/// migrates it (7 and the steps after it), with users and device token
/// intact. The database starts at the newest version and is taken back to
/// 6 by the inverses of migrations 9, 8 and 7. The cut points are
/// reached without timing: the migration is made to wait on an advisory
/// lock the test holds, and the test cuts once PostgreSQL shows it waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migration_cut_mid_transaction_leaves_the_schema_old() {
    use redline_storage_postgres::{MIGRATIONS, migrate};
    const HOLD: i64 = 7_770_007;
    let schema = redline_tests::fresh_schema();
    let Some(storage) = redline_tests::postgres(&schema).await else { return };
    redline_tests::seed(storage.as_ref()).await;
    let token = redline_admin::register_device(storage.as_ref(), "insp-1").await.unwrap().token;
    drop(storage);
    let connect = || {
        let mut config: tokio_postgres::Config = redline_tests::PG_URL.parse().unwrap();
        config.options(format!("-c search_path={schema}"));
        async move {
            let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
            (client, tokio::spawn(connection))
        }
    };
    let (admin, _admin_connection) = connect().await;
    let undo_9 = "ALTER TABLE blob_uploads DROP COLUMN uploaded_at;";
    let undo_8 = "DROP INDEX changes_by_position; ALTER TABLE changes DROP COLUMN pos; DELETE FROM counters WHERE name = 'feed_base';";
    let undo_7 = "DROP TABLE document_numbers;";
    admin
        .batch_execute(&format!("{undo_9} {undo_8} {undo_7} DELETE FROM schema_version; INSERT INTO schema_version VALUES (6);"))
        .await
        .unwrap();
    let version = async |c: &tokio_postgres::Client| -> (i64, bool) {
        let v: i64 = c.query_one("SELECT MAX(version) FROM schema_version", &[]).await.unwrap().get(0);
        let table: bool = c.query_one("SELECT to_regclass('document_numbers') IS NOT NULL", &[]).await.unwrap().get(0);
        (v, table)
    };
    assert_eq!(version(&admin).await, (6, false));

    let last = MIGRATIONS[6];
    let at = last.find("CREATE UNIQUE INDEX").unwrap();
    let wait = format!("SELECT pg_advisory_xact_lock({HOLD});");
    let cuts: [(&str, Vec<String>); 3] = [
        ("before its SQL", vec![format!("{wait}\n{last}")]),
        ("between its statements", vec![format!("{}\n{wait}\n{}", &last[..at], &last[at..])]),
        ("after it, before the commit", vec![last.to_string(), wait.clone()]),
    ];
    for (point, tail) in cuts {
        let steps: Vec<String> = MIGRATIONS[..6].iter().map(|s| s.to_string()).chain(tail).collect();
        admin.execute("SELECT pg_advisory_lock($1)", &[&HOLD]).await.unwrap();
        let (mut client, connection) = connect().await;
        let migrating = tokio::spawn(async move {
            let refs: Vec<&str> = steps.iter().map(String::as_str).collect();
            migrate(&mut client, &refs).await
        });
        // Wait (bounded) until PostgreSQL shows the migration blocked on the lock.
        let waiting = format!("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = {HOLD}");
        let mut pid = None;
        for _ in 0..10_000 {
            if let Some(row) = admin.query_opt(&waiting, &[]).await.unwrap() {
                pid = Some(row.get::<_, i32>(0));
                break;
            }
            tokio::task::yield_now().await;
        }
        let pid = pid.unwrap_or_else(|| panic!("{point}: the migration never reached the cut"));
        connection.abort();
        assert!(migrating.await.unwrap().is_err(), "{point}: a cut migration reported success");
        admin.execute("SELECT pg_advisory_unlock($1)", &[&HOLD]).await.unwrap();
        // The backend notices its client is gone and rolls back.
        for _ in 0..100_000 {
            let alive: bool =
                admin.query_one("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)", &[&pid]).await.unwrap().get(0);
            if !alive {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(version(&admin).await, (6, false), "cut {point}: half-migrated");
    }
    let storage = redline_tests::postgres(&schema).await.unwrap();
    assert_eq!(version(&admin).await, (MIGRATIONS.len() as i64, true));
    assert_eq!(storage.users().await.unwrap().len(), redline_tests::users().len());
    let who = storage.principal(&redline_admin::tokens::token_hash(&token), 0).await.unwrap();
    assert_eq!(who.map(|p| p.user_id).as_deref(), Some("insp-1"));
    println!("PostgreSQL: migration 7 cut at 3 points inside its transaction, each left version 6");
}
