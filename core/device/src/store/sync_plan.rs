//! The first half of applying a sync response: decode and check everything
//! the server sent, merge it into the local documents in memory, and decide
//! what each document becomes (appended to, inserted, rolled back to the
//! server's copy with the rest quarantined, or removed). No database here:
//! the plan is a pure function of the local documents and the response, so
//! every refusal (bad bytes, a changed kind, a bad template) happens before
//! anything is written, and `sync_apply` writes the outcome in one
//! transaction.

use super::StoreChange;
use super::documents::DocKind;
use super::replica::PendingUpload;
use crate::error::{Error, Result};
use crate::sync::wire::{DocData, ReferenceData, SyncResponse, TaskList, UploadStatus, heads_from_hex};
use crate::template::Template;
use automerge::{AutoCommit, ChangeHash};

/// A document as stored before the apply.
pub struct LocalDoc {
    pub id: String,
    pub kind: DocKind,
    pub doc: AutoCommit,
    /// The heads the server is known to hold (`synced_heads`).
    pub synced_heads: Vec<ChangeHash>,
}

/// How a document's stored row changes.
#[derive(Debug, PartialEq)]
pub enum DocWrite {
    /// Stored already: append whatever was merged into it since `stored`,
    /// the heads the database holds (nothing when nothing was merged).
    Append { stored: Vec<ChangeHash> },
    /// New from the server: stored as its first snapshot, which is
    /// `received` as it came when nothing else was merged into it.
    Insert { received: Option<Vec<u8>> },
    /// Refused upload: the document is rolled back to `heads`, what the
    /// server holds, and is in step with it again.
    Rollback { heads: Vec<ChangeHash> },
    /// Refused upload of a document the server holds nothing of.
    Remove,
}

/// One document's outcome.
pub struct PlannedDoc {
    pub id: String,
    pub kind: DocKind,
    pub write: DocWrite,
    /// The content after the apply; `None` once removed.
    pub doc: Option<AutoCommit>,
    /// Local edits the server accepted, up to this counter.
    pub acknowledged: Option<i64>,
    /// The server's heads after an accepted upload, when all are known here.
    pub server_heads: Option<Vec<ChangeHash>>,
    /// The heads after a download, recorded as the server's when nothing
    /// local is pending.
    pub downloaded_heads: Option<Vec<ChangeHash>>,
}

/// A change set the server refused, to keep.
#[derive(Debug, PartialEq)]
pub struct Refused {
    pub doc_id: String,
    pub kind: DocKind,
    pub changes: Vec<u8>,
    pub reason: String,
}

/// What applying a response does, decided before anything is written.
pub struct SyncPlan<'r> {
    /// In the order they are written. An id appears twice only when a
    /// refused document is removed and then downloaded afresh.
    pub docs: Vec<PlannedDoc>,
    pub quarantine: Vec<Refused>,
    /// New reference data, with its templates already parsed.
    pub reference: Option<(&'r ReferenceData, Vec<Template>)>,
    /// The user's new task list, replacing the old one.
    pub tasks: Option<&'r TaskList>,
    /// The cursor to store: the response's, or empty to ask for snapshots.
    pub cursor: &'r str,
    pub changed: StoreChange,
    /// The thumbnails the applied documents' photos refer to, filled in
    /// when they are written.
    pub thumbnails: Vec<String>,
}

pub fn kind_of(s: &str) -> Result<DocKind> {
    DocKind::parse(s).ok_or_else(|| Error::BadResponse(format!("unknown document kind {s:?}")))
}

