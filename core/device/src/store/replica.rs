//! The device side of sync inside the store: which documents need upload,
//! applying what the server sent, and the quarantine for refused changes.
//! The HTTP exchange itself lives in `crate::sync::client`; this file only
//! reads and writes the database, each step in one transaction.

use super::documents::{self, DocKind, Origin, heads_parse, heads_text};
use super::{Inner, Store, StoreChange, index};
use crate::doc::{HazardDoc, InspectionDoc};
use crate::error::{Error, Result};
use crate::sync::wire::{Colleague, DocData, DocUpload, ReferenceData, SyncResponse, UploadStatus, heads_from_hex};
use crate::template::Template;
use crate::time::now_millis;
use automerge::AutoCommit;
use rusqlite::{OptionalExtension, Transaction, params};

/// An upload as sent, remembered until its result arrives.
#[derive(Clone, Debug)]
pub struct PendingUpload {
    pub upload: DocUpload,
    /// The local edit counter the upload covers; acknowledged up to here.
    pub local_version: i64,
}

/// A change set the server refused, kept on the device.
#[derive(Clone, Debug, PartialEq)]
pub struct QuarantinedChange {
    pub id: i64,
    pub doc_id: String,
    pub kind: String,
    pub reason: String,
    pub at: i64,
    pub size: u64,
}

impl Inner {
    fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", params![key, value])?;
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<String> {
        let v: Option<String> = self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?;
        Ok(v.unwrap_or_default())
    }

    /// Rewrites a document's index rows from its current content.
    fn reindex(&self, tx: &Transaction<'_>, id: &str, kind: DocKind, doc: AutoCommit, now: i64) -> Result<AutoCommit> {
        if !crate::doc::has_header(&doc) {
            // Only part of it has arrived; the rest comes with the next page.
            return Ok(doc);
        }
        match kind {
            DocKind::Inspection => {
                let d = InspectionDoc::from_automerge(id, doc);
                let i = d.read()?;
                let t = self.template(&i.header.template_id, Some(i.header.template_version)).ok();
                index::put_inspection(tx, &i, t.map(|t| i.summary(&t)).as_ref(), now)?;
                Ok(d.into_automerge())
            }
            DocKind::Hazard => {
                let d = HazardDoc::from_automerge(id, doc);
                index::put_hazard(tx, &d.read()?, now)?;
                Ok(d.into_automerge())
            }
        }
    }
}

fn kind_of(s: &str) -> Result<DocKind> {
    DocKind::parse(s).ok_or_else(|| Error::BadResponse(format!("unknown document kind {s:?}")))
}

impl Store {
    /// Feed position and reference data version to send with the next sync.
    pub fn sync_position(&self) -> Result<(String, String)> {
        let g = self.lock();
        Ok((g.meta("sync_cursor")?, g.meta("reference_version")?))
    }

    /// Every document with local edits the server has not acknowledged, as
    /// the changes the server may lack.
    pub fn pending_uploads(&self, limit: u32) -> Result<Vec<PendingUpload>> {
        let mut g = self.lock();
        let rows: Vec<(String, String, String, i64)> = {
            let mut stmt = g.conn.prepare_cached(
                "SELECT id, kind, synced_heads, local_version FROM documents
                 WHERE local_version > synced_version ORDER BY updated_at LIMIT ?1",
            )?;
            stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?
        };
        let mut out = vec![];
        for (id, kind, synced, local_version) in rows {
            let mut doc = g.take_doc(&id, kind_of(&kind)?)?;
            let changes = doc.save_after(&heads_parse(&synced));
            let heads = crate::sync::wire::heads_to_hex(&doc.get_heads());
            g.cache.put(id.clone(), doc);
            out.push(PendingUpload { upload: DocUpload { doc_id: id, kind, changes, heads }, local_version });
        }
        Ok(out)
    }

