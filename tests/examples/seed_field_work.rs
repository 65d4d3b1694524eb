//! Field work for a running demo server, sent the way phones send it: real
//! device stores (one per demo user, each with the token the server printed
//! at its first start) inspect, find, photograph, sign, submit and move
//! hazards along, then sync. `scripts/test-openapi.sh` runs this so the
//! JSON API it fuzzes lists and details real rows rather than empty pages.
//!
//!     cargo run -p redline-tests --example seed_field_work -- URL STDOUT OUT
//!
//! URL is the server, STDOUT the file its first start printed the tokens
//! to, OUT a folder for the schemathesis dictionaries written at the end:
//! the ids, sites, people, areas and page cursors the API now holds, one
//! libFuzzer-style dictionary per kind, so generated requests hit real rows.

use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, ListingLevel};
use redline_device::inspection::{AnswerValue, Grade, InspectionKind, PhotoOwner, SignerRole};
use redline_device::people::Identity;
use redline_device::site::GeoPoint;
use redline_device::store::{PhotoMeta, Store};
use redline_device::sync::client::SyncClient;
use redline_device::template::AnswerType;
use redline_device::time::Date;
use std::collections::BTreeSet;
use std::path::Path;
use tokio_util::sync::CancellationToken;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// One demo user's phone: a store in a temporary folder and its client.
struct Phone {
    store: Store,
    client: SyncClient,
    _dir: tempfile::TempDir,
}

impl Phone {
    /// The phone of `user`, with the device and token `printed` names for it.
    fn open(url: &str, printed: &str, user: &str) -> Result<Phone> {
        // "  inspector-zhang    device <uuid>  token <hex>"
        let line = printed
            .lines()
            .find(|l| l.split_whitespace().next() == Some(user))
            .ok_or_else(|| format!("the server printed no token for {user}"))?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let (device_id, token) = match words.as_slice() {
            [_, "device", device, "token", token] => (device.to_string(), token.to_string()),
            _ => return Err(format!("unexpected token line {line:?}").into()),
        };
        let u = redline_admin::seed::demo_users().into_iter().find(|u| u.id == user).ok_or("not a demo user")?;
        let dir = tempfile::tempdir()?;
        let identity = Identity { user_id: u.id, name: u.name, role: u.role, device_id };
        let store = Store::open(dir.path().join("phone.db"), identity)?;
        Ok(Phone { store, client: SyncClient::new(url, &token)?, _dir: dir })
    }

    async fn sync(&self) -> Result<()> {
        let report = self.client.sync(&self.store, &CancellationToken::new(), None).await?;
        if !report.rejected.is_empty() {
            return Err(format!("{}: the server refused {:?}", self.store.identity().user_id, report.rejected).into());
        }
        Ok(())
    }

    /// Answers every item of the inspection's checklist that the phone
    /// offers: a passing answer, or a fail with its note for those listed.
    fn answer_all(&self, id: &str, template: &str, fail: &[(&str, &str)]) -> Result<()> {
        for (_, item) in self.store.template(template, None)?.items() {
            let (value, note) = match fail.iter().find(|(f, _)| *f == item.id) {
                Some((_, note)) => (AnswerValue::Fail, Some(note.to_string())),
                None => (passing(&item.answer), None),
            };
            // Items a condition hides are refused; they need no answer.
            let _ = self.store.answer(id, &item.id, value, note);
        }
        Ok(())
    }
}

/// An answer that passes: numbers at a bound, dates a year on, the first
/// option that does not fail, a note for text.
fn passing(answer: &AnswerType) -> AnswerValue {
    match answer {
        AnswerType::Number { min, max, .. } => AnswerValue::Number(min.or(*max).unwrap_or(0.0)),
        AnswerType::Date { .. } => AnswerValue::Date(Date::today().add_days(365)),
        AnswerType::Choice { options, .. } => {
            AnswerValue::Choice(options.iter().find(|o| !o.fails).map(|o| o.id.clone()).into_iter().collect())
        }
        AnswerType::Text => AnswerValue::Text("已核查".into()),
        AnswerType::PassFail => AnswerValue::Pass,
    }
}

