//! The second half of applying a sync response: writing a [`SyncPlan`] in
//! the caller's transaction — document rows, sync bookkeeping, the
//! quarantine, reference data, index rows (after all content is in, so
//! lists match the documents) and the feed cursor. Nothing here decides;
//! every check happened in `sync_plan`.

use super::documents::{self, DocKind, Origin, heads_text};
use super::index;
use super::sync_plan::{DocWrite, PlannedDoc, SyncPlan};
use crate::doc::{HazardDoc, InspectionDoc};
use crate::error::Result;
use crate::sync::wire::{ReferenceData, TaskList};
use crate::template::Template;
use automerge::AutoCommit;
use redline_sqlite::{Coded, DateText};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::sync::Arc;

/// Finds the template an inspection was answered against.
pub type TemplateLookup<'a> = &'a dyn Fn(&str, u32) -> Option<Arc<Template>>;

/// Writes `plan` in `tx` (the caller commits). The planned documents are
/// left as stored, ready for the cache.
pub fn execute(tx: &Transaction<'_>, plan: &mut SyncPlan<'_>, templates: TemplateLookup<'_>, now: i64) -> Result<()> {
    for p in &mut plan.docs {
        write_doc(tx, p, now)?;
    }
    for q in &plan.quarantine {
        tx.execute(
            "INSERT INTO quarantine (doc_id, kind, changes, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![q.doc_id, q.kind.as_str(), q.changes, q.reason, now],
        )?;
    }
    if let Some((reference, parsed)) = &plan.reference {
        apply_reference(tx, reference, parsed)?;
    }
    if let Some(tasks) = plan.tasks {
        apply_tasks(tx, tasks)?;
    }
    // In the order of their full-text rows: FTS5 writes the terms it holds
    // out as a new segment whenever a row comes before the last one written,
    // so the documents' own order cost a segment, and merges, per document.
    let mut indexed: Vec<(&PlannedDoc, &AutoCommit)> = plan.docs.iter().filter_map(|p| Some((p, p.doc.as_ref()?))).collect();
    indexed.sort_by_cached_key(|(p, _)| index::search_rowid(&p.id));
    let mut thumbnails = vec![];
    for (p, doc) in indexed {
        reindex(tx, &p.id, p.kind, doc, templates, now, &mut thumbnails)?;
    }
    plan.thumbnails = thumbnails;
    set_meta(tx, "sync_cursor", plan.cursor)
}

