//! The PostgreSQL backend, for several server processes sharing one
//! database.
//!
//! Writers never hold a document lock while merging: a commit is a
//! compare-and-swap on the document's version (a loser merges again), and
//! commits to different documents do not wait for each other.
//!
//! The feed must never let a reader move its cursor past a row whose
//! transaction commits later. Sequence numbers are handed out before
//! commit, so without a lock around every commit they do not follow commit
//! order. Instead each change row's place is its transaction's id, `pos =
//! pg_current_xact_id() + feed_base`: the same for every row of one
//! commit, with `seq` ordering the rows within it (migration 8 explains
//! `feed_base`). Ids do not follow commit order either, but they give a
//! bound: a reader's horizon is just below the oldest transaction id still
//! running (`pg_snapshot_xmin(pg_current_snapshot())`). Every transaction
//! with a lower id has finished, so every row at or below the horizon is
//! visible already or will never be written; rows above it wait for a
//! later read even when they are visible.
//!
//! Transaction ids belong to the whole cluster, not this database: any
//! writing transaction anywhere on the PostgreSQL server (another database,
//! a migration, a batch job; read-only transactions take no id and do not
//! count) holds the horizon back while it runs. Readers then get new rows
//! later, never miss one. So that a device syncing just after another's
//! upload still gets it while some short commit elsewhere finishes, a
//! reader that finds committed rows above the horizon waits up to
//! [`CATCH_UP`] for it to pass them; a long transaction costs each read
//! that wait and then delays its rows until it ends.
//!
//! Being the cluster's ids, positions mean something only within one
//! cluster's history (pg_upgrade and physical replicas keep the ids going):
//! a logical dump restored into a new cluster starts its ids again, below
//! the positions devices hold, so before any server starts on such a copy
//! raise `feed_base` in `counters` above the old cluster's
//! `pg_current_xact_id()` plus its `feed_base`.

mod catch_up;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use redline_domain::blob::BlobHash;
use redline_domain::doc::DocKind;
use redline_domain::people::Role;
use redline_domain::site::Site;
use redline_storage::sql::{Dialect, Row, Sql, Value};
use redline_storage::*;
use std::time::Duration;
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

/// How long a reader waits for the horizon to pass rows already committed
/// (see the crate doc): far longer than a commit, short for a sync.
pub const CATCH_UP: Duration = Duration::from_secs(2);

/// Serialises schema changes between processes starting together.
const MIGRATE_LOCK: i64 = 0x0052_4544_4c4d_4947; // "REDLMIG"

/// The schema, step by step; the table `schema_version` records how far a
/// database is. Append, never edit: a shipped step has run somewhere.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_blob_uploads.sql"),
    include_str!("../migrations/0003_read_models.sql"),
    include_str!("../migrations/0004_web_sessions.sql"),
    include_str!("../migrations/0005_read_model_indexes.sql"),
    include_str!("../migrations/0006_plans.sql"),
    include_str!("../migrations/0007_document_numbers.sql"),
    include_str!("../migrations/0008_feed_positions.sql"),
    include_str!("../migrations/0009_blob_upload_times.sql"),
];

pub struct PgStorage {
    pool: Pool,
    /// Added to transaction ids to make feed positions; written once by
    /// migration 8 and never changed, so it is read once, on connecting.
    feed_base: i64,
}

fn pool_err(e: impl std::error::Error + Send + Sync + 'static) -> StorageError {
    StorageError::database(e)
}

/// `?` for the driver's errors: a unique violation is a duplicate, the rest
/// keep the driver's error as their source.
trait Db<T> {
    fn db(self) -> StorageResult<T>;
}

impl<T> Db<T> for Result<T, tokio_postgres::Error> {
    fn db(self) -> StorageResult<T> {
        self.map_err(|e| {
            if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                StorageError::Duplicate(e.to_string())
            } else if e.code() == Some(&tokio_postgres::error::SqlState::DISK_FULL) {
                StorageError::Full(e.to_string())
            } else {
                StorageError::database(e)
            }
        })
    }
}

