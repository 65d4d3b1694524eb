//! What a call costs before it crosses any language boundary: the same
//! workload as the Kotlin and Python benches (bindings/benches/*), run on
//! the core directly and on the FFI crate's Rust API (records converted, the
//! panic guard, no foreign boundary). `scripts/bench-bindings.sh` runs all
//! three and prints one table; figures go to BENCHMARKS.md ("Bindings").
//!
//! Each line: `RESULT <runner> <call> median_us=… p90_us=… n=…`.
//! Calls: `answer` (a durable write: automerge change + SQLite commit with
//! fsync), `inspection` (read a full inspection record), `version_info`
//! (nothing but the call itself, timed in batches of 1,000).

use redline_device::inspection::{AnswerValue as CoreAnswer, InspectionKind as CoreKind};
use redline_device::people::{Identity as CoreIdentity, Role as CoreRole};
use redline_ffi::records::inspection::{AnswerValue, InspectionKind};
use redline_ffi::records::reference::{Identity, Role, Site, SiteCategory};
use redline_ffi::{RedlineStore, version_info};
use std::hint::black_box;
use std::time::Instant;

const TEMPLATE: &str = "special_equipment";
/// Pass/fail items of the template, answered in turn.
const ITEMS: [&str; 8] = ["S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08"];
const WARMUP: usize = 50;
const CALLS: usize = 400;
const BATCHES: usize = 20;
const BATCH: usize = 1_000;

fn report(runner: &str, call: &str, mut micros: Vec<f64>) {
    micros.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q).round() as usize];
    println!("RESULT {runner} {call} median_us={:.2} p90_us={:.2} n={}", at(0.5), at(0.9), micros.len());
}

/// Times `f` once per call after a warm-up, in microseconds.
fn per_call(mut f: impl FnMut(usize)) -> Vec<f64> {
    for i in 0..WARMUP {
        f(i);
    }
    (0..CALLS)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect()
}

/// Times batches of `f`; each sample is the mean of one batch.
fn batched(mut f: impl FnMut()) -> Vec<f64> {
    (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..BATCH {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / BATCH as f64
        })
        .collect()
}

/// Alternates pass and fail, so every call really changes the document.
fn passes(i: usize) -> bool {
    i.is_multiple_of(2)
}

fn main() {
    // REDLINE_BENCH_DIR: where the stores go (tmpfs takes fsync out of the
    // figures, leaving the work and the boundary).
    let dir = match std::env::var_os("REDLINE_BENCH_DIR") {
        Some(base) => tempfile::tempdir_in(base),
        None => tempfile::tempdir(),
    }
    .expect("temp dir");
    let site = Site {
        id: "site-boiler".into(),
        name: "西湖热力锅炉房".into(),
        address: "杭州市西湖区文三路 1 号".into(),
        area: "zj/hz/xh/c01".into(),
        categories: vec![SiteCategory::SpecialEquipment],
        location: None,
        contact_name: None,
        contact_phone: None,
        risk: None,
    };

    // The core, called directly.
    let core = redline_device::store::Store::open(
        dir.path().join("core.db"),
        CoreIdentity { user_id: "bench".into(), name: "Bench".into(), role: CoreRole::Inspector, device_id: "bench-core".into() },
    )
    .expect("open core store");
    core.put_sites(&[site.clone().into()]).expect("sites");
    let id = core.start_inspection("site-boiler", CoreKind::SpecialCampaign, TEMPLATE).expect("start").id;
    report(
        "rust-core",
        "answer",
        per_call(|i| {
            let v = if passes(i) { CoreAnswer::Pass } else { CoreAnswer::Fail };
            core.answer(&id, ITEMS[i % ITEMS.len()], v, None).expect("answer");
        }),
    );
    report(
        "rust-core",
        "inspection",
        per_call(|_| {
            black_box(core.inspection(&id).expect("read"));
        }),
    );

    // The FFI crate's API from Rust: conversions and guard, no boundary.
    let store = RedlineStore::open(
        dir.path().join("ffi.db").to_string_lossy().into_owned(),
        Identity { user_id: "bench".into(), name: "Bench".into(), role: Role::Inspector, device_id: "bench-ffi".into() },
    )
    .expect("open ffi store");
    store.put_sites(vec![site]).expect("sites");
    let id = store.start_inspection("site-boiler".into(), InspectionKind::SpecialCampaign, TEMPLATE.into()).expect("start").id;
    report(
        "rust-ffi-api",
        "answer",
        per_call(|i| {
            let v = if passes(i) { AnswerValue::Pass } else { AnswerValue::Fail };
            store.answer(id.clone(), ITEMS[i % ITEMS.len()].into(), v, None).expect("answer");
        }),
    );
    report(
        "rust-ffi-api",
        "inspection",
        per_call(|_| {
            black_box(store.inspection(id.clone()).expect("read"));
        }),
    );
    report(
        "rust-ffi-api",
        "version_info",
        batched(|| {
            black_box(version_info());
        }),
    );
}
