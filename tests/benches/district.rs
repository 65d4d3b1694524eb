//! Sync at district scale with the server in its own process(es), as
//! production runs it, so the server's CPU is measured apart from the
//! devices'. Each server process is this benchmark binary re-run with
//! `--serve` (the same `redline_server::app::serve` the binary runs, with
//! production limits); the devices are real SQLite stores driven by the
//! real client in this process.
//!
//! Parts (`cargo bench -p redline-tests --bench district -- <part>`):
//! - `shared`: N devices in one shared scope (a district's inspectors see
//!   everything): each edits the same 5 inspections and adds 5 of its own
//!   offline, then all sync at once; then one more round, after which every
//!   device must hold the same documents. SQLite with one process,
//!   PostgreSQL with 1, 2 and 4 processes on one database (devices spread
//!   over them). Reports syncs/s, latency p50/p99, the servers' CPU per
//!   sync and per uploaded document, the devices' CPU per received document.
//! - `upload`: one device uploading 1,000 inspections: bytes on the wire
//!   with gzip (what the client sends) and the same requests plain.
//! - `first`: first sync of 1,000 inspections to a new phone against the
//!   naive whole-document baseline, each server in its own process
//!   (`district/first.rs`; `REDLINE_BENCH_RUNS` runs each, default 5).
//! - `served`: the same storm with each phone's apply left until every
//!   exchange is done (`district/deferred.rs`): syncs/s and latency as the
//!   server delivers them to phones that apply on CPUs of their own; the
//!   applies follow, measured apart, and convergence is checked as before.
//! - `communities` and `communities-served`: the same two storms with the
//!   phones of 20 communities' safety assistants, each seeing only its own
//!   community (`district/fleet.rs`).
//!
//! A part's name with `-sqlite` or `-postgres` (`served-sqlite`,
//! `communities-postgres`, ...) runs one backend.
//! `REDLINE_BENCH_DEVICES` sets N (default 200).

use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_device::sync::wire;
use redline_storage::Storage;
use redline_storage_postgres::PgStorage;
use redline_storage_sqlite::SqliteStorage;
use redline_tests::Device;
use redline_tests::process::ServerProcess;
use std::sync::Arc;
use std::time::Instant;

#[path = "district/deferred.rs"]
mod deferred;
#[path = "district/first.rs"]
mod first;
#[path = "district/fleet.rs"]
mod fleet;
#[path = "common/naive.rs"]
mod naive;
#[path = "common/workload.rs"]
mod workload;
use fleet::Shape;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Where a server process keeps its data.
#[derive(Clone, Debug)]
enum Db {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Db {
    fn arg(&self) -> String {
        match self {
            Db::Sqlite(p) => format!("sqlite:{}", p.display()),
            Db::Postgres(schema) => format!("postgres:{schema}"),
        }
    }

    async fn open(arg: &str) -> Arc<dyn Storage> {
        match arg.split_once(':') {
            Some(("sqlite", path)) => Arc::new(SqliteStorage::open(std::path::Path::new(path)).expect("sqlite")),
            Some(("postgres", schema)) => Arc::new(PgStorage::connect(PG_URL, Some(schema)).await.expect("postgres")),
            _ => panic!("unknown database {arg}"),
        }
    }
}

/// The child: serves `db` with blobs in `blobs` (see
/// [`redline_tests::process`]).
fn serve_child(db: &str, blobs: &str) {
    redline_tests::process::serve_announced(|| async move {
        let storage = Db::open(db).await;
        let blobs = Arc::new(redline_api::blobs::FsBlobStore::open(blobs.into()).expect("blobs"));
        // Production limits, but for the bound on connections per address:
        // every device here comes from 127.0.0.1.
        let limits = redline_api::state::Limits { conns_per_ip: 0, ..Default::default() };
        redline_tests::app_state(storage, blobs, limits, (1000.0, 1000.0))
    });
}

fn start_server(db: &Db, blobs: &std::path::Path) -> ServerProcess {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("bench binary"));
    cmd.args(["--serve", &db.arg(), &blobs.display().to_string()]);
    ServerProcess::start(cmd)
}

fn server_cpu(servers: &[ServerProcess]) -> f64 {
    servers.iter().map(|s| cpu_secs(s.pid())).sum()
}

/// User + system CPU seconds of process `pid`, from /proc (all threads).
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th of the whole line.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0 // USER_HZ is 100 on Linux
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

/// When the phones apply what they receive.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Apply {
    /// Inside their sync, as the real client does: the simulated phones'
    /// applies share the machine with the server.
    Inline,
    /// After every phone's exchange is done (`deferred`): the storm's
    /// throughput and latency are the server's, as phones with CPUs of
    /// their own would see them.
    Deferred,
}

