//! The dashboard in a real browser (Debian's headless Chromium through
//! chromedriver and WebDriver), as a supervisor meets it: a phone syncs an
//! inspection with a photo; the supervisor signs in, finds it on the
//! overview and in the list, opens it and its photo, orders the hazard
//! fixed by a date; the phone syncs and has the order; a supervisor of
//! another district gets "not found" for the same pages; a form posted
//! without its CSRF token is refused. Screenshots of every page go to
//! `$CARGO_TARGET_DIR/screenshots/`.
//!
//! Without chromedriver the test says so and passes, unless
//! `REDLINE_REQUIRE_BROWSER` is set (the test command sets it and installs
//! Chromium).

use fantoccini::{Client, ClientBuilder, Locator};
use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, HazardState};
use redline_device::inspection::*;
use redline_device::store::PhotoMeta;
use redline_device::time::Date;
use redline_tests::{Backend, TestServer, pass_all};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const DRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = "supervisor password";

struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver on a free port and waits until it answers.
async fn driver() -> Option<Driver> {
    if !std::path::Path::new(DRIVER).exists() {
        assert!(std::env::var_os("REDLINE_REQUIRE_BROWSER").is_none(), "{DRIVER} is required but missing");
        eprintln!("skipping: {DRIVER} is not installed");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // Owned by `Driver` at once, so it is killed and reaped on every path.
    let driver = Driver {
        child: Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver"),
        url: format!("http://127.0.0.1:{port}"),
    };
    // Readiness, not timing: poll its status until it answers (bounded).
    for _ in 0..200 {
        if reqwest::get(format!("{}/status", driver.url)).await.is_ok_and(|r| r.status().is_success()) {
            return Some(driver);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start");
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000", "--lang=zh-CN"] }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(&driver.url).await.expect("a browser session")
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into())).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    std::fs::write(shots().join(format!("{name}.png")), c.screenshot().await.expect("screenshot")).unwrap();
}

async fn sign_in(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=user]")).await.unwrap().send_keys(user).await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Id("sign-in")).await.unwrap().click().await.unwrap();
    // The click returns before the browser has followed the sign-in's
    // redirect; a page asked for meanwhile can be overtaken by it. Signed
    // in is when a page with the sign-out form has loaded.
    c.wait().for_element(Locator::Css("form[action='/logout']")).await.unwrap_or_else(|e| panic!("{user} signs in: {e}"));
}

/// The text of the element `css` names, waiting for it to be there: a
/// click returns before the page it leads to has loaded.
async fn text_of(c: &Client, css: &str) -> String {
    c.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_works_in_the_browser() {
    let Some(driver) = driver().await else { return };
    let Some(server) = TestServer::start(Backend::Sqlite).await else { return };
    let base = server.url.clone();
    let phone = server.device("insp-1").await;
    phone.sync().await;
    let i = phone.store.start_inspection("site-a2", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    pass_all(&phone.store, &i.id, &["H02"]);
    phone.store.answer(&i.id, "H02", AnswerValue::Fail, Some("电工证过期".into())).unwrap();
    let finding = NewFinding {
        item_id: Some("H02".into()),
        description: "特种作业人员无证上岗".into(),
        grade: Grade::General,
        location: None,
        deadline: None,
        responsible: None,
    };
    let hazard = phone.store.add_finding(&i.id, finding).unwrap();
    let photo = phone.store.attach_photo(&i.id, PhotoOwner::Finding(hazard.clone()), b"no licence", PhotoMeta::default()).unwrap();
    phone.store.submit(&i.id).unwrap();
    phone.sync().await;
    let storage = server.state.storage.as_ref();
    redline_admin::sessions::set_password(storage, "sup-1", PASSWORD).await.unwrap();
    redline_tests::far_supervisor(storage).await;
    redline_admin::sessions::set_password(storage, "sup-far", PASSWORD).await.unwrap();

    let c = browser(&driver).await;
    sign_in(&c, &base, "sup-1").await;
    assert_eq!(text_of(&c, "#inspections").await, "1", "the overview counts it");
    shot(&c, "overview").await;

    c.goto(&format!("{base}/inspections")).await.unwrap();
    shot(&c, "inspections").await;
    c.find(Locator::LinkText("转塘涂料店")).await.expect("listed").click().await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with(&i.id));
    assert!(text_of(&c, "#answers tr.failed").await.contains("电工证过期"), "the failure is highlighted");
    assert!(text_of(&c, "#findings").await.contains("特种作业人员无证上岗"));
    shot(&c, "inspection").await;
    let mut full = c.current_url().await.unwrap();
    full.set_path(&format!("/photos/{}", photo.hash));
    c.find(Locator::Css(".photos a")).await.expect("a photo").click().await.unwrap();
    c.wait().for_url(&full).await.expect("full size on click");

    c.goto(&format!("{base}/hazards/{hazard}")).await.unwrap();
    shot(&c, "hazard").await;
    let deadline = Date::today().add_days(7).to_string();
    c.execute("document.querySelector('#order input[name=deadline]').value = arguments[0];", vec![deadline.clone().into()]).await.unwrap();
    c.find(Locator::Css("#order input[name=responsible]")).await.unwrap().send_keys("王店长").await.unwrap();
    c.find(Locator::Css("#order button")).await.unwrap().click().await.unwrap();
    assert!(text_of(&c, "#message").await.contains("下次同步"), "saved for the phones");
    assert!(text_of(&c, "#timeline").await.contains("责令整改"));
    shot(&c, "hazard-ordered").await;

    // A form posted without the session's token is refused.
    let status = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                 body: 'action=delist'}).then(r => done(r.status));",
            vec![format!("/hazards/{hazard}/act").into()],
        )
        .await
        .unwrap();
    assert_eq!(status, 403);

    c.goto(&format!("{base}/sites")).await.unwrap();
    shot(&c, "sites").await;
    c.goto(&format!("{base}/lang/en")).await.unwrap();
    c.goto(&format!("{base}/hazards")).await.unwrap();
    assert!(c.source().await.unwrap().contains("Hazards"));
    shot(&c, "hazards-en").await;

    phone.sync().await;
    let h = phone.store.hazard(&hazard).unwrap();
    assert_eq!(h.status.state, HazardState::Ordered);
    assert_eq!(
        h.transitions.last().unwrap().action,
        Action::Order { deadline: Date::parse(&deadline).unwrap(), responsible: "王店长".into() }
    );

    // Another district's supervisor: the same pages are "not found".
    c.delete_all_cookies().await.unwrap();
    sign_in(&c, &base, "sup-far").await;
    c.goto(&format!("{base}/inspections/no-such-inspection")).await.unwrap();
    let missing = c.source().await.unwrap();
    c.goto(&format!("{base}/inspections/{}", i.id)).await.unwrap();
    assert_eq!(c.source().await.unwrap(), missing, "hidden looks missing");
    assert!(missing.contains("未找到"));
    shot(&c, "other-district").await;
    c.goto(&format!("{base}/inspections")).await.unwrap();
    assert!(!c.source().await.unwrap().contains(&i.id));
    c.close().await.unwrap();
}
