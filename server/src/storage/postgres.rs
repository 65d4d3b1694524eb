//! The PostgreSQL backend, for several server processes sharing one
//! database.
//!
//! Writers never hold a document lock while merging: a commit is a
//! compare-and-swap on the document's version (a loser merges again). The
//! feed's sequence numbers must appear in commit order, or a reader could
//! move its cursor past a row that commits later; every commit therefore
//! takes one transaction-scoped advisory lock around its short insert.

use super::*;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

const FEED_LOCK: i64 = 0x5245_444c_494e_45; // "REDLINE"

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), token_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, area TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS templates (id TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (id, version));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, site_id TEXT NOT NULL, area TEXT NOT NULL,
    snapshot BYTEA NOT NULL, version BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_by_area ON documents (area);
CREATE TABLE IF NOT EXISTS changes (
    seq BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL, hash TEXT NOT NULL, bytes BYTEA NOT NULL,
    device_id TEXT NOT NULL, UNIQUE (doc_id, hash));
CREATE TABLE IF NOT EXISTS blob_refs (hash TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (hash, doc_id));
"#;

pub struct PgStorage {
    pool: Pool,
}

fn pool_err(e: impl std::fmt::Display) -> StorageError {
    StorageError::Database(e.to_string())
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
        let client = pool.get().await.map_err(pool_err)?;
        if let Some(s) = schema {
            client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {s}")).await?;
        }
        // Two processes starting together must not race on CREATE TABLE.
        client.batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({FEED_LOCK}); {SCHEMA} COMMIT;")).await?;
        Ok(PgStorage { pool })
    }

    async fn client(&self) -> StorageResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_err)
    }
}

async fn bump_reference(c: &tokio_postgres::Client) -> StorageResult<()> {
    c.execute(
        "INSERT INTO counters (name, value) VALUES ('reference', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
        &[],
    )
    .await?;
    Ok(())
}

fn to_user(r: &tokio_postgres::Row) -> StorageResult<UserRecord> {
    let role: String = r.get(2);
    let scope: String = r.get(3);
    Ok(UserRecord {
        id: r.get(0),
        name: r.get(1),
        role: Role::parse(&role).ok_or_else(|| StorageError::Database(format!("unknown role {role}")))?,
        scope: serde_json::from_str(&scope).map_err(pool_err)?,
    })
}

