//! The server's embedded backend: one SQLite file, one connection used
//! from tokio's blocking pool (never from an async worker). SQLite serialises writers anyway, and commits are short
//! (a snapshot and a few change rows), so one connection keeps it simple
//! and makes the feed's sequence numbers follow commit order for free: a
//! row's feed position is just its `seq`, and the horizon the newest one.

use redline_domain::blob::BlobHash;
use redline_domain::doc::DocKind;
use redline_domain::people::Role;
use redline_domain::site::Site;
use redline_sqlite::{Coded, MigrateError, Migration};
use redline_storage::sql::{Dialect, Row, Sql, Value};
use redline_storage::*;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The schema, step by step; `PRAGMA user_version` records how far a
/// database is. Append, never edit: a shipped step has run somewhere.
pub const MIGRATIONS: &[Migration] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_blob_uploads.sql"),
    include_str!("../migrations/0003_read_models.sql"),
    include_str!("../migrations/0004_web_sessions.sql"),
    include_str!("../migrations/0005_read_model_indexes.sql"),
    include_str!("../migrations/0006_plans.sql"),
    include_str!("../migrations/0007_document_numbers.sql"),
    include_str!("../migrations/0008_blob_upload_times.sql"),
];

/// What a storage closure can fail with: SQLite itself, or a storage-level
/// answer (not found, duplicate, unreadable row). Converted once, in `run`.
enum Fail {
    Sql(rusqlite::Error),
    Storage(StorageError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Fail {
        Fail::Sql(e)
    }
}

impl From<StorageError> for Fail {
    fn from(e: StorageError) -> Fail {
        Fail::Storage(e)
    }
}

impl From<Fail> for StorageError {
    fn from(f: Fail) -> StorageError {
        match f {
            Fail::Storage(e) => e,
            Fail::Sql(e @ rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                StorageError::Duplicate(e.to_string())
            }
            Fail::Sql(e @ rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DiskFull => {
                StorageError::Full(e.to_string())
            }
            Fail::Sql(e) => StorageError::database(e),
        }
    }
}

type Step<T> = Result<T, Fail>;

/// Prepared statements kept on the connection.
const STATEMENT_CACHE: usize = 256;

pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStorage {
    pub fn open(path: &Path) -> StorageResult<SqliteStorage> {
        let mut conn = Connection::open(path).map_err(StorageError::database)?;
        // The server acknowledges an upload only after its commit is durable.
        redline_sqlite::durable(&conn, std::time::Duration::from_secs(10)).map_err(StorageError::database)?;
        redline_sqlite::migrate(&mut conn, MIGRATIONS).map_err(|e| match e {
            MigrateError::TooNew { found, supported } => StorageError::SchemaTooNew { found, supported },
            MigrateError::Sqlite(e) => StorageError::database(e),
        })?;
        // One connection runs every statement: the feed, the commit and the
        // read-model rows (whose texts vary with their row counts) would
        // evict each other from rusqlite's default cache of 16 and be
        // parsed again on every sync.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(SqliteStorage { conn: Arc::new(Mutex::new(conn)) })
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> Step<T> + Send + 'static) -> StorageResult<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c).map_err(StorageError::from)
        })
        .await
        .map_err(StorageError::database)?
    }
}

fn bump_reference(c: &Connection) -> rusqlite::Result<usize> {
    c.execute("INSERT INTO counters (name, value) VALUES ('reference', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1", [])
}

/// A query's fixed parameters followed by the scope condition's (see
/// `Scope::sql`, numbered after the fixed ones).
fn with_scope(fixed: Vec<Box<dyn rusqlite::ToSql>>, scope_args: &[String]) -> Vec<Box<dyn rusqlite::ToSql>> {
    let mut all = fixed;
    all.extend(scope_args.iter().map(|a| Box::new(a.clone()) as Box<dyn rusqlite::ToSql>));
    all
}

/// The highest `seq` a reader at `after` has seen. A row's position here
/// is `(seq, seq)`, which comes after `after` when `seq > after.pos`, or
/// when `seq == after.pos` and `seq > after.seq`.
fn seen_through(after: FeedPosition) -> i64 {
    if after.seq < after.pos { after.pos - 1 } else { after.pos }
}

