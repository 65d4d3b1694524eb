//! The phone's local store: automerge documents in SQLite, index tables for
//! every list a screen draws, and content-addressed files for photos.
//!
//! One writer connection (behind a mutex) makes every edit and sync apply;
//! a small pool of reader connections serves lists, search, reference data
//! and documents for display, so a long sync apply never blocks a screen
//! (`connections`). Every edit is one SQLite transaction (the document's
//! change and its index rows) committed with `synchronous = FULL` before
//! the call returns, so an acknowledged edit survives a crash or power
//! loss, and is visible to the next read on any connection.
//!
//! Lock order: writer, then the document cache or the template catalogue;
//! nothing takes the writer while holding either.

mod cache;
mod columns;
mod connections;
mod documents;
mod editing;
mod index;
mod observer;
#[cfg(feature = "photos")]
mod photos;
mod queries;
mod reading;
mod replica;
#[cfg(feature = "reports")]
mod reports;
mod schema;
mod sealing;
mod sync_apply;
mod sync_plan;
mod tasks;
#[cfg(test)]
mod test_support;

pub use documents::{COMPACT_AFTER, DocKind};
pub use editing::PhotoMeta;
pub use observer::{StoreChange, StoreObserver, Subscription};
#[cfg(feature = "photos")]
pub use photos::{CaptureOptions, short_code};
pub use queries::{HazardListItem, HazardQuery, InspectionListItem, InspectionQuery, SearchHit};
pub use replica::{AppliedPage, PendingUpload, QuarantinedChange, SyncPosition};
pub use schema::SCHEMA_VERSION;
pub use tasks::{LastInspection, TaskItem, TaskView};

use crate::blob::{BlobFolder, BlobHash};
use crate::error::{Error, Result};
use crate::people::Identity;
use crate::site::Site;
use crate::template::{Template, builtin_templates};
use crate::time::Date;
use cache::DocCache;
use connections::{Reader, Readers, Target, Writer};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// A hash given by a caller; anything else is refused before it is used as
/// a file name.
pub(crate) fn parse_hash(hash: &str) -> Result<BlobHash> {
    BlobHash::parse(hash).ok_or_else(|| Error::InvalidInput(format!("{hash:?} is not a SHA-256 hash")))
}

/// Every template this device knows, built-in or published, by id and version.
type Catalogue = HashMap<(String, u32), Arc<Template>>;

pub struct Store {
    writer: Mutex<Writer>,
    readers: Readers,
    cache: Mutex<DocCache>,
    templates: RwLock<Catalogue>,
    blobs: BlobFolder,
    identity: Identity,
    observers: observer::Observers,
    path: PathBuf,
    #[cfg(feature = "photos")]
    font: Mutex<Option<crate::photo::WatermarkFont>>,
    /// The keys of an encrypted store; `None` for a store in clear.
    seal: Option<redline_seal::SealedDatabase>,
    #[cfg(test)]
    hooks: test_support::Hooks,
}

/// A template as a picker lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateInfo {
    pub id: String,
    pub version: u32,
    pub title_zh: String,
    pub title_en: String,
    pub items: u32,
}

