//! The first start's demo month, on both backends: seeded through the
//! server's merge as the demo users' phones, it gives a supervisor every
//! checklist, every hazard state they act on, photos, signatures and an
//! open co-inspection conflict; a phone that syncs receives all of it.

use redline_admin::seed::seed_if_empty;
use redline_device::store::TaskView;
use redline_device::sync::client::{SyncListener, SyncProgress};
use redline_domain::time::Date;
use redline_storage::Storage;
use redline_storage_sqlite::SqliteStorage;
use redline_tests::{Device, TestServer, fresh_schema, postgres};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// A progress bar that remembers every update.
#[derive(Default)]
struct Bar(Mutex<Vec<SyncProgress>>);

impl SyncListener for Bar {
    fn on_progress(&self, progress: &SyncProgress) {
        self.0.lock().unwrap().push(progress.clone());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).unwrap());
    demo_month(storage, dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backend() {
    let Some(storage) = postgres(&fresh_schema()).await else { return };
    demo_month(storage, Arc::new(tempfile::tempdir().unwrap())).await;
}

async fn get(server: &TestServer, token: &str, path: &str) -> (u16, Vec<u8>) {
    let r = reqwest::Client::new().get(format!("{}{path}", server.url)).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

async fn json(server: &TestServer, token: &str, path: &str) -> Value {
    let (status, body) = get(server, token, path).await;
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

async fn demo_month(storage: Arc<dyn Storage>, dir: Arc<tempfile::TempDir>) {
    let tokens = seed_if_empty(storage.as_ref()).await.unwrap();
    let server = TestServer::serve(storage, dir).await;
    let month = redline_demo::seed_month(&server.state, &tokens, Date::today()).await.expect("the demo month is accepted");
    assert_eq!((month.inspections, month.hazards, month.conflicts, month.plans), (11, 8, 1, 3));
    let li = &tokens.iter().find(|t| t.user_id == "supervisor-li").unwrap().token;

    let inspections = json(&server, li, "/api/v1/inspections?limit=50").await;
    let items = inspections["items"].as_array().unwrap();
    assert_eq!(items.len(), 11);
    let templates: BTreeSet<&str> = items.iter().map(|i| i["template_id"].as_str().unwrap()).collect();
    assert_eq!(templates.len(), 5, "all five built-in checklists: {templates:?}");
    let authors: BTreeSet<&str> = items.iter().map(|i| i["created_by"].as_str().unwrap()).collect();
    assert_eq!(authors, BTreeSet::from(["assistant-chen", "assistant-wang", "inspector-zhang"]));
    let co: Vec<&Value> = items.iter().filter(|i| i["conflicts"].as_i64() == Some(1)).collect();
    assert_eq!(co.len(), 1, "one co-inspection with an open conflict");
    assert_eq!(co[0]["status"], "draft");

    let hazards = json(&server, li, "/api/v1/hazards?limit=50").await;
    let hs = hazards["items"].as_array().unwrap();
    assert_eq!(hs.len(), 8);
    let states: BTreeSet<&str> = hs.iter().map(|h| h["state"].as_str().unwrap()).collect();
    assert_eq!(states, BTreeSet::from(["closed", "fix_reported", "fixing", "ordered"]));
    let count = |f: &dyn Fn(&Value) -> bool| hs.iter().filter(|h| f(h)).count();
    assert!(count(&|h| h["overdue"] == true) >= 1, "an overdue hazard");
    assert_eq!(count(&|h| h["listed"] == "county" && h["grade"] == "major"), 1, "a listed major hazard");
    assert_eq!(count(&|h| h["pending_extension"] == true), 1, "an extension waiting for a decision");
    assert_eq!(count(&|h| h["look_backs"].as_i64() == Some(1) && h["state"] == "closed"), 1, "a look-back");
    assert_eq!(count(&|h| h["original_deadline"] != h["deadline"]), 1, "a granted extension");
    let mut rejected = 0;
    for h in hs {
        let detail = json(&server, li, &format!("/api/v1/hazards/{}", h["id"].as_str().unwrap())).await;
        rejected += detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["action"] == "recheck" && t["detail"].as_str().unwrap().contains("false"))
            .count();
    }
    assert_eq!(rejected, 1, "a re-check rejected");

    // Photos and signatures are stored blobs a supervisor can open.
    let with_photo = items.iter().find(|i| i["photos"].as_i64() > Some(0)).expect("an inspection with photos");
    let detail = json(&server, li, &format!("/api/v1/inspections/{}", with_photo["id"].as_str().unwrap())).await;
    assert_eq!(detail["signatures"].as_array().unwrap().len(), 2);
    let photo = &detail["photos"][0];
    let (status, jpeg) = get(&server, li, &format!("/v1/blobs/{}", photo["hash"].as_str().unwrap())).await;
    assert_eq!((status, &jpeg[..2]), (200, &b"\xff\xd8"[..]));

    // The inspector's phone receives the whole month on its first sync,
    // thumbnails included, and its progress bar ends at the sync's totals.
    let zhang = Device::register(server.state.storage.as_ref(), &server.url, "inspector-zhang").await;
    let bar = Bar::default();
    let report = zhang.client.sync(&zhang.store, &CancellationToken::new(), Some(&bar)).await.unwrap();
    assert!(report.rejected.is_empty());
    assert_eq!(bar.0.lock().unwrap().last(), Some(&report.progress), "the last progress update is the whole sync");
    let on_phone = zhang.store.inspections(&Default::default()).unwrap();
    assert_eq!(on_phone.len(), 11);
    assert_eq!(zhang.store.hazards(&Default::default(), Date::today()).unwrap().len(), 8);

    // The plans reach their people: the inspector's monthly patrol of the
    // two chemical stores (this month due, the last two missed), and each
    // assistant's own fireworks retail point for the festival campaign, and
    // the look-back where a hazard was closed (Wang's community).
    let today = Date::today();
    let patrol = zhang.store.tasks(TaskView::Today, today).unwrap();
    assert_eq!(patrol.iter().map(|t| t.site_id.as_str()).collect::<BTreeSet<_>>(), BTreeSet::from(["nh-chem-01", "nh-chem-02"]));
    assert_eq!(zhang.store.tasks(TaskView::Overdue, today).unwrap().len(), 4);
    for (user, sites) in [("assistant-wang", vec!["nh-chem-01", "nh-fw-02"]), ("assistant-chen", vec!["nh-fw-01"])] {
        let phone = Device::register(server.state.storage.as_ref(), &server.url, user).await;
        phone.sync().await;
        let tasks = phone.store.tasks(TaskView::Today, today).unwrap();
        assert_eq!(tasks.iter().map(|t| t.site_id.as_str()).collect::<BTreeSet<_>>(), sites.into_iter().collect(), "{user}");
    }
    server.stop().await;
}
