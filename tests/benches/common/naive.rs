//! The naive whole-document baseline the sync benchmarks compare against:
//! a minimal server holding saved documents by id (list, GET, and PUT that
//! merges), and a client that uploads every local document whole and
//! downloads every server document whole on every sync, storing what it
//! gets through the same store code as the real client.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::get;
use redline_tests::Device;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

type NaiveDocs = Arc<Mutex<HashMap<String, Vec<u8>>>>;

async fn naive_get(State(docs): State<NaiveDocs>, Path(id): Path<String>) -> Vec<u8> {
    docs.lock().unwrap().get(&id).cloned().unwrap_or_default()
}

async fn naive_put(State(docs): State<NaiveDocs>, Path(id): Path<String>, body: Bytes) {
    let mut docs = docs.lock().unwrap();
    let merged = match docs.get(&id) {
        Some(old) => {
            let mut a = automerge::AutoCommit::load(old).unwrap();
            let mut b = automerge::AutoCommit::load(&body).unwrap();
            a.merge(&mut b).unwrap();
            a.save()
        }
        None => body.to_vec(),
    };
    docs.insert(id, merged);
}

async fn naive_list(State(docs): State<NaiveDocs>) -> String {
    docs.lock().unwrap().keys().cloned().collect::<Vec<_>>().join("\n")
}

/// The naive server's routes, holding nothing yet.
pub fn router() -> Router {
    Router::new()
        .route("/docs", get(naive_list))
        .route("/docs/{id}", get(naive_get).put(naive_put))
        .layer(axum::extract::DefaultBodyLimit::max(64 << 20))
        .with_state(NaiveDocs::default())
}

/// What one naive sync cost.
pub struct NaiveRun {
    pub round_trips: u64,
    pub bytes: u64,
    pub secs: f64,
}

/// One naive sync: list, upload every local document whole, download every
/// server document whole and store it on the device (the same local work
/// ours does, so the times compare).
pub async fn sync(http: &reqwest::Client, base: &str, local: &[(String, Vec<u8>)], device: Option<&Device>) -> NaiveRun {
    let start = Instant::now();
    let (mut trips, mut bytes) = (0u64, 0u64);
    for (id, doc) in local {
        http.put(format!("{base}/docs/{id}")).body(doc.clone()).send().await.unwrap();
        trips += 1;
        bytes += doc.len() as u64;
    }
    let list = http.get(format!("{base}/docs")).send().await.unwrap().text().await.unwrap();
    trips += 1;
    bytes += list.len() as u64;
    let mut docs = vec![];
    for id in list.lines() {
        let body = http.get(format!("{base}/docs/{id}")).send().await.unwrap().bytes().await.unwrap();
        trips += 1;
        bytes += body.len() as u64;
        docs.push(redline_device::sync::wire::DocData { doc_id: id.to_string(), kind: "inspection".into(), bytes: body.to_vec() });
    }
    if let Some(d) = device {
        let response = redline_device::sync::wire::SyncResponse { docs, ..Default::default() };
        d.store.apply_sync_response(&[], &response).unwrap();
    }
    NaiveRun { round_trips: trips, bytes, secs: start.elapsed().as_secs_f64() }
}
