//! Test harness for the scenarios: a real server on 127.0.0.1:0 (SQLite or
//! PostgreSQL storage, blobs in a temporary folder) and devices, each a real
//! SQLite store driven by the real sync client.
//!
//! PostgreSQL is at 127.0.0.1:5432 (trust auth, database `test`) on CI
//! machines; each server gets its own schema so runs never see each other.
//! Where PostgreSQL is unreachable its tests are skipped with a message,
//! except under CI, where that is a failure.
//!
//! Besides the happy path the harness gives the fault and tamper scenarios
//! what they need: servers with chosen limits and rate limiter, raw HTTP
//! exchanges that bypass the sync client, and the stored automerge
//! documents on both sides (server storage, phone database) so tests can
//! compare heads rather than trust what a client reports.

pub mod blob_stores;
pub mod process;
pub mod web;

use automerge::{AutoCommit, ChangeHash};
use redline_admin::register_device;
use redline_api::state::{AppState, Limits, RateLimiter};
use redline_device::people::{Identity, Role};
use redline_device::site::{GeoPoint, Site};
use redline_device::store::Store;
use redline_device::sync::client::{SyncClient, SyncReport};
use redline_device::sync::wire::{self, DocUpload, ErrorBody, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use redline_device::template::SiteCategory;
use redline_storage::{FeedPosition, FeedRow, Scope, Storage, UserRecord};
use redline_storage_postgres::PgStorage;
use redline_storage_sqlite::SqliteStorage;
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

/// A server's shared state over `storage` and `blobs` with `limits` and a
/// rate limiter of (requests per second, burst); read models on, no
/// requests in flight, the system's date.
pub fn app_state(storage: Arc<dyn Storage>, blobs: Arc<dyn redline_api::blobs::BlobStore>, limits: Limits, rate: (f64, f64)) -> AppState {
    AppState {
        storage,
        blobs,
        limiter: Arc::new(RateLimiter::new(rate.0, rate.1)),
        limits,
        doc_locks: Default::default(),
        hot_docs: Default::default(),
        in_flight: Default::default(),
        read_models: Default::default(),
        clock: Default::default(),
    }
}

/// What a test server is started with besides its storage.
#[derive(Clone, Debug)]
pub struct Options {
    pub limits: Limits,
    /// Rate limiter: (requests per second, burst).
    pub rate: (f64, f64),
    /// Whether merges write the read models (off only to measure their cost).
    pub read_models: bool,
    /// Where the server keeps blobs.
    pub blobs: blob_stores::BlobBackend,
}

impl Default for Options {
    fn default() -> Self {
        // A small page so multi-page downloads happen with test-sized data.
        Options {
            limits: Limits { page_bytes: 256 << 10, ..Limits::default() },
            rate: (1000.0, 1000.0),
            read_models: true,
            blobs: Default::default(),
        }
    }
}

/// Writes the scenario sites and users into fresh storage.
pub async fn seed(storage: &dyn Storage) {
    for s in sites() {
        storage.put_site(&s).await.expect("site");
    }
    for u in users() {
        storage.put_user(&u).await.expect("user");
    }
}

/// A supervisor of another district (`zj/nb`), who must find none of the
/// scenarios' work: added to `storage`, returns their user id.
pub async fn far_supervisor(storage: &dyn Storage) -> &'static str {
    let far = UserRecord {
        id: "sup-far".into(),
        name: "远方督查".into(),
        role: Role::Supervisor,
        scope: Scope { areas: vec!["zj/nb".into()], sites: vec![] },
    };
    storage.put_user(&far).await.expect("user");
    "sup-far"
}

/// The scope that sees everything, for reading the whole feed in checks.
pub fn everywhere() -> Scope {
    Scope { areas: vec![String::new()], sites: vec![] }
}

impl TestServer {
    /// Starts a server with the scenario users and sites; `None` when the
    /// backend is PostgreSQL and it is unreachable outside CI.
    pub async fn start(backend: Backend) -> Option<TestServer> {
        TestServer::start_with(backend, Options::default()).await
    }