fn finding(item: Option<&str>, description: &str, grade: Grade, days: i64) -> NewFinding {
    NewFinding {
        item_id: item.map(str::to_string),
        description: description.into(),
        grade,
        location: Some(GeoPoint { lat: 30.16, lon: 120.09 }),
        deadline: Some(Date::today().add_days(days)),
        responsible: Some("现场负责人".into()),
    }
}

fn photo() -> PhotoMeta {
    PhotoMeta { taken_at: None, location: Some(GeoPoint { lat: 30.17, lon: 120.1 }), width: 640, height: 480 }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, printed, out] = args.as_slice() else {
        return Err("usage: seed_field_work URL SERVER-STDOUT OUT-DIR".into());
    };
    let printed = std::fs::read_to_string(printed)?;
    let zhang = Phone::open(url, &printed, "inspector-zhang")?;
    let wang = Phone::open(url, &printed, "assistant-wang")?;
    let chen = Phone::open(url, &printed, "assistant-chen")?;
    let li = Phone::open(url, &printed, "supervisor-li")?;
    for p in [&zhang, &wang, &chen, &li] {
        p.sync().await?;
    }

    // An enforcement inspection of the chemicals store: a failed major-hazard
    // item, a finding with a photo, located, signed, submitted.
    let chem = zhang.store.start_inspection("xh-chem-01", InspectionKind::Enforcement, "hazardous_chemicals")?;
    zhang.answer_all(&chem.id, "hazardous_chemicals", &[("H20", "氧化剂与可燃物同库存放")])?;
    zhang.store.set_location(&chem.id, GeoPoint { lat: 30.16, lon: 120.09 })?;
    let f = zhang.store.add_finding(&chem.id, finding(Some("H20"), "禁配物混存，未分区隔离", Grade::General, 7))?;
    zhang.store.attach_photo(&chem.id, PhotoOwner::Finding(f.clone()), b"mixed storage", photo())?;
    let f2 = zhang.store.add_finding(&chem.id, finding(None, "安全通道堆放杂物 100% blocked_", Grade::General, 3))?;
    zhang.store.attach_photo(&chem.id, PhotoOwner::Finding(f2.clone()), b"blocked exit", PhotoMeta::default())?;
    zhang.store.sign(&chem.id, "仓库主管", SignerRole::Enterprise, b"signature strokes")?;
    zhang.store.sign(&chem.id, "张检查员", SignerRole::Inspector, b"inspector strokes")?;
    let chem_hazards = zhang.store.submit(&chem.id)?;

    // A look-back at the fireworks point, co-inspected by the community's
    // assistant: both answer F01 offline, differently (a conflict).
    let fw = zhang.store.start_inspection("xh-fw-01", InspectionKind::LookBack, "fireworks")?;
    zhang.store.answer(&fw.id, "F01", AnswerValue::Pass, None)?;
    let header = zhang.store.inspection(&fw.id)?.header;
    wang.store.join_inspection(&fw.id, &header)?;
    wang.store.answer(&fw.id, "F01", AnswerValue::Fail, Some("证照过期".into()))?;
    wang.store.add_finding(&fw.id, finding(Some("F01"), "烟花爆竹经营许可证过期", Grade::Major, 5))?;

    // A self-inspection the assistant leaves as a draft, and one in the
    // other community, submitted with a finding.
    let dust = wang.store.start_inspection("xh-dust-01", InspectionKind::SelfInspection, "three_places_three_enterprises")?;
    wang.store.answer(&dust.id, "T01", AnswerValue::Pass, Some("木屑已清理".into()))?;
    let food = chen.store.start_inspection("xh-food-01", InspectionKind::SelfInspection, "food_safety")?;
    chen.answer_all(&food.id, "food_safety", &[("D01", "健康证未公示")])?;
    let f3 = chen.store.add_finding(&food.id, finding(Some("D01"), "从业人员健康证未公示", Grade::General, 10))?;
    chen.store.attach_photo(&food.id, PhotoOwner::Finding(f3), b"licence wall", photo())?;
    let food_hazards = chen.store.submit(&food.id)?;
    let boiler = zhang.store.start_inspection("xh-boiler-01", InspectionKind::RoutinePatrol, "special_equipment")?;
    zhang.answer_all(&boiler.id, "special_equipment", &[])?;
    zhang.store.submit(&boiler.id)?;

    for p in [&zhang, &wang, &chen, &zhang, &wang, &li] {
        p.sync().await?;
    }

    // Hazards moving on: the supervisor lists the major one; the other
    // community's food hazard is fixed and reported with evidence; an
    // extension is asked for.
    // A hazard takes its finding's id; H20 is a major-hazard item, so its
    // finding's hazard is graded major on submit.
    li.store.transition(&f, Action::List { level: ListingLevel::County }, "县级挂牌督办", &[])?;
    let later = Date::today().add_days(30);
    zhang.store.transition(&f2, Action::RequestExtension { new_deadline: later, reason: "设备采购周期".into() }, "", &[])?;
    if let Some(h) = food_hazards.first() {
        chen.store.transition(h, Action::StartFix { plan: None }, "", &[])?;
        chen.store.transition(h, Action::ReportFix, "已公示", &[(b"after photo".to_vec(), photo())])?;
    }
    for p in [&li, &zhang, &chen, &li] {
        p.sync().await?;
    }

    let hazards: Vec<String> = chem_hazards.iter().chain(&food_hazards).cloned().collect();
    let inspections = [&chem.id, &fw.id, &dust.id, &food.id, &boiler.id];
    write_dictionaries(Path::new(out), url, &printed, &inspections, &hazards).await?;
    println!("seeded {} inspections and {} hazards", inspections.len(), hazards.len());
    Ok(())
}

