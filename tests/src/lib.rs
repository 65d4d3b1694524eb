//! Test harness for the scenarios: a real server on 127.0.0.1:0 (SQLite or
//! PostgreSQL storage, blobs in a temporary folder) and devices, each a real
//! SQLite store driven by the real sync client.
//!
//! PostgreSQL is at 127.0.0.1:5432 (trust auth, database `test`) on CI
//! machines; each server gets its own schema so runs never see each other.
//! Where PostgreSQL is unreachable its tests are skipped with a message,
//! except under CI, where that is a failure.

use redline_core::people::{Identity, Role};
use redline_core::site::{GeoPoint, Site};
use redline_core::store::Store;
use redline_core::sync::client::{SyncClient, SyncReport};
use redline_core::template::SiteCategory;
use redline_server::admin::register_device;
use redline_server::state::{AppState, Limits, RateLimiter};
use redline_server::storage::{PgStorage, Scope, SqliteStorage, Storage, UserRecord};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server; stops when dropped.
pub struct TestServer {
    pub url: String,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Arc<tempfile::TempDir>,
}

/// A fresh PostgreSQL schema name for one test run.
pub fn fresh_schema() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

/// Connects to the test PostgreSQL, or explains why the test is skipped.
pub async fn postgres(schema: &str) -> Option<Arc<dyn Storage>> {
    match PgStorage::connect(PG_URL, Some(schema)).await {
        Ok(s) => Some(Arc::new(s)),
        Err(e) if std::env::var_os("CI").is_some() => panic!("PostgreSQL is required under CI: {e}"),
        Err(e) => {
            eprintln!("skipping: PostgreSQL at {PG_URL} is not reachable ({e})");
            None
        }
    }
}

pub fn sites() -> Vec<Site> {
    let site = |id: &str, name: &str, area: &str| Site {
        id: id.into(),
        name: name.into(),
        address: "西湖区".into(),
        area: area.into(),
        categories: vec![SiteCategory::HazardousChemicals],
        location: Some(GeoPoint { lat: 30.2, lon: 120.1 }),
        contact_name: None,
        contact_phone: None,
        risk: None,
    };
    vec![
        site("site-a1", "转塘化工仓库", "zj/hz/xh/a"),
        site("site-a2", "转塘涂料店", "zj/hz/xh/a"),
        site("site-b1", "文新化工门市", "zj/hz/xh/b"),
    ]
}

/// Users of the scenarios: district staff see communities a and b; each
/// assistant sees one.
pub fn users() -> Vec<UserRecord> {
    let u = |id: &str, role, areas: &[&str]| UserRecord {
        id: id.into(),
        name: format!("{id}-名"),
        role,
        scope: Scope { areas: areas.iter().map(|s| s.to_string()).collect(), sites: vec![] },
    };
    vec![
        u("insp-1", Role::Inspector, &["zj/hz/xh"]),
        u("insp-2", Role::Inspector, &["zj/hz/xh"]),
        u("sup-1", Role::Supervisor, &["zj/hz/xh"]),
        u("asst-a", Role::CommunityAssistant, &["zj/hz/xh/a"]),
        u("asst-b", Role::CommunityAssistant, &["zj/hz/xh/b"]),
        u("admin", Role::Admin, &[""]),
    ]
}

impl TestServer {
    /// Starts a server with the scenario users and sites; `None` when the
    /// backend is PostgreSQL and it is unreachable outside CI.
    pub async fn start(backend: Backend) -> Option<TestServer> {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let storage: Arc<dyn Storage> = match backend {
            Backend::Sqlite => Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("sqlite")),
            Backend::Postgres => postgres(&fresh_schema()).await?,
        };
        for s in sites() {
            storage.put_site(&s).await.expect("site");
        }
        for u in users() {
            storage.put_user(&u).await.expect("user");
        }
        Some(TestServer::serve(storage, dir).await)
    }

    /// Serves `storage` (shared with other servers, for the PostgreSQL
    /// multi-process scenario) with blobs under `dir`.
    pub async fn serve(storage: Arc<dyn Storage>, dir: Arc<tempfile::TempDir>) -> TestServer {
        let blobs = Arc::new(redline_server::blobs::FsBlobStore::open(dir.path().join("blobs")).expect("blobs"));
        let state = AppState {
            storage,
            blobs,
            limiter: Arc::new(RateLimiter::new(1000.0, 1000.0)),
            limits: Limits { page_bytes: 256 << 10, ..Limits::default() },
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s = state.clone();
        let task = tokio::spawn(async move {
            redline_server::app::serve(listener, s, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        TestServer { url, state, stop: Some(tx), task: Some(task), _dir: dir }
    }

    /// Stops the server and waits until it no longer accepts connections.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// A new device for `user`, registered with the server.
    pub async fn device(&self, user: &str) -> Device {
        let token = register_device(self.state.storage.as_ref(), user).await.expect("register device");
        let u = users().into_iter().find(|u| u.id == user).expect("known user");
        let dir = tempfile::tempdir().expect("temp dir");
        let identity = Identity { user_id: u.id.clone(), name: u.name.clone(), role: u.role, device_id: token.device_id.clone() };
        let store = Store::open(dir.path().join("phone.db"), identity).expect("store");
        Device { store: Arc::new(store), client: SyncClient::new(&self.url, &token.token).expect("client"), token: token.token, dir: dir.path().to_path_buf(), _dir: dir }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A phone: its own store file and a sync client bound to one server.
pub struct Device {
    pub store: Arc<Store>,
    pub client: SyncClient,
    pub token: String,
    pub dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Device {
    pub async fn sync(&self) -> SyncReport {
        self.client.sync(&self.store, &CancellationToken::new(), None).await.expect("sync")
    }

    /// Points this device at another server (same storage, other process).
    pub fn use_server(&mut self, url: &str) {
        self.client = SyncClient::new(url, &self.token).expect("client");
    }
}
