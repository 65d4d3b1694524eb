//! Sync benchmarks over loopback, each side by side with a naive baseline
//! in the same run:
//!
//! 1. first sync of 1,000 inspections to a new device: round trips, bytes
//!    on the wire against the sum of the documents' saved sizes, wall time;
//! 2. incremental sync when 1 of 1,000 documents changed;
//! 3. the naive baseline for both: every document uploaded and downloaded
//!    whole on every sync (a minimal whole-document server, merging on PUT);
//! 4. 200 devices syncing at once against one server, on SQLite and on
//!    PostgreSQL: errors, throughput, p50/p99 latency, and convergence;
//! 5. uploading 100 photos: time, and bytes on the wire against the files.
//!
//! `cargo bench -p redline-tests --bench sync` (PostgreSQL at
//! 127.0.0.1:5432 for the PostgreSQL row; skipped with a message without it).

use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_device::store::InspectionQuery;
use redline_tests::{Backend, TestServer};
use std::sync::Arc;
use std::time::Instant;

#[path = "common/naive.rs"]
mod naive;
#[path = "common/workload.rs"]
mod workload;
use workload::fill;

const DOCS: usize = 1000;

fn kb(b: u64) -> String {
    format!("{:.1} KB", b as f64 / 1024.0)
}

/// The server as deployed: production limits (4 MB pages), not the test
/// harness's small pages.
async fn production_server(backend: Backend) -> Option<TestServer> {
    // Production limits, but for the bound on connections per address: the
    // devices here all come from 127.0.0.1, where real phones have their
    // own addresses (or share a NAT in far smaller numbers).
    let limits = redline_api::state::Limits { conns_per_ip: 0, ..redline_api::state::Limits::default() };
    let options = redline_tests::Options { limits, rate: (1000.0, 1000.0), ..Default::default() };
    TestServer::start_with(backend, options).await
}

async fn first_and_incremental() {
    let server = production_server(Backend::Sqlite).await.unwrap();
    let a = server.device("insp-1").await;
    a.sync().await;
    let started = Instant::now();
    let ids: Vec<String> = (0..DOCS).map(|n| fill(&a, n)).collect();
    eprintln!("  built {DOCS} inspections in {:.0} s", started.elapsed().as_secs_f64());
    let up = a.sync().await;
    let saved: u64 = {
        let mut total = 0;
        for id in &ids {
            total += server.state.storage.document(id).await.unwrap().unwrap().snapshot.len() as u64;
        }
        total
    };

    let b = server.device("insp-2").await;
    let start = Instant::now();
    let first = b.sync().await;
    let first_secs = start.elapsed().as_secs_f64();
    assert_eq!(b.store.inspections(&InspectionQuery { limit: Some(5000), ..Default::default() }).unwrap().len(), DOCS);

    a.store.answer(&ids[500], "H01", AnswerValue::Fail, Some("复核：证书已过期".into())).unwrap();
    let a_up = a.sync().await;
    let start = Instant::now();
    let inc = b.sync().await;
    let inc_secs = start.elapsed().as_secs_f64();
    assert_eq!(b.store.inspection(&ids[500]).unwrap().answers["H01"].value, AnswerValue::Fail);

    // The naive baseline on the same documents.
    let app = naive::router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::new();
    let whole = |id: &String| {
        let stored = futures_lite(server.state.storage.document(id));
        (id.clone(), stored.unwrap().unwrap().snapshot)
    };
    let a_docs: Vec<(String, Vec<u8>)> = ids.iter().map(whole).collect();
    let naive_b = server.device("insp-2").await;
    naive::sync(&http, &base, &a_docs, None).await; // device A publishes
    let naive_first = naive::sync(&http, &base, &[], Some(&naive_b)).await; // device B, new
    let changed = vec![a_docs[500].clone()];
    naive::sync(&http, &base, &changed, None).await;
    let naive_inc = naive::sync(&http, &base, &[], Some(&naive_b)).await; // B again: it cannot know what changed

    let p = &first.progress;
    println!("first sync of {DOCS} inspections to a new device (loopback, SQLite server)");
    println!("  sum of the documents' saved sizes: {}  (median document {} bytes)", kb(saved), median_size(&a_docs));
    println!(
        "  ours : {} round trips, {} on the wire ({} down), {:.2}x the saved sizes, {:.2} s",
        p.round_trips,
        kb(p.bytes_up + p.bytes_down),
        kb(p.bytes_down),
        (p.bytes_up + p.bytes_down) as f64 / saved as f64,
        first_secs
    );
    println!(
        "  naive: {} round trips, {}, {:.2}x, {:.2} s",
        naive_first.round_trips,
        kb(naive_first.bytes),
        naive_first.bytes as f64 / saved as f64,
        naive_first.secs
    );
    println!(
        "  ratio ours/naive: bytes {:.2}, time {:.2}",
        (p.bytes_up + p.bytes_down) as f64 / naive_first.bytes as f64,
        first_secs / naive_first.secs
    );
    println!("  (the publishing device's upload of all {DOCS}: {} round trips, {} up)", up.progress.round_trips, kb(up.progress.bytes_up));
    let q = &inc.progress;
    println!("incremental sync, 1 of {DOCS} documents changed on another device");
    println!(
        "  ours : receiving device {} round trip(s), {} bytes on the wire, {:.1} ms; sending device {} round trip(s), {} bytes",
        q.round_trips,
        q.bytes_up + q.bytes_down,
        inc_secs * 1e3,
        a_up.progress.round_trips,
        a_up.progress.bytes_up + a_up.progress.bytes_down
    );
    println!("  naive: receiving device {} round trips, {}, {:.1} ms", naive_inc.round_trips, kb(naive_inc.bytes), naive_inc.secs * 1e3);
    println!(
        "  ratio ours/naive: bytes {:.5}, round trips {:.4}",
        (q.bytes_up + q.bytes_down) as f64 / naive_inc.bytes as f64,
        q.round_trips as f64 / naive_inc.round_trips as f64
    );
}