    /// Like [`TestServer::start`], with chosen limits and rate limiter.
    pub async fn start_with(backend: Backend, options: Options) -> Option<TestServer> {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let storage: Arc<dyn Storage> = match backend {
            Backend::Sqlite => Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("sqlite")),
            Backend::Postgres => postgres(&fresh_schema()).await?,
        };
        let blobs = blob_stores::open(options.blobs, dir.path())?;
        seed(storage.as_ref()).await;
        Some(TestServer::serve_on(storage, blobs, dir, options).await)
    }

    /// Serves `storage` (shared with other servers, for the PostgreSQL
    /// multi-process scenario) with blobs under `dir`.
    pub async fn serve(storage: Arc<dyn Storage>, dir: Arc<tempfile::TempDir>) -> TestServer {
        TestServer::serve_with(storage, dir, Options::default()).await
    }

    pub async fn serve_with(storage: Arc<dyn Storage>, dir: Arc<tempfile::TempDir>, options: Options) -> TestServer {
        let blobs = Arc::new(redline_api::blobs::FsBlobStore::open(dir.path().join("blobs")).expect("blobs"));
        TestServer::serve_on(storage, blobs, dir, options).await
    }

    /// Serves `storage` and `blobs`, keeping `dir` for as long as it runs.
    pub async fn serve_on(
        storage: Arc<dyn Storage>,
        blobs: Arc<dyn redline_api::blobs::BlobStore>,
        dir: Arc<tempfile::TempDir>,
        options: Options,
    ) -> TestServer {
        let mut state = app_state(storage, blobs, options.limits, options.rate);
        state.read_models = Arc::new(redline_api::state::ReadModels::new(options.read_models));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s = state.clone();
        let task = tokio::spawn(async move {
            redline_server::app::serve(listener, s, false, async {
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
        Device::register(self.state.storage.as_ref(), &self.url, user).await
    }

    /// The server's copy of a document, if it holds one.
    pub async fn doc(&self, id: &str) -> Option<AutoCommit> {
        server_doc(self.state.storage.as_ref(), id).await
    }
}

/// A stored document loaded from server storage.
pub async fn server_doc(storage: &dyn Storage, id: &str) -> Option<AutoCommit> {
    let stored = storage.document(id).await.expect("read document")?;
    Some(AutoCommit::load(&stored.snapshot).expect("stored snapshot loads"))
}

/// Heads of a document, sorted, for comparing two copies.
pub fn heads(doc: &mut AutoCommit) -> Vec<ChangeHash> {
    let mut h = doc.get_heads();
    h.sort();
    h
}

/// Every row of the server's change feed, all scopes and devices: every
/// row committed so far, read past the horizon (on PostgreSQL, a commit of
/// a test running alongside holds the horizon back for a moment).
pub async fn whole_feed(storage: &dyn Storage) -> Vec<FeedRow> {
    storage.feed(&everywhere(), FeedPosition::START, i64::MAX, "", i64::MAX).await.expect("feed")
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
    /// Registers a device for `user` in `storage` and points it at `url`
    /// (also for servers running in another process).
    pub async fn register(storage: &dyn Storage, url: &str, user: &str) -> Device {
        let token = register_device(storage, user).await.expect("register device");
        let u = storage.users().await.expect("users").into_iter().find(|u| u.id == user).expect("known user");
        let dir = tempfile::tempdir().expect("temp dir");
        let identity = Identity { user_id: u.id.clone(), name: u.name.clone(), role: u.role, device_id: token.device_id.clone() };
        let store = Store::open(dir.path().join("phone.db"), identity).expect("store");
        Device {
            store: Arc::new(store),
            client: SyncClient::new(url, &token.token).expect("client"),
            token: token.token,
            dir: dir.path().to_path_buf(),
            _dir: dir,
        }
    }

    pub async fn sync(&self) -> SyncReport {
        self.client.sync(&self.store, &CancellationToken::new(), None).await.expect("sync")
    }

    pub fn device_id(&self) -> String {
        self.store.identity().device_id.clone()
    }

    /// The automerge actor every honest edit of this device carries.
    pub fn actor(&self) -> automerge::ActorId {
        self.store.identity().actor()
    }

    /// The phone's copy of a document, read from its database file the way
    /// the store loads it (snapshot, then the appended changes).
    pub fn doc(&self, id: &str) -> AutoCommit {
        let conn = rusqlite::Connection::open(self.store.path()).expect("open phone db");
        let mut bytes: Vec<u8> =
            conn.query_row("SELECT snapshot FROM documents WHERE id = ?1", [id], |r| r.get(0)).expect("document on the phone");
        let mut stmt = conn.prepare("SELECT bytes FROM document_changes WHERE doc_id = ?1 ORDER BY seq").expect("prepare");
        for change in stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0)).expect("changes") {
            bytes.extend(change.expect("change row"));
        }
        AutoCommit::load(&bytes).expect("phone copy loads")
    }

    /// A sync request as the client would build it now: the device's
    /// cursor and every pending upload.
    pub fn request(&self) -> (SyncRequest, Vec<redline_device::store::PendingUpload>) {
        let pending = self.store.pending_uploads(500).expect("pending uploads");
        (self.request_with(pending.iter().map(|p| p.upload.clone()).collect()), pending)
    }

    /// A sync request at the device's cursor carrying `uploads`.
    pub fn request_with(&self, uploads: Vec<DocUpload>) -> SyncRequest {
        let p = self.store.sync_position().expect("sync position");
        SyncRequest {
            protocol: PROTOCOL_VERSION,
            cursor: p.cursor,
            reference_version: p.reference_version,
            tasks_version: p.tasks_version,
            uploads,
        }
    }

    /// Points this device at another server (same storage, other process).
    pub fn use_server(&mut self, url: &str) {
        self.client = SyncClient::new(url, &self.token).expect("client");
    }
}

/// Raw HTTP against a server, bypassing the sync client: what a tampered or
/// broken client could send.
pub struct Raw {
    pub http: reqwest::Client,
    pub url: String,
}

impl Raw {
    pub fn new(url: &str) -> Raw {
        Raw { http: reqwest::Client::new(), url: url.to_string() }
    }

    /// POSTs `body` to `/v1/sync`; returns status and body bytes.
    pub async fn post_sync(&self, token: Option<&str>, body: Vec<u8>) -> (u16, Vec<u8>) {
        let mut req = self.http.post(format!("{}/v1/sync", self.url)).header("content-type", wire::CONTENT_TYPE).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        (status, resp.bytes().await.expect("response body").to_vec())
    }

    /// One sync exchange that must succeed at the HTTP level.
    pub async fn sync(&self, token: &str, request: &SyncRequest) -> SyncResponse {
        let (status, body) = self.post_sync(Some(token), wire::encode(request)).await;
        assert_eq!(status, 200, "sync answered {status}: {:?}", wire::decode::<ErrorBody>(&body));
        wire::decode(&body).expect("a SyncResponse")
    }

    /// A request with `method` to `path`, with the device's token.
    pub async fn send(&self, method: reqwest::Method, path: &str, token: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
        let resp =
            self.http.request(method, format!("{}{path}", self.url)).bearer_auth(token).body(body).send().await.expect("request sent");
        let status = resp.status().as_u16();
        (status, resp.bytes().await.expect("response body").to_vec())
    }
}

/// Decodes an error response, failing the test when it is not one.
pub fn error_body(body: &[u8]) -> ErrorBody {
    wire::decode(body).unwrap_or_else(|e| panic!("not a CBOR ErrorBody ({e}): {:?}", String::from_utf8_lossy(body)))
}

/// Runs a scenario `async fn name(server: TestServer)` once per storage
/// backend, as tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(s) = $crate::TestServer::start($crate::Backend::Sqlite).await {
                    super::$name(s).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(s) = $crate::TestServer::start($crate::Backend::Postgres).await {
                    super::$name(s).await;
                }
            }
        }
    };
}

