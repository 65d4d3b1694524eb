//! What every handler shares: storage, the blob store, limits, and the
//! per-device bookkeeping (rate, requests in flight, document locks).

use crate::error::ApiError;
use crate::guard::InFlight;
use crate::hot_docs::HotDocs;
use redline_blobs::BlobStore;
use redline_read_models::TemplateBook;
use redline_storage::Storage;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub blobs: Arc<dyn BlobStore>,
    pub limiter: Arc<RateLimiter>,
    pub limits: Limits,
    pub doc_locks: Arc<DocLocks>,
    /// Documents kept loaded from their last merge (`hot_docs`).
    pub hot_docs: Arc<HotDocs<crate::merge::Loaded>>,
    /// Requests each device has in flight (`guard::device`).
    pub in_flight: Arc<InFlight>,
    /// Whether commits write read-model rows, and the checklists scoring them.
    pub read_models: Arc<ReadModels>,
    /// What day it is for due dates and overdue lists.
    pub clock: Arc<Clock>,
}

/// The day in China, as every "overdue", "missed" and task list asks it.
/// Tests move it forward to see a deadline pass; a server runs on the
/// system's.
#[derive(Default)]
pub struct Clock {
    ahead_days: std::sync::atomic::AtomicI64,
}

impl Clock {
    pub fn today(&self) -> redline_domain::time::Date {
        redline_domain::time::Date::today().add_days(self.ahead_days.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Moves "today" `days` further ahead of the system's date.
    pub fn advance_days(&self, days: i64) {
        self.ahead_days.fetch_add(days, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The read models' switch (on unless a benchmark measures without them)
/// and the checklists inspections are scored with, reloaded when an
/// inspection names a version the server's copy lacks.
pub struct ReadModels {
    pub on: bool,
    book: Mutex<Arc<TemplateBook>>,
}

impl Default for ReadModels {
    fn default() -> Self {
        ReadModels::new(true)
    }
}

impl ReadModels {
    pub fn new(on: bool) -> ReadModels {
        ReadModels { on, book: Mutex::new(Arc::new(TemplateBook::new(&[]))) }
    }

    pub fn book(&self) -> Arc<TemplateBook> {
        self.book.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The checklists, with those published since the last load when
    /// `(id, version)` is not among them yet.
    pub async fn book_with(&self, storage: &dyn Storage, id: &str, version: u32) -> Result<Arc<TemplateBook>, ApiError> {
        let book = self.book();
        if book.contains(id, version) {
            return Ok(book);
        }
        let fresh = Arc::new(TemplateBook::new(&storage.templates().await?));
        *self.book.lock().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        Ok(fresh)
    }
}

/// One merge at a time per document within this process. Commits are a
/// compare-and-swap, which stays correct across processes; serialising here
/// keeps many devices editing one inspection from redoing each other's
/// merges until they give up.
#[derive(Default)]
pub struct DocLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl DocLocks {
    pub async fn lock(&self, id: &str) -> DocGuard<'_> {
        let lock = self.locks.lock().unwrap_or_else(|p| p.into_inner()).entry(id.to_string()).or_default().clone();
        let guard = lock.clone().lock_owned().await;
        DocGuard { locks: self, id: id.to_string(), lock, _guard: guard }
    }
}

pub struct DocGuard<'a> {
    locks: &'a DocLocks,
    id: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for DocGuard<'_> {
    fn drop(&mut self) {
        let mut locks = self.locks.locks.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the entry when nobody else holds or awaits it (the map's
        // copy, this guard's `lock`, and the guard's own are all there is).
        if Arc::strong_count(&self.lock) <= 3 {
            locks.remove(&self.id);
        }
    }
}

/// Sizes and times that bound what one request, one connection or one
/// client may cost the server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest sync request body.
    pub sync_body: usize,
    /// Largest blob upload chunk.
    pub blob_chunk: usize,
    /// Largest blob.
    pub blob_size: u64,
    /// Response budget for one sync page, in bytes.
    pub page_bytes: usize,
    /// Changes accepted in one document upload.
    pub changes_per_doc: usize,
    /// Documents in one sync request.
    pub docs_per_request: usize,
    /// Time a client has to send a request's headers; also how long an
    /// idle connection stays open. Past it the connection is closed.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body once its headers are in
    /// (408 past it).
    pub body_timeout: Duration,
    /// Connections one client address may hold open at once; more are
    /// closed as soon as they are accepted. 0: no bound (behind a proxy,
    /// every client has the proxy's address).
    pub conns_per_ip: usize,
    /// Requests one device may have in flight at once (429 past it).
    /// 0: no bound.
    pub in_flight_per_device: usize,
    /// How long a blob no document cites is kept (and an abandoned partial
    /// upload); a device's own upload lets it cite a blob for half of it.
    pub blob_retention: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sync_body: 16 << 20,
            blob_chunk: 4 << 20,
            blob_size: 64 << 20,
            page_bytes: 4 << 20,
            changes_per_doc: 10_000,
            docs_per_request: 500,
            header_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(60),
            // Phones behind one carrier NAT or office network share an
            // address: the bound is against one client hoarding sockets,
            // not a quota.
            conns_per_ip: 256,
            in_flight_per_device: 4,
            blob_retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Per-device token bucket: `burst` requests at once, refilled at `per_sec`.
/// In memory, per process: it protects the process, not a fleet quota
/// (with P processes a device may make up to P times the rate; the
/// arithmetic for several processes is in docs/protocol.md).
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_sec: f64, burst: f64) -> RateLimiter {
        RateLimiter { per_sec, burst, buckets: Mutex::new(HashMap::new()) }
    }

    pub fn check(&self, device: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = buckets.entry(device.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_sec).min(self.burst);
        *last = now;
        if *tokens < 1.0 {
            return Err(ApiError::RateLimited);
        }
        *tokens -= 1.0;
        Ok(())
    }
}