/// Plans the apply of `response` to the request that carried `sent`, given
/// the local documents it touches.
pub fn plan<'r>(sent: &[PendingUpload], response: &'r SyncResponse, local: Vec<LocalDoc>) -> Result<SyncPlan<'r>> {
    let mut synced_heads = vec![];
    let docs = local
        .into_iter()
        .map(|mut l| {
            let stored = l.doc.get_heads();
            synced_heads.push((l.id.clone(), l.synced_heads));
            PlannedDoc {
                id: l.id,
                kind: l.kind,
                write: DocWrite::Append { stored },
                doc: Some(l.doc),
                acknowledged: None,
                server_heads: None,
                downloaded_heads: None,
            }
        })
        .collect();
    let mut plan = SyncPlan {
        docs,
        quarantine: vec![],
        reference: None,
        tasks: response.tasks.as_ref(),
        cursor: &response.cursor,
        changed: StoreChange::default(),
        thumbnails: vec![],
    };
    for (result, pending) in response.results.iter().zip(sent) {
        let id = &pending.upload.doc_id;
        let Some(p) = live(&mut plan.docs, id) else { continue };
        let doc = p.doc.as_mut().expect("live");
        if !result.missing.is_empty() {
            let what = if result.status == UploadStatus::Accepted { "bad changes" } else { "a bad document" };
            doc.load_incremental(&result.missing).map_err(|e| Error::BadResponse(format!("server sent {what}: {e}")))?;
        }
        let server_heads = heads_from_hex(&result.heads).map_err(Error::BadResponse)?;
        let known = server_heads.iter().all(|h| doc.get_change_by_hash(h).is_some());
        match &result.status {
            UploadStatus::Accepted => {
                p.server_heads = known.then_some(server_heads);
                p.acknowledged = Some(pending.local_version);
            }
            UploadStatus::Rejected { reason } => {
                // Back to the server's copy when it came with the refusal:
                // changes it already holds (an upload whose response was
                // lost) stay, and only what it lacks is quarantined.
                // Otherwise back to the last acknowledged heads.
                let heads = if known && !server_heads.is_empty() {
                    server_heads
                } else {
                    synced_heads.iter().find(|(d, _)| d == id).map(|(_, h)| h.clone()).unwrap_or_default()
                };
                let changes = doc.save_after(&heads);
                plan_refusal(p, heads)?;
                plan.quarantine.push(Refused { doc_id: id.clone(), kind: p.kind, changes, reason: reason.clone() });
            }
        }
        note(&mut plan.changed, id, kind_of(&pending.upload.kind)?);
    }
    let mut resync = false;
    for data in &response.docs {
        let kind = kind_of(&data.kind)?;
        if plan.download(data, kind)? {
            note(&mut plan.changed, &data.doc_id, kind);
        } else {
            resync = true;
        }
    }
    if let Some(reference) = &response.reference {
        let templates = reference.templates.iter().map(|json| Template::from_json(json)).collect::<Result<Vec<_>, _>>()?;
        plan.reference = Some((reference, templates));
    }
    if resync {
        // An empty cursor makes the server start again from snapshots.
        plan.cursor = "";
    }
    Ok(plan)
}

/// Rolls a refused document back to `heads`, or removes it when the server
/// holds nothing of it.
fn plan_refusal(p: &mut PlannedDoc, heads: Vec<ChangeHash>) -> Result<()> {
    let mut doc = p.doc.take().expect("live");
    if heads.is_empty() {
        p.write = DocWrite::Remove;
    } else {
        p.doc = Some(doc.fork_at(&heads)?);
        p.write = DocWrite::Rollback { heads };
    }
    Ok(())
}

/// The planned document `id` that still exists.
fn live<'p>(docs: &'p mut [PlannedDoc], id: &str) -> Option<&'p mut PlannedDoc> {
    docs.iter_mut().rev().find(|p| p.id == id && p.doc.is_some())
}