/// The ids of the hazardous-chemicals checklist's pass/fail items, in order.
pub fn pass_fail_items(store: &Store) -> Vec<String> {
    let t = store.template("hazardous_chemicals", None).expect("the built-in checklist");
    t.items().filter(|(_, i)| i.answer == redline_device::template::AnswerType::PassFail).map(|(_, i)| i.id.clone()).collect()
}

/// Answers every item of the hazardous-chemicals checklist with a pass
/// (numbers at their minimum), except those in `skip`.
pub fn pass_all(store: &Store, id: &str, skip: &[&str]) {
    use redline_device::inspection::AnswerValue;
    let t = store.template("hazardous_chemicals", None).expect("built-in template");
    for (_, item) in t.items() {
        if skip.contains(&item.id.as_str()) {
            continue;
        }
        let v = match &item.answer {
            redline_device::template::AnswerType::Number { min, .. } => AnswerValue::Number(min.unwrap_or(0.0)),
            _ => AnswerValue::Pass,
        };
        store.answer(id, &item.id, v, None).expect("answer");
    }
}

/// Answers every item of inspection `id`'s checklist so that it passes:
/// numbers at a bound, dates a year on, the first option that does not
/// fail; items a condition hides are left (the store refuses them), and a
/// second round answers those an earlier answer revealed.
pub fn pass_everything(store: &Store, id: &str) {
    use redline_device::inspection::AnswerValue;
    use redline_device::template::AnswerType;
    let h = store.inspection(id).expect("inspection").header;
    let t = store.template(&h.template_id, Some(h.template_version)).expect("template");
    for _round in 0..2 {
        for (_, item) in t.items() {
            let v = match &item.answer {
                AnswerType::Number { min, max, .. } => AnswerValue::Number(min.or(*max).unwrap_or(0.0)),
                AnswerType::Date { .. } => AnswerValue::Date(redline_device::time::Date::today().add_days(365)),
                AnswerType::Choice { options, .. } => {
                    AnswerValue::Choice(options.iter().find(|o| !o.fails).map(|o| o.id.clone()).into_iter().collect())
                }
                AnswerType::Text => AnswerValue::Text("已核查".into()),
                AnswerType::PassFail => AnswerValue::Pass,
            };
            let _ = store.answer(id, &item.id, v, None);
        }
    }
}

