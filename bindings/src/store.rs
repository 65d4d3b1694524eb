//! [`RedlineStore`]: the object an app opens once per signed-in user and
//! keeps for the session. This file holds opening, reference data, reading
//! and the list screens; the edits are in `editing.rs`, photo capture in
//! `photos.rs`, the quarantine in `sync.rs` (further export blocks of the
//! same object).
//!
//! Every method is a delegation to `redline_device::store::Store` wrapped in
//! [`guard`]: convert the records, call the core, convert the result. Calls
//! block on disk I/O (milliseconds); apps call them off the UI thread.

use crate::errors::{FfiResult, guard};
use crate::logging;
use crate::observer::{ListenerBridge, ObserverHandle, StoreListener};
use crate::records::checklist::{Checklist, TemplateInfo};
use crate::records::hazard::Hazard;
use crate::records::inspection_detail::{Inspection, InspectionSummary};
use crate::records::lists::{HazardListItem, HazardQuery, InspectionListItem, InspectionQuery, SearchHit};
use crate::records::parse_optional_date;
use crate::records::reference::{Colleague, Identity, Site};
use redline_device::store::Store;
use redline_device::time::Date;
use std::sync::Arc;

/// The phone's local Redline store: checklists, sites, inspections,
/// hazards and photos of one user on this device, usable offline.
///
/// Safe to share between threads; each call is atomic and durable when it
/// returns.
#[derive(uniffi::Object)]
pub struct RedlineStore {
    pub(crate) core: Store,
    /// Held by a running sync (see `sync.rs`): two syncs of one store would
    /// send the same changes and blobs twice and could step the feed cursor
    /// back. An async mutex, so a waiting sync stays cancellable.
    pub(crate) sync_turn: tokio::sync::Mutex<()>,
}

#[uniffi::export]
impl RedlineStore {
    /// Opens the store at `path` (a file in the app's private storage,
    /// created on first use), for the user and device in `identity`. Photos
    /// are kept in a folder beside it.
    #[uniffi::constructor]
    pub fn open(path: String, identity: Identity) -> FfiResult<Arc<RedlineStore>> {
        guard("open", || {
            let core = Store::open(&path, identity.into())?;
            logging::emit(log::Level::Info, "open", &format!("opened store {path}"));
            Ok(Arc::new(RedlineStore { core, sync_turn: tokio::sync::Mutex::new(()) }))
        })
    }

    /// Opens (creating if needed) the encrypted store at `path` with the
    /// app's key: 32 random bytes the app keeps in the Android Keystore or
    /// the iOS Keychain (see android/README.md and ios/README.md). Another
    /// key, or a store opened without its key, is `WrongKey`, and nothing
    /// is read or changed. A store in clear from an earlier version is
    /// encrypted, photos included, on its first open with a key.
    #[uniffi::constructor]
    pub fn open_encrypted(path: String, identity: Identity, key: Vec<u8>) -> FfiResult<Arc<RedlineStore>> {
        guard("open_encrypted", || {
            let core = Store::open_encrypted(&path, identity.into(), &key)?;
            logging::emit(log::Level::Info, "open_encrypted", &format!("opened encrypted store {path}"));
            Ok(Arc::new(RedlineStore { core, sync_turn: tokio::sync::Mutex::new(()) }))
        })
    }

