//! What the read models add to an upload's merge: the same work (a device
//! uploading finished inspections with findings, which raise hazards on
//! submit) synced to two servers on one backend, one writing read models
//! in the commit and one not, alternating round by round so machine noise
//! falls on both alike. Printed: the median sync time per round on each,
//! and their ratio.

use crate::Backend;
use redline_device::doc::NewFinding;
use redline_device::inspection::{AnswerValue, Grade, InspectionKind};
use redline_device::time::Date;
use redline_tests::{Device, Options, TestServer};
use std::time::Instant;

const ROUNDS: usize = 7;
const PER_ROUND: usize = 20;

/// A finished, submitted inspection with three findings (three hazards).
fn finished(d: &Device, n: usize) {
    let i = d.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let t = d.store.template("hazardous_chemicals", None).unwrap();
    for (_, item) in t.items() {
        let v = match &item.answer {
            redline_device::template::AnswerType::Number { min, .. } => AnswerValue::Number(min.unwrap_or(0.0)),
            // H25 is the one unconditional item that needs no photo to fail.
            _ if item.id == "H25" => AnswerValue::Fail,
            _ => AnswerValue::Pass,
        };
        d.store.answer(&i.id, &item.id, v, Some(format!("第{n}次核查：{}", item.text.zh))).unwrap();
    }
    // One finding on the failed item, two more seen on site.
    for item in [Some("H25"), None, None] {
        let f = NewFinding {
            item_id: item.map(str::to_string),
            description: format!("{} 不符合：台账缺失，需限期整改", item.unwrap_or("现场")),
            grade: Grade::General,
            location: None,
            deadline: Some(Date::today().add_days(30)),
            responsible: Some("仓库主管".into()),
        };
        d.store.add_finding(&i.id, f).unwrap();
    }
    d.store.submit(&i.id).unwrap();
}

async fn server(b: Backend, read_models: bool) -> TestServer {
    let backend = if b == Backend::Postgres { redline_tests::Backend::Postgres } else { redline_tests::Backend::Sqlite };
    TestServer::start_with(backend, Options { read_models, rate: (100_000.0, 100_000.0), ..Options::default() }).await.expect("server")
}

/// Seconds to sync one round of new inspections from a fresh device.
async fn round(s: &TestServer, n: usize) -> f64 {
    let d = s.device("insp-1").await;
    // Sites and checklists first, as a new phone's first sync brings them.
    d.sync().await;
    for k in 0..PER_ROUND {
        finished(&d, n * PER_ROUND + k);
    }
    let t = Instant::now();
    let report = d.sync().await;
    let secs = t.elapsed().as_secs_f64();
    assert!(report.accepted.len() >= PER_ROUND && report.rejected.is_empty(), "{report:?}");
    secs
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub async fn run(b: Backend) {
    let on = server(b, true).await;
    let off = server(b, false).await;
    let (mut with, mut without) = (vec![], vec![]);
    for n in 0..ROUNDS {
        // Alternate which goes first, so neither always gets a warm cache.
        if n % 2 == 0 {
            with.push(round(&on, n).await);
            without.push(round(&off, n).await);
        } else {
            without.push(round(&off, n).await);
            with.push(round(&on, n).await);
        }
    }
    let (w, wo) = (median(with.clone()), median(without.clone()));
    println!(
        "\n{b:?}: sync of {PER_ROUND} inspections + {} hazards, median of {ROUNDS}: read models on {:.0} ms, off {:.0} ms, cost {:+.0}% (on: {:?}; off: {:?}; load {})",
        PER_ROUND * 3,
        w * 1000.0,
        wo * 1000.0,
        (w / wo - 1.0) * 100.0,
        with.iter().map(|s| (s * 1000.0).round()).collect::<Vec<_>>(),
        without.iter().map(|s| (s * 1000.0).round()).collect::<Vec<_>>(),
        crate::measure::load()
    );
    on.stop().await;
    off.stop().await;
}