/// A statement's parameters as driver values, typed even when NULL.
fn bind(params: &[Value]) -> Vec<Box<dyn ToSql + Sync + Send>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                Value::Text(t) => Box::new(t.clone()),
                Value::Int(i) => Box::new(*i),
                Value::Real(r) => Box::new(*r),
                Value::Bytes(b) => Box::new(b.clone()),
            }
        })
        .collect()
}

fn refs(b: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    b.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
}

/// A cell by its column's type; a type the read models never select
/// (NUMERIC, say: cast sums to BIGINT) is reported, not guessed.
fn cell(r: &tokio_postgres::Row, i: usize) -> StorageResult<Value> {
    use tokio_postgres::types::Type;
    let t = r.columns()[i].type_();
    let v = match *t {
        Type::INT8 => Value::Int(r.try_get::<_, Option<i64>>(i).db()?),
        Type::INT4 => Value::Int(r.try_get::<_, Option<i32>>(i).db()?.map(i64::from)),
        Type::INT2 => Value::Int(r.try_get::<_, Option<i16>>(i).db()?.map(i64::from)),
        Type::BOOL => Value::Int(r.try_get::<_, Option<bool>>(i).db()?.map(i64::from)),
        Type::FLOAT8 => Value::Real(r.try_get::<_, Option<f64>>(i).db()?),
        Type::FLOAT4 => Value::Real(r.try_get::<_, Option<f32>>(i).db()?.map(f64::from)),
        Type::BYTEA => Value::Bytes(r.try_get::<_, Option<Vec<u8>>>(i).db()?),
        Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => Value::Text(r.try_get::<_, Option<String>>(i).db()?),
        _ => return Err(StorageError::Corrupt(format!("column {i} has type {t}, which the read models do not select"))),
    };
    Ok(v)
}

/// Runs `stmts` in order in `tx`. Each is prepared once per connection
/// (cached), then all are sent back to back: tokio-postgres pipelines the
/// requests polled together on one connection in the order they are first
/// polled (`try_join_all` polls in order), so they run in order while the
/// round trips overlap. A failed statement aborts the transaction, and the
/// first error in order is the one returned.
async fn run_all(tx: &deadpool_postgres::Transaction<'_>, stmts: &[Sql]) -> StorageResult<()> {
    let mut prepared = Vec::with_capacity(stmts.len());
    for s in stmts {
        prepared.push((tx.prepare_cached(&s.text).await.db()?, bind(&s.params)));
    }
    let runs = prepared.iter().map(|(stmt, params)| async move { tx.execute(stmt, &refs(params)).await });
    futures_util::future::try_join_all(runs).await.db()?;
    Ok(())
}

fn kind(r: &tokio_postgres::Row, i: usize) -> StorageResult<DocKind> {
    let k: String = r.get(i);
    DocKind::parse(&k).ok_or_else(|| StorageError::Corrupt(format!("unknown document kind {k}")))
}

/// Brings the schema up to date, all pending steps in one transaction under
/// an advisory lock (two processes starting together never race). Returns
/// the version found.
pub async fn migrate(client: &mut tokio_postgres::Client, migrations: &[&str]) -> StorageResult<i64> {
    let tx = client.transaction().await.db()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK]).await.db()?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)").await.db()?;
    let found: i64 = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[]).await.db()?.get(0);
    let supported = migrations.len() as i64;
    if found > supported {
        return Err(StorageError::SchemaTooNew { found, supported });
    }
    for sql in &migrations[found as usize..] {
        tx.batch_execute(sql).await.db()?;
    }
    if found < supported {
        tx.execute("DELETE FROM schema_version", &[]).await.db()?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&supported]).await.db()?;
    }
    tx.commit().await.db()?;
    Ok(found)
}

