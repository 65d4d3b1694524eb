//! First sync of 1,000 finished inspections to a new phone, with both
//! servers in processes of their own: ours on SQLite with production
//! limits, and the naive whole-document baseline (`common/naive.rs`), each
//! holding the same documents. New phones sync alternately from one and
//! the other, several times; each run reports wall time and the server's
//! CPU, and the medians are compared.

use super::{SeededSqlite, cpu_secs};
use crate::naive;
use redline_device::store::InspectionQuery;
use redline_tests::Device;
use redline_tests::process::ServerProcess;
use std::time::Instant;

const DOCS: usize = 1000;

fn start_naive() -> ServerProcess {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("bench binary"));
    cmd.arg("--serve-naive");
    ServerProcess::start(cmd)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn spread(v: &[f64]) -> String {
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(0.0, f64::max);
    format!("{lo:.3}-{hi:.3}")
}

fn inspections(d: &Device) -> usize {
    d.store.inspections(&InspectionQuery { limit: Some(100_000), ..Default::default() }).unwrap().len()
}

pub async fn first_sync(runs: usize) {
    let seeded = SeededSqlite::start().await;
    let (storage, ours) = (&seeded.storage, &seeded.server);
    let a = seeded.device("insp-1").await;
    let ids: Vec<String> = (0..DOCS).map(|n| crate::workload::fill(&a, n)).collect();
    a.sync().await;
    let mut whole = vec![];
    for id in &ids {
        whole.push((id.clone(), storage.document(id).await.unwrap().unwrap().snapshot));
    }
    let saved: usize = whole.iter().map(|(_, s)| s.len()).sum();
    let naive_server = start_naive();
    let http = reqwest::Client::new();
    naive::sync(&http, &naive_server.url, &whole, None).await;

    let (mut ours_secs, mut naive_secs, mut ours_cpu, mut naive_cpu) = (vec![], vec![], vec![], vec![]);
    let mut bytes = (0, 0);
    let (mut ours_trips, mut naive_trips) = (0, 0);
    for _ in 0..runs {
        let b = Device::register(storage.as_ref(), &ours.url, "insp-2").await;
        let cpu0 = cpu_secs(ours.pid());
        let t0 = Instant::now();
        let report = b.sync().await;
        ours_secs.push(t0.elapsed().as_secs_f64());
        ours_cpu.push(cpu_secs(ours.pid()) - cpu0);
        bytes.0 = report.progress.bytes_up + report.progress.bytes_down;
        ours_trips = report.progress.round_trips;
        assert_eq!(inspections(&b), DOCS);

        let nb = Device::register(storage.as_ref(), &ours.url, "insp-2").await;
        let cpu0 = cpu_secs(naive_server.pid());
        let run = naive::sync(&http, &naive_server.url, &[], Some(&nb)).await;
        naive_secs.push(run.secs);
        naive_cpu.push(cpu_secs(naive_server.pid()) - cpu0);
        bytes.1 = run.bytes;
        naive_trips = run.round_trips;
        assert_eq!(inspections(&nb), DOCS);
    }
    let (o, n) = (median(ours_secs.clone()), median(naive_secs.clone()));
    println!(
        "first sync of {DOCS} inspections ({:.2} MB saved), servers in their own processes, {runs} runs each, alternated: \
         ours {o:.3} s (spread {}, server CPU {:.3} s, {:.2} MB on the wire in {ours_trips} round trips), naive {n:.3} s (spread {}, server CPU {:.3} s, {:.2} MB in {naive_trips} round trips), \
         ratio {:.2} (per run: {})",
        saved as f64 / 1e6,
        spread(&ours_secs),
        median(ours_cpu),
        bytes.0 as f64 / 1e6,
        spread(&naive_secs),
        median(naive_cpu),
        bytes.1 as f64 / 1e6,
        o / n,
        ours_secs.iter().zip(&naive_secs).map(|(o, n)| format!("{:.2}", o / n)).collect::<Vec<_>>().join(" ")
    );
}
