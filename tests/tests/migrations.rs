//! Server schemas go through numbered migrations on both backends: a
//! database written before the migrations were numbered (the previous
//! schema, kept as fixtures) adopts them with its data intact, opening
//! twice changes nothing, and a database from a newer build is refused
//! rather than guessed at. Later steps work on the migrated data: who may
//! cite a blob (step 2) counts the citations the old rows hold, and the
//! feed's rows keep their places, so the cursors devices hold (old sequence
//! numbers) still mean what they meant and new changes come after them
//! (PostgreSQL's step 8 orders the feed by transaction id).

use redline_device::blob::BlobHash;
use redline_device::doc::DocKind;
use redline_storage::{CommitOutcome, DocWrite, FeedPosition, FeedRow, Scope, Storage, StorageError};
use redline_storage_postgres::PgStorage;
use redline_storage_sqlite::SqliteStorage;
use redline_tests::{PG_URL, fresh_schema};

const SQLITE_BEFORE: &str = include_str!("fixtures/server-schema-unversioned.sqlite.sql");
const POSTGRES_BEFORE: &str = include_str!("fixtures/server-schema-unversioned.postgres.sql");

/// Rows a server of the previous schema held: a user with a device, a
/// document with one change in the feed, a blob it cites.
const ROWS: &str = r#"
INSERT INTO users (id, name, role, scope) VALUES ('insp-1', '张检查员', 'inspector', '{"areas":["zj/hz/xh"],"sites":[]}');
INSERT INTO devices (id, user_id, token_hash, expires_at) VALUES ('dev-1', 'insp-1', 'hash-of-token', 9999999999999);
INSERT INTO documents (id, kind, site_id, area, snapshot, version) VALUES ('doc-1', 'hazard', 'site-1', 'zj/hz/xh/c01', '\x00', 3);
INSERT INTO changes (doc_id, hash, bytes, device_id) VALUES ('doc-1', 'c1', '\x01', 'dev-1');
INSERT INTO blob_refs (hash, doc_id) VALUES ('b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1', 'doc-1');
"#;

/// An old PostgreSQL feed row's sequence number, far above any transaction
/// id the test cluster will reach: new positions must still come after it.
const FAR_SEQ: i64 = 1 << 40;

/// The blob the old rows cite.
fn cited() -> BlobHash {
    BlobHash::parse(&"b1".repeat(32)).expect("a hash")
}

/// What a migrated database must still answer.
async fn holds_the_old_rows(s: &dyn Storage) {
    let who = s.principal("hash-of-token", 0).await.unwrap().expect("the device's token still works");
    assert_eq!((who.user_id.as_str(), who.device_id.as_str()), ("insp-1", "dev-1"));
    assert_eq!(who.scope, Scope { areas: vec!["zj/hz/xh".into()], sites: vec![] });
    let doc = s.document("doc-1").await.unwrap().expect("the document is kept");
    assert_eq!((doc.kind, doc.version, doc.area.as_str()), (DocKind::Hazard, 3, "zj/hz/xh/c01"));
    let kept = s.feed(&everywhere(), FeedPosition::START, i64::MAX, "", i64::MAX).await.unwrap();
    let kept: Vec<&FeedRow> = kept.iter().filter(|r| r.doc_id == "doc-1").collect();
    assert_eq!(kept.first().map(|r| r.position()), Some(FeedPosition { pos: 1, seq: 1 }), "the feed is kept");
    assert!(kept.iter().all(|r| r.pos == r.seq), "old rows keep their places: {kept:?}");
    assert_eq!(s.document_count().await.unwrap(), 1);
}