/// A statement's parameters as SQLite values.
fn bind(params: &[Value]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value as V;
    params
        .iter()
        .map(|p| match p {
            Value::Text(t) => t.clone().map_or(V::Null, V::Text),
            Value::Int(i) => i.map_or(V::Null, V::Integer),
            Value::Real(r) => r.map_or(V::Null, V::Real),
            Value::Bytes(b) => b.clone().map_or(V::Null, V::Blob),
        })
        .collect()
}

fn cell(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Null => Value::Text(None),
        V::Integer(i) => Value::Int(Some(i)),
        V::Real(r) => Value::Real(Some(r)),
        V::Text(t) => Value::Text(Some(String::from_utf8_lossy(t).into_owned())),
        V::Blob(b) => Value::Bytes(Some(b.to_vec())),
    }
}

fn run_all(tx: &rusqlite::Transaction<'_>, stmts: &[Sql]) -> rusqlite::Result<()> {
    for s in stmts {
        tx.prepare_cached(&s.text)?.execute(params_from_iter(bind(&s.params)))?;
    }
    Ok(())
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_user((id, name, role, scope): (String, String, String, String)) -> StorageResult<UserRecord> {
    Ok(UserRecord {
        id,
        name,
        role: Role::parse(&role).ok_or_else(|| StorageError::Corrupt(format!("unknown role {role}")))?,
        scope: serde_json::from_str(&scope).map_err(|e| StorageError::Corrupt(format!("scope: {e}")))?,
    })
}

fn to_site(json: String) -> StorageResult<Site> {
    serde_json::from_str(&json).map_err(|e| StorageError::Corrupt(format!("site: {e}")))
}

#[async_trait::async_trait]
impl Storage for SqliteStorage {
    async fn put_user(&self, u: &UserRecord) -> StorageResult<()> {
        let (id, name, role, scope) = (u.id.clone(), u.name.clone(), u.role.as_str(), serde_json::to_string(&u.scope).expect("json"));
        self.run(move |c| {
            c.execute(
                "INSERT INTO users (id, name, role, scope) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, scope = excluded.scope",
                params![id, name, role, scope],
            )?;
            bump_reference(c)?;
            Ok(())
        })
        .await
    }

    async fn users(&self) -> StorageResult<Vec<UserRecord>> {
        self.run(|c| {
            let mut stmt = c.prepare("SELECT id, name, role, scope FROM users ORDER BY id")?;
            let rows = stmt.query_map([], user_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.into_iter().map(to_user).collect::<StorageResult<_>>()?)
        })
        .await
    }

    async fn add_device(&self, device_id: &str, user_id: &str, token_hash: &str, expires_at: i64) -> StorageResult<()> {
        let (d, u, t) = (device_id.to_string(), user_id.to_string(), token_hash.to_string());
        self.run(move |c| {
            if c.query_row("SELECT 1 FROM users WHERE id = ?1", [&u], |_| Ok(())).optional()?.is_none() {
                return Err(StorageError::NotFound(format!("user {u}")).into());
            }
            c.execute("INSERT INTO devices (id, user_id, token_hash, expires_at) VALUES (?1, ?2, ?3, ?4)", params![d, u, t, expires_at])?;
            Ok(())
        })
        .await
    }

    async fn revoke_device(&self, device_id: &str) -> StorageResult<bool> {
        let d = device_id.to_string();
        self.run(move |c| Ok(c.execute("UPDATE devices SET revoked = 1 WHERE id = ?1", [d])? > 0)).await
    }

    async fn is_revoked(&self, token_hash: &str) -> StorageResult<bool> {
        let t = token_hash.to_string();
        self.run(
            move |c| Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM devices WHERE token_hash = ?1 AND revoked = 1)", [t], |r| r.get(0))?),
        )
        .await
    }

    async fn principal(&self, token_hash: &str, now: i64) -> StorageResult<Option<Principal>> {
        let t = token_hash.to_string();
        self.run(move |c| {
            let row = c
                .query_row(
                    "SELECT u.id, u.name, u.role, u.scope, d.id, d.expires_at FROM devices d JOIN users u ON u.id = d.user_id
                     WHERE d.token_hash = ?1 AND d.revoked = 0 AND d.expires_at > ?2",
                    params![t, now],
                    |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get::<_, String>(4)?, r.get::<_, i64>(5)?)),
                )
                .optional()?;
            let principal = row.map(|(u, device_id, token_expires_at)| -> StorageResult<Principal> {
                let u = to_user(u)?;
                Ok(Principal { user_id: u.id, name: u.name, role: u.role, scope: u.scope, device_id, token_expires_at })
            });
            Ok(principal.transpose()?)
        })
        .await
    }

    async fn put_site(&self, site: &Site) -> StorageResult<()> {
        let (id, area, json) = (site.id.clone(), site.area.clone(), serde_json::to_string(site).expect("json"));
        self.run(move |c| {
            c.execute(
                "INSERT INTO sites (id, area, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET area = excluded.area, json = excluded.json",
                params![id, area, json],
            )?;
            bump_reference(c)?;
            Ok(())
        })
        .await
    }

    async fn site(&self, id: &str) -> StorageResult<Option<Site>> {
        let id = id.to_string();
        self.run(move |c| {
            Ok(c.query_row("SELECT json FROM sites WHERE id = ?1", [id], |r| r.get::<_, String>(0)).optional()?.map(to_site).transpose()?)
        })
        .await
    }

    async fn sites_in(&self, scope: &Scope) -> StorageResult<Vec<Site>> {
        let (cond, args) = scope.sql(1, '?');
        let sql = format!("SELECT json FROM sites WHERE {} ORDER BY id", cond.replace("site_id", "id"));
        self.run(move |c| {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.into_iter().map(to_site).collect::<StorageResult<_>>()?)
        })
        .await
    }

    async fn put_template(&self, id: &str, version: u32, json: &str) -> StorageResult<()> {
        let (id, json) = (id.to_string(), json.to_string());
        self.run(move |c| {
            c.execute("INSERT INTO templates (id, version, json) VALUES (?1, ?2, ?3)", params![id, version, json])?;
            bump_reference(c)?;
            Ok(())
        })
        .await
    }

    async fn templates(&self) -> StorageResult<Vec<String>> {
        self.run(|c| {
            let mut stmt = c.prepare("SELECT json FROM templates ORDER BY id, version")?;
            Ok(stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn reference_counter(&self) -> StorageResult<i64> {
        self.run(|c| Ok(c.query_row("SELECT value FROM counters WHERE name = 'reference'", [], |r| r.get(0)).optional()?.unwrap_or(0)))
            .await
    }

    async fn document(&self, id: &str) -> StorageResult<Option<StoredDoc>> {
        let id = id.to_string();
        self.run(move |c| {
            Ok(c.query_row("SELECT kind, site_id, area, snapshot, version FROM documents WHERE id = ?1", [id], |r| {
                Ok(StoredDoc {
                    kind: r.get::<_, Coded<DocKind>>(0)?.0,
                    site_id: r.get(1)?,
                    area: r.get(2)?,
                    snapshot: r.get(3)?,
                    version: r.get(4)?,
                })
            })
            .optional()?)
        })
        .await
    }

    async fn commit(&self, w: &DocWrite) -> StorageResult<CommitOutcome> {
        let w = w.clone();
        self.run(move |c| {
            let tx = c.transaction()?;
            let updated = match w.expected_version {
                None => tx.execute(
                    "INSERT INTO documents (id, kind, site_id, area, snapshot, version) VALUES (?1, ?2, ?3, ?4, ?5, 1)
                     ON CONFLICT (id) DO NOTHING",
                    params![w.id, Coded(w.kind), w.site_id, w.area, w.snapshot],
                )?,
                Some(v) => tx.execute(
                    "UPDATE documents SET snapshot = ?2, version = version + 1 WHERE id = ?1 AND version = ?3",
                    params![w.id, w.snapshot, v],
                )?,
            };
            if updated == 0 {
                return Ok(CommitOutcome::Stale);
            }
            for (hash, bytes) in &w.changes {
                tx.execute(
                    "INSERT INTO changes (doc_id, hash, bytes, device_id) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    params![w.id, hash, bytes, w.device_id],
                )?;
            }
            for hash in &w.blob_refs {
                tx.execute("INSERT INTO blob_refs (hash, doc_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING", params![hash.as_str(), w.id])?;
            }
            run_all(&tx, &w.read_rows)?;
            tx.commit()?;
            Ok(CommitOutcome::Committed)
        })
        .await
    }

    async fn feed_horizon(&self) -> StorageResult<i64> {
        self.run(|c| Ok(c.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| r.get(0))?)).await
    }

    async fn feed(&self, scope: &Scope, after: FeedPosition, upto: i64, exclude_device: &str, limit: i64) -> StorageResult<Vec<FeedRow>> {
        let (cond, args) = scope.sql(5, '?');
        let sql = format!(
            "SELECT c.seq AS pos, c.seq, c.doc_id, d.kind, c.bytes FROM changes c JOIN documents d ON d.id = c.doc_id
             WHERE c.seq > ?1 AND c.seq <= ?2 AND c.device_id <> ?3 AND {cond} ORDER BY c.seq LIMIT ?4"
        );
        let (seen, exclude) = (seen_through(after), exclude_device.to_string());
        self.run(move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let all = with_scope(vec![Box::new(seen), Box::new(upto), Box::new(exclude), Box::new(limit)], &args);
            let rows = stmt.query_map(params_from_iter(all.iter().map(|b| b.as_ref())), |r| {
                Ok(FeedRow { pos: r.get(0)?, seq: r.get(1)?, doc_id: r.get(2)?, kind: r.get::<_, Coded<DocKind>>(3)?.0, bytes: r.get(4)? })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn snapshots(&self, scope: &Scope, after_id: &str, limit: i64) -> StorageResult<Vec<(String, DocKind, Vec<u8>)>> {
        let (cond, args) = scope.sql(3, '?');
        let sql = format!("SELECT id, kind, snapshot FROM documents WHERE id > ?1 AND {cond} ORDER BY id LIMIT ?2");
        let after = after_id.to_string();
        self.run(move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let all = with_scope(vec![Box::new(after), Box::new(limit)], &args);
            let rows = stmt.query_map(params_from_iter(all.iter().map(|b| b.as_ref())), |r| {
                Ok((r.get(0)?, r.get::<_, Coded<DocKind>>(1)?.0, r.get(2)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn blob_in_scope(&self, hash: &BlobHash, scope: &Scope) -> StorageResult<bool> {
        let (cond, args) = scope.sql(2, '?');
        let sql = format!("SELECT EXISTS (SELECT 1 FROM blob_refs b JOIN documents d ON d.id = b.doc_id WHERE b.hash = ?1 AND {cond})");
        let hash = hash.to_string();
        self.run(move |c| {
            let all = with_scope(vec![Box::new(hash)], &args);
            Ok(c.query_row(&sql, params_from_iter(all.iter().map(|b| b.as_ref())), |r| r.get(0))?)
        })
        .await
    }

    async fn record_blob_upload(&self, hash: &BlobHash, device_id: &str, at: i64) -> StorageResult<()> {
        let (hash, device) = (hash.to_string(), device_id.to_string());
        self.run(move |c| {
            c.execute(
                "INSERT INTO blob_uploads (hash, device_id, uploaded_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (hash, device_id) DO UPDATE SET uploaded_at = MAX(uploaded_at, excluded.uploaded_at)",
                params![hash, device, at],
            )?;
            Ok(())
        })
        .await
    }

    async fn forget_blob_upload(&self, hash: &BlobHash, device_id: &str) -> StorageResult<()> {
        let (hash, device) = (hash.to_string(), device_id.to_string());
        self.run(move |c| {
            c.execute("DELETE FROM blob_uploads WHERE hash = ?1 AND device_id = ?2", params![hash, device])?;
            Ok(())
        })
        .await
    }

    async fn blobs_not_citable(
        &self,
        hashes: &[BlobHash],
        device_id: &str,
        scope: &Scope,
        uploaded_since: i64,
    ) -> StorageResult<Vec<BlobHash>> {
        let (cond, args) = scope.sql(4, '?');
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM blob_uploads WHERE hash = ?1 AND device_id = ?2 AND uploaded_at >= ?3)
                 OR EXISTS (SELECT 1 FROM blob_refs b JOIN documents d ON d.id = b.doc_id WHERE b.hash = ?1 AND {cond})"
        );
        let (hashes, device) = (hashes.to_vec(), device_id.to_string());
        self.run(move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let mut not_citable = vec![];
            for hash in hashes {
                let all = with_scope(vec![Box::new(hash.to_string()), Box::new(device.clone()), Box::new(uploaded_since)], &args);
                if !stmt.query_row(params_from_iter(all.iter().map(|b| b.as_ref())), |r| r.get::<_, bool>(0))? {
                    not_citable.push(hash);
                }
            }
            Ok(not_citable)
        })
        .await
    }

    async fn release_blob(&self, hash: &BlobHash, uploaded_before: i64) -> StorageResult<bool> {
        let hash = hash.to_string();
        self.run(move |c| {
            let tx = c.transaction()?;
            let held: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE hash = ?1)
                     OR EXISTS (SELECT 1 FROM blob_uploads WHERE hash = ?1 AND uploaded_at >= ?2)",
                params![hash, uploaded_before],
                |r| r.get(0),
            )?;
            if !held {
                tx.execute("DELETE FROM blob_uploads WHERE hash = ?1", params![hash])?;
            }
            tx.commit()?;
            Ok(!held)
        })
        .await
    }

    async fn document_count(&self) -> StorageResult<i64> {
        self.run(|c| Ok(c.query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))?)).await
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn query(&self, q: Sql) -> StorageResult<Vec<Row>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(&q.text)?;
            let n = stmt.column_count();
            let rows = stmt.query_map(params_from_iter(bind(&q.params)), |r| (0..n).map(|i| r.get_ref(i).map(cell)).collect())?;
            Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
        })
        .await
    }

    async fn execute(&self, stmts: Vec<Sql>) -> StorageResult<()> {
        self.run(move |c| {
            let tx = c.transaction()?;
            run_all(&tx, &stmts)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The areas of `rows` a scope condition selects, run on SQLite.
    fn selected(cond: &str, args: Vec<Value>) -> Vec<String> {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (area TEXT, site_id TEXT)").unwrap();
        for (area, site) in [("zj/jx", "a"), ("zj/jx/c1", "b"), ("zj/jx2", "c"), ("ZJ/JX/c2", "d"), ("zj/jx_/c3", "e"), ("zj/hz", "s9")] {
            c.execute("INSERT INTO t VALUES (?1, ?2)", [area, site]).unwrap();
        }
        let mut stmt = c.prepare(&format!("SELECT area FROM t WHERE {cond} ORDER BY area")).unwrap();
        stmt.query_map(params_from_iter(bind(&args)), |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn a_scope_covers_its_area_the_areas_below_and_its_sites_exactly() {
        let scope = Scope { areas: vec!["zj/jx".into()], sites: vec!["s9".into()] };
        let want = ["zj/hz", "zj/jx", "zj/jx/c1"];
        let (cond, args) = scope.sql(1, '?');
        assert_eq!(selected(&cond, args.into_iter().map(Value::from).collect()), want, "not zj/jx2, not another case, no wildcards");
        let mut s = Sql::new(Dialect::Sqlite);
        s.scope(&scope, "t");
        assert_eq!(selected(&s.text, s.params), want, "the read models' form agrees");
    }

    #[test]
    fn a_position_sees_through_the_rows_before_it() {
        assert_eq!(seen_through(FeedPosition::START), 0);
        assert_eq!(seen_through(FeedPosition { pos: 7, seq: 7 }), 7, "a row's own position");
        assert_eq!(seen_through(FeedPosition::through(7)), 7, "an old cursor, or the horizon");
        assert_eq!(seen_through(FeedPosition { pos: 7, seq: 3 }), 6, "row 7 comes after (7, 3)");
    }
}
