//! The sync protocol's edges, over raw HTTP against the real server: what a
//! broken, outdated, oversized, unauthenticated or over-eager client gets
//! back. Every error must be a CBOR `ErrorBody` with a stable code (that is
//! what devices decode and act on), bad bytes in one upload must be refused
//! alone while the rest of the request goes through, a photo must never be
//! stored under a hash its bytes do not have — and after each of these the
//! server must still serve an ordinary phone.

use automerge::{AutoCommit, ROOT, transaction::Transactable};
use redline_api::state::Limits;
use redline_device::ErrorKind;
use redline_device::blob::BlobHash;
use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_device::sync::wire::{self, BlobUploadStatus, DocUpload, PROTOCOL_VERSION, SyncRequest, UploadStatus};
use redline_tests::*;
use reqwest::Method;

async fn start(options: Options) -> TestServer {
    TestServer::start_with(Backend::Sqlite, options).await.expect("SQLite always starts")
}

/// An ordinary phone still syncs through `server`, and another receives it.
async fn still_serves(server: &TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("sup-1").await;
    a.sync().await;
    let i = a.store.start_inspection("site-a2", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    a.store.answer(&i.id, "H01", AnswerValue::Pass, None).unwrap();
    assert_eq!(a.sync().await.accepted, vec![i.id.clone()]);
    b.sync().await;
    assert_eq!(b.store.inspection(&i.id).unwrap(), a.store.inspection(&i.id).unwrap());
}

/// Asserts an error response: status, CBOR body, code; returns the message.
fn refused(got: (u16, Vec<u8>), status: u16, code: &str) -> String {
    let body = error_body(&got.1);
    assert_eq!((got.0, body.code.as_str()), (status, code), "{}", body.message);
    assert!(!body.message.is_empty());
    body.message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_versions_and_malformed_bodies_are_bad_requests() {
    let server = start(Options::default()).await;
    let d = server.device("insp-1").await;
    let raw = Raw::new(&server.url);
    for version in [0, PROTOCOL_VERSION + 1] {
        let request = SyncRequest { protocol: version, ..Default::default() };
        let message = refused(raw.post_sync(Some(&d.token), wire::encode(&request)).await, 400, "unsupported_protocol");
        assert!(message.contains(&format!("version {version}")), "{message}");
    }
    // Not CBOR at all; CBOR of the wrong shape; nothing.
    for body in [b"\xff\x00garbage".to_vec(), wire::encode(&vec!["not", "a", "request"]), vec![]] {
        refused(raw.post_sync(Some(&d.token), body).await, 400, "bad_request");
    }
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused_with_a_reason() {
    let limits = Limits { sync_body: 8 << 10, docs_per_request: 3, ..Options::default().limits };
    let server = start(Options { limits, ..Options::default() }).await;
    let d = server.device("insp-1").await;
    let raw = Raw::new(&server.url);
    let message = refused(raw.post_sync(Some(&d.token), vec![0xa0; 12 << 10]).await, 413, "payload_too_large");
    assert!(message.contains("8192"), "the reason names the limit: {message}");
    let upload = |n: usize| DocUpload { doc_id: format!("doc-{n}"), kind: "inspection".into(), changes: vec![], heads: vec![] };
    let request = d.request_with((0..4).map(upload).collect());
    let message = refused(raw.post_sync(Some(&d.token), wire::encode(&request)).await, 413, "payload_too_large");
    assert!(message.contains("at most 3 documents"), "{message}");

    // The phone's own client reports the server's reason, not a bare status.
    d.sync().await;
    let i = d.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    for item in ["H01", "H02", "H03"] {
        d.store.answer(&i.id, item, AnswerValue::Pass, Some("现场情况说明".repeat(300))).unwrap();
    }
    let err = d.client.sync(&d.store, &Default::default(), None).await.unwrap_err();
    // Too large is a fault of what was sent, not a permission refusal.
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(!err.is_retryable() && err.to_string().contains("8192"), "{err}");
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_uploads_are_refused_one_by_one() {
    let limits = Limits { changes_per_doc: 40, ..Options::default().limits };
    let server = start(Options { limits, ..Options::default() }).await;
    let d = server.device("insp-1").await;
    d.sync().await;
    let first = d.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let last = d.store.start_inspection("site-a2", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let (_, pending) = d.request();
    let good = |id: &str| pending.iter().find(|p| p.upload.doc_id == id).unwrap().upload.clone();

    let bad = |changes: Vec<u8>| DocUpload { doc_id: uuid::Uuid::new_v4().to_string(), kind: "inspection".into(), changes, heads: vec![] };
    let valid = good(&first.id).changes;
    let truncated = valid[..valid.len() - 7].to_vec();
    let document = d.doc(&first.id).save();
    let mut huge = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1];
    huge.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]);
    let mut many = AutoCommit::new();
    for n in 0..41 {
        many.put(ROOT, "n", n).unwrap();
        many.commit();
    }
    let mut bad_heads = good(&first.id);
    bad_heads.heads = vec!["zz".into()];
    let uploads = vec![
        good(&first.id),
        bad(truncated),
        bad(b"definitely not automerge".to_vec()),
        bad(document),
        bad(huge),
        bad(many.save_after(&[])),
        bad_heads,
        good(&last.id),
    ];
    let ids: Vec<String> = uploads.iter().map(|u| u.doc_id.clone()).collect();
    let response = Raw::new(&server.url).sync(&d.token, &d.request_with(uploads)).await;
    let reasons: Vec<String> = response
        .results
        .iter()
        .map(|r| match &r.status {
            UploadStatus::Accepted => "accepted".into(),
            UploadStatus::Rejected { reason } => reason.clone(),
        })
        .collect();
    let expected = [
        "accepted",
        "is truncated",
        "does not start with the automerge magic",
        "has type 0; only plain change chunks are accepted",
        "chunk at byte 0 is truncated",
        "too many changes in one upload (limit 40)",
        "\"zz\" is not a change hash",
        "accepted",
    ];
    assert_eq!(reasons.len(), expected.len());
    for (got, want) in reasons.iter().zip(expected) {
        assert!(got.contains(want), "{got:?} should say {want:?}");
    }
    for id in &ids[1..6] {
        assert!(server.doc(id).await.is_none(), "nothing stored for a refused upload");
    }
    assert!(server.doc(&first.id).await.is_some() && server.doc(&last.id).await.is_some());
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_requests_are_refused() {
    let server = start(Options::default()).await;
    let d = server.device("insp-1").await;
    let raw = Raw::new(&server.url);
    let empty = wire::encode(&d.request_with(vec![]));
    refused(raw.post_sync(None, empty.clone()).await, 401, "unauthorized");
    refused(raw.post_sync(Some(&"0".repeat(64)), empty.clone()).await, 401, "unauthorized");
    let blob = format!("/v1/blobs/{}/upload", "a".repeat(64));
    refused(raw.send(Method::GET, &blob, "not-a-token", vec![]).await, 401, "unauthorized");
    assert_eq!(raw.post_sync(Some(&d.token), empty.clone()).await.0, 200);

    // A revoked token is told so (only its holder can ask).
    assert!(server.state.storage.revoke_device(&d.device_id()).await.unwrap());
    refused(raw.post_sync(Some(&d.token), empty).await, 403, "revoked");
    refused(raw.send(Method::GET, &blob, &d.token, vec![]).await, 403, "revoked");
    let err = d.client.sync(&d.store, &Default::default(), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAllowed, "{err}");
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_over_its_rate_gets_429() {
    // A burst of three and practically no refill: exact counts, no timing.
    let server = start(Options { rate: (0.0001, 3.0), ..Options::default() }).await;
    let greedy = server.device("insp-1").await;
    let raw = Raw::new(&server.url);
    let empty = wire::encode(&greedy.request_with(vec![]));
    for _ in 0..3 {
        assert_eq!(raw.post_sync(Some(&greedy.token), empty.clone()).await.0, 200);
    }
    refused(raw.post_sync(Some(&greedy.token), empty).await, 429, "rate_limited");
    // The phone's client backs off and finally reports a retryable failure.
    let err = greedy.client.sync(&greedy.store, &Default::default(), None).await.unwrap_err();
    assert!(err.kind() == ErrorKind::Network && err.is_retryable(), "{err}");
    // Other devices have their own allowance.
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_must_match_its_hash() {
    let limits = Limits { blob_chunk: 4 << 10, blob_size: 1 << 20, ..Options::default().limits };
    let server = start(Options { limits, ..Options::default() }).await;
    let d = server.device("insp-1").await;
    let raw = Raw::new(&server.url);
    let photo = b"the real photo".to_vec();
    let hash = BlobHash::of(&photo).to_string();
    let put = |offset: usize, total: usize| format!("/v1/blobs/{hash}?offset={offset}&total={total}");
    let status = |got: (u16, Vec<u8>)| {
        assert_eq!(got.0, 200);
        wire::decode::<BlobUploadStatus>(&got.1).unwrap()
    };

    // Other bytes under the photo's hash: refused, discarded, not stored.
    let forged = b"something else!".to_vec();
    let message = refused(raw.send(Method::PUT, &put(0, forged.len()), &d.token, forged).await, 400, "bad_request");
    assert!(message.contains("do not match their hash"), "{message}");
    let upload_status = format!("/v1/blobs/{hash}/upload");
    assert_eq!(status(raw.send(Method::GET, &upload_status, &d.token, vec![]).await), BlobUploadStatus { received: 0, complete: false });
    assert!(!server.state.blobs.exists(&BlobHash::parse(&hash).unwrap()).await);
    refused(raw.send(Method::GET, &format!("/v1/blobs/{hash}"), &d.token, vec![]).await, 404, "not_found");

    // Chunks past the declared total, totals over the limit, chunks over the
    // chunk limit and names that are not hashes are refused too.
    refused(raw.send(Method::PUT, &put(0, 4), &d.token, photo.clone()).await, 400, "bad_request");
    refused(raw.send(Method::PUT, &put(0, 2 << 20), &d.token, photo.clone()).await, 413, "payload_too_large");
    refused(raw.send(Method::PUT, &put(0, 1 << 20), &d.token, vec![7; 6 << 10]).await, 413, "payload_too_large");
    refused(raw.send(Method::PUT, "/v1/blobs/not-a-hash?offset=0&total=3", &d.token, b"abc".to_vec()).await, 400, "bad_request");
    assert!(!server.state.blobs.exists(&BlobHash::parse(&hash).unwrap()).await);

    // The right bytes are then taken whole.
    let done = status(raw.send(Method::PUT, &put(0, photo.len()), &d.token, photo.clone()).await);
    assert_eq!(done, BlobUploadStatus { received: photo.len() as u64, complete: true });
    assert_eq!(server.state.blobs.get(&BlobHash::parse(&hash).unwrap()).await.unwrap(), Some(photo));
    still_serves(&server).await;
}

/// A server that keeps answering 409 (the document too busy to merge) makes
/// the client retry and then report `Conflict`: others keep changing what
/// this device edits, so the app may try again later. Served by a stand-in
/// that answers every request this way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_busy_on_every_retry_is_a_conflict() {
    let server = start(Options::default()).await;
    let mut d = server.device("insp-1").await;
    let busy = axum::Router::new().fallback(|| async {
        let body = wire::encode(&wire::ErrorBody {
            code: "conflict".into(),
            message: "document x is being written by many devices; retry".into(),
        });
        (axum::http::StatusCode::CONFLICT, [(axum::http::header::CONTENT_TYPE, wire::CONTENT_TYPE)], body)
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, busy).await });
    d.use_server(&url);
    let err = d.client.sync(&d.store, &Default::default(), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(err.to_string().contains("being written by many devices"), "{err}");
}