/// Blob uploads are recorded per device, and a device may cite what it
/// uploaded or what a document in its scope (an old one too) cites.
async fn blob_uploads_are_recorded(s: &dyn Storage) {
    let (uploaded, neither) = (BlobHash::of(b"uploaded by dev-1"), BlobHash::of(b"uploaded by nobody"));
    s.record_blob_upload(&uploaded, "dev-1", 1_000).await.unwrap();
    s.record_blob_upload(&uploaded, "dev-1", 900).await.unwrap();
    let all = [cited(), uploaded.clone(), neither.clone()];
    let district = Scope { areas: vec!["zj/hz/xh".into()], sites: vec![] };
    let elsewhere = Scope { areas: vec!["zj/hz/sc".into()], sites: vec![] };
    assert_eq!(s.blobs_not_citable(&all, "dev-1", &district, 0).await.unwrap(), vec![neither.clone()]);
    assert_eq!(s.blobs_not_citable(&all, "dev-2", &district, 0).await.unwrap(), vec![uploaded.clone(), neither.clone()]);
    assert_eq!(s.blobs_not_citable(&all, "dev-1", &elsewhere, 0).await.unwrap(), vec![cited(), neither.clone()]);
    assert_eq!(s.blobs_not_citable(&all, "dev-2", &elsewhere, 0).await.unwrap().len(), 3);
    let by_site = Scope { areas: vec![], sites: vec!["site-1".into()] };
    assert_eq!(s.blobs_not_citable(&all, "dev-2", &by_site, 0).await.unwrap(), vec![uploaded.clone(), neither.clone()]);
    assert!(s.blobs_not_citable(&[], "dev-2", &elsewhere, 0).await.unwrap().is_empty());
    // An own upload counts only while it is recent; recording it again at
    // an earlier time does not make it older.
    assert_eq!(s.blobs_not_citable(&all, "dev-1", &district, 1_000).await.unwrap(), vec![neither.clone()]);
    assert_eq!(s.blobs_not_citable(&all, "dev-1", &district, 1_001).await.unwrap(), vec![uploaded.clone(), neither.clone()]);
    // Collecting: a cited blob and one uploaded since the cutoff are held;
    // one released loses its upload records with it.
    assert!(!s.release_blob(&cited(), i64::MAX).await.unwrap(), "cited by doc-1");
    assert!(!s.release_blob(&uploaded, 1_000).await.unwrap(), "uploaded at the cutoff");
    assert!(s.release_blob(&uploaded, 1_001).await.unwrap());
    assert_eq!(s.blobs_not_citable(&all, "dev-1", &district, 0).await.unwrap(), vec![uploaded, neither.clone()]);
    assert!(s.release_blob(&neither, 0).await.unwrap(), "nothing holds a blob nobody uploaded or cites");
    s.record_blob_upload(&neither, "dev-2", 50).await.unwrap();
    s.forget_blob_upload(&neither, "dev-2").await.unwrap();
    assert_eq!(s.blobs_not_citable(&all, "dev-2", &district, 0).await.unwrap().len(), 2, "forgotten");
}

fn everywhere() -> Scope {
    Scope { areas: vec![String::new()], sites: vec![] }
}

/// A device whose cursor is the old feed's newest sequence number gets
/// exactly the changes committed after the migration.
async fn new_changes_follow_old_cursors(s: &dyn Storage, newest_old_seq: i64) {
    let write = DocWrite {
        id: "doc-2".into(),
        kind: DocKind::Hazard,
        site_id: "site-1".into(),
        area: "zj/hz/xh/c01".into(),
        snapshot: vec![0],
        expected_version: None,
        changes: vec![("d1".into(), vec![1]), ("d2".into(), vec![2])],
        device_id: "dev-1".into(),
        blob_refs: vec![],
        read_rows: vec![],
    };
    assert_eq!(s.commit(&write).await.unwrap(), CommitOutcome::Committed);
    let old_cursor = FeedPosition::through(newest_old_seq);
    let new = s.feed(&everywhere(), old_cursor, i64::MAX, "", i64::MAX).await.unwrap();
    assert_eq!(new.iter().map(|r| r.doc_id.as_str()).collect::<Vec<_>>(), ["doc-2", "doc-2"]);
    assert!(new.iter().all(|r| r.pos > newest_old_seq), "{new:?}");
}

