//! The write path: every edit loads its document (from the cache when it
//! can), applies a validated change, and commits the change together with
//! the index rows in one durable transaction before returning.

use super::connections::Writer;
use super::documents::{self, DocKind, Origin};
use super::{Store, StoreChange, index};
use crate::doc::{HazardDoc, InspectionDoc, NewFinding};
use crate::error::{Error, Result};
use crate::hazard::{Action, Hazard, HazardHeader};
use crate::inspection::*;
use crate::site::GeoPoint;
use crate::template::Template;
use crate::time::{Millis, now_millis};
use automerge::{AutoCommit, ChangeHash};

/// What the app knows about a photo besides its bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhotoMeta {
    pub taken_at: Option<Millis>,
    pub location: Option<GeoPoint>,
    pub width: u32,
    pub height: u32,
}

impl Store {
    /// Runs `write` on document `id` holding the writer: it gets the
    /// document (cached or loaded) and returns it as committed, which goes
    /// back into the cache. A failed write puts nothing back, so the cache
    /// never holds state the database does not.
    fn write_doc<T>(&self, id: &str, kind: DocKind, write: impl FnOnce(&mut Writer, AutoCommit) -> Result<(AutoCommit, T)>) -> Result<T> {
        let mut w = self.writer();
        let cached = self.cache().start_write(id);
        let out = (|| {
            let doc = match cached {
                Some(doc) => doc,
                None => documents::load_kind(&w.conn, id, kind)?,
            };
            documents::check_readable(id, kind, &doc)?;
            write(&mut w, doc)
        })();
        match out {
            Ok((doc, value)) => {
                self.cache().finish_write(id, Some(doc));
                Ok(value)
            }
            Err(e) => {
                self.cache().finish_write(id, None);
                Err(e)
            }
        }
    }

    /// Appends the inspection's new change (all of it when it is new,
    /// `stored` is `None`; what follows the heads `stored` otherwise) and
    /// refreshes its index rows.
    fn persist_inspection(&self, w: &mut Writer, d: &mut InspectionDoc, now: Millis, stored: Option<&[ChangeHash]>) -> Result<Inspection> {
        let inspection = d.read()?;
        let template = self.template(&inspection.header.template_id, Some(inspection.header.template_version)).ok();
        let summary = template.map(|t| inspection.summary(&t));
        let tx = w.conn.transaction()?;
        let id = d.id().to_string();
        match stored {
            None => documents::insert(&tx, &id, DocKind::Inspection, d.automerge(), now, Origin::Local)?,
            Some(heads) => {
                documents::append(&tx, &id, d.automerge(), heads, now, Origin::Local)?;
            }
        }
        index::put_inspection(&tx, &inspection, summary.as_ref(), now)?;
        tx.commit()?;
        Ok(inspection)
    }
}

impl Store {
    /// Runs `edit` on inspection `id` and commits it durably.
    fn edit_inspection<T>(&self, id: &str, edit: impl FnOnce(&mut InspectionDoc, &Template) -> redline_domain::Result<T>) -> Result<T> {
        let out = self.write_doc(id, DocKind::Inspection, |w, mut doc| {
            let stored = doc.get_heads();
            let mut d = InspectionDoc::from_automerge(id, doc);
            d.automerge().set_actor(self.identity.actor());
            let template = self.template_of(&d)?;
            let out = edit(&mut d, &template)?;
            self.persist_inspection(w, &mut d, now_millis(), Some(&stored))?;
            Ok((d.into_automerge(), out))
        })?;
        self.observers.notify(&StoreChange { inspections: vec![id.to_string()], hazards: vec![] });
        Ok(out)
    }

    /// Starts an inspection of `site_id` against the newest version of
    /// `template_id`.
    pub fn start_inspection(&self, site_id: &str, kind: InspectionKind, template_id: &str) -> Result<Inspection> {
        self.start_linked(site_id, kind, template_id, None)
    }

    /// Starts an inspection, linked to the plan task it does, if any.
    pub(super) fn start_linked(
        &self,
        site_id: &str,
        kind: InspectionKind,
        template_id: &str,
        task_id: Option<String>,
    ) -> Result<Inspection> {
        let site = self.site(site_id)?;
        let template = self.template(template_id, None)?;
        let now = now_millis();
        let header = InspectionHeader {
            task_id,
            site_id: site.id,
            site_name: site.name,
            kind,
            template_id: template.id.clone(),
            template_version: template.version,
            created_by: self.identity.person(),
            started_at: now,
        };
        self.create_inspection(&uuid::Uuid::new_v4().to_string(), &header)
    }