    /// Applies one sync response durably: upload results (acknowledged or
    /// quarantined), downloaded documents, reference data, the new cursor.
    /// Returns the ids that changed locally.
    pub fn apply_sync_response(&self, sent: &[PendingUpload], response: &SyncResponse) -> Result<StoreChange> {
        let now = now_millis();
        let mut changed = StoreChange::default();
        {
            let mut g = self.lock();
            // Documents touched here leave the cache: the transaction below
            // is the only truth until it commits.
            let mut touched: Vec<(String, AutoCommit)> = vec![];
            let mut templates: Vec<Template> = vec![];
            let tx_result = (|| -> Result<()> {
                let inner: &mut Inner = &mut g;
                let mut docs: Vec<(String, DocKind, AutoCommit)> = vec![];
                for id in sent.iter().map(|p| &p.upload.doc_id).chain(response.docs.iter().map(|d| &d.doc_id)) {
                    if docs.iter().any(|(d, _, _)| d == id) {
                        continue;
                    }
                    if let Some(doc) = inner.cache.take(id) {
                        let kind = DocKind::parse(&crate::doc::doc_type(&doc).unwrap_or_default()).unwrap_or(DocKind::Inspection);
                        docs.push((id.clone(), kind, doc));
                    } else if let Some((kind, doc)) = documents::load(&inner.conn, id)? {
                        docs.push((id.clone(), kind, doc));
                    }
                }
                let mut new_templates = vec![];
                let inner: &Inner = inner;
                let tx = inner.conn.unchecked_transaction()?;
                for (result, pending) in response.results.iter().zip(sent) {
                    let id = &pending.upload.doc_id;
                    let Some(pos) = docs.iter().position(|(d, _, _)| d == id) else { continue };
                    match &result.status {
                        UploadStatus::Accepted => {
                            let doc = &mut docs[pos].2;
                            if !result.missing.is_empty() {
                                doc.load_incremental(&result.missing)
                                    .map_err(|e| Error::BadResponse(format!("server sent bad changes: {e}")))?;
                                documents::append(&tx, id, doc, now, Origin::Server)?;
                            }
                            let server_heads = heads_from_hex(&result.heads).map_err(Error::BadResponse)?;
                            if server_heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
                                tx.execute("UPDATE documents SET synced_heads = ?2 WHERE id = ?1", params![id, heads_text(&server_heads)])?;
                            }
                            tx.execute(
                                "UPDATE documents SET synced_version = MAX(synced_version, ?2) WHERE id = ?1",
                                params![id, pending.local_version],
                            )?;
                        }
                        UploadStatus::Rejected { reason } => {
                            let (_, kind, mut doc) = docs.remove(pos);
                            // Roll back to the server's copy when it came with
                            // the refusal: changes it already holds (an upload
                            // whose response was lost) stay, and only what it
                            // lacks is quarantined. Otherwise back to the last
                            // acknowledged heads.
                            if !result.missing.is_empty() {
                                doc.load_incremental(&result.missing)
                                    .map_err(|e| Error::BadResponse(format!("server sent a bad document: {e}")))?;
                            }
                            let server_heads = heads_from_hex(&result.heads).map_err(Error::BadResponse)?;
                            let server_heads = (!server_heads.is_empty()
                                && server_heads.iter().all(|h| doc.get_change_by_hash(h).is_some()))
                            .then_some(server_heads);
                            if let Some(kept) = quarantine(&tx, id, kind, doc, reason, now, server_heads)? {
                                docs.push((id.clone(), kind, kept));
                            } else {
                                remove_document(&tx, id, kind)?;
                            }
                        }
                    }
                    note(&mut changed, id, kind_of(&pending.upload.kind)?);
                }
                let mut resync = false;
                for data in &response.docs {
                    let kind = kind_of(&data.kind)?;
                    if apply_download(&tx, &mut docs, data, kind, now)? {
                        note(&mut changed, &data.doc_id, kind);
                    } else {
                        resync = true;
                    }
                }
                if let Some(reference) = &response.reference {
                    new_templates = apply_reference(&tx, reference)?;
                }
                // Index rows after all content is in, so lists match the documents.
                let mut reindexed = vec![];
                for (id, kind, doc) in docs.drain(..) {
                    let doc = inner.reindex(&tx, &id, kind, doc, now)?;
                    reindexed.push((id, doc));
                }
                // An empty cursor makes the server start again from snapshots.
                Inner::set_meta(&tx, "sync_cursor", if resync { "" } else { &response.cursor })?;
                tx.commit()?;
                touched = reindexed;
                templates = new_templates;
                Ok(())
            })();
            tx_result?;
            for (id, doc) in touched {
                g.cache.put(id, doc);
            }
            for t in templates {
                g.templates.insert((t.id.clone(), t.version), std::sync::Arc::new(t));
            }
        }
        self.observers.notify(&changed);
        Ok(changed)
    }

    /// Colleagues in this device's area, by name (from the last sync).
    pub fn people(&self) -> Result<Vec<Colleague>> {
        let g = self.lock();
        let mut stmt = g.conn.prepare_cached("SELECT user_id, name, role FROM people ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = vec![];
        for row in rows {
            let (user_id, name, role) = row?;
            let role = crate::people::Role::parse(&role)
                .ok_or_else(|| Error::CorruptDocument { id: "people".into(), detail: format!("role {role}") })?;
            out.push(Colleague { user_id, name, role });
        }
        Ok(out)
    }

    /// Change sets the server refused, newest first.
    pub fn quarantine(&self) -> Result<Vec<QuarantinedChange>> {
        let g = self.lock();
        let mut stmt = g.conn.prepare_cached("SELECT id, doc_id, kind, reason, at, length(changes) FROM quarantine ORDER BY id DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok(QuarantinedChange {
                id: r.get(0)?,
                doc_id: r.get(1)?,
                kind: r.get(2)?,
                reason: r.get(3)?,
                at: r.get(4)?,
                size: r.get::<_, i64>(5)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The raw automerge changes of a quarantined set, for export.
    pub fn export_quarantined(&self, id: i64) -> Result<Vec<u8>> {
        let g = self.lock();
        g.conn
            .query_row("SELECT changes FROM quarantine WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("quarantined change set {id}")))
    }
}

fn note(changed: &mut StoreChange, id: &str, kind: DocKind) {
    let list = match kind {
        DocKind::Inspection => &mut changed.inspections,
        DocKind::Hazard => &mut changed.hazards,
    };
    if !list.iter().any(|x| x == id) {
        list.push(id.to_string());
    }
}

/// Moves every local change the server has not accepted into quarantine and
/// rolls the document back to what the server holds: `server_heads` when
/// the server sent its copy (already merged into `doc`), else the last
/// acknowledged heads. Returns the rolled back document, or `None` when the
/// server holds nothing of it.
fn quarantine(
    tx: &Transaction<'_>,
    id: &str,
    kind: DocKind,
    mut doc: AutoCommit,
    reason: &str,
    now: i64,
    server_heads: Option<Vec<automerge::ChangeHash>>,
) -> Result<Option<AutoCommit>> {
    let heads = match server_heads {
        Some(heads) => heads,
        None => heads_parse(&tx.query_row("SELECT synced_heads FROM documents WHERE id = ?1", [id], |r| r.get::<_, String>(0))?),
    };
    let changes = doc.save_after(&heads);
    tx.execute(
        "INSERT INTO quarantine (doc_id, kind, changes, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, kind.as_str(), changes, reason, now],
    )?;
    if heads.is_empty() {
        return Ok(None);
    }
    let mut kept = doc.fork_at(&heads)?;
    tx.execute("DELETE FROM document_changes WHERE doc_id = ?1", [id])?;
    tx.execute(
        "UPDATE documents SET snapshot = ?2, change_count = 0, synced_version = local_version, updated_at = ?3, synced_heads = ?4
         WHERE id = ?1",
        params![id, kept.save(), now, heads_text(&heads)],
    )?;
    Ok(Some(kept))
}

fn remove_document(tx: &Transaction<'_>, id: &str, kind: DocKind) -> Result<()> {
    tx.execute("DELETE FROM document_changes WHERE doc_id = ?1", [id])?;
    tx.execute("DELETE FROM documents WHERE id = ?1", [id])?;
    match kind {
        DocKind::Inspection => tx.execute("DELETE FROM inspection_index WHERE id = ?1", [id])?,
        DocKind::Hazard => tx.execute("DELETE FROM hazard_index WHERE id = ?1", [id])?,
    };
    tx.execute("DELETE FROM search_text WHERE doc_id = ?1", [id])?;
    Ok(())
}

/// Merges a downloaded document (snapshot or changes) into the local one.
/// Returns false when the bytes depend on changes this device never got
/// (pages replayed out of order): they are not kept, and the caller asks
/// the server for a fresh snapshot instead, which always converges.
fn apply_download(
    tx: &Transaction<'_>,
    docs: &mut Vec<(String, DocKind, AutoCommit)>,
    data: &DocData,
    kind: DocKind,
    now: i64,
) -> Result<bool> {
    let bad = |e: automerge::AutomergeError| Error::BadResponse(format!("server sent a bad document {}: {e}", data.doc_id));
    if let Some(pos) = docs.iter().position(|(d, _, _)| *d == data.doc_id) {
        if docs[pos].1 != kind {
            return Err(Error::BadResponse(format!("server changed the kind of {}", data.doc_id)));
        }
        let doc = &mut docs[pos].2;
        doc.load_incremental(&data.bytes).map_err(bad)?;
        if !doc.get_missing_deps(&[]).is_empty() {
            // Drop the half-applied copy; the stored one is still whole.
            let (_, reloaded) = documents::load(tx, &data.doc_id)?.ok_or_else(|| Error::NotFound(data.doc_id.clone()))?;
            docs[pos].2 = reloaded;
            return Ok(false);
        }
        documents::append(tx, &data.doc_id, doc, now, Origin::Server)?;
        // Nothing local pending: what we now hold is exactly what the server has.
        tx.execute(
            "UPDATE documents SET synced_heads = ?2 WHERE id = ?1 AND local_version <= synced_version",
            params![data.doc_id, heads_text(&doc.get_heads())],
        )?;
    } else {
        let mut doc = AutoCommit::load(&data.bytes).map_err(bad)?;
        if !doc.get_missing_deps(&[]).is_empty() {
            return Ok(false);
        }
        if crate::doc::doc_type(&doc).as_deref() != Some(kind.as_str()) {
            return Err(Error::BadResponse(format!("server sent {} as a {} that is not one", data.doc_id, kind.as_str())));
        }
        documents::insert(tx, &data.doc_id, kind, &mut doc, now, Origin::Server)?;
        docs.push((data.doc_id.clone(), kind, doc));
    }
    Ok(true)
}

/// Replaces the sites and stores new templates; returns the templates for
/// the in-memory catalogue once the transaction has committed.
fn apply_reference(tx: &Transaction<'_>, r: &ReferenceData) -> Result<Vec<Template>> {
    let mut templates = vec![];
    tx.execute("DELETE FROM sites", [])?;
    for s in &r.sites {
        tx.execute(
            "INSERT OR REPLACE INTO sites (id, name, area, json) VALUES (?1, ?2, ?3, ?4)",
            params![s.id, s.name, s.area, serde_json::to_string(s).expect("serialisable")],
        )?;
    }
    tx.execute("DELETE FROM people", [])?;
    for p in &r.people {
        tx.execute("INSERT OR REPLACE INTO people (user_id, name, role) VALUES (?1, ?2, ?3)", params![p.user_id, p.name, p.role.as_str()])?;
    }
    for json in &r.templates {
        let t = Template::from_json(json)?;
        tx.execute("INSERT OR REPLACE INTO templates (id, version, json) VALUES (?1, ?2, ?3)", params![t.id, t.version, json])?;
        templates.push(t);
    }
    Inner::set_meta(tx, "reference_version", &r.version)?;
    Ok(templates)
}