/// What one storm measured: each phone's latency, the errors, the
/// documents the phones received, the storm's wall time and the phones'
/// CPU for applying.
struct Storm {
    lat: Vec<f64>,
    errors: Vec<String>,
    received: usize,
    wall: f64,
    client_cpu: f64,
}

/// Every phone syncs at once with the real client.
async fn storm_inline(fleet: &[Arc<Device>]) -> Storm {
    let cpu0 = cpu_secs(std::process::id());
    let start = Instant::now();
    let mut tasks = vec![];
    for d in fleet {
        let d = d.clone();
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let r = d.client.sync(&d.store, &tokio_util::sync::CancellationToken::new(), None).await;
            (t0.elapsed().as_secs_f64(), r.map(|rep| (rep.rejected.len(), rep.changed.len())))
        }));
    }
    let (mut lat, mut errors, mut received) = (vec![], vec![], 0usize);
    for t in tasks {
        let (secs, r) = t.await.unwrap();
        lat.push(secs);
        match r {
            Ok((0, got)) => received += got,
            Ok((n, _)) => errors.push(format!("{n} rejected")),
            Err(e) => errors.push(e.to_string()),
        }
    }
    Storm { lat, errors, received, wall: start.elapsed().as_secs_f64(), client_cpu: cpu_secs(std::process::id()) - cpu0 }
}

/// Every phone's exchange at once, each to its server; then every phone
/// applies what it got (timed apart: the phones' CPU).
async fn storm_deferred(fleet: &[Arc<Device>], servers: &[ServerProcess]) -> Storm {
    let http = reqwest::Client::new();
    let start = Instant::now();
    let mut tasks = vec![];
    for (n, d) in fleet.iter().enumerate() {
        tasks.push(tokio::spawn(deferred::exchange(http.clone(), servers[n % servers.len()].url.clone(), d.clone())));
    }
    let mut done = vec![];
    for t in tasks {
        done.push(t.await.unwrap());
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu0 = cpu_secs(std::process::id());
    let (mut lat, mut errors, mut received) = (vec![], vec![], 0usize);
    let mut applies = vec![];
    for (d, ex) in fleet.iter().zip(done) {
        match ex {
            Ok(ex) => {
                lat.push(ex.secs);
                let d = d.clone();
                applies.push(tokio::task::spawn_blocking(move || deferred::apply(&d, ex)));
            }
            Err(e) => errors.push(e),
        }
    }
    for a in applies {
        match a.await.unwrap() {
            Ok(got) => received += got,
            Err(e) => errors.push(e),
        }
    }
    Storm { lat, errors, received, wall, client_cpu: cpu_secs(std::process::id()) - cpu0 }
}

/// One storm: `devices` phones of `shape` spread over `processes`
/// servers on `db`.
async fn storm(db: Db, seed_storage: Arc<dyn Storage>, processes: usize, devices: usize, apply: Apply, shape: Shape) {
    redline_tests::seed(seed_storage.as_ref()).await;
    let blobs = tempfile::tempdir().unwrap();
    let servers: Vec<ServerProcess> = (0..processes).map(|_| start_server(&db, blobs.path())).collect();
    let fleet = fleet::build(shape, seed_storage.as_ref(), &servers, devices).await;
    let changes = fleet.changes;

    let server_cpu0 = server_cpu(&servers);
    let Storm { mut lat, errors, received, wall, client_cpu } = match apply {
        Apply::Inline => storm_inline(&fleet.devices).await,
        Apply::Deferred => storm_deferred(&fleet.devices, &servers).await,
    };
    let servers_cpu = server_cpu(&servers) - server_cpu0;
    let converged = fleet.converged().await;
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p).round() as usize];
    let backend = match db {
        Db::Sqlite(_) => "SQLite",
        Db::Postgres(_) => "PostgreSQL",
    };
    let phones = match apply {
        Apply::Inline => "applying as they sync",
        Apply::Deferred => "applying afterwards",
    };
    println!(
        "{}, {devices} devices {phones}, {backend}, {processes} server process(es): errors {}, {:.1} syncs/s in {:.2} s, p50 {:.2} s, p99 {:.2} s; \
         servers' CPU {:.2} s = {:.1} ms per sync, {:.3} ms per uploaded document ({changes}); devices' CPU {:.2} s = {:.3} ms per received document ({received}); \
         converged {converged}; load before {}",
        shape.label(),
        errors.len(),
        devices as f64 / wall,
        wall,
        pct(0.5),
        pct(0.99),
        servers_cpu,
        servers_cpu * 1e3 / devices as f64,
        servers_cpu * 1e3 / changes as f64,
        client_cpu,
        client_cpu * 1e3 / received.max(1) as f64,
        LOAD.get().map(String::as_str).unwrap_or("")
    );
    if !errors.is_empty() {
        println!("  first errors: {:?}", &errors[..errors.len().min(3)]);
    }
}