impl PgStorage {
    /// Connects to `url` (e.g. `postgres://postgres@127.0.0.1:5432/test`)
    /// and creates the tables if missing. `schema` isolates a test run.
    pub async fn connect(url: &str, schema: Option<&str>) -> StorageResult<PgStorage> {
        let mut config: tokio_postgres::Config = url.parse().map_err(pool_err)?;
        if let Some(s) = schema {
            config.options(format!("-c search_path={s}"));
        }
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).max_size(16).build().map_err(pool_err)?;
        let mut client = pool.get().await.map_err(pool_err)?;
        if let Some(s) = schema {
            client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {s}")).await.db()?;
        }
        migrate(&mut client, MIGRATIONS).await?;
        let feed_base = read_feed_base(&client).await?;
        drop(client);
        Ok(PgStorage { pool, feed_base })
    }

    async fn client(&self) -> StorageResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_err)
    }

    /// The feed's horizon (see the crate doc) and the highest position
    /// already committed, seen at one moment. The statement takes no
    /// transaction id of its own, so it holds nothing back.
    async fn horizon_and_newest(&self) -> StorageResult<(i64, i64)> {
        let sql = format!("SELECT {HORIZON}, (SELECT COALESCE(MAX(pos), 0) FROM changes)");
        let row = self.client().await?.query_one(&sql, &[&self.feed_base]).await.db()?;
        Ok((row.get(0), row.get(1)))
    }

    /// The feed's horizon alone, for the polls of a reader catching up.
    async fn horizon(&self) -> StorageResult<i64> {
        let row = self.client().await?.query_one(&format!("SELECT {HORIZON}"), &[&self.feed_base]).await.db()?;
        Ok(row.get(0))
    }
}

/// Just below the oldest transaction id still running, as a feed position
/// (`$1` is `feed_base`).
const HORIZON: &str = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1 + $1";

/// The constant migration 8 stored; positions are transaction ids plus it.
async fn read_feed_base(c: &tokio_postgres::Client) -> StorageResult<i64> {
    let row = c.query_opt("SELECT value FROM counters WHERE name = 'feed_base'", &[]).await.db()?;
    row.map(|r| r.get(0)).ok_or_else(|| StorageError::Corrupt("counter feed_base is missing (migration 8 stores it)".into()))
}

async fn bump_reference(c: &tokio_postgres::Client) -> StorageResult<()> {
    c.execute(
        "INSERT INTO counters (name, value) VALUES ('reference', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
        &[],
    )
    .await
    .db()?;
    Ok(())
}

fn to_user(r: &tokio_postgres::Row) -> StorageResult<UserRecord> {
    let role: String = r.get(2);
    let scope: String = r.get(3);
    Ok(UserRecord {
        id: r.get(0),
        name: r.get(1),
        role: Role::parse(&role).ok_or_else(|| StorageError::Corrupt(format!("unknown role {role}")))?,
        scope: serde_json::from_str(&scope).map_err(|e| StorageError::Corrupt(format!("scope: {e}")))?,
    })
}

fn to_site(json: String) -> StorageResult<Site> {
    serde_json::from_str(&json).map_err(|e| StorageError::Corrupt(format!("site: {e}")))
}

fn with_args<'a>(fixed: Vec<&'a (dyn ToSql + Sync)>, args: &'a [String]) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut all = fixed;
    all.extend(args.iter().map(|a| a as &(dyn ToSql + Sync)));
    all
}

#[async_trait::async_trait]
impl Storage for PgStorage {
    async fn put_user(&self, u: &UserRecord) -> StorageResult<()> {
        let c = self.client().await?;
        let scope = serde_json::to_string(&u.scope).expect("json");
        c.execute(
            "INSERT INTO users (id, name, role, scope) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, scope = excluded.scope",
            &[&u.id, &u.name, &u.role.as_str(), &scope],
        )
        .await
        .db()?;
        bump_reference(&c).await
    }

    async fn users(&self) -> StorageResult<Vec<UserRecord>> {
        let c = self.client().await?;
        c.query("SELECT id, name, role, scope FROM users ORDER BY id", &[]).await.db()?.iter().map(to_user).collect()
    }

