//! Sync with the Redline server: [`SyncSession`] (one per signed-in store
//! and server), progress through a foreign [`SyncProgressListener`],
//! cancellation through `runtime::CancellationToken`, full photos on
//! demand, and the quarantine of refused change sets.
//!
//! Every method delegates to `redline_device::sync::client::SyncClient` or
//! the store; the protocol, retries with backoff, the order of work
//! (photos up first, then documents until the server has nothing more,
//! then thumbnails down) and the mapping of HTTP statuses are the core's
//! (`docs/protocol.md`). What this file adds is what the boundary needs:
//! the work runs as a task on the library's runtime (`runtime.rs`), one sync
//! per store at a time, and listener faults are contained.

use crate::errors::{FfiResult, guard, panic_message};
use crate::logging;
use crate::records::sync::{QuarantinedChange, SyncProgress, SyncResult};
use crate::records::try_map;
use crate::runtime::{self, CancellationToken};
use crate::store::RedlineStore;
use redline_device::sync::client::{self as core, SyncClient};
use std::sync::Arc;

/// Told how a running sync is doing, after every round trip with the
/// server (not for every byte: a page of documents at a time).
#[uniffi::export(foreign)]
pub trait SyncProgressListener: Send + Sync {
    /// Called on a background thread of the library while the sync waits;
    /// post to the UI thread and return. Must not start another sync of the
    /// same store (it would wait for this one to end).
    fn on_progress(&self, progress: SyncProgress);
}

/// Adapts the foreign listener to the core's, containing its faults: a
/// progress bar that throws must not abort a sync that is applying data.
struct ProgressBridge {
    listener: Arc<dyn SyncProgressListener>,
}

impl core::SyncListener for ProgressBridge {
    fn on_progress(&self, progress: &core::SyncProgress) {
        let told = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.listener.on_progress(SyncProgress::from(progress))));
        if let Err(payload) = told {
            logging::emit(
                log::Level::Error,
                "on_progress",
                &format!("a sync progress listener failed: {}", panic_message(payload.as_ref())),
            );
        }
    }
}

/// Syncs one store with one server as the device whose token it holds.
/// Make it after sign-in (the server hands out the token with the device
/// id the store's identity carries) and keep it for the session.
///
/// Safe to share between threads. Syncs of the same store take turns: a
/// second `sync` waits for the running one (an app may trigger sync from a
/// timer, a pull-to-refresh and a connectivity change at once).
#[derive(uniffi::Object)]
pub struct SyncSession {
    store: Arc<RedlineStore>,
    client: Arc<SyncClient>,
    server_url: String,
}

#[uniffi::export]
impl SyncSession {
    /// A session for `store` against `server_url` (`https://…`; `http://`
    /// only for a server on the same machine, e.g. in tests), authenticated
    /// with the device `token`. No request is made yet; a URL that is not
    /// http(s) is `InvalidInput`.
    #[uniffi::constructor]
    pub fn new(store: Arc<RedlineStore>, server_url: String, token: String) -> FfiResult<Arc<SyncSession>> {
        guard("sync_session", || {
            let client = SyncClient::new(&server_url, &token)?;
            Ok(Arc::new(SyncSession { store, client: Arc::new(client), server_url }))
        })
    }

    /// [`SyncSession::new`], also trusting the root certificates in
    /// `extra_roots_pem` (PEM texts, one or more certificates each), for a
    /// server whose certificate comes from the office's own certificate
    /// authority. A text without a certificate is `InvalidInput`.
    #[uniffi::constructor]
    pub fn with_roots(
        store: Arc<RedlineStore>,
        server_url: String,
        token: String,
        extra_roots_pem: Vec<String>,
    ) -> FfiResult<Arc<SyncSession>> {
        guard("sync_session_with_roots", || {
            let client = SyncClient::with_roots(&server_url, &token, &extra_roots_pem)?;
            Ok(Arc::new(SyncSession { store, client: Arc::new(client), server_url }))
        })
    }

    /// The server this session talks to, as given.
    pub fn server_url(&self) -> String {
        self.server_url.clone()
    }