fn median_size(docs: &[(String, Vec<u8>)]) -> usize {
    let mut sizes: Vec<usize> = docs.iter().map(|(_, d)| d.len()).collect();
    sizes.sort();
    sizes[sizes.len() / 2]
}

/// Runs a storage future to completion from synchronous code in this bench.
fn futures_lite<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

/// 200 devices in 20 communities: each community's safety assistants (10
/// devices) share 5 self-inspections and each adds 5 of its own, offline;
/// then all 200 sync at once. Every device sees its own community only, as
/// an assistant's scope is. Then everyone syncs again, and every device of a
/// community must hold identical documents.
async fn many_devices(backend: Backend, devices: usize) {
    let Some(server) = production_server(backend).await else { return };
    let storage = server.state.storage.clone();
    let communities = devices / 10;
    let mut fleet = vec![];
    let mut shared: Vec<Vec<String>> = vec![];
    for c in 0..communities {
        let (user, site) = workload::community(storage.as_ref(), c).await;
        let first = server.device(&user).await;
        first.sync().await;
        let ids: Vec<String> = (0..5)
            .map(|_| first.store.start_inspection(&site, InspectionKind::SelfInspection, "hazardous_chemicals").unwrap().id)
            .collect();
        first.sync().await;
        shared.push(ids);
        fleet.push((c, Arc::new(first)));
        for _ in 1..10 {
            let d = server.device(&user).await;
            d.sync().await;
            fleet.push((c, Arc::new(d)));
        }
    }
    let t = fleet[0].1.store.template("hazardous_chemicals", None).unwrap();
    let items: Vec<String> = t.items().map(|(_, i)| i.id.clone()).filter(|i| i != "H26").collect();
    for (n, (c, d)) in fleet.iter().enumerate() {
        for _ in 0..5 {
            let site = format!("site-c{c:02}");
            let id = d.store.start_inspection(&site, InspectionKind::SelfInspection, "hazardous_chemicals").unwrap().id;
            d.store.answer(&id, "H01", AnswerValue::Pass, None).unwrap();
        }
        for id in &shared[*c] {
            d.store.answer(id, &items[n % items.len()], AnswerValue::Pass, Some(format!("设备{n}"))).unwrap();
        }
    }
    let start = Instant::now();
    let mut tasks = vec![];
    for (_, d) in &fleet {
        let d = d.clone();
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let r = d.client.sync(&d.store, &tokio_util::sync::CancellationToken::new(), None).await;
            (t0.elapsed().as_secs_f64() * 1e3, r.map(|rep| rep.rejected.len()))
        }));
    }
    let mut lat = vec![];
    let mut errors = vec![];
    for t in tasks {
        let (ms, r) = t.await.unwrap();
        lat.push(ms);
        match r {
            Ok(0) => {}
            Ok(n) => errors.push(format!("{n} rejected")),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let wall = start.elapsed().as_secs_f64();
    for (_, d) in &fleet {
        d.sync().await;
    }
    let converged = fleet.iter().all(|(c, d)| {
        let reference = &fleet.iter().find(|(c2, _)| c2 == c).unwrap().1;
        let mine = d.store.inspections(&InspectionQuery { limit: Some(1000), ..Default::default() }).unwrap();
        let theirs = reference.store.inspections(&InspectionQuery { limit: Some(1000), ..Default::default() }).unwrap();
        mine.len() == 55
            && mine.len() == theirs.len()
            && shared[*c].iter().all(|id| d.store.inspection(id).unwrap() == reference.store.inspection(id).unwrap())
    });
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p).round() as usize];
    println!(
        "{devices} devices syncing at once ({backend:?}): errors {}, {:.1} syncs/s ({} documents up, each device receiving its community's, in {:.2} s), latency p50 {:.0} ms p99 {:.0} ms; after one more round every community converged: {converged}",
        errors.len(),
        devices as f64 / wall,
        devices * 10,
        wall,
        pct(0.5),
        pct(0.99)
    );
    if !errors.is_empty() {
        println!("  first errors: {:?}", &errors[..errors.len().min(3)]);
    }
}