    async fn add_device(&self, device_id: &str, user_id: &str, token_hash: &str, expires_at: i64) -> StorageResult<()> {
        let c = self.client().await?;
        if c.query_opt("SELECT 1 FROM users WHERE id = $1", &[&user_id]).await.db()?.is_none() {
            return Err(StorageError::NotFound(format!("user {user_id}")));
        }
        c.execute(
            "INSERT INTO devices (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
            &[&device_id, &user_id, &token_hash, &expires_at],
        )
        .await
        .db()?;
        Ok(())
    }

    async fn revoke_device(&self, device_id: &str) -> StorageResult<bool> {
        let c = self.client().await?;
        Ok(c.execute("UPDATE devices SET revoked = TRUE WHERE id = $1", &[&device_id]).await.db()? > 0)
    }

    async fn is_revoked(&self, token_hash: &str) -> StorageResult<bool> {
        let c = self.client().await?;
        let row = c.query_one("SELECT EXISTS (SELECT 1 FROM devices WHERE token_hash = $1 AND revoked)", &[&token_hash]).await.db()?;
        Ok(row.get(0))
    }

    async fn principal(&self, token_hash: &str, now: i64) -> StorageResult<Option<Principal>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT u.id, u.name, u.role, u.scope, d.id, d.expires_at FROM devices d JOIN users u ON u.id = d.user_id
                 WHERE d.token_hash = $1 AND NOT d.revoked AND d.expires_at > $2",
                &[&token_hash, &now],
            )
            .await
            .db()?;
        row.map(|r| {
            let u = to_user(&r)?;
            Ok(Principal { user_id: u.id, name: u.name, role: u.role, scope: u.scope, device_id: r.get(4), token_expires_at: r.get(5) })
        })
        .transpose()
    }

    async fn put_site(&self, site: &Site) -> StorageResult<()> {
        let c = self.client().await?;
        let json = serde_json::to_string(site).expect("json");
        c.execute(
            "INSERT INTO sites (id, area, json) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET area = excluded.area, json = excluded.json",
            &[&site.id, &site.area, &json],
        )
        .await.db()?;
        bump_reference(&c).await
    }

    async fn site(&self, id: &str) -> StorageResult<Option<Site>> {
        let c = self.client().await?;
        c.query_opt("SELECT json FROM sites WHERE id = $1", &[&id]).await.db()?.map(|r| to_site(r.get(0))).transpose()
    }

    async fn sites_in(&self, scope: &Scope) -> StorageResult<Vec<Site>> {
        let (cond, args) = scope.sql(1, '$');
        let sql = format!("SELECT json FROM sites WHERE {} ORDER BY id", cond.replace("site_id", "id"));
        let c = self.client().await?;
        c.query(&sql, &with_args(vec![], &args)).await.db()?.into_iter().map(|r| to_site(r.get(0))).collect()
    }

    async fn put_template(&self, id: &str, version: u32, json: &str) -> StorageResult<()> {
        let c = self.client().await?;
        c.execute("INSERT INTO templates (id, version, json) VALUES ($1, $2, $3)", &[&id, &(version as i32), &json]).await.db()?;
        bump_reference(&c).await
    }

    async fn templates(&self) -> StorageResult<Vec<String>> {
        let c = self.client().await?;
        Ok(c.query("SELECT json FROM templates ORDER BY id, version", &[]).await.db()?.iter().map(|r| r.get(0)).collect())
    }

    async fn reference_counter(&self) -> StorageResult<i64> {
        let c = self.client().await?;
        Ok(c.query_opt("SELECT value FROM counters WHERE name = 'reference'", &[]).await.db()?.map(|r| r.get(0)).unwrap_or(0))
    }

    async fn document(&self, id: &str) -> StorageResult<Option<StoredDoc>> {
        let c = self.client().await?;
        Ok(c.query_opt("SELECT kind, site_id, area, snapshot, version FROM documents WHERE id = $1", &[&id])
            .await
            .db()?
            .map(|r| Ok(StoredDoc { kind: kind(&r, 0)?, site_id: r.get(1), area: r.get(2), snapshot: r.get(3), version: r.get(4) }))
            .transpose()?)
    }

    async fn commit(&self, w: &DocWrite) -> StorageResult<CommitOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.db()?;
        let updated = match w.expected_version {
            None => tx
                .execute(
                    "INSERT INTO documents (id, kind, site_id, area, snapshot, version) VALUES ($1, $2, $3, $4, $5, 1)
                     ON CONFLICT (id) DO NOTHING",
                    &[&w.id, &w.kind.as_str(), &w.site_id, &w.area, &w.snapshot],
                )
                .await
                .db()?,
            Some(v) => tx
                .execute(
                    "UPDATE documents SET snapshot = $2, version = version + 1 WHERE id = $1 AND version = $3",
                    &[&w.id, &w.snapshot, &v],
                )
                .await
                .db()?,
        };
        if updated == 0 {
            tx.rollback().await.db()?;
            return Ok(CommitOutcome::Stale);
        }
        // The document's row lock is held from here, so commits to this
        // document queue up; commits to others go on.
        run_all(&tx, &w.read_rows).await?;
        for (hash, bytes) in &w.changes {
            tx.execute(
                "INSERT INTO changes (doc_id, hash, bytes, device_id, pos)
                 VALUES ($1, $2, $3, $4, pg_current_xact_id()::text::bigint + $5) ON CONFLICT DO NOTHING",
                &[&w.id, hash, bytes, &w.device_id, &self.feed_base],
            )
            .await
            .db()?;
        }
        for hash in &w.blob_refs {
            tx.execute("INSERT INTO blob_refs (hash, doc_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&hash.as_str(), &w.id])
                .await
                .db()?;
        }
        tx.commit().await.db()?;
        Ok(CommitOutcome::Committed)
    }

    async fn feed_horizon(&self) -> StorageResult<i64> {
        catch_up::settled_horizon(self.horizon_and_newest(), || self.horizon(), CATCH_UP).await
    }

    async fn feed(&self, scope: &Scope, after: FeedPosition, upto: i64, exclude_device: &str, limit: i64) -> StorageResult<Vec<FeedRow>> {
        let (cond, args) = scope.sql(6, '$');
        let sql = format!(
            "SELECT c.pos, c.seq, c.doc_id, d.kind, c.bytes FROM changes c JOIN documents d ON d.id = c.doc_id
             WHERE (c.pos, c.seq) > ($1, $2) AND c.pos <= $3 AND c.device_id <> $4 AND {cond}
             ORDER BY c.pos, c.seq LIMIT $5"
        );
        let c = self.client().await?;
        let rows = c.query(&sql, &with_args(vec![&after.pos, &after.seq, &upto, &exclude_device, &limit], &args)).await.db()?;
        rows.iter().map(|r| Ok(FeedRow { pos: r.get(0), seq: r.get(1), doc_id: r.get(2), kind: kind(r, 3)?, bytes: r.get(4) })).collect()
    }

    async fn snapshots(&self, scope: &Scope, after_id: &str, limit: i64) -> StorageResult<Vec<(String, DocKind, Vec<u8>)>> {
        let (cond, args) = scope.sql(3, '$');
        let sql = format!("SELECT id, kind, snapshot FROM documents WHERE id > $1 AND {cond} ORDER BY id LIMIT $2");
        let c = self.client().await?;
        let rows = c.query(&sql, &with_args(vec![&after_id, &limit], &args)).await.db()?;
        rows.iter().map(|r| Ok((r.get(0), kind(r, 1)?, r.get(2)))).collect()
    }

    async fn blob_in_scope(&self, hash: &BlobHash, scope: &Scope) -> StorageResult<bool> {
        let (cond, args) = scope.sql(2, '$');
        let sql = format!("SELECT EXISTS (SELECT 1 FROM blob_refs b JOIN documents d ON d.id = b.doc_id WHERE b.hash = $1 AND {cond})");
        let c = self.client().await?;
        Ok(c.query_one(&sql, &with_args(vec![&hash.as_str()], &args)).await.db()?.get(0))
    }

    async fn record_blob_upload(&self, hash: &BlobHash, device_id: &str, at: i64) -> StorageResult<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO blob_uploads (hash, device_id, uploaded_at) VALUES ($1, $2, $3)
             ON CONFLICT (hash, device_id) DO UPDATE SET uploaded_at = GREATEST(blob_uploads.uploaded_at, EXCLUDED.uploaded_at)",
            &[&hash.as_str(), &device_id, &at],
        )
        .await
        .db()?;
        Ok(())
    }

    async fn forget_blob_upload(&self, hash: &BlobHash, device_id: &str) -> StorageResult<()> {
        let c = self.client().await?;
        c.execute("DELETE FROM blob_uploads WHERE hash = $1 AND device_id = $2", &[&hash.as_str(), &device_id]).await.db()?;
        Ok(())
    }

    async fn blobs_not_citable(
        &self,
        hashes: &[BlobHash],
        device_id: &str,
        scope: &Scope,
        uploaded_since: i64,
    ) -> StorageResult<Vec<BlobHash>> {
        if hashes.is_empty() {
            return Ok(vec![]);
        }
        let (cond, args) = scope.sql(4, '$');
        let sql = format!(
            "SELECT t.n FROM unnest($1::text[]) WITH ORDINALITY AS t(hash, n)
             WHERE NOT EXISTS (SELECT 1 FROM blob_uploads u WHERE u.hash = t.hash AND u.device_id = $2 AND u.uploaded_at >= $3)
               AND NOT EXISTS (SELECT 1 FROM blob_refs b JOIN documents d ON d.id = b.doc_id WHERE b.hash = t.hash AND {cond})
             ORDER BY t.n"
        );
        let texts: Vec<&str> = hashes.iter().map(BlobHash::as_str).collect();
        let c = self.client().await?;
        let rows = c.query(&sql, &with_args(vec![&texts, &device_id, &uploaded_since], &args)).await.db()?;
        // Positions count from 1.
        Ok(rows.iter().map(|r| hashes[r.get::<_, i64>(0) as usize - 1].clone()).collect())
    }

    async fn release_blob(&self, hash: &BlobHash, uploaded_before: i64) -> StorageResult<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.db()?;
        // The upload rows are locked first: a device recording an upload of
        // this blob meanwhile waits, then finds its row gone or re-inserts it
        // after this transaction (and then the blob's absence tells it).
        tx.execute("SELECT 1 FROM blob_uploads WHERE hash = $1 FOR UPDATE", &[&hash.as_str()]).await.db()?;
        let held: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE hash = $1)
                     OR EXISTS (SELECT 1 FROM blob_uploads WHERE hash = $1 AND uploaded_at >= $2)",
                &[&hash.as_str(), &uploaded_before],
            )
            .await
            .db()?
            .get(0);
        if !held {
            tx.execute("DELETE FROM blob_uploads WHERE hash = $1", &[&hash.as_str()]).await.db()?;
        }
        tx.commit().await.db()?;
        Ok(!held)
    }

    async fn document_count(&self) -> StorageResult<i64> {
        let c = self.client().await?;
        Ok(c.query_one("SELECT COUNT(*) FROM documents", &[]).await.db()?.get(0))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn query(&self, q: Sql) -> StorageResult<Vec<Row>> {
        let c = self.client().await?;
        let stmt = c.prepare_cached(&q.text).await.db()?;
        let params = bind(&q.params);
        let rows = c.query(&stmt, &refs(&params)).await.db()?;
        rows.iter().map(|r| (0..r.len()).map(|i| cell(r, i)).collect()).collect()
    }

    async fn execute(&self, stmts: Vec<Sql>) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.db()?;
        run_all(&tx, &stmts).await?;
        tx.commit().await.db()?;
        Ok(())
    }
}