/// One document's row and bookkeeping.
fn write_doc(tx: &Transaction<'_>, p: &mut PlannedDoc, now: i64) -> Result<()> {
    let id = p.id.as_str();
    match (&p.write, p.doc.as_mut()) {
        (DocWrite::Append { stored }, Some(doc)) => {
            documents::append(tx, id, doc, stored, now, Origin::Server)?;
        }
        (DocWrite::Insert { received: Some(bytes) }, Some(doc)) => {
            // Loaded strictly and complete in the plan: stored as it came.
            documents::insert_snapshot(tx, id, p.kind, bytes, &doc.get_heads(), now, Origin::Server)?
        }
        (DocWrite::Insert { received: None }, Some(doc)) => documents::insert(tx, id, p.kind, doc, now, Origin::Server)?,
        (DocWrite::Rollback { heads }, Some(doc)) => {
            tx.execute("DELETE FROM document_changes WHERE doc_id = ?1", [id])?;
            tx.execute(
                "UPDATE documents SET snapshot = ?2, change_count = 0, synced_version = local_version, updated_at = ?3,
                 synced_heads = ?4 WHERE id = ?1",
                params![id, doc.save(), now, heads_text(heads)],
            )?;
        }
        (DocWrite::Remove, _) => remove_document(tx, id, p.kind)?,
        (_, None) => unreachable!("only a removed document has no content"),
    }
    if let Some(v) = p.acknowledged {
        tx.execute("UPDATE documents SET synced_version = MAX(synced_version, ?2) WHERE id = ?1", params![id, v])?;
    }
    if let Some(heads) = &p.server_heads {
        tx.execute("UPDATE documents SET synced_heads = ?2 WHERE id = ?1", params![id, heads_text(heads)])?;
    }
    if let Some(heads) = &p.downloaded_heads {
        // Nothing local pending: what we now hold is exactly what the server has.
        tx.execute(
            "UPDATE documents SET synced_heads = ?2 WHERE id = ?1 AND local_version <= synced_version",
            params![id, heads_text(heads)],
        )?;
    }
    Ok(())
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

/// Rewrites a document's index rows from its current content, and adds
/// the thumbnails its photos refer to to `thumbnails` (read here, where
/// the document is read anyway, so fetching them needs no second read).
fn reindex(
    tx: &Transaction<'_>,
    id: &str,
    kind: DocKind,
    doc: &AutoCommit,
    templates: TemplateLookup<'_>,
    now: i64,
    thumbnails: &mut Vec<String>,
) -> Result<()> {
    if !crate::doc::has_header(doc) {
        // Only part of it has arrived; the rest comes with the next page.
        return Ok(());
    }
    match kind {
        DocKind::Inspection => {
            let i = InspectionDoc::read_from(id, doc)?;
            let t = templates(&i.header.template_id, i.header.template_version);
            index::put_inspection(tx, &i, t.map(|t| i.summary(&t)).as_ref(), now)?;
            thumbnails.extend(i.photos.into_values().filter_map(|p| p.thumb_hash));
        }
        DocKind::Hazard => {
            let h = HazardDoc::read_from(id, doc)?;
            index::put_hazard(tx, &h, now)?;
            thumbnails.extend(h.photos.into_values().filter_map(|p| p.thumb_hash));
        }
    }
    Ok(())
}

/// Replaces the sites and colleagues and stores the new templates.
fn apply_reference(tx: &Transaction<'_>, r: &ReferenceData, templates: &[Template]) -> Result<()> {
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
    for (t, json) in templates.iter().zip(&r.templates) {
        tx.execute("INSERT OR REPLACE INTO templates (id, version, json) VALUES (?1, ?2, ?3)", params![t.id, t.version, json])?;
    }
    set_meta(tx, "reference_version", &r.version)
}

/// Replaces the task list.
fn apply_tasks(tx: &Transaction<'_>, list: &TaskList) -> Result<()> {
    tx.execute("DELETE FROM tasks", [])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO tasks (id, plan_id, plan_name, kind, site_id, template_id, starts_on, due_on, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for t in &list.tasks {
        insert.execute(params![
            t.id,
            t.plan_id,
            t.plan_name,
            Coded(t.kind),
            t.site_id,
            t.template_id,
            DateText(t.starts),
            DateText(t.due),
            t.notes
        ])?;
    }
    set_meta(tx, "tasks_version", &list.version)
}

/// A value kept in `meta` (sync bookkeeping, document numbers, marks).
pub fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", params![key, value])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::connections::{Target, Writer};
    use super::super::sync_plan::{LocalDoc, plan};
    use super::super::test_support::*;
    use super::*;
    use crate::doc::InspectionDoc;
    use crate::inspection::AnswerValue;
    use crate::sync::wire::{DocData, SyncResponse, UploadStatus};
    use rusqlite::Connection;

    fn lookup(id: &str, version: u32) -> Option<Arc<Template>> {
        crate::template::builtin_templates().iter().find(|t| t.id == id && t.version == version).cloned().map(Arc::new)
    }

    /// A database holding `docs` as this phone's own, indexed; returns
    /// them as the apply would load them.
    fn stored(w: &mut Writer, docs: &mut [&mut InspectionDoc]) -> Vec<LocalDoc> {
        let tx = w.conn.transaction().unwrap();
        for d in docs.iter_mut() {
            let id = d.id().to_string();
            documents::insert(&tx, &id, DocKind::Inspection, d.automerge(), 1, Origin::Local).unwrap();
            reindex(&tx, &id, DocKind::Inspection, d.automerge(), &lookup, 1, &mut vec![]).unwrap();
        }
        tx.commit().unwrap();
        docs.iter_mut()
            .map(|d| LocalDoc {
                id: d.id().into(),
                kind: DocKind::Inspection,
                doc: documents::load_kind(&w.conn, d.id(), DocKind::Inspection).unwrap(),
                synced_heads: vec![],
            })
            .collect()
    }

    fn run(w: &mut Writer, sent: &[crate::store::PendingUpload], response: &SyncResponse, local: Vec<LocalDoc>) -> Vec<Option<AutoCommit>> {
        let mut plan = plan(sent, response, local).unwrap();
        let tx = w.conn.transaction().unwrap();
        execute(&tx, &mut plan, &lookup, 10).unwrap();
        tx.commit().unwrap();
        plan.docs.into_iter().map(|p| p.doc).collect()
    }

    fn count(c: &Connection, sql: &str, id: &str) -> i64 {
        c.query_row(sql, [id], |r| r.get(0)).unwrap()
    }

    #[test]
    fn merges_acknowledgements_new_documents_reference_data_and_the_cursor_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writer::open(&Target::Clear(dir.path().join("db"))).unwrap();
        let (mut server, mut phone) = shared();
        let id = phone.id().to_string();
        let local = stored(&mut w, &mut [&mut phone]);
        server.automerge().merge(phone.automerge()).unwrap();
        server.answer(&template(), &identity("insp-1"), "H02", AnswerValue::Pass, None, 3).unwrap();
        let server_heads = server.automerge().get_heads();
        let mut newcomer = remote_inspection("文三路烟花店");
        // A snapshot and a change after it: not how this phone would save
        // it, so keeping it as it came shows.
        let mut newcomer_bytes = newcomer.automerge().save();
        newcomer.answer(&template(), &identity("insp-1"), "H05", AnswerValue::Pass, None, 4).unwrap();
        newcomer_bytes.extend(newcomer.automerge().save_incremental());
        let site = crate::site::Site { id: "site-9".into(), ..serde_json::from_str(SITE).unwrap() };
        let response = SyncResponse {
            results: vec![upload_result(
                &id,
                UploadStatus::Accepted,
                &server_heads,
                server.automerge().save_after(&phone.automerge().get_heads()),
            )],
            docs: vec![DocData { doc_id: newcomer.id().into(), kind: "inspection".into(), bytes: newcomer_bytes.clone() }],
            cursor: "c7".into(),
            reference: Some(ReferenceData { version: "r2".into(), sites: vec![site], ..Default::default() }),
            ..Default::default()
        };
        let mut docs = run(&mut w, &[sent(&id, 1)], &response, local);

        let c = &w.conn;
        let row: (i64, i64, String, i64) = c
            .query_row("SELECT local_version, synced_version, synced_heads, change_count FROM documents WHERE id = ?1", [&id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        assert_eq!(row, (1, 1, heads_text(&server_heads), 1), "acknowledged, in step, one appended change");
        assert_eq!(documents::load_kind(c, &id, DocKind::Inspection).unwrap().get_heads(), server_heads);
        assert_eq!(docs[0].as_mut().unwrap().get_heads(), server_heads, "the cached copy is what is stored");
        let snapshot: Vec<u8> = c.query_row("SELECT snapshot FROM documents WHERE id = ?1", [newcomer.id()], |r| r.get(0)).unwrap();
        assert_eq!(snapshot, newcomer_bytes, "a new document is kept as the server sent it");
        assert_eq!(documents::load_kind(c, newcomer.id(), DocKind::Inspection).unwrap().get_heads(), newcomer.automerge().get_heads());
        let new_row: (i64, String) = c
            .query_row("SELECT local_version, synced_heads FROM documents WHERE id = ?1", [newcomer.id()], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(new_row, (0, heads_text(&newcomer.automerge().get_heads())), "nothing to upload");
        assert_eq!(count(c, "SELECT COUNT(*) FROM inspection_index WHERE id <> ?1", ""), 2);
        assert_eq!(count(c, "SELECT answered FROM inspection_index WHERE id = ?1", &id), 2);
        assert_eq!(count(c, "SELECT COUNT(*) FROM sites WHERE id = ?1", "site-9"), 1);
        let meta = |k: &str| c.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get::<_, String>(0)).unwrap();
        assert_eq!((meta("sync_cursor"), meta("reference_version")), ("c7".into(), "r2".into()));
    }

    #[test]
    fn a_rollback_a_removal_and_the_quarantine_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writer::open(&Target::Clear(dir.path().join("db"))).unwrap();
        let (mut server, mut phone) = shared();
        let (_, mut unknown) = shared();
        let (id, gone) = (phone.id().to_string(), unknown.id().to_string());
        let local = stored(&mut w, &mut [&mut phone, &mut unknown]);
        let server_heads = server.automerge().get_heads();
        let response = SyncResponse {
            results: vec![
                upload_result(&id, refused(), &server_heads, server.automerge().save()),
                upload_result(&gone, refused(), &[], vec![]),
            ],
            ..Default::default()
        };
        run(&mut w, &[sent(&id, 1), sent(&gone, 1)], &response, local);

        let c = &w.conn;
        assert_eq!(count(c, "SELECT COUNT(*) FROM quarantine WHERE reason = ?1", "not allowed"), 2);
        assert_eq!(documents::load_kind(c, &id, DocKind::Inspection).unwrap().get_heads(), server_heads, "rolled back");
        assert_eq!(count(c, "SELECT synced_version FROM documents WHERE id = ?1", &id), 1, "nothing left to upload");
        assert_eq!(count(c, "SELECT COUNT(*) FROM document_changes WHERE doc_id = ?1", &id), 0);
        assert_eq!(count(c, "SELECT answered FROM inspection_index WHERE id = ?1", &id), 0, "the list shows the server's copy");
        for table in ["documents", "inspection_index"] {
            assert_eq!(count(c, &format!("SELECT COUNT(*) FROM {table} WHERE id = ?1"), &gone), 0, "{table}");
        }
        assert_eq!(count(c, "SELECT COUNT(*) FROM search_text WHERE doc_id = ?1", &gone), 0);
    }

    #[test]
    fn a_document_rebuilt_after_dropped_bytes_still_stores_what_was_merged() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writer::open(&Target::Clear(dir.path().join("db"))).unwrap();
        let (mut server, mut phone) = shared();
        let id = phone.id().to_string();
        let local = stored(&mut w, &mut [&mut phone]);
        server.automerge().merge(phone.automerge()).unwrap();
        let t = template();
        server.answer(&t, &identity("insp-1"), "H02", AnswerValue::Pass, None, 3).unwrap();
        let merged = server.automerge().get_heads();
        server.answer(&t, &identity("insp-1"), "H03", AnswerValue::Pass, None, 4).unwrap();
        let middle = server.automerge().get_heads();
        server.answer(&t, &identity("insp-1"), "H04", AnswerValue::Pass, None, 5).unwrap();
        let response = SyncResponse {
            results: vec![upload_result(&id, UploadStatus::Accepted, &merged, {
                let mut at_merge = server.automerge().fork_at(&merged).unwrap();
                at_merge.save_after(&phone.automerge().get_heads())
            })],
            // H04 without H03: dropped, the document rebuilt in memory.
            docs: vec![DocData { doc_id: id.clone(), kind: "inspection".into(), bytes: server.automerge().save_after(&middle) }],
            ..Default::default()
        };
        let mut docs = run(&mut w, &[sent(&id, 1)], &response, local);
        assert_eq!(documents::load_kind(&w.conn, &id, DocKind::Inspection).unwrap().get_heads(), merged);
        assert_eq!(docs[0].as_mut().unwrap().get_heads(), merged, "the cached copy is what is stored");
    }

    const SITE: &str = r#"{"id": "x", "name": "滨江仓库", "address": "滨江区 2 号", "area": "zj/hz/xh/c02", "categories": []}"#;
}
