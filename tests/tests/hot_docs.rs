//! A server keeps the documents it merged last loaded for their next
//! upload (`server/api/src/hot_docs.rs`). Two servers on one database (two
//! processes, as production runs them) each keep their own: when one
//! commits a document the other holds loaded, the other's copy is older
//! than the database, and merging onto it would commit a snapshot without
//! the first server's changes. Both backends; PostgreSQL skipped with a
//! message when unreachable, except under CI.

use redline_device::doc::InspectionDoc;
use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_tests::*;
use std::sync::Arc;

/// The items answered in the server's stored copy of inspection `id`.
async fn answered(server: &TestServer, id: &str) -> Vec<String> {
    let doc = server.doc(id).await.expect("the server holds it");
    InspectionDoc::read_from(id, &doc).expect("readable").answers.keys().cloned().collect()
}

async fn a_copy_kept_loaded_is_not_merged_onto_once_another_server_committed(one: TestServer) {
    // A second server on the same database, as a second process would be.
    let two = TestServer::serve(one.state.storage.clone(), Arc::new(tempfile::tempdir().unwrap())).await;
    let a = one.device("insp-1").await;
    let b = two.device("insp-2").await;
    a.sync().await;
    b.sync().await;

    let id = a.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap().id;
    a.store.answer(&id, "H01", AnswerValue::Pass, None).unwrap();
    a.sync().await; // merged by server one, which keeps it loaded
    b.sync().await;
    b.store.answer(&id, "H02", AnswerValue::Pass, None).unwrap();
    b.sync().await; // committed by server two: server one's copy is now old
    a.store.answer(&id, "H03", AnswerValue::Pass, None).unwrap();
    let report = a.sync().await;
    assert!(report.rejected.is_empty(), "{report:?}");

    assert_eq!(answered(&one, &id).await, ["H01", "H02", "H03"], "the stored copy keeps server two's answer");
    b.sync().await;
    a.sync().await;
    for d in [&a, &b] {
        assert_eq!(d.store.inspection(&id).unwrap().answers.len(), 3, "both phones hold all three answers");
    }
    // And the copy server one kept after its own commit serves the next
    // upload: the result is the same as merging onto the stored copy.
    a.store.answer(&id, "H04", AnswerValue::Pass, None).unwrap();
    a.sync().await;
    assert_eq!(answered(&two, &id).await, ["H01", "H02", "H03", "H04"]);
    assert!(!one.state.hot_docs.is_empty(), "server one kept the document loaded");
}

on_both_backends!(a_copy_kept_loaded_is_not_merged_onto_once_another_server_committed);