    /// Joins an inspection a co-inspector started, from its id and header
    /// (shared by QR code while both are offline). The two documents merge
    /// when they sync.
    pub fn join_inspection(&self, id: &str, header: &InspectionHeader) -> Result<Inspection> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(Error::InvalidInput(format!("{id:?} is not an inspection id")));
        }
        self.create_inspection(id, header)
    }

    fn create_inspection(&self, id: &str, header: &InspectionHeader) -> Result<Inspection> {
        self.template(&header.template_id, Some(header.template_version))?;
        let mut d = InspectionDoc::create(id, header, &self.identity)?;
        let inspection = {
            let mut w = self.writer();
            let inspection = self.persist_inspection(&mut w, &mut d, now_millis(), None)?;
            // Nothing could have cached it before it existed; readers that
            // looked meanwhile found nothing to keep.
            self.cache().finish_write(id, Some(d.into_automerge()));
            inspection
        };
        self.observers.notify(&StoreChange { inspections: vec![id.to_string()], hazards: vec![] });
        Ok(inspection)
    }

    fn template_of(&self, d: &InspectionDoc) -> Result<std::sync::Arc<crate::template::Template>> {
        let h = d.header()?;
        self.template(&h.template_id, Some(h.template_version))
    }

    pub fn answer(&self, id: &str, item_id: &str, value: AnswerValue, note: Option<String>) -> Result<()> {
        self.edit_inspection(id, |d, t| d.answer(t, &self.identity, item_id, value, note, now_millis()))
    }

    pub fn add_finding(&self, id: &str, finding: NewFinding) -> Result<String> {
        self.edit_inspection(id, |d, t| d.add_finding(t, &self.identity, finding, now_millis()))
    }

    pub fn edit_finding(&self, id: &str, finding_id: &str, patch: &FindingPatch) -> Result<()> {
        self.edit_inspection(id, |d, t| d.edit_finding(t, &self.identity, finding_id, patch, now_millis()))
    }

    pub fn set_location(&self, id: &str, location: GeoPoint) -> Result<()> {
        self.edit_inspection(id, |d, _| d.set_location(&self.identity, location, now_millis()))
    }

    /// Stores photo bytes as they are (already processed by the app, or a
    /// document scan), then records them on the inspection. Camera photos go
    /// through `capture_photo` instead.
    pub fn attach_photo(&self, id: &str, owner: PhotoOwner, bytes: &[u8], meta: PhotoMeta) -> Result<PhotoRef> {
        let photo = self.store_photo(owner, bytes, meta, "photo")?;
        self.record_photo(id, &photo)?;
        Ok(photo)
    }

    /// Records an already stored photo on the inspection.
    pub(crate) fn record_photo(&self, id: &str, photo: &PhotoRef) -> Result<()> {
        self.edit_inspection(id, |d, _| d.attach_photo(&self.identity, photo, now_millis()))
    }

    /// Hashes of stored blobs the server has not confirmed yet.
    pub fn blobs_to_upload(&self) -> Result<Vec<String>> {
        let r = self.reader()?;
        let mut stmt = r.prepare_cached("SELECT hash FROM blobs WHERE uploaded = 0 ORDER BY created_at")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn mark_blob_uploaded(&self, hash: &str) -> Result<()> {
        self.writer().conn.execute("UPDATE blobs SET uploaded = 1 WHERE hash = ?1", [hash])?;
        Ok(())
    }

    /// Records a blob file that is now in the folder. Storing the same bytes
    /// again (a re-capture, or a fetch after eviction) marks it present again
    /// and never forgets that the server already holds it.
    pub(super) fn record_blob(&self, hash: &str, size: usize, role: &str, uploaded: bool) -> Result<()> {
        self.writer().conn.execute(
            "INSERT INTO blobs (hash, size, created_at, uploaded, role, present, last_used) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?3)
             ON CONFLICT (hash) DO UPDATE SET present = 1, last_used = excluded.last_used, uploaded = MAX(uploaded, excluded.uploaded)",
            rusqlite::params![hash, size as i64, now_millis(), uploaded, role],
        )?;
        Ok(())
    }

    /// Keeps a blob fetched from the server, after checking it is what its
    /// hash says. `thumbnail` marks it as one (never evicted).
    pub fn put_downloaded_blob(&self, hash: &str, bytes: &[u8], thumbnail: bool) -> Result<()> {
        if !super::parse_hash(hash)?.matches(bytes) {
            return Err(Error::BadResponse(format!("blob {hash} arrived with other content")));
        }
        self.blobs.put(bytes)?;
        self.record_blob(hash, bytes.len(), if thumbnail { "thumbnail" } else { "photo" }, true)
    }

    /// Stores bytes as a blob of `role` (photo or signature) durably.
    fn store_photo(&self, owner: PhotoOwner, bytes: &[u8], meta: PhotoMeta, role: &str) -> Result<PhotoRef> {
        if bytes.is_empty() {
            return Err(Error::InvalidInput("the photo is empty".into()));
        }
        let hash = self.blobs.put(bytes)?.to_string();
        let now = now_millis();
        self.record_blob(&hash, bytes.len(), role, false)?;
        Ok(PhotoRef {
            hash,
            thumb_hash: None,
            owner,
            size: bytes.len() as u64,
            width: meta.width,
            height: meta.height,
            taken_at: meta.taken_at.unwrap_or(now),
            location: meta.location,
            by: self.identity.person(),
        })
    }

    /// Signs with a drawn signature image.
    pub fn sign(&self, id: &str, signer_name: &str, role: SignerRole, image: &[u8]) -> Result<()> {
        let hash = self.store_photo(PhotoOwner::Answer(String::new()), image, PhotoMeta::default(), "signature")?.hash;
        let sig =
            Signature { signer_name: signer_name.trim().into(), role, image_hash: hash, by: self.identity.person(), at: now_millis() };
        self.edit_inspection(id, |d, _| d.sign(&self.identity, sig, now_millis()))
    }

    pub fn amend_answer(&self, id: &str, item_id: &str, value: AnswerValue, note: Option<String>, reason: &str) -> Result<()> {
        self.edit_inspection(id, |d, t| d.amend_answer(t, &self.identity, item_id, value, note, reason, now_millis()))
    }

    pub fn amend_finding(&self, id: &str, finding_id: &str, patch: &FindingPatch, reason: &str) -> Result<()> {
        self.edit_inspection(id, |d, t| d.amend_finding(t, &self.identity, finding_id, patch, reason, now_millis()))
    }

    /// Settles the conflict at `path`, the text form of a conflict's path
    /// as the app read it (`answers/H01`); text that names no field names
    /// no conflict either.
    pub fn resolve_conflict(&self, id: &str, path: &str, chosen: &str) -> Result<()> {
        self.edit_inspection(id, |d, _| {
            let path: FieldPath = path.parse().map_err(|_| redline_domain::Error::NotFound(format!("conflict at {path}")))?;
            d.resolve_conflict(&self.identity, &path, chosen, now_millis())
        })
    }

    /// Submits the inspection and registers a hazard for every finding, all
    /// in one transaction. Returns the hazard ids.
    pub fn submit(&self, id: &str) -> Result<Vec<String>> {
        let now = now_millis();
        let hazard_ids = self.write_doc(id, DocKind::Inspection, |w, mut doc| {
            let stored = doc.get_heads();
            let mut d = InspectionDoc::from_automerge(id, doc);
            d.automerge().set_actor(self.identity.actor());
            let template = self.template_of(&d)?;
            let inspection = d.submit(&template, &self.identity, now)?;
            let summary = inspection.summary(&template);
            let mut hazards = vec![];
            for f in inspection.findings.values() {
                let photos: Vec<PhotoRef> = inspection.photos_of(&PhotoOwner::Finding(f.id.clone())).cloned().collect();
                let header = HazardHeader::of_finding(&inspection, f);
                // The hazard's id is the finding's: a co-inspector's device
                // submitting the same inspection registers the same hazard.
                hazards.push(HazardDoc::create(&f.id, &header, &photos, &self.identity, now)?);
            }
            let tx = w.conn.transaction()?;
            documents::append(&tx, id, d.automerge(), &stored, now, Origin::Local)?;
            index::put_inspection(&tx, &inspection, Some(&summary), now)?;
            let mut ids = vec![];
            for h in &mut hazards {
                let exists: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?1)", [h.id()], |r| r.get(0))?;
                if exists {
                    continue;
                }
                let hid = h.id().to_string();
                documents::insert(&tx, &hid, DocKind::Hazard, h.automerge(), now, Origin::Local)?;
                index::put_hazard(&tx, &h.read()?, now)?;
                ids.push(h.id().to_string());
            }
            tx.commit()?;
            Ok((d.into_automerge(), ids))
        })?;
        self.observers.notify(&StoreChange { inspections: vec![id.to_string()], hazards: hazard_ids.clone() });
        Ok(hazard_ids)
    }

    /// Makes a lifecycle transition, with evidence photo bytes stored first.
    pub fn transition(&self, id: &str, action: Action, note: &str, evidence: &[(Vec<u8>, PhotoMeta)]) -> Result<Hazard> {
        let mut photos = vec![];
        for (bytes, meta) in evidence {
            photos.push(self.store_photo(PhotoOwner::Transition(String::new()), bytes, meta.clone(), "photo")?);
        }
        self.transition_with_photos(id, action, note, &photos)
    }

    /// Makes a lifecycle transition citing photos already stored (e.g. by
    /// `capture_evidence`).
    pub fn transition_with_photos(&self, id: &str, action: Action, note: &str, photos: &[PhotoRef]) -> Result<Hazard> {
        let hazard = self.write_doc(id, DocKind::Hazard, |w, mut doc| {
            let stored = doc.get_heads();
            let mut d = HazardDoc::from_automerge(id, doc);
            d.automerge().set_actor(self.identity.actor());
            let now = now_millis();
            d.transition(&self.identity, action, note, photos, now)?;
            let hazard = d.read()?;
            let tx = w.conn.transaction()?;
            documents::append(&tx, id, d.automerge(), &stored, now, Origin::Local)?;
            index::put_hazard(&tx, &hazard, now)?;
            tx.commit()?;
            Ok((d.into_automerge(), hazard))
        })?;
        self.observers.notify(&StoreChange { inspections: vec![], hazards: vec![id.to_string()] });
        Ok(hazard)
    }
}