/// A photo as the capture pipeline stores it: 2048 x 1536 JPEG of texture.
fn processed_photo(seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(2048, 1536, |x, y| {
        let v = (x.wrapping_mul(31) ^ y.wrapping_mul(17) ^ seed.wrapping_mul(2_654_435_761)) % 256;
        image::Rgb([v as u8, ((x + seed) % 256) as u8, ((y * 3 + seed) % 256) as u8])
    });
    let mut out = std::io::Cursor::new(vec![]);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
    out.into_inner()
}

async fn photo_upload() {
    let server = production_server(Backend::Sqlite).await.unwrap();
    let d = server.device("insp-1").await;
    d.sync().await;
    let i = d.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let mut total = 0u64;
    for n in 0..100 {
        let bytes = processed_photo(n);
        total += bytes.len() as u64;
        d.store
            .attach_photo(
                &i.id,
                redline_device::inspection::PhotoOwner::Answer("H01".into()),
                &bytes,
                redline_device::store::PhotoMeta::default(),
            )
            .unwrap();
    }
    let start = Instant::now();
    let report = d.sync().await;
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(report.progress.blobs_uploaded, 100);
    let p = &report.progress;
    println!("upload of 100 photos (2048 px JPEG, {} in all) over loopback", kb(total));
    println!(
        "  {:.2} s ({:.1} MB/s), {} up on the wire in request bodies = {:.3}x the files (plus one status request per photo)",
        secs,
        total as f64 / 1e6 / secs,
        kb(p.bytes_up),
        p.bytes_up as f64 / total as f64
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `cargo bench --bench sync -- devices` runs one part; no argument, all.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |part: &str| only.is_empty() || only.iter().any(|a| a == part);
    if wants("photos") {
        photo_upload().await;
    }
    if wants("documents") {
        first_and_incremental().await;
    }
    if wants("devices") {
        many_devices(Backend::Sqlite, 200).await;
        many_devices(Backend::Postgres, 200).await;
    }
}
