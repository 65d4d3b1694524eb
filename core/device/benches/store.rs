//! Benchmarks of the phone store, each side by side with the naive way it
//! replaces, in one run:
//!
//! 1. answering one checklist item including the durable commit (median,
//!    p99) — against re-saving the whole document on every edit;
//! 2. opening a store of 1,000 inspections and 5,000 hazards and drawing the
//!    open-hazards list (time and peak RSS, each in a fresh child process)
//!    — against loading every hazard document to draw the same list;
//! 3. size and load time of a finished inspection of 60 answers and 20
//!    findings;
//! 4. `encryption`: 1 and 2 on an encrypted store against the same in
//!    clear, alternating, several rounds.
//!
//! `cargo bench -p redline-device --bench store [-- document|answer|list|encryption]`.
//! The 1,000-inspection store is built once under the target directory and
//! reused.

use redline_device::doc::{InspectionDoc, NewFinding};
use redline_device::inspection::{AnswerValue, Grade, InspectionHeader, InspectionKind, PhotoOwner};
use redline_device::people::{Identity, Person, Role};
use redline_device::site::Site;
use redline_device::store::{HazardQuery, PhotoMeta, Store};
use redline_device::template::{SiteCategory, Template};
use redline_device::time::Date;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn me() -> Identity {
    Identity {
        user_id: "bench".into(),
        name: "基准".into(),
        role: Role::Inspector,
        device_id: "7d2c9c1e-0d7a-4bb8-9a51-3f2f0e1c9a10".into(),
    }
}

fn site() -> Site {
    Site {
        id: "s1".into(),
        name: "基准化工仓库".into(),
        address: "".into(),
        area: "zj/hz".into(),
        categories: vec![SiteCategory::HazardousChemicals],
        location: None,
        contact_name: None,
        contact_phone: None,
        risk: None,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (percentile(&v, 0.5), percentile(&v, 0.99))
}

/// A 60-item pass/fail checklist, the size of a typical full inspection.
fn sixty_item_template() -> Template {
    let items: Vec<String> = (0..60)
        .map(|i| {
            format!(
                r#"{{"id":"Q{i:02}","text":{{"zh":"检查项目第{i}项","en":"Item {i}"}},"basis":{{"zh":"安全生产法","en":"Work Safety Law"}},
                "importance":"general","major_hazard":"no","answer":{{"type":"pass_fail"}}}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"id":"bench60","version":1,"title":{{"zh":"基准","en":"Bench"}},"category":"hazardous_chemicals","scoring":"work_safety",
        "sections":[{{"id":"all","title":{{"zh":"全部","en":"All"}},"items":[{}]}}]}}"#,
        items.join(",")
    );
    Template::from_json(&json).unwrap()
}

