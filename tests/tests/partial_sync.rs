//! A sync that fails on a later page keeps its report. The phone's upload
//! is accepted in the first exchange and the first page of the feed comes
//! down; then the gateway in front of the server fails every further sync
//! request (503). The sync returns the report of what happened — the
//! accepted upload, the document received — with `interrupted` saying why
//! it stopped, rather than an error that would hide an accepted upload the
//! store has already marked synced. The next sync, with the gateway well,
//! brings the rest.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use redline_api::state::Limits;
use redline_device::ErrorKind;
use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_domain::sync::wire::{self, ErrorBody};
use redline_tests::{Backend, Options, TestServer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A gateway that forwards to `upstream` and answers 503 to every sync
/// request after the first `allowed`.
struct Gateway {
    upstream: String,
    allowed: usize,
    syncs: AtomicUsize,
    http: reqwest::Client,
}

async fn forward(State(g): State<Arc<Gateway>>, req: Request) -> Response {
    if req.uri().path() == "/v1/sync" && g.syncs.fetch_add(1, Ordering::SeqCst) >= g.allowed {
        let body = wire::encode(&ErrorBody { code: "internal".into(), message: "the gateway lost the server".into() });
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, wire::CONTENT_TYPE)], body).into_response();
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let url = format!("{}{}", g.upstream, parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut out = g.http.request(parts.method.clone(), url).body(bytes.to_vec());
    for name in [header::AUTHORIZATION, header::CONTENT_TYPE, header::CONTENT_ENCODING] {
        if let Some(v) = parts.headers.get(&name) {
            out = out.header(name.as_str(), v.to_str().unwrap());
        }
    }
    let answer = out.send().await.unwrap();
    let status = answer.status().as_u16();
    let content_type = answer.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
    let body = answer.bytes().await.unwrap();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    if let Some(t) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, t.parse().unwrap());
    }
    response
}

async fn gateway(upstream: &str, allowed: usize) -> String {
    let g = Arc::new(Gateway { upstream: upstream.to_string(), allowed, syncs: AtomicUsize::new(0), http: reqwest::Client::new() });
    let router = axum::Router::new().fallback(forward).with_state(g);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_fails_on_a_later_page_keeps_what_the_first_did() {
    // Feed pages of the smallest size (64 KB), so 250 inspections
    // take several exchanges.
    let limits = Limits { page_bytes: 1, ..Options::default().limits };
    let server = TestServer::start_with(Backend::Sqlite, Options { limits, ..Options::default() }).await.unwrap();
    let colleague = server.device("insp-2").await;
    colleague.sync().await;
    let mut theirs = vec![];
    for _ in 0..250 {
        let id = colleague.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
        colleague.store.answer(&id, "H01", AnswerValue::Pass, None).unwrap();
        theirs.push(id);
    }
    colleague.sync().await;

    let mut phone = server.device("insp-1").await;
    phone.store.put_sites(&redline_tests::sites()).unwrap();
    let mine = phone.store.start_inspection("site-a2", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
    phone.store.answer(&mine, "H01", AnswerValue::Fail, Some("消防通道堵塞".into())).unwrap();

    let upstream = server.url.clone();
    phone.use_server(&gateway(&upstream, 1).await);
    let report = phone.sync().await;
    let stopped = report.interrupted.clone().expect("the sync says it stopped part-way");
    assert_eq!((stopped.kind, stopped.retryable), (ErrorKind::Network, true), "{stopped:?}");
    assert_eq!(report.accepted, vec![mine.clone()], "the accepted upload is reported");
    assert_eq!(report.progress.round_trips, 1, "one exchange answered and applied before the failure");
    assert!(!report.changed.is_empty(), "the first page came down and is reported");
    assert!(phone.store.pending_uploads(10).unwrap().is_empty(), "the accepted upload is marked synced, as reported");
    assert!(server.doc(&mine).await.is_some());

    // The gateway is well again: the next sync brings the rest.
    phone.use_server(&upstream);
    let report = phone.sync().await;
    assert_eq!(report.interrupted, None);
    for id in &theirs {
        phone.store.inspection(id).unwrap_or_else(|e| panic!("{id} after the second sync: {e}"));
    }
}