    /// Runs a full sync: photos up, local changes up, everything new in the
    /// user's scope down (documents, sites, checklists, thumbnails), until
    /// the server has nothing more. Observers hear about every document that
    /// changed; the result says what happened.
    ///
    /// Errors: `Network` (offline, timeouts, server faults after retries;
    /// `retryable` says whether to try later), `NotAllowed` (the token is
    /// unknown or expired: sign in again; or revoked: the user was removed
    /// or the phone reported lost, and the unsent work was moved into the
    /// quarantine — sign out and offer its export), `Cancelled` (through
    /// `cancel`, or the calling coroutine/task was cancelled). A change set
    /// the server refuses is not an error: it is in `rejected` and in the
    /// quarantine. Nor is a failure after part of the sync was applied (a
    /// later page lost): the result reports what was done and
    /// `interrupted` says why it stopped. After any error, what was applied
    /// stays applied and the next sync resumes from there.
    #[uniffi::method(default(listener = None, cancel = None))]
    pub async fn sync(
        &self,
        listener: Option<Arc<dyn SyncProgressListener>>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> FfiResult<SyncResult> {
        let (store, client) = (self.store.clone(), self.client.clone());
        runtime::spawn("sync", cancel, move |token| async move {
            // Waiting for another sync of this store is cancellable too.
            let _turn = tokio::select! {
                _ = token.cancelled() => return Err(redline_device::Error::Cancelled.into()),
                turn = store.sync_turn.lock() => turn,
            };
            let bridge = listener.map(|listener| ProgressBridge { listener });
            let listener = bridge.as_ref().map(|b| b as &dyn core::SyncListener);
            let report = client.sync(&store.core, &token, listener).await?;
            logging::emit(
                log::Level::Info,
                "sync",
                &format!(
                    "synced: {} round trips, {} up, {} down, {} refused",
                    report.progress.round_trips,
                    report.accepted.len(),
                    report.progress.downloaded_docs,
                    report.rejected.len()
                ),
            );
            Ok(SyncResult::from(report))
        })
        .await
    }

    /// The full photo (or signature) `hash`: from the phone if it is there,
    /// otherwise downloaded from the server, verified against its hash and
    /// kept (until `evict_photos` makes room). Sync brings only thumbnails;
    /// call this when the user opens a photo. `NotFound` if the server does
    /// not have it or it is outside the user's scope.
    #[uniffi::method(default(cancel = None))]
    pub async fn fetch_photo(&self, hash: String, cancel: Option<Arc<CancellationToken>>) -> FfiResult<Vec<u8>> {
        let (store, client) = (self.store.clone(), self.client.clone());
        runtime::spawn("fetch_photo", cancel, move |token| async move { Ok(client.fetch_blob(&store.core, &hash, &token).await?) }).await
    }
}

// The object is handed to any thread by uniffi, like the store.
const _: () = {
    const fn shared_between_threads<T: Send + Sync>() {}
    shared_between_threads::<SyncSession>();
};

#[uniffi::export]
impl RedlineStore {
    /// Change sets the server refused, newest first. They are kept so that
    /// nothing an inspector did is lost silently: show them, export them
    /// for support. The documents themselves went back to the server's
    /// state.
    pub fn quarantine(&self) -> FfiResult<Vec<QuarantinedChange>> {
        guard("quarantine", || try_map(self.core.quarantine()?, TryInto::try_into))
    }

    /// The raw automerge changes of quarantined change set `id`, to attach
    /// to a support request. `NotFound` for an unknown id.
    pub fn export_quarantined(&self, id: i64) -> FfiResult<Vec<u8>> {
        guard("export_quarantined", || Ok(self.core.export_quarantined(id)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::RedlineError;
    use crate::records::reference::{Identity, Role};

    fn store(dir: &tempfile::TempDir) -> Arc<RedlineStore> {
        let identity =
            Identity {
                user_id: "inspector-zhang".into(), name: "张检查员".into(), role: Role::Inspector, device_id: "device-1".into()
            };
        RedlineStore::open(dir.path().join("phone.db").to_string_lossy().into_owned(), identity).unwrap()
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn a_url_that_is_not_http_is_invalid_input() {
        let dir = tempfile::tempdir().unwrap();
        let out = SyncSession::new(store(&dir), "ftp://example.org".into(), "t".into());
        assert!(matches!(out, Err(RedlineError::InvalidInput { .. })));
    }

    #[test]
    fn a_sync_cancelled_before_it_starts_is_cancelled() {
        let dir = tempfile::tempdir().unwrap();
        // Nothing listens there; the token must win before any request.
        let session = SyncSession::new(store(&dir), "http://127.0.0.1:9".into(), "t".into()).unwrap();
        let cancel = CancellationToken::new();
        cancel.cancel();
        let out = block_on(session.sync(None, Some(cancel)));
        assert!(matches!(out, Err(RedlineError::Cancelled { .. })), "{out:?}");
    }
}