/// A fully passed hazardous-chemicals inspection of `site`, not submitted.
pub fn passed_inspection(store: &Store, site: &str) -> String {
    use redline_device::inspection::InspectionKind;
    let i = store.start_inspection(site, InspectionKind::RoutinePatrol, "hazardous_chemicals").expect("start");
    pass_all(store, &i.id, &[]);
    i.id
}

/// A server in a child process, so a test can SIGKILL it mid-request and
/// restart it on the same storage: the test binary itself, re-run as its
/// one ignored test whose body is [`serve_child_from_env`].
pub struct ChildServer {
    pub url: String,
    child: std::process::Child,
}

const CHILD_DB: &str = "REDLINE_CHILD_DB";
const CHILD_BLOBS: &str = "REDLINE_CHILD_BLOBS";
const CHILD_ADDR: &str = "REDLINE_CHILD_ADDR";
const CHILD_READY: &str = "redline-child-ready";

impl ChildServer {
    /// Starts `test` (the ignored child test of the calling binary) serving
    /// the SQLite file `db` with blobs in `blobs`; returns once it listens.
    pub fn start(test: &str, db: &std::path::Path, blobs: &std::path::Path) -> ChildServer {
        use std::io::BufRead;
        let addr_file = db.with_extension(format!("addr-{}", uuid::Uuid::new_v4().simple()));
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["--ignored", "--exact", test, "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, db)
            .env(CHILD_BLOBS, blobs)
            .env(CHILD_ADDR, &addr_file)
            // The child exits when this pipe closes: it never outlives the test.
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start child server");
        // A blocking read of the child's output until it says it listens:
        // no polling, no sleeps.
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("child stdout")).lines();
        loop {
            match lines.next() {
                // libtest prints `test <name> ... ` on the same line first.
                Some(Ok(line)) if line.ends_with(CHILD_READY) => break,
                Some(Ok(_)) => continue,
                _ => panic!("child server exited before listening: {:?}", child.wait()),
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        let addr = std::fs::read_to_string(&addr_file).expect("child wrote its address");
        ChildServer { url: format!("http://{}", addr.trim()), child }
    }

    /// SIGKILL: no shutdown, no flushing, exactly a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The body of a binary's ignored child test: when started by
/// [`ChildServer::start`], serves until killed; otherwise (someone ran the
/// ignored tests) returns at once.
pub fn serve_child_from_env(limits: Limits) {
    let (Some(db), Some(blobs), Some(addr_file)) =
        (std::env::var_os(CHILD_DB), std::env::var_os(CHILD_BLOBS), std::env::var_os(CHILD_ADDR))
    else {
        return;
    };
    std::thread::spawn(|| {
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut vec![]);
        std::process::exit(0);
    });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async move {
        let storage = Arc::new(SqliteStorage::open(std::path::Path::new(&db)).expect("sqlite"));
        let blobs = Arc::new(redline_api::blobs::FsBlobStore::open(PathBuf::from(blobs)).expect("blobs"));
        let state = app_state(storage, blobs, limits, (1000.0, 1000.0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let tmp = PathBuf::from(&addr_file).with_extension("tmp");
        std::fs::write(&tmp, listener.local_addr().expect("addr").to_string()).expect("write address");
        std::fs::rename(&tmp, &addr_file).expect("publish address");
        println!("{CHILD_READY}");
        redline_server::app::serve(listener, state, false, std::future::pending()).await.expect("serve");
    });
}
