//! Benchmark: a plan over 2,000 sites and 12 months (24,000 tasks) in a
//! district of 20 communities, expanded and carried to 200 devices (ten
//! community assistants per community), on SQLite and on PostgreSQL:
//!
//! 1. time to write the plan (choose the sites, expand, store every task in
//!    one transaction), and to re-expand it after a change (every open task
//!    refreshed), median of several runs;
//! 2. the devices' first syncs through the real server and client, ten at a
//!    time: syncs per second, p50/p99, bytes down per device and the task
//!    list's share of them, tasks per device;
//! 3. a second sync of every device: the unchanged task list is not sent.
//!
//! `scripts/bench-plans.sh [--only sqlite|postgres]`.

use redline_device::plan::{Assignee, PlanSpec, Repeat, Schedule};
use redline_device::site::{GeoPoint, Site};
use redline_device::sync::wire::{self, TaskList};
use redline_device::template::SiteCategory;
use redline_device::time::Date;
use redline_plans::SiteChoice;
use redline_storage::{Principal, Scope, Storage, UserRecord};
use redline_tests::{Device, TestServer, fresh_schema, postgres};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SITES: usize = 2_000;
const COMMUNITIES: usize = 20;
const PER_COMMUNITY: usize = 10;
const RUNS: usize = 5;
const LANES: usize = 10;
const AREA: &str = "zj/bench";

const CATEGORIES: &[SiteCategory] = &[
    SiteCategory::HazardousChemicals,
    SiteCategory::FireworksRetail,
    SiteCategory::SpecialEquipment,
    SiteCategory::Food,
    SiteCategory::ThreePlacesThreeEnterprises,
];

fn community(c: usize) -> String {
    format!("{AREA}/c{:02}", c + 1)
}

async fn seed(storage: &dyn Storage) {
    for i in 0..SITES {
        let site = Site {
            id: format!("s{i:04}"),
            name: format!("第{i}号生产经营单位"),
            address: format!("南湖区{}路{}号", i % 17, i % 300 + 1),
            area: community(i % COMMUNITIES),
            categories: vec![CATEGORIES[i % CATEGORIES.len()]],
            location: Some(GeoPoint { lat: 30.70 + (i % 50) as f64 * 0.004, lon: 120.80 + (i / 50) as f64 * 0.004 }),
            contact_name: None,
            contact_phone: None,
            risk: None,
        };
        storage.put_site(&site).await.unwrap();
    }
    let scope = |a: &str| Scope { areas: vec![a.to_string()], sites: vec![] };
    let sup =
        UserRecord { id: "sup".into(), name: "区安委办".into(), role: redline_domain::people::Role::Supervisor, scope: scope(AREA) };
    storage.put_user(&sup).await.unwrap();
    for c in 0..COMMUNITIES {
        for n in 0..PER_COMMUNITY {
            let u = UserRecord {
                id: format!("asst-{c:02}-{n}"),
                name: format!("安全员{c}-{n}"),
                role: redline_domain::people::Role::CommunityAssistant,
                scope: scope(&community(c)),
            };
            storage.put_user(&u).await.unwrap();
        }
    }
}

fn first_of(d: Date) -> Date {
    let (y, m, _) = d.ymd();
    Date::from_ymd(y, m, 1).unwrap()
}