fn answer_latency(dir: &Path) {
    let store = Store::open(dir.join("answer.db"), me()).unwrap();
    store.put_sites(&[site()]).unwrap();
    let t = store.template("hazardous_chemicals", None).unwrap();
    let items: Vec<String> = t.items().map(|(_, i)| i.id.clone()).filter(|i| i != "H26").collect();
    let i = store.start_inspection("s1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    // Half the answers carry no note (the common tap), half a new note each
    // (which also rewrites the inspection's full-text row).
    let mut plain = vec![];
    let mut noted = vec![];
    for n in 0..2000 {
        let item = &items[n % items.len()];
        let v = if n % 3 == 0 { AnswerValue::Fail } else { AnswerValue::Pass };
        let note = (n % 2 == 1).then(|| format!("第{n}次"));
        let start = Instant::now();
        store.answer(&i.id, item, v, note.clone()).unwrap();
        let ms = start.elapsed().as_secs_f64() * 1e3;
        if note.is_some() { noted.push(ms) } else { plain.push(ms) }
    }
    let ours: Vec<f64> = plain.iter().chain(&noted).copied().collect();
    // Naive: the same edit, then the whole document saved and synced.
    let header = store.inspection(&i.id).unwrap().header;
    let mut doc = InspectionDoc::create("naive", &header, &me()).unwrap();
    let path = dir.join("naive.bin");
    let mut naive = vec![];
    for n in 0..500 {
        let item = &items[n % items.len()];
        let start = Instant::now();
        doc.answer(&t, &me(), item, AnswerValue::Pass, Some(format!("第{n}次")), 1).unwrap();
        let bytes = doc.automerge().save();
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &bytes).unwrap();
        std::fs::File::open(&tmp).unwrap().sync_all().unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        naive.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let (m, p99) = stats(ours);
    let (pm, pp99) = stats(plain);
    let (qm, qp99) = stats(noted);
    let (nm, np99) = stats(naive);
    println!("answer one item, durable commit (2000 edits)");
    println!("  ours  (append change + index rows, one WAL commit, synchronous=FULL): median {m:.3} ms  p99 {p99:.3} ms");
    println!("    of which without a note: median {pm:.3} ms  p99 {pp99:.3} ms; with a new note: median {qm:.3} ms  p99 {qp99:.3} ms");
    println!("  naive (save whole document, write + fsync + rename):               median {nm:.3} ms  p99 {np99:.3} ms");
    println!("  ratio ours/naive (median): {:.2}", m / nm);
}

/// Builds (once) a store of 1,000 submitted inspections with 5 findings each.
fn big_store(root: &Path) -> PathBuf {
    let path = root.join("big-store.db");
    if path.exists() {
        return path;
    }
    let tmp = root.join("big-store-building.db");
    let _ = std::fs::remove_file(&tmp);
    let store = Store::open(&tmp, me()).unwrap();
    store.put_sites(&[site()]).unwrap();
    let t = store.template("hazardous_chemicals", None).unwrap();
    let started = Instant::now();
    for n in 0..1000 {
        let i = store.start_inspection("s1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
        for (_, item) in t.items() {
            let v = match item.id.as_str() {
                "H21" | "H22" | "H23" | "H24" | "H25" => AnswerValue::Fail,
                "H26" => AnswerValue::Number(5.0),
                _ => AnswerValue::Pass,
            };
            store.answer(&i.id, &item.id, v, None).unwrap();
        }
        for (k, item) in ["H21", "H22", "H23", "H24", "H25"].iter().enumerate() {
            let f = store
                .add_finding(
                    &i.id,
                    NewFinding {
                        item_id: Some(item.to_string()),
                        description: format!("第{n}号检查发现的问题{k}：台账不全，标签缺失"),
                        grade: if k == 0 { Grade::Major } else { Grade::General },
                        location: None,
                        deadline: Some(Date::today().add_days(((n * 7 + k * 13) % 90) as i64 - 30).max(Date::today())),
                        responsible: Some("负责人".into()),
                    },
                )
                .unwrap();
            let photo = format!("evidence {n}-{k}").into_bytes();
            store.attach_photo(&i.id, PhotoOwner::Finding(f), &photo, PhotoMeta::default()).unwrap();
        }
        store.submit(&i.id).unwrap();
        if n % 100 == 99 {
            eprintln!("  built {} inspections ({:.0} s)", n + 1, started.elapsed().as_secs_f64());
        }
    }
    drop(store);
    for ext in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{ext}", tmp.display()));
        if from.exists() {
            std::fs::rename(&from, PathBuf::from(format!("{}{ext}", path.display()))).unwrap();
        }
    }
    std::fs::rename(tmp.with_extension("blobs"), path.with_extension("blobs")).unwrap();
    path
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Child process: open the store and draw the list one way; print
/// `millis rows peak_kb`.
fn child(mode: &str, path: &str) {
    let start = Instant::now();
    let store = if mode == "sealed" { Store::open_encrypted(path, me(), &BENCH_KEY).unwrap() } else { Store::open(path, me()).unwrap() };
    let rows = match mode {
        "index" | "sealed" => {
            store.hazards(&HazardQuery { open_only: true, limit: Some(100), ..Default::default() }, Date::today()).unwrap().len()
        }
        _ => {
            // Naive: load every hazard document, fold it, sort, take 100.
            let conn = rusqlite::Connection::open(path).unwrap();
            let ids: Vec<String> = conn
                .prepare("SELECT id FROM documents WHERE kind = 'hazard'")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let mut open: Vec<_> = ids.iter().map(|id| store.hazard(id).unwrap()).filter(|h| h.status.is_open()).collect();
            open.sort_by_key(|h| h.status.deadline);
            open.truncate(100);
            open.len()
        }
    };
    println!("{:.3} {rows} {}", start.elapsed().as_secs_f64() * 1e3, peak_rss_kb());
}

fn list_screen(root: &Path) {
    let path = big_store(root);
    let exe = std::env::current_exe().unwrap();
    let mut results: std::collections::BTreeMap<&str, (Vec<f64>, Vec<f64>)> = Default::default();
    for round in 0..9 {
        for mode in ["index", "naive"] {
            if mode == "naive" && round >= 3 {
                continue; // slow; three runs suffice to show the order of magnitude
            }
            let out = Command::new(&exe).args(["--child", mode, path.to_str().unwrap()]).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let parts: Vec<f64> = text.split_whitespace().filter_map(|p| p.parse().ok()).collect();
            assert_eq!(parts.len(), 3, "child said {text:?} {}", String::from_utf8_lossy(&out.stderr));
            let e = results.entry(mode).or_default();
            e.0.push(parts[0]);
            e.1.push(parts[2] / 1024.0);
        }
    }
    println!("open a store of 1,000 inspections + 5,000 hazards and draw the open-hazards list (fresh process each run)");
    let mut medians = vec![];
    for (mode, (times, rss)) in results {
        let (t, _) = stats(times.clone());
        let (r, _) = stats(rss.clone());
        medians.push(t);
        let label = if mode == "index" { "ours  (index table)" } else { "naive (load every hazard document)" };
        println!("  {label:<36} median {t:.1} ms  peak RSS median {r:.1} MB  ({} runs)", times.len());
    }
    println!("  ratio ours/naive (median time): {:.4}", medians[0] / medians[1]);
    println!("  database file: {:.1} MB", std::fs::metadata(&path).unwrap().len() as f64 / 1e6);
}

const BENCH_KEY: [u8; 32] = [0x5e; 32];

/// Median of one round of answers on a fresh store, in clear or encrypted.
fn answer_round(dir: &Path, sealed: bool, round: usize) -> f64 {
    let path = dir.join(format!("answer-{sealed}-{round}.db"));
    let store = if sealed { Store::open_encrypted(&path, me(), &BENCH_KEY).unwrap() } else { Store::open(&path, me()).unwrap() };
    store.put_sites(&[site()]).unwrap();
    let t = store.template("hazardous_chemicals", None).unwrap();
    let items: Vec<String> = t.items().map(|(_, i)| i.id.clone()).filter(|i| i != "H26").collect();
    let i = store.start_inspection("s1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let mut times = vec![];
    for n in 0..400 {
        let note = (n % 2 == 1).then(|| format!("第{n}次"));
        let start = Instant::now();
        store.answer(&i.id, &items[n % items.len()], AnswerValue::Pass, note).unwrap();
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    stats(times).0
}

/// The big store, encrypted: a copy migrated once by opening it with a key.
fn big_sealed_store(root: &Path) -> PathBuf {
    let clear = big_store(root);
    let path = root.join("big-store-sealed.db");
    if !path.with_extension("db.key").exists() {
        let _ = std::fs::remove_file(&path);
        std::fs::copy(&clear, &path).unwrap();
        let started = Instant::now();
        drop(Store::open_encrypted(&path, me(), &BENCH_KEY).unwrap());
        println!("  (encrypting the 1,000-inspection store on first open with a key: {:.2} s)", started.elapsed().as_secs_f64());
    }
    path
}

fn encryption(dir: &Path, root: &Path) {
    println!("encryption at rest: the same work in clear and encrypted, alternating");
    let (mut clear, mut sealed) = (vec![], vec![]);
    for round in 0..7 {
        clear.push(answer_round(dir, false, round));
        sealed.push(answer_round(dir, true, round));
    }
    let spread = |v: &[f64]| format!("{:.3}-{:.3}", v.iter().cloned().fold(f64::MAX, f64::min), v.iter().cloned().fold(0.0, f64::max));
    let (c, s) = (stats(clear.clone()).0, stats(sealed.clone()).0);
    println!(
        "  answer one item (median of 7 rounds of 400): clear {c:.3} ms ({}), encrypted {s:.3} ms ({}); ratio {:.2}",
        spread(&clear),
        spread(&sealed),
        s / c
    );
    let clear_path = big_store(root);
    let sealed_path = big_sealed_store(root);
    let exe = std::env::current_exe().unwrap();
    let mut runs: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for _ in 0..9 {
        for (mode, path) in [("index", &clear_path), ("sealed", &sealed_path)] {
            let out = Command::new(&exe).args(["--child", mode, path.to_str().unwrap()]).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let ms = text.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("child said {text:?}"));
            runs.entry(mode).or_default().push(ms);
        }
    }
    let (c, s) = (stats(runs["index"].clone()).0, stats(runs["sealed"].clone()).0);
    println!(
        "  open the 1,000-inspection store and draw the open-hazards list (median of 9 fresh processes): clear {c:.1} ms ({}), encrypted {s:.1} ms ({}); ratio {:.2}",
        spread(&runs["index"]),
        spread(&runs["sealed"]),
        s / c
    );
}

fn document_size() {
    let t = sixty_item_template();
    let header = InspectionHeader {
        task_id: None,
        site_id: "s1".into(),
        site_name: "基准化工仓库".into(),
        kind: InspectionKind::RoutinePatrol,
        template_id: t.id.clone(),
        template_version: 1,
        created_by: Person { user_id: "bench".into(), name: "基准".into() },
        started_at: redline_device::time::now_millis(),
    };
    let mut d = InspectionDoc::create(&uuid::Uuid::new_v4().to_string(), &header, &me()).unwrap();
    for (n, (_, item)) in t.items().enumerate() {
        let v = if n % 3 == 0 { AnswerValue::Fail } else { AnswerValue::Pass };
        d.answer(&t, &me(), &item.id, v, Some(format!("现场核查第{n}项")), 1).unwrap();
    }
    for n in 0..20 {
        let f = NewFinding {
            item_id: Some(format!("Q{:02}", n * 3)),
            description: format!("发现问题{n}：安全出口堵塞，消防器材过期，需限期整改"),
            grade: Grade::General,
            location: None,
            deadline: Some(Date::today().add_days(15)),
            responsible: Some("企业负责人".into()),
        };
        d.add_finding(&t, &me(), f, 1).unwrap();
    }
    let bytes = d.automerge().save();
    let json = serde_json::to_vec(&d.read().unwrap()).unwrap();
    let mut loads = vec![];
    for _ in 0..200 {
        let start = Instant::now();
        let loaded = InspectionDoc::load("x", &bytes).unwrap();
        let _ = loaded.read().unwrap();
        loads.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let (m, p99) = stats(loads);
    println!("finished inspection, 60 answers + 20 findings");
    println!("  saved automerge document: {} bytes (the same inspection as plain JSON: {} bytes)", bytes.len(), json.len());
    println!("  load + read into the app's model: median {m:.3} ms  p99 {p99:.3} ms (200 runs)");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        return child(&args[2], &args[3]);
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benchmarks; nothing to run here
    }
    let root = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into())).join("redline-bench");
    std::fs::create_dir_all(&root).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // `cargo bench --bench store -- answer` runs one part; no argument, all.
    let only: Vec<&String> = args.iter().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |part: &str| only.is_empty() || only.iter().any(|a| a.as_str() == part);
    if wants("document") {
        document_size();
    }
    if wants("answer") {
        answer_latency(dir.path());
    }
    if wants("list") {
        list_screen(&root);
    }
    if wants("encryption") {
        encryption(dir.path(), &root);
    }
}
