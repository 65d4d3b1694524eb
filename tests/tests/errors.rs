//! Every response of the API that is an error carries the documented CBOR
//! body `{ code, message }` with the stable code of its status — whoever
//! produced it: a handler, an extractor rejecting a query string or a JSON
//! body, or the router answering a wrong method. And authorisation comes
//! before parsing: a non-admin learns nothing about how the admin API would
//! have read a body. This walks every route with bad input.

use redline_device::sync::wire::{self, DocUpload};
use redline_tests::*;
use reqwest::Method;

const HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Sends a request (optionally with a bearer token and a content type) and
/// asserts an error answer with `status` and its code, as CBOR.
async fn expect_error(server: &TestServer, method: Method, path: &str, token: Option<&str>, body: (&str, Vec<u8>), status: u16) {
    let mut request = reqwest::Client::new().request(method.clone(), format!("{}{path}", server.url));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if !body.0.is_empty() {
        request = request.header("content-type", body.0);
    }
    let response = request.body(body.1).send().await.expect("request sent");
    let got = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string());
    let bytes = response.bytes().await.expect("body").to_vec();
    let what = format!("{method} {path}");
    assert_eq!(got, status, "{what}: {:?}", String::from_utf8_lossy(&bytes));
    assert_eq!(content_type.as_deref(), Some(wire::CONTENT_TYPE), "{what}");
    let e = error_body(&bytes);
    assert_eq!(e.code, redline_api::uniform::code_of(reqwest::StatusCode::from_u16(status).unwrap()), "{what}: {}", e.message);
    assert!(!e.message.is_empty(), "{what}");
}

const NONE: (&str, Vec<u8>) = ("", vec![]);

fn json(text: &str) -> (&'static str, Vec<u8>) {
    ("application/json", text.as_bytes().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_errors_in_the_documented_body() {
    let server = TestServer::start(Backend::Sqlite).await.expect("SQLite always starts");
    let inspector = server.device("insp-1").await.token;
    let admin = server.device("admin").await.token;
    let upload = wire::encode(&inspector_request());

    // No token, a wrong token: 401 on every authenticated route.
    let routes: Vec<(Method, String)> = vec![
        (Method::POST, "/v1/sync".into()),
        (Method::GET, "/v1/me".into()),
        (Method::GET, format!("/v1/blobs/{HASH}")),
        (Method::PUT, format!("/v1/blobs/{HASH}?offset=0&total=1")),
        (Method::GET, format!("/v1/blobs/{HASH}/upload")),
        (Method::POST, "/v1/admin/users".into()),
        (Method::POST, "/v1/admin/devices".into()),
        (Method::POST, "/v1/admin/devices/x/revoke".into()),
        (Method::POST, "/v1/admin/sites".into()),
        (Method::POST, "/v1/admin/sites/import".into()),
        (Method::PUT, "/v1/admin/templates".into()),
    ];
    for (method, path) in &routes {
        expect_error(&server, method.clone(), path, None, NONE, 401).await;
        expect_error(&server, method.clone(), path, Some("not-a-token"), NONE, 401).await;
    }

    // Wrong methods and unknown paths.
    expect_error(&server, Method::GET, "/v1/sync", Some(&inspector), NONE, 405).await;
    expect_error(&server, Method::DELETE, &format!("/v1/blobs/{HASH}"), Some(&inspector), NONE, 405).await;
    expect_error(&server, Method::GET, "/v1/admin/users", Some(&admin), NONE, 405).await;
    expect_error(&server, Method::GET, "/v1/nothing-here", Some(&inspector), NONE, 404).await;

    // Bad bodies and parameters.
    expect_error(&server, Method::POST, "/v1/sync", Some(&inspector), ("application/cbor", b"\xff garbage".to_vec()), 400).await;
    for query in ["", "?offset=0", "?total=5", "?offset=-1&total=5", "?offset=x&total=5"] {
        expect_error(&server, Method::PUT, &format!("/v1/blobs/{HASH}{query}"), Some(&inspector), ("", b"x".to_vec()), 400).await;
    }
    expect_error(&server, Method::GET, "/v1/blobs/not-a-hash/upload", Some(&inspector), NONE, 400).await;

    // The admin API checks the role before it reads a body: a non-admin
    // gets 403 for a malformed body exactly as for a good one.
    for (method, path) in &routes[5..] {
        for body in [json("{not json"), json("{\"id\": 5}"), ("", b"id,name\n".to_vec()), NONE] {
            expect_error(&server, method.clone(), path, Some(&inspector), body, 403).await;
        }
    }
    // An admin's malformed JSON is refused in the same body, by status.
    expect_error(&server, Method::POST, "/v1/admin/users", Some(&admin), json("{not json"), 400).await;
    expect_error(&server, Method::POST, "/v1/admin/users", Some(&admin), json("{\"id\": 5}"), 422).await;
    expect_error(&server, Method::POST, "/v1/admin/users", Some(&admin), ("text/plain", b"{}".to_vec()), 415).await;
    expect_error(&server, Method::PUT, "/v1/admin/templates", Some(&admin), ("", b"not a template".to_vec()), 400).await;
    expect_error(&server, Method::POST, "/v1/admin/devices/no-such-device/revoke", Some(&admin), NONE, 404).await;

    // And the server still answers an honest request.
    let raw = Raw::new(&server.url);
    assert_eq!(raw.post_sync(Some(&inspector), upload).await.0, 200);
}

/// A well-formed request with one (empty) upload.
fn inspector_request() -> wire::SyncRequest {
    let upload = DocUpload { doc_id: "d-1".into(), kind: "inspection".into(), changes: vec![], heads: vec![] };
    wire::SyncRequest { protocol: wire::PROTOCOL_VERSION, uploads: vec![upload], ..Default::default() }
}

/// An upload of a kind the server does not know is refused with a reason
/// that says so, not as someone else's change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kind_has_its_own_reason() {
    let server = TestServer::start(Backend::Sqlite).await.expect("SQLite always starts");
    let d = server.device("insp-1").await;
    let mut doc = automerge::AutoCommit::new();
    let changes = {
        use automerge::transaction::Transactable;
        doc.put(automerge::ROOT, "type", "checklist").unwrap();
        doc.save_after(&[])
    };
    let up = DocUpload { doc_id: uuid::Uuid::new_v4().to_string(), kind: "checklist".into(), changes, heads: vec![] };
    let response = Raw::new(&server.url).sync(&d.token, &d.request_with(vec![up])).await;
    match &response.results[0].status {
        wire::UploadStatus::Rejected { reason } => assert!(reason.contains("unknown document kind \"checklist\""), "{reason}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