    /// Whether the store is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.core.is_encrypted()
    }

    /// Changes the store's key: when this returns, only `new_key` opens it.
    /// Keep the old key until then: if the app is killed during the call,
    /// the store opens with exactly one of the two.
    pub fn rekey(&self, new_key: Vec<u8>) -> FfiResult<()> {
        guard("rekey", || Ok(self.core.rekey(&new_key)?))
    }

    /// The identity the store was opened with.
    pub fn identity(&self) -> Identity {
        self.core.identity().clone().into()
    }

    // ---- checklists and sites -------------------------------------------

    /// The newest version of every checklist on this device, by id.
    pub fn templates(&self) -> FfiResult<Vec<TemplateInfo>> {
        guard("templates", || Ok(self.core.templates()?.into_iter().map(Into::into).collect()))
    }

    /// A whole checklist for the answering screen; `version` absent means
    /// the newest. Pass the inspection's template version to show the
    /// checklist it was answered against.
    #[uniffi::method(default(version = None))]
    pub fn template_items(&self, template_id: String, version: Option<u32>) -> FfiResult<Checklist> {
        guard("template_items", || Ok(Checklist::from((*self.core.template(&template_id, version)?).clone())))
    }

    /// Adds or replaces sites (reference data received from the server).
    pub fn put_sites(&self, sites: Vec<Site>) -> FfiResult<()> {
        guard("put_sites", || {
            let sites: Vec<redline_device::site::Site> = sites.into_iter().map(Into::into).collect();
            Ok(self.core.put_sites(&sites)?)
        })
    }

    /// Sites whose name contains `text` (all when empty), by name.
    #[uniffi::method(default(text = "", limit = 50))]
    pub fn sites(&self, text: String, limit: u32) -> FfiResult<Vec<Site>> {
        guard("sites", || Ok(self.core.sites(&text, limit)?.into_iter().map(Into::into).collect()))
    }

    /// Colleagues in this device's area, by name, as of the last sync.
    pub fn people(&self) -> FfiResult<Vec<Colleague>> {
        guard("people", || Ok(self.core.people()?.into_iter().map(Into::into).collect()))
    }

    /// One site by id.
    pub fn site(&self, site_id: String) -> FfiResult<Site> {
        guard("site", || Ok(self.core.site(&site_id)?.into()))
    }

    // ---- reading one record ---------------------------------------------

    /// An inspection in full, with its conflicts.
    pub fn inspection(&self, inspection_id: String) -> FfiResult<Inspection> {
        guard("inspection", || Ok(self.core.inspection(&inspection_id)?.into()))
    }

    /// Score, counts and what still blocks submit.
    pub fn summary(&self, inspection_id: String) -> FfiResult<InspectionSummary> {
        guard("summary", || Ok(self.core.summary(&inspection_id)?.into()))
    }

    /// A hazard in full: its status and history.
    pub fn hazard(&self, hazard_id: String) -> FfiResult<Hazard> {
        guard("hazard", || Ok(self.core.hazard(&hazard_id)?.into()))
    }

    /// The bytes of a photo or signature, verified against `hash`.
    pub fn blob(&self, hash: String) -> FfiResult<Vec<u8>> {
        guard("blob", || Ok(self.core.blob(&hash)?))
    }

    // ---- lists ----------------------------------------------------------

    /// Inspections for a list screen, newest first.
    pub fn inspections(&self, query: InspectionQuery) -> FfiResult<Vec<InspectionListItem>> {
        guard("inspections", || {
            let rows = self.core.inspections(&query.try_into()?)?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    /// Hazards for a list screen, soonest deadline first. `today`
    /// (`YYYY-MM-DD`) decides what is overdue; absent means today in China.
    #[uniffi::method(default(today = None))]
    pub fn hazards(&self, query: HazardQuery, today: Option<String>) -> FfiResult<Vec<HazardListItem>> {
        guard("hazards", || {
            let today = parse_optional_date("today", today)?.unwrap_or_else(Date::today);
            Ok(self.core.hazards(&query.into(), today)?.into_iter().map(Into::into).collect())
        })
    }

    /// Full-text search over site names, notes, findings and hazard
    /// histories (Chinese included; two characters are enough).
    #[uniffi::method(default(limit = 50))]
    pub fn search(&self, text: String, limit: u32) -> FfiResult<Vec<SearchHit>> {
        guard("search", || Ok(self.core.search(&text, limit)?.into_iter().map(Into::into).collect()))
    }

    // ---- observers and maintenance ----------------------------------------

    /// Registers `listener` for every committed change. Keep the returned
    /// handle: releasing it (or calling `unsubscribe`) stops notifications.
    pub fn subscribe(&self, listener: Arc<dyn StoreListener>) -> Arc<ObserverHandle> {
        Arc::new(ObserverHandle::new(self.core.subscribe(Arc::new(ListenerBridge { listener }))))
    }

    /// Runs SQLite's full integrity check; a `Storage` error says what is
    /// wrong. Slow on a big store: run it from a settings screen or in the
    /// background, not at every start.
    pub fn check_integrity(&self) -> FfiResult<()> {
        guard("check_integrity", || Ok(self.core.check_integrity()?))
    }
}

// Compile-time proof of the promise in the type's documentation: uniffi
// hands the object to any thread.
const _: () = {
    const fn shared_between_threads<T: Send + Sync>() {}
    shared_between_threads::<RedlineStore>();
};

#[cfg(feature = "test-hooks")]
#[uniffi::export]
impl RedlineStore {
    /// Test hook (absent from app builds): panics inside a store call after
    /// touching the store, so binding tests can check that the panic comes
    /// back as `RedlineError.Internal` and the store stays usable.
    pub fn debug_panic(&self, message: String) -> FfiResult<()> {
        guard("debug_panic", || {
            let _ = self.core.templates();
            panic!("{message}")
        })
    }
}
