//! The read side of the read-model benchmark: starts the server in a
//! process of its own on the kept district, then times the supervisors'
//! API questions, the dashboard's pages and the exports, and prints one
//! table per backend (figures go to BENCHMARKS.md).

use crate::measure::{Asker, Timing, ms, peak_rss_mb, reset_peak};
use crate::{Backend, SERVE};
use redline_storage::Storage;
use redline_tests::process::ServerProcess;
use std::sync::Arc;

const ASKS: usize = 60;
const PAGE_ASKS: usize = 30;
const COMMUNITY: &str = "zj/jx/nh/c03";

fn spawn(b: Backend) -> ServerProcess {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("bench binary"));
    cmd.env(SERVE, if b == Backend::Postgres { "postgres" } else { "sqlite" });
    ServerProcess::start(cmd)
}

fn row(what: &str, t: &Timing) {
    println!("| {what} | {} | {} | {:.1} KB |", ms(t.p50), ms(t.p99), t.bytes as f64 / 1024.0);
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).expect("JSON")
}

/// The URL of a hazard-list page about `depth` pages into the results.
async fn deep_page(api: &Asker, first: &str, depth: usize) -> String {
    let mut path = first.to_string();
    for _ in 0..depth {
        let (_, body) = api.get(&path).await;
        let Some(next) = json(&body)["next"].as_str().map(str::to_string) else { break };
        path = format!("{first}&after={}", redline_web::pages::urlencode(&next));
    }
    path
}

pub async fn run(b: Backend, storage: Arc<dyn Storage>) {
    let token = redline_admin::register_device(storage.as_ref(), "sup-nh").await.expect("token").token;
    let session = redline_admin::sessions::open(storage.as_ref(), "sup-nh", "bench").await.expect("session");
    let child = spawn(b);
    let pid = child.pid();
    let http = reqwest::Client::new();
    let api = Asker { http: http.clone(), url: child.url.clone(), auth: (reqwest::header::AUTHORIZATION, format!("Bearer {token}")) };
    let web =
        Asker { http, url: child.url.clone(), auth: (reqwest::header::COOKIE, format!("{}={session}", redline_admin::sessions::COOKIE)) };
    let list = format!("/api/v1/hazards?area={COMMUNITY}&limit=50");
    let deep = deep_page(&api, &list, 100).await;
    let (_, body) = api.get(&format!("/api/v1/hazards?area={COMMUNITY}&state=closed&limit=1")).await;
    let hazard = json(&body)["items"][0]["id"].as_str().expect("a closed hazard").to_string();
    let inspection = "i050000";

    println!("\n### {b:?} (load average {})\n", crate::measure::load());
    println!("| API | p50 | p99 | body |\n|---|---|---|---|");
    row("overview, district, last 30 days", &api.time("/api/v1/overview", ASKS).await);
    row("overview, one community, 12 months", &api.time(&format!("/api/v1/overview?area={COMMUNITY}&from=2025-12-01"), ASKS).await);
    row("open hazards of a community, first page", &api.time(&format!("/api/v1/hazards?area={COMMUNITY}&open=true"), ASKS).await);
    row("hazards of a community, page 100", &api.time(&deep, ASKS).await);
    row("overdue hazards of the district, first page", &api.time("/api/v1/hazards?overdue=true", ASKS).await);
    row("Chinese search over hazards, first page", &api.time("/api/v1/hazards?q=%E6%B9%98%E5%AE%B6%E8%8D%A1", ASKS).await);
    row("one inspection", &api.time(&format!("/api/v1/inspections/{inspection}"), ASKS).await);
    row("one hazard", &api.time(&format!("/api/v1/hazards/{hazard}"), ASKS).await);

    println!("\n| page | p50 | p99 | weight |\n|---|---|---|---|");
    row("overview `/`", &web.time("/", PAGE_ASKS).await);
    row("inspections list", &web.time(&format!("/inspections?area={COMMUNITY}"), PAGE_ASKS).await);
    row("hazards list, open", &web.time(&format!("/hazards?area={COMMUNITY}&open=true"), PAGE_ASKS).await);
    row("sites map (2,000 sites)", &web.time("/sites", PAGE_ASKS).await);
    row("inspection page", &web.time(&format!("/inspections/{inspection}"), PAGE_ASKS).await);
    row("hazard page", &web.time(&format!("/hazards/{hazard}"), PAGE_ASKS).await);

    println!("\n| export of all inspections | rows | rows/s | server peak RSS |\n|---|---|---|---|");
    for ext in ["csv", "xlsx"] {
        reset_peak(pid);
        let (body, secs) = api.download(&format!("/api/v1/export/inspections.{ext}")).await;
        let rows = if ext == "csv" { body.iter().filter(|&&c| c == b'\n').count() - 1 } else { crate::make::INSPECTIONS };
        println!("| {ext} ({:.1} MB) | {rows} | {:.0} | {:.1} MB |", body.len() as f64 / 1e6, rows as f64 / secs, peak_rss_mb(pid));
    }
}