fn to_site(json: String) -> StorageResult<Site> {
    serde_json::from_str(&json).map_err(pool_err)
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
        .await?;
        bump_reference(&c).await
    }

    async fn users(&self) -> StorageResult<Vec<UserRecord>> {
        let c = self.client().await?;
        c.query("SELECT id, name, role, scope FROM users ORDER BY id", &[]).await?.iter().map(to_user).collect()
    }

    async fn add_device(&self, device_id: &str, user_id: &str, token_hash: &str, expires_at: i64) -> StorageResult<()> {
        let c = self.client().await?;
        if c.query_opt("SELECT 1 FROM users WHERE id = $1", &[&user_id]).await?.is_none() {
            return Err(StorageError::NotFound(format!("user {user_id}")));
        }
        c.execute(
            "INSERT INTO devices (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
            &[&device_id, &user_id, &token_hash, &expires_at],
        )
        .await?;
        Ok(())
    }

    async fn revoke_device(&self, device_id: &str) -> StorageResult<bool> {
        let c = self.client().await?;
        Ok(c.execute("UPDATE devices SET revoked = TRUE WHERE id = $1", &[&device_id]).await? > 0)
    }

    async fn principal(&self, token_hash: &str, now: i64) -> StorageResult<Option<Principal>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT u.id, u.name, u.role, u.scope, d.id FROM devices d JOIN users u ON u.id = d.user_id
                 WHERE d.token_hash = $1 AND NOT d.revoked AND d.expires_at > $2",
                &[&token_hash, &now],
            )
            .await?;
        row.map(|r| {
            let u = to_user(&r)?;
            Ok(Principal { user_id: u.id, name: u.name, role: u.role, scope: u.scope, device_id: r.get(4) })
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
        .await?;
        bump_reference(&c).await
    }

    async fn site(&self, id: &str) -> StorageResult<Option<Site>> {
        let c = self.client().await?;
        c.query_opt("SELECT json FROM sites WHERE id = $1", &[&id]).await?.map(|r| to_site(r.get(0))).transpose()
    }

    async fn sites_in(&self, scope: &Scope) -> StorageResult<Vec<Site>> {
        let (cond, args) = scope.sql(1, '$');
        let sql = format!("SELECT json FROM sites WHERE {} ORDER BY id", cond.replace("site_id", "id"));
        let c = self.client().await?;
        c.query(&sql, &with_args(vec![], &args)).await?.into_iter().map(|r| to_site(r.get(0))).collect()
    }

    async fn put_template(&self, id: &str, version: u32, json: &str) -> StorageResult<()> {
        let c = self.client().await?;
        c.execute("INSERT INTO templates (id, version, json) VALUES ($1, $2, $3)", &[&id, &(version as i32), &json]).await?;
        bump_reference(&c).await
    }

    async fn templates(&self) -> StorageResult<Vec<String>> {
        let c = self.client().await?;
        Ok(c.query("SELECT json FROM templates ORDER BY id, version", &[]).await?.iter().map(|r| r.get(0)).collect())
    }

    async fn reference_counter(&self) -> StorageResult<i64> {
        let c = self.client().await?;
        Ok(c.query_opt("SELECT value FROM counters WHERE name = 'reference'", &[]).await?.map(|r| r.get(0)).unwrap_or(0))
    }

    async fn document(&self, id: &str) -> StorageResult<Option<StoredDoc>> {
        let c = self.client().await?;
        Ok(c.query_opt("SELECT kind, site_id, area, snapshot, version FROM documents WHERE id = $1", &[&id]).await?.map(|r| {
            StoredDoc { kind: r.get(0), site_id: r.get(1), area: r.get(2), snapshot: r.get(3), version: r.get(4) }
        }))
    }

    async fn commit(&self, w: &DocWrite) -> StorageResult<CommitOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FEED_LOCK]).await?;
        let updated = match w.expected_version {
            None => {
                tx.execute(
                    "INSERT INTO documents (id, kind, site_id, area, snapshot, version) VALUES ($1, $2, $3, $4, $5, 1)
                     ON CONFLICT (id) DO NOTHING",
                    &[&w.id, &w.kind, &w.site_id, &w.area, &w.snapshot],
                )
                .await?
            }
            Some(v) => {
                tx.execute(
                    "UPDATE documents SET snapshot = $2, version = version + 1 WHERE id = $1 AND version = $3",
                    &[&w.id, &w.snapshot, &v],
                )
                .await?
            }
        };
        if updated == 0 {
            tx.rollback().await?;
            return Ok(CommitOutcome::Stale);
        }
        for (hash, bytes) in &w.changes {
            tx.execute(
                "INSERT INTO changes (doc_id, hash, bytes, device_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&w.id, hash, bytes, &w.device_id],
            )
            .await?;
        }
        for hash in &w.blob_refs {
            tx.execute("INSERT INTO blob_refs (hash, doc_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[hash, &w.id]).await?;
        }
        tx.commit().await?;
        Ok(CommitOutcome::Committed)
    }

    async fn max_seq(&self) -> StorageResult<i64> {
        let c = self.client().await?;
        Ok(c.query_one("SELECT COALESCE(MAX(seq), 0) FROM changes", &[]).await?.get(0))
    }

    async fn feed(&self, scope: &Scope, after: i64, upto: i64, exclude_device: &str, limit: i64) -> StorageResult<Vec<FeedRow>> {
        let (cond, args) = scope.sql(5, '$');
        let sql = format!(
            "SELECT c.seq, c.doc_id, d.kind, c.bytes FROM changes c JOIN documents d ON d.id = c.doc_id
             WHERE c.seq > $1 AND c.seq <= $2 AND c.device_id <> $3 AND {cond} ORDER BY c.seq LIMIT $4"
        );
        let c = self.client().await?;
        let rows = c.query(&sql, &with_args(vec![&after, &upto, &exclude_device, &limit], &args)).await?;
        Ok(rows.iter().map(|r| FeedRow { seq: r.get(0), doc_id: r.get(1), kind: r.get(2), bytes: r.get(3) }).collect())
    }

    async fn snapshots(&self, scope: &Scope, after_id: &str, limit: i64) -> StorageResult<Vec<(String, String, Vec<u8>)>> {
        let (cond, args) = scope.sql(3, '$');
        let sql = format!("SELECT id, kind, snapshot FROM documents WHERE id > $1 AND {cond} ORDER BY id LIMIT $2");
        let c = self.client().await?;
        let rows = c.query(&sql, &with_args(vec![&after_id, &limit], &args)).await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    async fn blob_in_scope(&self, hash: &str, scope: &Scope) -> StorageResult<bool> {
        let (cond, args) = scope.sql(2, '$');
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM blob_refs b JOIN documents d ON d.id = b.doc_id WHERE b.hash = $1 AND {cond})"
        );
        let c = self.client().await?;
        Ok(c.query_one(&sql, &with_args(vec![&hash], &args)).await?.get(0))
    }

    async fn document_count(&self) -> StorageResult<i64> {
        let c = self.client().await?;
        Ok(c.query_one("SELECT COUNT(*) FROM documents", &[]).await?.get(0))
    }
}