#[tokio::test]
async fn sqlite_database_of_the_previous_schema_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(SQLITE_BEFORE).unwrap();
        c.execute_batch(&ROWS.replace("'\\x00'", "x'00'").replace("'\\x01'", "x'01'")).unwrap();
    }
    let s = SqliteStorage::open(&path).unwrap();
    holds_the_old_rows(&s).await;
    blob_uploads_are_recorded(&s).await;
    drop(s);
    let version =
        |p: &std::path::Path| -> i64 { rusqlite::Connection::open(p).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap() };
    let migrated = version(&path);
    assert_eq!(migrated, redline_storage_sqlite::MIGRATIONS.len() as i64);

    // Opening again runs nothing and loses nothing.
    holds_the_old_rows(&SqliteStorage::open(&path).unwrap()).await;
    assert_eq!(version(&path), migrated);
    new_changes_follow_old_cursors(&SqliteStorage::open(&path).unwrap(), 1).await;

    // A database a newer build wrote is refused, and left as it was.
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", migrated + 1).unwrap();
    match SqliteStorage::open(&path) {
        Err(StorageError::SchemaTooNew { found, supported }) => assert_eq!((found, supported), (migrated + 1, migrated)),
        Err(e) => panic!("expected SchemaTooNew, got {e}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
    assert_eq!(version(&path), migrated + 1);
}

#[tokio::test]
async fn postgres_database_of_the_previous_schema_is_migrated() {
    let schema = fresh_schema();
    let (client, connection) = match tokio_postgres::connect(PG_URL, tokio_postgres::NoTls).await {
        Ok(c) => c,
        Err(e) if std::env::var_os("CI").is_some() => panic!("PostgreSQL is required under CI: {e}"),
        Err(e) => return eprintln!("skipping: PostgreSQL at {PG_URL} is not reachable ({e})"),
    };
    tokio::spawn(connection);
    let rows = ROWS.replace("'\\x00'", "'\\x00'::bytea").replace("'\\x01'", "'\\x01'::bytea");
    let far = format!(
        "INSERT INTO changes (seq, doc_id, hash, bytes, device_id) VALUES ({FAR_SEQ}, 'doc-1', 'c2', '\\x02'::bytea, 'dev-1');
         SELECT setval('changes_seq_seq', {FAR_SEQ});"
    );
    client.batch_execute(&format!("CREATE SCHEMA {schema}; SET search_path = {schema}; {POSTGRES_BEFORE} {rows} {far}")).await.unwrap();

    let s = PgStorage::connect(PG_URL, Some(&schema)).await.unwrap();
    holds_the_old_rows(&s).await;
    blob_uploads_are_recorded(&s).await;
    let version = || async {
        let v: i64 = client.query_one(&format!("SELECT version FROM {schema}.schema_version"), &[]).await.unwrap().get(0);
        v
    };
    let migrated = version().await;
    assert_eq!(migrated, redline_storage_postgres::MIGRATIONS.len() as i64);

    holds_the_old_rows(&PgStorage::connect(PG_URL, Some(&schema)).await.unwrap()).await;
    assert_eq!(version().await, migrated);
    new_changes_follow_old_cursors(&PgStorage::connect(PG_URL, Some(&schema)).await.unwrap(), FAR_SEQ).await;

    client.execute(&format!("UPDATE {schema}.schema_version SET version = {}", migrated + 1), &[]).await.unwrap();
    match PgStorage::connect(PG_URL, Some(&schema)).await {
        Err(StorageError::SchemaTooNew { found, supported }) => assert_eq!((found, supported), (migrated + 1, migrated)),
        Err(e) => panic!("expected SchemaTooNew, got {e}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
    client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).await.unwrap();
}
