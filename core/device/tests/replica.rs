//! The device side of sync without a network: documents that arrive in
//! pieces, pages applied twice or out of order, and what lists show meanwhile.

mod common;

use common::*;
use redline_device::ErrorKind;
use redline_device::doc::InspectionDoc;
use redline_device::inspection::{AnswerValue, InspectionHeader, InspectionKind};
use redline_device::people::{Person, Role};
use redline_device::store::InspectionQuery;
use redline_device::sync::wire::{DocData, SyncResponse};

fn page(id: &str, bytes: Vec<u8>, cursor: &str) -> SyncResponse {
    SyncResponse {
        docs: vec![DocData { doc_id: id.into(), kind: "inspection".into(), bytes }],
        cursor: cursor.into(),
        ..Default::default()
    }
}

#[test]
fn a_document_split_across_pages_appears_once_complete() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "phone.db", identity("insp-2", Role::Inspector));
    // Another inspector's inspection, as the server would feed its changes.
    let author = identity("insp-1", Role::Inspector);
    let t = store.template("hazardous_chemicals", None).unwrap();
    let header = InspectionHeader {
        task_id: None,
        site_id: "site-1".into(),
        site_name: "西湖化工仓库".into(),
        kind: InspectionKind::RoutinePatrol,
        template_id: t.id.clone(),
        template_version: t.version,
        created_by: Person { user_id: "insp-1".into(), name: "insp-1 名".into() },
        started_at: redline_device::time::now_millis(),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = InspectionDoc::create(&id, &header, &author).unwrap();
    doc.answer(&t, &author, "H01", AnswerValue::Fail, Some("证书过期".into()), 1).unwrap();
    let changes: Vec<Vec<u8>> = doc.automerge().get_changes(&[]).iter().map(|c| c.raw_bytes().to_vec()).collect();
    assert_eq!(changes.len(), 3, "skeleton, creation, answer");

    // Page 1 carries only the skeleton: stored, but nothing to show yet.
    store.apply_sync_response(&[], &page(&id, changes[0].clone(), "c1")).unwrap();
    assert!(store.inspections(&InspectionQuery::default()).unwrap().is_empty());
    let e = store.inspection(&id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");

    // Page 3 before page 2 (reordered): it depends on a change this device
    // lacks, so it is not kept and the device asks for a fresh snapshot.
    store.apply_sync_response(&[], &page(&id, changes[2].clone(), "c3")).unwrap();
    assert!(store.inspections(&InspectionQuery::default()).unwrap().is_empty());
    assert_eq!(store.sync_position().unwrap().cursor, "", "next sync starts from snapshots");
    // Page 2 twice (duplicated), then the snapshot the server answers with.
    store.apply_sync_response(&[], &page(&id, changes[1].clone(), "c2")).unwrap();
    store.apply_sync_response(&[], &page(&id, changes[1].clone(), "c2")).unwrap();
    assert_eq!(store.inspections(&InspectionQuery::default()).unwrap()[0].failed, 0, "visible once the header is in");
    store.apply_sync_response(&[], &page(&id, doc.automerge().save(), "s1")).unwrap();
    let listed = store.inspections(&InspectionQuery::default()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].failed, 1);
    assert_eq!(store.inspection(&id).unwrap(), doc.read().unwrap());
    assert_eq!(store.sync_position().unwrap().cursor, "s1");
    // Nothing the server sent is queued for upload.
    assert!(store.pending_uploads(10).unwrap().is_empty());
}