impl SyncPlan<'_> {
    /// Merges a downloaded document (snapshot or changes) into the local
    /// one. Returns false when the bytes depend on changes this device never
    /// got (pages replayed out of order): they are not kept, and the device
    /// asks the server for a fresh snapshot instead, which always converges.
    fn download(&mut self, data: &DocData, kind: DocKind) -> Result<bool> {
        let bad = |e: automerge::AutomergeError| Error::BadResponse(format!("server sent a bad document {}: {e}", data.doc_id));
        if let Some(p) = live(&mut self.docs, &data.doc_id) {
            if p.kind != kind {
                return Err(Error::BadResponse(format!("server changed the kind of {}", data.doc_id)));
            }
            if let DocWrite::Insert { received } = &mut p.write {
                // More than the first bytes: the snapshot is saved afresh.
                *received = None;
            }
            let doc = p.doc.as_mut().expect("live");
            let before = doc.get_heads();
            doc.load_incremental(&data.bytes).map_err(bad)?;
            if !doc.get_missing_deps(&[]).is_empty() {
                // Drop what is waiting for the missing changes: back to
                // exactly what the document held before these bytes.
                *doc = doc.fork_at(&before)?;
                return Ok(false);
            }
            p.downloaded_heads = Some(doc.get_heads());
        } else {
            let mut doc = AutoCommit::load(&data.bytes).map_err(bad)?;
            if !doc.get_missing_deps(&[]).is_empty() {
                return Ok(false);
            }
            if crate::doc::doc_type(&doc).as_deref() != Some(kind.as_str()) {
                return Err(Error::BadResponse(format!("server sent {} as a {} that is not one", data.doc_id, kind.as_str())));
            }
            self.docs.push(PlannedDoc {
                id: data.doc_id.clone(),
                kind,
                write: DocWrite::Insert { received: Some(data.bytes.clone()) },
                doc: Some(doc),
                acknowledged: None,
                server_heads: None,
                downloaded_heads: None,
            });
        }
        Ok(true)
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::doc::InspectionDoc;
    use crate::inspection::AnswerValue;

    fn local(d: &mut InspectionDoc, synced: Vec<ChangeHash>) -> LocalDoc {
        LocalDoc { id: d.id().into(), kind: DocKind::Inspection, doc: d.automerge().fork(), synced_heads: synced }
    }

    #[test]
    fn an_accepted_upload_takes_what_the_server_adds() {
        let (mut server, mut phone) = shared();
        let id = phone.id().to_string();
        let phone_heads = phone.automerge().get_heads();
        // The server merged the upload with a colleague's answer.
        server.automerge().merge(phone.automerge()).unwrap();
        server.answer(&template(), &identity("insp-1"), "H02", AnswerValue::Pass, None, 3).unwrap();
        let missing = server.automerge().save_after(&phone_heads);
        let server_heads = server.automerge().get_heads();
        let response = SyncResponse {
            results: vec![upload_result(&id, UploadStatus::Accepted, &server_heads, missing)],
            cursor: "c2".into(),
            ..Default::default()
        };
        let plan = plan(&[sent(&id, 3)], &response, vec![local(&mut phone, vec![])]).unwrap();
        let p = &plan.docs[0];
        assert_eq!(p.write, DocWrite::Append { stored: phone_heads });
        assert_eq!((p.acknowledged, p.server_heads.as_ref()), (Some(3), Some(&server_heads)));
        let merged = InspectionDoc::read_from(&id, p.doc.as_ref().unwrap()).unwrap();
        assert!(merged.answers.contains_key("H01") && merged.answers.contains_key("H02"));
        assert_eq!((plan.cursor, &plan.changed.inspections), ("c2", &vec![id]));
        assert!(plan.quarantine.is_empty());
    }

    #[test]
    fn a_refused_upload_rolls_back_to_the_servers_copy_and_keeps_what_it_lacks() {
        let (mut server, mut phone) = shared();
        let id = phone.id().to_string();
        let server_heads = server.automerge().get_heads();
        let response =
            SyncResponse { results: vec![upload_result(&id, refused(), &server_heads, server.automerge().save())], ..Default::default() };
        let mut plan = plan(&[sent(&id, 3)], &response, vec![local(&mut phone, vec![])]).unwrap();
        let p = &mut plan.docs[0];
        assert_eq!(p.write, DocWrite::Rollback { heads: server_heads.clone() });
        assert_eq!(p.doc.as_mut().unwrap().get_heads(), server_heads);
        assert_eq!(p.acknowledged, None);
        // The quarantine holds exactly the phone's answer.
        let q = &plan.quarantine[0];
        assert_eq!((q.doc_id.as_str(), q.reason.as_str()), (id.as_str(), "not allowed"));
        let mut rebuilt = server.automerge().fork();
        rebuilt.load_incremental(&q.changes).unwrap();
        assert_eq!(rebuilt.get_heads(), phone.automerge().get_heads());
    }

    #[test]
    fn a_refused_document_the_server_lacks_is_removed_until_downloaded_again() {
        let (mut server, mut phone) = shared();
        let id = phone.id().to_string();
        let response = SyncResponse {
            results: vec![upload_result(&id, refused(), &[], vec![])],
            docs: vec![DocData { doc_id: id.clone(), kind: "inspection".into(), bytes: server.automerge().save() }],
            ..Default::default()
        };
        let plan = plan(&[sent(&id, 3)], &response, vec![local(&mut phone, vec![])]).unwrap();
        let kept = AutoCommit::load(&plan.quarantine[0].changes).unwrap().get_heads();
        assert_eq!(kept, phone.automerge().get_heads(), "all of it");
        assert_eq!((&plan.docs[0].write, plan.docs[0].doc.is_none()), (&DocWrite::Remove, true));
        assert_eq!(plan.docs[1].write, DocWrite::Insert { received: Some(response.docs[0].bytes.clone()) }, "kept as it came");
        assert_eq!(plan.changed.inspections, vec![id]);
    }

    #[test]
    fn a_new_document_that_arrives_in_two_parts_is_saved_afresh() {
        let mut server = remote_inspection("西湖化工仓库");
        let id = server.id().to_string();
        let first = server.automerge().save();
        let at_first = server.automerge().get_heads();
        server.answer(&template(), &identity("insp-1"), "H02", AnswerValue::Pass, None, 3).unwrap();
        let part = |bytes: Vec<u8>| DocData { doc_id: id.clone(), kind: "inspection".into(), bytes };
        let response = SyncResponse { docs: vec![part(first), part(server.automerge().save_after(&at_first))], ..Default::default() };
        let mut plan = plan(&[], &response, vec![]).unwrap();
        assert_eq!(plan.docs.len(), 1);
        let p = &mut plan.docs[0];
        assert_eq!(p.write, DocWrite::Insert { received: None }, "the first part alone is not the document");
        assert_eq!(p.doc.as_mut().unwrap().get_heads(), server.automerge().get_heads());
    }

    #[test]
    fn bytes_that_depend_on_changes_never_received_are_dropped_and_snapshots_asked_for() {
        let (mut server, _) = shared();
        let id = server.id().to_string();
        let mut here = server.automerge().fork();
        let stored = here.get_heads();
        let t = template();
        server.answer(&t, &identity("insp-1"), "H02", AnswerValue::Pass, None, 3).unwrap();
        let middle = server.automerge().get_heads();
        server.answer(&t, &identity("insp-1"), "H03", AnswerValue::Pass, None, 4).unwrap();
        let last_only = server.automerge().save_after(&middle);
        let response = SyncResponse {
            docs: vec![DocData { doc_id: id.clone(), kind: "inspection".into(), bytes: last_only }],
            cursor: "c5".into(),
            ..Default::default()
        };
        let local = LocalDoc { id: id.clone(), kind: DocKind::Inspection, doc: here.fork(), synced_heads: stored.clone() };
        let mut plan = plan(&[], &response, vec![local]).unwrap();
        assert_eq!(plan.cursor, "", "the next sync starts from snapshots");
        let p = &mut plan.docs[0];
        assert_eq!(p.doc.as_mut().unwrap().get_heads(), stored, "exactly what it held");
        assert_eq!(p.write, DocWrite::Append { stored });
        assert!(p.downloaded_heads.is_none() && plan.changed.is_empty());
    }

    #[test]
    fn a_bad_response_is_refused_whole_before_anything_is_written() {
        let (mut server, mut phone) = shared();
        let id = phone.id().to_string();
        let download = |kind: &str, bytes: Vec<u8>| SyncResponse {
            docs: vec![DocData { doc_id: id.clone(), kind: kind.into(), bytes }],
            ..Default::default()
        };
        let kinds = |r: &SyncResponse, local: Vec<LocalDoc>| plan(&[], r, local).err().map(|e| e.kind());
        let bytes = server.automerge().save();
        assert_eq!(kinds(&download("hazard", bytes.clone()), vec![local(&mut phone, vec![])]), Some(crate::ErrorKind::Network));
        assert_eq!(kinds(&download("rocket", bytes.clone()), vec![]), Some(crate::ErrorKind::Network));
        assert_eq!(kinds(&download("hazard", bytes), vec![]), Some(crate::ErrorKind::Network), "not a hazard");
        assert_eq!(kinds(&download("inspection", b"garbage".to_vec()), vec![]), Some(crate::ErrorKind::Network));
        let reference = ReferenceData { version: "r2".into(), templates: vec!["{\"id\": 1}".into()], ..Default::default() };
        let bad_template = SyncResponse { reference: Some(reference), ..Default::default() };
        assert_eq!(kinds(&bad_template, vec![]), Some(crate::ErrorKind::InvalidInput));
    }
}