impl Store {
    /// Opens (creating if needed) the store at `path` in clear; photos go
    /// in a `blobs` folder beside it. An encrypted store is refused with
    /// `WrongKey`: open it with [`Store::open_encrypted`].
    pub fn open(path: impl AsRef<Path>, identity: Identity) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        check_identity(&identity)?;
        if redline_seal::database::is_sealed(&path) {
            return Err(Error::WrongKey("this store is encrypted: open it with its key".into()));
        }
        Store::open_at(path.clone(), identity, Target::Clear(path), None)
    }

    fn open_at(path: PathBuf, identity: Identity, target: Target, seal: Option<redline_seal::SealedDatabase>) -> Result<Store> {
        let writer = Writer::open(&target)?;
        let readers = Readers::open(&target)?;
        let blob_root = path.with_extension("blobs");
        let blobs = match &seal {
            Some(sealed) => BlobFolder::open_sealed(blob_root, sealing::codec(sealed))?,
            None => BlobFolder::open(blob_root)?,
        };
        blobs.sweep_temporaries()?;
        let mut templates = builtin_templates().iter().map(|t| ((t.id.clone(), t.version), Arc::new(t.clone()))).collect();
        load_published_templates(&writer, &mut templates)?;
        Ok(Store {
            writer: Mutex::new(writer),
            readers,
            cache: Mutex::new(DocCache::default()),
            templates: RwLock::new(templates),
            blobs,
            identity,
            observers: observer::Observers::default(),
            path,
            #[cfg(feature = "photos")]
            font: Mutex::new(None),
            seal,
            #[cfg(test)]
            hooks: test_support::Hooks::default(),
        })
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer, for edits and sync applies; held for the whole write.
    fn writer(&self) -> MutexGuard<'_, Writer> {
        // A panic while holding the lock cannot leave a half-written
        // transaction behind (SQLite rolls it back), so the data is sound.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A reader connection, for one call that only reads.
    fn reader(&self) -> Result<Reader<'_>> {
        self.readers.get()
    }

    /// The document cache; held only to take or put a document.
    fn cache(&self) -> MutexGuard<'_, DocCache> {
        // Every cache operation leaves it consistent: a panic elsewhere
        // cannot leave it half-changed.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn catalogue(&self) -> std::sync::RwLockReadGuard<'_, Catalogue> {
        self.templates.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds templates to the catalogue once they are stored.
    fn catalogue_add(&self, templates: impl IntoIterator<Item = Arc<Template>>) {
        let mut c = self.templates.write().unwrap_or_else(|p| p.into_inner());
        for t in templates {
            c.insert((t.id.clone(), t.version), t);
        }
    }

    /// Registers a listener for committed changes.
    pub fn subscribe(&self, listener: Arc<dyn StoreObserver>) -> Subscription {
        self.observers.subscribe(listener)
    }

    // ---- reference data -------------------------------------------------

    /// The newest version of every template, built-in or published.
    pub fn templates(&self) -> Result<Vec<TemplateInfo>> {
        let catalogue = self.catalogue();
        let mut newest: HashMap<&str, &Arc<Template>> = HashMap::new();
        for ((id, v), t) in catalogue.iter() {
            if newest.get(id.as_str()).is_none_or(|cur| cur.version < *v) {
                newest.insert(id, t);
            }
        }
        let mut out: Vec<TemplateInfo> = newest
            .values()
            .map(|t| TemplateInfo {
                id: t.id.clone(),
                version: t.version,
                title_zh: t.title.zh.clone(),
                title_en: t.title.en.clone(),
                items: t.items().count() as u32,
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// A template by id; `version: None` means the newest.
    pub fn template(&self, id: &str, version: Option<u32>) -> Result<Arc<Template>> {
        let catalogue = self.catalogue();
        let found = match version {
            Some(v) => catalogue.get(&(id.to_string(), v)).cloned(),
            None => catalogue.iter().filter(|((i, _), _)| i == id).max_by_key(|((_, v), _)| *v).map(|(_, t)| t.clone()),
        };
        found.ok_or_else(|| Error::NotFound(format!("template {id}{}", version.map(|v| format!(" v{v}")).unwrap_or_default())))
    }

    /// Stores a published template version (from the server or a file).
    pub fn put_template(&self, json: &str) -> Result<Arc<Template>> {
        let t = Arc::new(Template::from_json(json)?);
        let w = self.writer();
        w.conn.execute("INSERT OR REPLACE INTO templates (id, version, json) VALUES (?1, ?2, ?3)", params![t.id, t.version, json])?;
        self.catalogue_add([t.clone()]);
        Ok(t)
    }

    /// Replaces the sites in scope with `sites` (reference data from sync).
    pub fn put_sites(&self, sites: &[Site]) -> Result<()> {
        let mut w = self.writer();
        let tx = w.conn.transaction()?;
        for s in sites {
            tx.execute(
                "INSERT OR REPLACE INTO sites (id, name, area, json) VALUES (?1, ?2, ?3, ?4)",
                params![s.id, s.name, s.area, serde_json::to_string(s).expect("serialisable")],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Sites whose name contains `text` (all when empty), by name.
    pub fn sites(&self, text: &str, limit: u32) -> Result<Vec<Site>> {
        let r = self.reader()?;
        let mut stmt = r.prepare_cached("SELECT json FROM sites WHERE name LIKE ?1 ORDER BY name LIMIT ?2")?;
        let pattern = format!("%{}%", text.trim());
        let rows = stmt.query_map(params![pattern, limit], |r| r.get::<_, String>(0))?;
        let mut out = vec![];
        for json in rows {
            out.push(serde_json::from_str(&json?).map_err(|e| Error::CorruptDocument { id: "sites".into(), detail: e.to_string() })?);
        }
        Ok(out)
    }

    pub fn site(&self, id: &str) -> Result<Site> {
        let json: Option<String> = self.reader()?.query_row("SELECT json FROM sites WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let json = json.ok_or_else(|| Error::NotFound(format!("site {id}")))?;
        serde_json::from_str(&json).map_err(|e| Error::CorruptDocument { id: id.into(), detail: e.to_string() })
    }

    // ---- lists ----------------------------------------------------------

    pub fn inspections(&self, q: &InspectionQuery) -> Result<Vec<InspectionListItem>> {
        queries::inspections(&*self.reader()?, q)
    }

    /// Hazards for a list screen; `today` decides what is overdue.
    pub fn hazards(&self, q: &HazardQuery, today: Date) -> Result<Vec<HazardListItem>> {
        queries::hazards(&*self.reader()?, q, today)
    }

    pub fn search(&self, text: &str, limit: u32) -> Result<Vec<SearchHit>> {
        queries::search(&*self.reader()?, text, limit)
    }

    // ---- files and maintenance -----------------------------------------

    /// The bytes of a stored photo or signature, verified against its hash.
    pub fn blob(&self, hash: &str) -> Result<Vec<u8>> {
        Ok(self.blobs.get(&parse_hash(hash)?)?)
    }

    /// Runs SQLite's full integrity check; an error names what is wrong.
    pub fn check_integrity(&self) -> Result<()> {
        let result: String = self.readers.fresh()?.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result == "ok" { Ok(()) } else { Err(Error::CorruptDocument { id: "database".into(), detail: result }) }
    }
}

fn check_identity(identity: &Identity) -> Result<()> {
    if identity.user_id.trim().is_empty() || identity.device_id.trim().is_empty() {
        return Err(Error::InvalidInput("identity needs a user id and a device id".into()));
    }
    Ok(())
}

/// Published versions live in the database; built-ins are compiled in.
fn load_published_templates(w: &Writer, catalogue: &mut Catalogue) -> Result<()> {
    let mut stmt = w.conn.prepare_cached("SELECT json FROM templates")?;
    let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    for json in rows {
        let t = Template::from_json(&json)?;
        catalogue.entry((t.id.clone(), t.version)).or_insert_with(|| Arc::new(t));
    }
    Ok(())
}