/// Writes `OUT/<name>.dict` for each kind of value the API's parameters
/// take, from what was just synced and what the supervisor's list shows.
async fn write_dictionaries(out: &Path, url: &str, printed: &str, inspections: &[&String], hazards: &[String]) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let write = |name: &str, values: &mut dyn Iterator<Item = String>| -> Result<()> {
        let text: String = values.map(|v| format!("\"{}\"\n", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
        Ok(std::fs::write(out.join(format!("{name}.dict")), text)?)
    };
    write("inspections", &mut inspections.iter().map(|s| s.to_string()))?;
    write("hazards", &mut hazards.iter().cloned())?;
    write("sites", &mut redline_admin::seed::demo_sites().into_iter().map(|s| s.id))?;
    write("people", &mut redline_admin::seed::demo_users().into_iter().map(|u| u.id))?;
    let mut areas = BTreeSet::new();
    for s in redline_admin::seed::demo_sites() {
        let parts: Vec<&str> = s.area.split('/').collect();
        areas.extend((1..=parts.len()).map(|n| parts[..n].join("/")));
    }
    write("areas", &mut areas.into_iter())?;
    // Cursors: the `next` of one-row pages, as a client pages through.
    let token = printed
        .lines()
        .find(|l| l.split_whitespace().next() == Some("supervisor-li"))
        .and_then(|l| l.split_whitespace().last())
        .ok_or("no supervisor token")?;
    let http = reqwest::Client::new();
    let mut cursors = vec![];
    for list in ["inspections", "hazards"] {
        let mut after = String::new();
        loop {
            let page = http
                .get(format!("{url}/api/v1/{list}?limit=1{after}"))
                .bearer_auth(token)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let page: serde_json::Value = serde_json::from_slice(&page)?;
            let Some(next) = page["next"].as_str() else { break };
            cursors.push(next.to_string());
            after = format!("&after={next}");
        }
    }
    if cursors.is_empty() {
        return Err("the supervisor's lists have a single page: nothing was seeded".into());
    }
    write("cursors", &mut cursors.into_iter())
}