/// Monthly over 12 months, begun two months ago, so a device's window
/// (three months back, two ahead) holds five of them.
fn spec(today: Date, notes: &str) -> PlanSpec {
    let starts = first_of(first_of(first_of(today).add_days(-1)).add_days(-1));
    let mut until = starts;
    for _ in 0..12 {
        until = until.month_end().add_days(1);
    }
    PlanSpec {
        name: "全域月度安全自查".into(),
        kind: redline_device::inspection::InspectionKind::SelfInspection,
        template_id: "hazardous_chemicals".into(),
        assignee: Assignee::Assistants,
        schedule: Schedule { repeat: Repeat::Monthly, starts, until: until.add_days(-1) },
        notes: notes.into(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn pct(v: &[Duration], p: f64) -> f64 {
    let mut ms: Vec<f64> = v.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    ms[((ms.len() as f64 - 1.0) * p).round() as usize]
}

async fn bench(name: &str, storage: Arc<dyn Storage>, dir: Arc<tempfile::TempDir>) {
    seed(storage.as_ref()).await;
    let server = TestServer::serve(storage.clone(), dir).await;
    let today = server.state.clock.today();
    let sup = Principal {
        user_id: "sup".into(),
        name: "区安委办".into(),
        role: redline_domain::people::Role::Supervisor,
        scope: Scope { areas: vec![AREA.into()], sites: vec![] },
        device_id: "bench-dashboard".into(),
        token_expires_at: i64::MAX,
    };
    let everywhere = SiteChoice::Filter { category: None, area: Some(AREA.into()), risk: None };

    // 1. Expansion: a fresh plan each run, then a change of each.
    let mut create = vec![];
    let mut change = vec![];
    let mut plan_ids = vec![];
    for run in 0..RUNS {
        let t = Instant::now();
        let plan = redline_plans::create_plan(storage.as_ref(), &sup, spec(today, ""), &everywhere).await.unwrap();
        create.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        redline_plans::update_plan(storage.as_ref(), &sup, &plan.id, spec(today, &format!("第{run}次调整")), &everywhere).await.unwrap();
        change.push(t.elapsed().as_secs_f64() * 1000.0);
        plan_ids.push(plan.id);
    }
    // The devices carry one plan: cancel the others.
    for id in &plan_ids[1..] {
        redline_plans::cancel_plan(storage.as_ref(), &sup, id).await.unwrap();
    }
    let tasks = SITES * 12;

    // 2. 200 devices' first syncs, LANES at a time.
    let mut devices = vec![];
    for c in 0..COMMUNITIES {
        for n in 0..PER_COMMUNITY {
            devices.push(Arc::new(Device::register(storage.as_ref(), &server.url, &format!("asst-{c:02}-{n}")).await));
        }
    }
    let started = Instant::now();
    let mut lanes = vec![];
    for lane in 0..LANES {
        let mine: Vec<Arc<Device>> = devices.iter().skip(lane).step_by(LANES).cloned().collect();
        lanes.push(tokio::spawn(async move {
            let mut out = vec![];
            for d in mine {
                let t = Instant::now();
                let report = d.sync().await;
                out.push((t.elapsed(), report.progress.bytes_down, report.tasks_updated));
            }
            out
        }));
    }
    let mut first = vec![];
    for l in lanes {
        first.extend(l.await.unwrap());
    }
    let wall = started.elapsed();
    assert!(first.iter().all(|(_, _, updated)| *updated), "every device got its list");
    let per_device: Vec<usize> =
        devices.iter().map(|d| d.store.tasks(redline_device::store::TaskView::Upcoming, today.add_days(-400)).unwrap().len()).collect();
    let mut list_bytes = vec![];
    for d in devices.iter().take(COMMUNITIES) {
        let who = server.state.storage.users().await.unwrap().into_iter().find(|u| u.id == d.store.identity().user_id).unwrap();
        let p =
            Principal { user_id: who.id, name: who.name, role: who.role, scope: who.scope, device_id: String::new(), token_expires_at: 0 };
        let list = redline_plans::device::tasks_for(storage.as_ref(), &p, today).await.unwrap();
        list_bytes.push(wire::encode(&TaskList { version: "v".repeat(40), tasks: list }).len() as f64);
    }

    // 3. Second syncs: nothing new, no list.
    let mut second = vec![];
    for d in &devices {
        let report = d.sync().await;
        assert!(!report.tasks_updated, "an unchanged list is not sent again");
        second.push(report.progress.bytes_down as f64);
    }

    let times: Vec<Duration> = first.iter().map(|(t, _, _)| *t).collect();
    let down = median(first.iter().map(|(_, b, _)| *b as f64).collect());
    println!("## {name}: a plan of {tasks} tasks ({SITES} sites x 12 months), {} devices", devices.len());
    println!("| step | median | runs |");
    println!("|---|---|---|");
    println!("| write the plan (choose sites, expand, store {tasks} tasks) | {:.0} ms | {:?} |", median(create.clone()), round(&create));
    println!("| change it (re-expand, refresh every open task) | {:.0} ms | {:?} |", median(change.clone()), round(&change));
    println!(
        "| 200 first syncs, {LANES} at a time | {:.1} syncs/s, p50 {:.0} ms, p99 {:.0} ms | wall {:.1} s |",
        devices.len() as f64 / wall.as_secs_f64(),
        pct(&times, 0.5),
        pct(&times, 0.99),
        wall.as_secs_f64()
    );
    println!(
        "| per device: tasks carried, bytes down on first sync, of which the task list | {} tasks, {:.0} KB, {:.0} KB | min/max tasks {}/{} |",
        median(per_device.iter().map(|n| *n as f64).collect()),
        down / 1024.0,
        median(list_bytes) / 1024.0,
        per_device.iter().min().unwrap(),
        per_device.iter().max().unwrap()
    );
    println!("| second sync, bytes down per device (no list sent) | {:.0} B | |", median(second));
    server.stop().await;
}

fn round(v: &[f64]) -> Vec<i64> {
    v.iter().map(|x| x.round() as i64).collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load.trim());
    if only.as_deref() != Some("postgres") {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let storage: Arc<dyn Storage> = Arc::new(redline_storage_sqlite::SqliteStorage::open(&dir.path().join("server.db")).unwrap());
        bench("SQLite", storage, dir).await;
    }
    if only.as_deref() != Some("sqlite") {
        match postgres(&fresh_schema()).await {
            Some(storage) => bench("PostgreSQL", storage, Arc::new(tempfile::tempdir().unwrap())).await,
            None => println!("PostgreSQL skipped: not reachable"),
        }
    }
}
