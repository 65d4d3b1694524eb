//! The device side of sync inside the store: which documents need upload,
//! applying what the server sent, and the quarantine for refused changes.
//! The HTTP exchange itself lives in `crate::sync::client`. Applying a
//! response is planned first (`sync_plan`: decode, check, merge in memory,
//! decide) and then written in one transaction (`sync_apply`), all holding
//! the writer; list screens and document reads carry on meanwhile on their
//! reader connections.

use super::connections::Writer;
use super::documents::{self, heads_parse};
use super::sync_plan::{LocalDoc, kind_of};
use super::{Store, StoreChange, sync_apply, sync_plan};
use crate::error::{Error, Result};
use crate::sync::wire::{Colleague, DocUpload, SyncResponse};
use crate::template::Template;
use crate::time::now_millis;
use automerge::AutoCommit;
use rusqlite::{OptionalExtension, params};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

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

/// Where a device stands, as its next sync request says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncPosition {
    pub cursor: String,
    pub reference_version: String,
    pub tasks_version: String,
}

impl Store {
    /// Feed position and the versions of reference data and tasks to send
    /// with the next sync.
    pub fn sync_position(&self) -> Result<SyncPosition> {
        let r = self.reader()?;
        let meta = |key: &str| -> Result<String> { Ok(super::sync_apply::get_meta(&r, key)?.unwrap_or_default()) };
        Ok(SyncPosition {
            cursor: meta("sync_cursor")?,
            reference_version: meta("reference_version")?,
            tasks_version: meta("tasks_version")?,
        })
    }

    /// Every document with local edits the server has not acknowledged, as
    /// the changes the server may lack.
    pub fn pending_uploads(&self, limit: u32) -> Result<Vec<PendingUpload>> {
        // On the writer: the documents and their edit counters must be read
        // with no edit committing in between.
        let w = self.writer();
        let rows: Vec<(String, String, String, i64)> = {
            let mut stmt = w.conn.prepare_cached(
                "SELECT id, kind, synced_heads, local_version FROM documents
                 WHERE local_version > synced_version ORDER BY updated_at LIMIT ?1",
            )?;
            stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?
        };
        let mut out = vec![];
        for (id, kind, synced, local_version) in rows {
            let k = kind_of(&kind)?;
            let (changes, heads) = self.read_doc_loading(
                &id,
                k,
                || documents::load_kind(&w.conn, &id, k),
                |doc| Ok((doc.save_after(&heads_parse(&synced)), crate::sync::wire::heads_to_hex(&doc.get_heads()))),
            )?;
            out.push(PendingUpload { upload: DocUpload { doc_id: id, kind, changes, heads }, local_version });
        }
        Ok(out)
    }

    /// Applies one sync response durably: upload results (acknowledged or
    /// quarantined), downloaded documents, reference data, the new cursor.
    /// Returns the ids that changed locally.
    pub fn apply_sync_response(&self, sent: &[PendingUpload], response: &SyncResponse) -> Result<StoreChange> {
        self.apply_sync_page(sent, response).map(|page| page.changed)
    }

    /// [`Store::apply_sync_response`], also returning the thumbnails the
    /// applied documents refer to, for the client to fetch those missing.
    pub fn apply_sync_page(&self, sent: &[PendingUpload], response: &SyncResponse) -> Result<AppliedPage> {
        let now = now_millis();
        let mut w = self.writer();
        // Every document the response may touch leaves the cache until the
        // transaction has committed (or failed): until then readers load
        // the committed state from their own connections.
        let mut seen = HashSet::new();
        let ids: Vec<&str> = sent
            .iter()
            .map(|p| p.upload.doc_id.as_str())
            .chain(response.docs.iter().map(|d| d.doc_id.as_str()))
            .filter(|id| seen.insert(*id))
            .collect();
        let cached: Vec<Option<AutoCommit>> = {
            let mut cache = self.cache();
            ids.iter().map(|id| cache.start_write(id)).collect()
        };
        let outcome = self.apply_planned(&mut w, sent, response, &ids, cached, now);
        let mut finished: Vec<(&str, Option<AutoCommit>)> = ids.iter().map(|id| (*id, None)).collect();
        let slot: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        if let Ok(applied) = &outcome {
            self.catalogue_add(applied.templates.iter().cloned().map(Arc::new));
        }
        let page = outcome.map(|applied| {
            // In plan order: a document removed and downloaded again ends
            // as downloaded.
            for (id, doc) in applied.docs {
                if let Some(&i) = slot.get(id.as_str()) {
                    finished[i].1 = doc;
                }
            }
            AppliedPage { changed: applied.changed, thumbnails: applied.thumbnails }
        });
        {
            let mut cache = self.cache();
            for (id, doc) in finished {
                cache.finish_write(id, doc);
            }
        }
        drop(w);
        let page = page?;
        self.observers.notify(&page.changed);
        Ok(page)
    }

