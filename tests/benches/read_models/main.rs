//! Read models at district scale, on SQLite and on PostgreSQL: a generated
//! district (`make`, `hazards`, written by `load`) is queried through a real server in its own
//! process, as the supervisors' API and dashboard ask:
//!
//! 1. overview, a filtered hazard list (first page and a page deep in the
//!    results), one inspection, one hazard: p50 and p99 over many asks;
//! 2. the dashboard's pages for the same: p50, p99 and page weight;
//! 3. CSV and XLSX export of all 100,000 inspections: rows/s and the
//!    server's peak RSS during each;
//! 4. the cost the read models add to an upload's merge: the same uploads
//!    to servers with them on and off, alternating.
//!
//! `scripts/bench-read-models.sh` runs it (release build; PostgreSQL at
//! 127.0.0.1:5432). The district is generated once per backend and kept
//! (`/var/tmp/redline-bench/` and schema `bench_district_v1`) unless
//! `--fresh`; `--only sqlite|postgres`; `--no-merge` or `--merge-only`.

mod hazards;
mod load;
mod make;
mod measure;
mod merge_cost;
mod queries;

use redline_storage::Storage;
use redline_storage_postgres::PgStorage;
use redline_storage_sqlite::SqliteStorage;
use std::path::PathBuf;
use std::sync::Arc;

const SERVE: &str = "REDLINE_BENCH_SERVE";
const SCHEMA: &str = "bench_district_v1";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn sqlite_path() -> PathBuf {
    PathBuf::from("/var/tmp/redline-bench/district-v1.db")
}

async fn open(b: Backend) -> Arc<dyn Storage> {
    match b {
        Backend::Sqlite => {
            std::fs::create_dir_all(sqlite_path().parent().expect("dir")).expect("bench dir");
            Arc::new(SqliteStorage::open(&sqlite_path()).expect("sqlite"))
        }
        Backend::Postgres => Arc::new(PgStorage::connect(redline_tests::PG_URL, Some(SCHEMA)).await.expect("PostgreSQL at 127.0.0.1:5432")),
    }
}

/// Removes a kept district so the next open starts empty.
async fn wipe(b: Backend) {
    match b {
        Backend::Sqlite => {
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", sqlite_path().display()));
            }
        }
        Backend::Postgres => {
            let (c, conn) = tokio_postgres::connect(redline_tests::PG_URL, tokio_postgres::NoTls).await.expect("pg");
            tokio::spawn(conn);
            c.batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")).await.expect("drop schema");
        }
    }
}

/// What autovacuum does soon after a bulk load, done at once: planner
/// statistics and the visibility map (index-only scans need it). Without
/// it the first minutes after the load are measured, not the server.
async fn vacuum_analyze() {
    let (c, conn) = tokio_postgres::connect(redline_tests::PG_URL, tokio_postgres::NoTls).await.expect("pg");
    tokio::spawn(conn);
    for t in redline_read_models::tables::ALL {
        c.batch_execute(&format!("VACUUM (ANALYZE) {SCHEMA}.{}", t.name)).await.expect("vacuum");
    }
}

async fn count(storage: &dyn Storage, table: &str) -> i64 {
    let mut s = redline_storage::sql::Sql::new(storage.dialect());
    s.push(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"));
    storage.query(s).await.expect("count")[0][0].int().unwrap_or(0)
}

/// The district in `b`, generated unless a complete one is kept.
async fn district(b: Backend, fresh: bool) -> Arc<dyn Storage> {
    if fresh {
        wipe(b).await;
    }
    let storage = open(b).await;
    if count(storage.as_ref(), "rm_inspections").await == make::INSPECTIONS as i64 {
        eprintln!("{b:?}: using the kept district");
        return storage;
    }
    drop(storage);
    wipe(b).await;
    let storage = open(b).await;
    let t = std::time::Instant::now();
    let now = redline_domain::time::now_millis();
    let loaded = load::load(storage.as_ref(), 2026, now).await;
    eprintln!("{b:?}: generated {} inspections, {} hazards in {:.0} s", loaded.inspections, loaded.hazards, t.elapsed().as_secs_f64());
    if b == Backend::Postgres {
        vacuum_analyze().await;
    }
    storage
}

/// The child: serves the kept district of the backend named in `SERVE`
/// until its stdin closes.
fn serve_child(spec: &str) {
    let b = if spec == "postgres" { Backend::Postgres } else { Backend::Sqlite };
    redline_tests::process::serve_announced(|| async move {
        let storage = open(b).await;
        // Kept for the process's life: it ends by exiting, not by unwinding.
        let blobs_dir = tempfile::tempdir().expect("blobs").keep();
        let blobs = Arc::new(redline_api::blobs::FsBlobStore::open(blobs_dir.join("blobs")).expect("blobs"));
        redline_tests::app_state(storage, blobs, Default::default(), (100_000.0, 100_000.0))
    });
}

fn main() {
    if let Ok(spec) = std::env::var(SERVE) {
        return serve_child(&spec);
    }
    let args: Vec<String> = std::env::args().collect();
    let fresh = args.iter().any(|a| a == "--fresh");
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let backends: Vec<Backend> = [Backend::Sqlite, Backend::Postgres]
        .into_iter()
        .filter(|b| only.as_deref().is_none_or(|o| o == format!("{b:?}").to_lowercase()))
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        println!("load average at start: {}", measure::load());
        if !args.iter().any(|a| a == "--merge-only") {
            for &b in &backends {
                let storage = district(b, fresh).await;
                queries::run(b, storage).await;
            }
        }
        if !args.iter().any(|a| a == "--no-merge") {
            for &b in &backends {
                merge_cost::run(b).await;
            }
        }
        println!("load average at end: {}", measure::load());
    });
}
