//! The read models written incrementally (in every commit) equal the ones
//! `rebuild` replays from the stored documents, after a random history of
//! offline edits, co-inspections, submissions, hazard transitions and syncs
//! by several devices — on both backends. And the admin command does it.

use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, ListingLevel};
use redline_device::inspection::*;
use redline_device::store::PhotoMeta;
use redline_device::time::Date;
use redline_read_models::{TemplateBook, rebuild, tables};
use redline_storage::Storage;
use redline_storage::sql::{Row, Sql};
use redline_tests::{Device, TestServer, on_both_backends, pass_all};

on_both_backends!(rebuild_equals_incremental);

/// A small deterministic generator; the seed is printed so a failure can be
/// replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Every read-model row, table by table, in a total order.
async fn dump(storage: &dyn Storage) -> Vec<(&'static str, Vec<Row>)> {
    let mut out = vec![];
    for t in tables::ALL {
        let cols = t.columns().join(", ");
        let mut s = Sql::new(storage.dialect());
        s.push(&format!("SELECT {cols} FROM {} ORDER BY {cols}", t.name));
        out.push((t.name, storage.query(s).await.expect("dump")));
    }
    out
}

fn finding(rng: &mut Rng, item: &str) -> NewFinding {
    let texts = ["灭火器过期未检", "安全出口堵塞", "禁配物混存", "电气线路私拉乱接", "未设置可燃气体报警"];
    NewFinding {
        item_id: Some(item.into()),
        description: rng.pick(&texts).to_string(),
        grade: if rng.below(4) == 0 { Grade::Major } else { Grade::General },
        location: None,
        deadline: Some(Date::today().add_days(1 + rng.below(30) as i64)),
        responsible: Some("负责人".into()),
    }
}

/// One random step by one device; refusals (a transition not allowed in
/// the hazard's state, say) are part of a realistic history and ignored.
fn step(rng: &mut Rng, d: &Device, open: &mut Vec<(String, InspectionHeader)>, hazards: &mut Vec<String>, items: &[String]) {
    let kinds = [InspectionKind::RoutinePatrol, InspectionKind::Enforcement, InspectionKind::SelfInspection, InspectionKind::LookBack];
    match rng.below(8) {
        0 | 1 => {
            let site = *rng.pick(&["site-a1", "site-a2", "site-b1"]);
            if let Ok(i) = d.store.start_inspection(site, *rng.pick(&kinds), "hazardous_chemicals") {
                open.push((i.id, i.header));
            }
        }
        2 | 3 if !open.is_empty() => {
            let (id, header) = rng.pick(open).clone();
            let _ = d.store.join_inspection(&id, &header);
            for _ in 0..1 + rng.below(6) {
                let item = rng.pick(items);
                let value = if rng.below(3) == 0 { AnswerValue::Fail } else { AnswerValue::Pass };
                let _ = d.store.answer(&id, item, value, (rng.below(2) == 0).then(|| "现场检查记录".to_string()));
            }
        }
        4 if !open.is_empty() => {
            let (id, _) = rng.pick(open).clone();
            let item = rng.pick(items).clone();
            if let Ok(f) = d.store.add_finding(&id, finding(rng, &item)) {
                let _ = d.store.attach_photo(&id, PhotoOwner::Finding(f), format!("photo {}", rng.next()).as_bytes(), PhotoMeta::default());
            }
        }
        5 if !open.is_empty() => {
            // Finish: everything passed but one failed item with its finding.
            let (id, header) = rng.pick(open).clone();
            let _ = d.store.join_inspection(&id, &header);
            if !d.store.inspection(&id).is_ok_and(|i| i.status == InspectionStatus::Draft) {
                return;
            }
            let item = rng.pick(items).clone();
            pass_all(&d.store, &id, &[item.as_str()]);
            let _ = d.store.answer(&id, &item, AnswerValue::Fail, Some("不符合要求".into()));
            let _ = d.store.add_finding(&id, finding(rng, &item));
            if let Ok(new) = d.store.submit(&id) {
                hazards.extend(new);
            }
        }
        6 if !hazards.is_empty() => {
            let h = rng.pick(hazards).clone();
            let action = match rng.below(4) {
                0 => Action::StartFix { plan: None },
                1 => Action::List { level: ListingLevel::County },
                2 => Action::RequestExtension { new_deadline: Date::today().add_days(40), reason: "设备采购周期".into() },
                _ => Action::Order { deadline: Date::today().add_days(5), responsible: "厂长".into() },
            };
            let _ = d.store.transition(&h, action, "跟进", &[]);
        }
        _ => {}
    }
}

async fn rebuild_equals_incremental(server: TestServer) {
    let seed = std::env::var("REDLINE_REBUILD_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2026_u64);
    eprintln!("seed {seed}");
    let mut rng = Rng(seed);
    let devices =
        [server.device("insp-1").await, server.device("insp-2").await, server.device("asst-a").await, server.device("sup-1").await];
    for d in &devices {
        d.sync().await;
    }
    let template = redline_device::template::builtin_template("hazardous_chemicals").unwrap();
    let items: Vec<String> = template.items().map(|(_, i)| i.id.clone()).take(12).collect();
    let (mut open, mut hazards) = (vec![], vec![]);
    for _ in 0..120 {
        let d = &devices[rng.below(devices.len())];
        step(&mut rng, d, &mut open, &mut hazards, &items);
        if rng.below(4) == 0 {
            d.sync().await;
        }
    }
    for _ in 0..2 {
        for d in &devices {
            d.sync().await;
        }
    }
    let storage = server.state.storage.as_ref();
    let incremental = dump(storage).await;
    let counted = |name: &str| incremental.iter().find(|(t, _)| *t == name).unwrap().1.len();
    let sizes: Vec<(&str, usize)> = incremental.iter().map(|(t, r)| (*t, r.len())).collect();
    assert!(
        counted("rm_inspections") >= 5 && counted("rm_answers") >= 10 && counted("rm_hazards") >= 3,
        "a history worth checking: {sizes:?}"
    );
    eprintln!("rows: {sizes:?}");

    let book = TemplateBook::new(&storage.templates().await.unwrap());
    let done = rebuild::rebuild(storage, &book).await.expect("rebuild");
    assert!(done.unreadable.is_empty(), "{:?}", done.unreadable);
    assert_eq!(done.documents as i64, storage.document_count().await.unwrap());
    assert_eq!(dump(storage).await, incremental, "rebuilt over the incremental rows");

    // From empty tables, as after an upgrade that adds the read models.
    let wipe = tables::ALL
        .iter()
        .map(|t| {
            let mut s = Sql::new(storage.dialect());
            s.push(&format!("DELETE FROM {}", t.name));
            s
        })
        .collect();
    storage.execute(wipe).await.unwrap();
    assert!(dump(storage).await.iter().all(|(_, rows)| rows.is_empty()));
    let filled = rebuild::fill_if_empty(storage, &book).await.expect("rebuild").expect("empty read models are filled at start-up");
    assert_eq!(filled.documents as i64, storage.document_count().await.unwrap());
    assert_eq!(dump(storage).await, incremental, "rebuilt from nothing");
    assert_eq!(rebuild::fill_if_empty(storage, &book).await.unwrap(), None, "full read models are left alone");
}
