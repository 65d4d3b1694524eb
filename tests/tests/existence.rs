//! A device learns nothing about what lies outside its scope: for a
//! document or a photo that exists in another community, every answer —
//! status and body, byte for byte — is the one it gets for an id or a hash
//! that never existed. Asked with one device at one cursor, the two
//! responses may differ only in the id the device itself sent.

use automerge::{AutoCommit, transaction::Transactable};
use redline_device::blob::BlobHash;
use redline_device::doc::InspectionDoc;
use redline_device::inspection::{InspectionKind, PhotoOwner};
use redline_device::store::PhotoMeta;
use redline_device::sync::wire::{self, DocUpload, SyncResponse, UploadStatus, heads_to_hex};
use redline_tests::{Device, Raw, TestServer, on_both_backends};
use reqwest::Method;

on_both_backends!(uploads_for_hidden_and_missing_documents_answer_alike);
on_both_backends!(blob_answers_for_hidden_and_missing_photos_are_alike);

/// `bytes` with every occurrence of `from` replaced by `to` (same length).
fn replaced(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let (from, to) = (from.as_bytes(), to.as_bytes());
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The raw sync exchange of one upload of `changes` as document `id`.
async fn exchange(server: &TestServer, device: &Device, id: &str, changes: &[u8], heads: &[String]) -> (u16, Vec<u8>) {
    let up = DocUpload { doc_id: id.into(), kind: "inspection".into(), changes: changes.to_vec(), heads: heads.to_vec() };
    Raw::new(&server.url).post_sync(Some(&device.token), wire::encode(&device.request_with(vec![up]))).await
}

async fn uploads_for_hidden_and_missing_documents_answer_alike(server: TestServer) {
    let insp = server.device("insp-1").await;
    let asst = server.device("asst-a").await;
    insp.sync().await;
    let hidden = insp.store.start_inspection("site-b1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
    insp.sync().await;
    assert!(server.doc(&hidden).await.is_some());
    asst.sync().await;

    let mut skeleton = InspectionDoc::skeleton("").into_automerge();
    let skeleton_heads = heads_to_hex(&skeleton.get_heads());
    let skeleton_bytes = skeleton.save_after(&[]);
    // The assistant's own change on the bare skeleton (no header).
    let mut headless = skeleton.fork();
    headless.set_actor(asst.actor());
    let answers = automerge::ReadDoc::get(&headless, automerge::ROOT, "answers").unwrap().unwrap().1;
    headless.put(&answers, "H01", "{}").unwrap();
    headless.commit();
    // An own change that builds on history the device never had.
    let mut elsewhere = AutoCommit::new();
    elsewhere.put(automerge::ROOT, "x", 1).unwrap();
    elsewhere.commit();
    let mut orphan = elsewhere.fork();
    orphan.set_actor(asst.actor());
    orphan.put(automerge::ROOT, "y", 2).unwrap();
    orphan.commit();
    let orphan_base = orphan.get_changes(&[])[0].hash();

    let cases: [(&str, Vec<u8>, Vec<String>); 4] = [
        ("empty", vec![], vec![]),
        ("skeleton only", skeleton_bytes, skeleton_heads),
        ("own change without a header", headless.save_after(&[]), heads_to_hex(&headless.get_heads())),
        ("own change on unknown history", orphan.save_after(&[orphan_base]), heads_to_hex(&orphan.get_heads())),
    ];
    for (case, changes, heads) in cases {
        let never = uuid::Uuid::new_v4().to_string();
        let to_hidden = exchange(&server, &asst, &hidden, &changes, &heads).await;
        let to_never = exchange(&server, &asst, &never, &changes, &heads).await;
        assert_eq!(to_never.0, 200, "{case}");
        assert_eq!((to_hidden.0, replaced(&to_hidden.1, &hidden, &never)), to_never, "{case}: the answers differ");
        let response: SyncResponse = wire::decode(&to_never.1).unwrap();
        let result = &response.results[0];
        assert!(result.heads.is_empty() && result.missing.is_empty(), "{case}: {result:?}");
        if case == "empty" || case == "skeleton only" || case == "own change on unknown history" {
            // Nothing here could create a document: it names one the
            // device may not see.
            assert_eq!(result.status, UploadStatus::Rejected { reason: "not found".into() }, "{case}");
        } else {
            assert!(matches!(&result.status, UploadStatus::Rejected { reason } if reason.contains("expected shape")), "{case}: {result:?}");
        }
        assert!(server.doc(&never).await.is_none(), "{case}: nothing stored");
    }
}

async fn blob_answers_for_hidden_and_missing_photos_are_alike(server: TestServer) {
    let insp = server.device("insp-1").await;
    let asst = server.device("asst-a").await;
    insp.sync().await;
    let in_b = insp.store.start_inspection("site-b1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let bytes = b"a photo of community b".to_vec();
    let hidden = insp.store.attach_photo(&in_b.id, PhotoOwner::Answer("H01".into()), &bytes, PhotoMeta::default()).unwrap().hash;
    insp.sync().await;
    assert!(server.state.blobs.exists(&BlobHash::parse(&hidden).unwrap()).await);
    let never = BlobHash::of(b"never taken").to_string();
    let raw = Raw::new(&server.url);
    let total = bytes.len();

    // Download, upload status, a one-byte "whole photo", one byte of the
    // real length, and the status after it.
    let requests: [(&str, Method, String, Vec<u8>, u16); 5] = [
        ("download", Method::GET, "/v1/blobs/{h}".into(), vec![], 404),
        ("status", Method::GET, "/v1/blobs/{h}/upload".into(), vec![], 200),
        ("one byte as the whole", Method::PUT, "/v1/blobs/{h}?offset=0&total=1".into(), bytes[..1].to_vec(), 400),
        ("one byte of the photo", Method::PUT, format!("/v1/blobs/{{h}}?offset=0&total={total}"), bytes[..1].to_vec(), 200),
        ("status after a byte", Method::GET, "/v1/blobs/{h}/upload".into(), vec![], 200),
    ];
    for (case, method, path, body, code) in requests {
        let to_hidden = raw.send(method.clone(), &path.replace("{h}", &hidden), &asst.token, body.clone()).await;
        let to_never = raw.send(method, &path.replace("{h}", &never), &asst.token, body).await;
        assert_eq!(to_never.0, code, "{case}: {:?}", String::from_utf8_lossy(&to_never.1));
        assert_eq!(to_hidden, to_never, "{case}: the answers differ");
    }
    assert_eq!(server.state.blobs.get(&BlobHash::parse(&hidden).unwrap()).await.unwrap(), Some(bytes), "never overwritten");
}