static LOAD: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn on_sqlite(devices: usize, apply: Apply, shape: Shape) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&path).unwrap());
    storm(Db::Sqlite(path), storage, 1, devices, apply, shape).await;
}

async fn on_postgres(processes: usize, devices: usize, apply: Apply, shape: Shape) {
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let Ok(storage) = PgStorage::connect(PG_URL, Some(&schema)).await else {
        println!("skipping PostgreSQL: {PG_URL} is not reachable");
        return;
    };
    storm(Db::Postgres(schema.clone()), Arc::new(storage), processes, devices, apply, shape).await;
    if let Ok((client, conn)) = tokio_postgres::connect(PG_URL, tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).await;
    }
}

/// A seeded SQLite server in its own process, and the storage it serves
/// (the folders live as long as it).
struct SeededSqlite {
    storage: Arc<dyn Storage>,
    server: ServerProcess,
    _folders: [tempfile::TempDir; 2],
}

impl SeededSqlite {
    async fn start() -> SeededSqlite {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&path).unwrap());
        redline_tests::seed(storage.as_ref()).await;
        let blobs = tempfile::tempdir().unwrap();
        let server = start_server(&Db::Sqlite(path), blobs.path());
        SeededSqlite { storage, server, _folders: [dir, blobs] }
    }

    /// A new phone of `user`, synced once.
    async fn device(&self, user: &str) -> Device {
        let d = Device::register(self.storage.as_ref(), &self.server.url, user).await;
        d.sync().await;
        d
    }
}

/// One device uploads 1,000 inspections; bytes as sent (gzip) and as the
/// same requests would be plain.
async fn upload_bytes() {
    let ours = SeededSqlite::start().await;
    let server = &ours.server;
    let d = ours.device("insp-1").await;
    for n in 0..1000 {
        let site = ["site-a1", "site-b1"][n % 2];
        let id = d.store.start_inspection(site, InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
        redline_tests::pass_everything(&d.store, &id);
        d.store.answer(&id, "H01", AnswerValue::Fail, Some(format!("第{n}号现场：消防通道堵塞，需限期整改"))).unwrap();
    }
    let plain: usize =
        d.store.pending_uploads(100_000).unwrap().iter().map(|p| wire::encode(&d.request_with(vec![p.upload.clone()])).len()).sum();
    let cpu0 = cpu_secs(server.pid());
    let report = d.sync().await;
    assert_eq!(report.accepted.len(), 1000);
    println!(
        "one device uploading 1,000 inspections: {:.2} MB sent gzip-compressed in {} round trips; the same uploads plain {:.2} MB ({:.1}x); server CPU {:.2} s",
        report.progress.bytes_up as f64 / 1e6,
        report.progress.round_trips,
        plain as f64 / 1e6,
        plain as f64 / report.progress.bytes_up as f64,
        cpu_secs(server.pid()) - cpu0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    if args.iter().any(|a| a == "--serve-naive") {
        return redline_tests::process::serve_router_announced(naive::router());
    }
    if let Some(at) = args.iter().position(|a| a == "--serve") {
        return serve_child(&args[at + 1], &args[at + 2]);
    }
    // The devices' side: two workers, as the server processes have.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(run(args));
}

async fn run(args: Vec<String>) {
    LOAD.set(load_average()).unwrap();
    let devices: usize = std::env::var("REDLINE_BENCH_DEVICES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let only: Vec<&String> = args.iter().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |part: &str| only.is_empty() || only.iter().any(|a| *a == part);
    if wants("upload") {
        upload_bytes().await;
    }
    if wants("first") {
        let runs = std::env::var("REDLINE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
        first::first_sync(runs).await;
    }
    let communities = Shape::Communities(20);
    let parts = [
        ("shared", Apply::Inline, Shape::Shared),
        ("served", Apply::Deferred, Shape::Shared),
        ("communities", Apply::Inline, communities),
        ("communities-served", Apply::Deferred, communities),
    ];
    for (part, apply, shape) in parts {
        if wants(part) || wants(&format!("{part}-sqlite")) {
            on_sqlite(devices, apply, shape).await;
        }
        if wants(part) || wants(&format!("{part}-postgres")) {
            for processes in [1, 2, 4] {
                on_postgres(processes, devices, apply, shape).await;
            }
        }
    }
}