    /// Loads, plans and writes the apply in one transaction.
    fn apply_planned(
        &self,
        w: &mut Writer,
        sent: &[PendingUpload],
        response: &SyncResponse,
        ids: &[&str],
        cached: Vec<Option<AutoCommit>>,
        now: i64,
    ) -> Result<Applied> {
        let local = local_docs(w, ids, cached)?;
        let mut plan = sync_plan::plan(sent, response, local)?;
        let tx = w.conn.transaction()?;
        let lookup = |id: &str, version: u32| self.template(id, Some(version)).ok();
        sync_apply::execute(&tx, &mut plan, &lookup, now)?;
        #[cfg(test)]
        self.hooks.before_sync_commit();
        tx.commit()?;
        Ok(Applied {
            docs: plan.docs.into_iter().map(|p| (p.id, p.doc)).collect(),
            templates: plan.reference.map(|(_, t)| t).unwrap_or_default(),
            changed: plan.changed,
            thumbnails: plan.thumbnails,
        })
    }

    /// Colleagues in this device's area, by name (from the last sync).
    pub fn people(&self) -> Result<Vec<Colleague>> {
        let r = self.reader()?;
        let mut stmt = r.prepare_cached("SELECT user_id, name, role FROM people ORDER BY name")?;
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
        let r = self.reader()?;
        let mut stmt = r.prepare_cached("SELECT id, doc_id, kind, reason, at, length(changes) FROM quarantine ORDER BY id DESC")?;
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

    /// Keeps every change not yet sent in the quarantine with `reason`,
    /// once (a change set already kept is not kept again): for a device
    /// whose access was revoked, so its work can still be listed and
    /// exported. The documents stay as they are, still pending: the same
    /// user enrolled again sends them. Returns how many sets were kept.
    pub fn quarantine_unsent(&self, reason: &str) -> Result<usize> {
        let pending = self.pending_uploads(u32::MAX)?;
        let now = now_millis();
        let mut w = self.writer();
        let tx = w.conn.transaction()?;
        let mut kept = 0;
        for p in pending.iter().filter(|p| !p.upload.changes.is_empty()) {
            kept += tx.execute(
                "INSERT INTO quarantine (doc_id, kind, changes, reason, at) SELECT ?1, ?2, ?3, ?4, ?5
                 WHERE NOT EXISTS (SELECT 1 FROM quarantine WHERE doc_id = ?1 AND changes = ?3)",
                params![p.upload.doc_id, p.upload.kind, p.upload.changes, reason, now],
            )?;
        }
        tx.commit()?;
        Ok(kept)
    }

    /// The raw automerge changes of a quarantined set, for export.
    pub fn export_quarantined(&self, id: i64) -> Result<Vec<u8>> {
        self.reader()?
            .query_row("SELECT changes FROM quarantine WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("quarantined change set {id}")))
    }
}

/// What a committed apply leaves for the in-memory caches.
struct Applied {
    /// Every planned document as committed, in order; `None` once removed.
    docs: Vec<(String, Option<AutoCommit>)>,
    templates: Vec<Template>,
    changed: StoreChange,
    thumbnails: Vec<String>,
}

/// What applying one sync response changed.
pub struct AppliedPage {
    pub changed: StoreChange,
    /// Thumbnail hashes the applied documents' photos refer to, present on
    /// the phone or not.
    pub thumbnails: Vec<String>,
}

/// The stored documents among `ids`, the cached copy when there is one
/// (`cached[i]` belongs to `ids[i]`), with the heads the server holds.
fn local_docs(w: &Writer, ids: &[&str], cached: Vec<Option<AutoCommit>>) -> Result<Vec<LocalDoc>> {
    let mut out = vec![];
    let mut stmt = w.conn.prepare_cached("SELECT kind, synced_heads FROM documents WHERE id = ?1")?;
    for (id, cached) in ids.iter().zip(cached) {
        let Some((kind, synced)) = stmt.query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).optional()? else {
            continue;
        };
        let kind = documents::DocKind::parse(&kind)
            .ok_or_else(|| Error::CorruptDocument { id: id.to_string(), detail: format!("unknown kind {kind}") })?;
        let doc = match cached {
            Some(doc) => doc,
            None => documents::load_kind(&w.conn, id, kind)?,
        };
        out.push(LocalDoc { id: id.to_string(), kind, doc, synced_heads: heads_parse(&synced) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::inspection::AnswerValue;
    use crate::store::InspectionQuery;
    use crate::sync::wire::DocData;
    use std::sync::{Arc, mpsc};
    use std::thread;
    use std::time::Duration;

    /// Far longer than any of these steps takes; only a read that waits
    /// for the writer runs into it.
    const PATIENCE: Duration = Duration::from_secs(60);

    const ALL: InspectionQuery = InspectionQuery { status: None, site_id: None, participant: None, day: None, limit: Some(1000) };

    #[test]
    fn lists_and_reads_complete_while_a_large_sync_apply_holds_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(store_in(dir.path()));
        // One inspection already here, read once so it is cached.
        let mut first = remote_inspection("西湖化工仓库");
        let first_id = first.id().to_string();
        store.apply_sync_response(&[], &page(vec![(first_id.clone(), first.automerge().save())], "c1")).unwrap();
        assert!(store.inspection(&first_id).unwrap().answers.is_empty());
        // A large page: 150 new inspections and an answer to the first.
        let before = first.automerge().get_heads();
        first.answer(&template(), &identity("insp-1"), "H01", AnswerValue::Fail, Some("证书过期".into()), 2).unwrap();
        let mut docs = vec![(first_id.clone(), first.automerge().save_after(&before))];
        for i in 0..150 {
            let mut d = remote_inspection(&format!("滨江仓库 {i}"));
            docs.push((d.id().to_string(), d.automerge().save()));
        }
        let response = page(docs, "c2");

        let (held, holding) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        store.on_next_sync_commit(move || {
            held.send(()).unwrap();
            released.recv().unwrap();
        });
        let applier = thread::spawn({
            let store = store.clone();
            move || store.apply_sync_response(&[], &response)
        });
        holding.recv_timeout(PATIENCE).expect("the apply reached its commit");

        // The writer is held, 151 documents written and not committed.
        let (done, reads) = mpsc::channel();
        thread::spawn({
            let (store, id) = (store.clone(), first_id.clone());
            move || {
                let listed = store.inspections(&ALL).unwrap().len();
                let found = store.search("仓库", 1000).unwrap().len();
                let answers = store.inspection(&id).unwrap().answers.len();
                let sites = store.sites("", 10).unwrap().len();
                let templates = store.templates().unwrap().len();
                done.send((listed, found, answers, sites, templates)).unwrap();
            }
        });
        let seen = reads.recv_timeout(PATIENCE).expect("the reads completed while the apply held the writer");
        assert_eq!(seen, (1, 1, 0, 2, 5), "exactly what was committed before the apply");

        release.send(()).unwrap();
        let changed = applier.join().unwrap().unwrap();
        assert_eq!(changed.inspections.len(), 151);
        assert_eq!(store.inspections(&ALL).unwrap().len(), 151, "the next read sees the commit");
        assert_eq!(store.search("仓库", 1000).unwrap().len(), 151);
        assert_eq!(store.inspection(&first_id).unwrap().answers.len(), 1, "no stale copy was cached meanwhile");
        assert_eq!(store.sync_position().unwrap().cursor, "c2");
    }

    #[test]
    fn a_refused_response_changes_nothing_and_leaves_no_stale_copy() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        let mut first = remote_inspection("西湖化工仓库");
        let id = first.id().to_string();
        store.apply_sync_response(&[], &page(vec![(id.clone(), first.automerge().save())], "c1")).unwrap();
        assert!(store.inspection(&id).unwrap().answers.is_empty());
        let before = first.automerge().get_heads();
        first.answer(&template(), &identity("insp-1"), "H01", AnswerValue::Fail, None, 2).unwrap();
        // A good page for it, then a document whose kind the server changed.
        let mut bad = page(vec![(id.clone(), first.automerge().save_after(&before))], "c2");
        bad.docs.push(DocData { doc_id: id.clone(), kind: "hazard".into(), bytes: vec![] });
        let e = store.apply_sync_response(&[], &bad).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Network, "{e}");
        assert!(store.inspection(&id).unwrap().answers.is_empty(), "nothing of the refused page");
        assert_eq!(store.sync_position().unwrap().cursor, "c1");
        bad.docs.pop();
        store.apply_sync_response(&[], &bad).unwrap();
        assert_eq!(store.inspection(&id).unwrap().answers.len(), 1);
    }
}
