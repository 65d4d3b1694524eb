//! Field work for a running demo server, sent the way phones send it: real
//! device stores (a new device per demo user, registered with `redline-server
//! admin add-device`) inspect, find, photograph, sign, submit and move
//! hazards along, then sync. `scripts/test-openapi.sh` runs this so the
//! JSON API it fuzzes lists and details real rows rather than empty pages.
//!
//!     cargo run -p redline-tests --example seed_field_work -- URL DEVICES OUT
//!
//! URL is the server; DEVICES has a line `USER device ID token TOKEN` for
//! inspector-zhang, assistant-wang, assistant-chen and supervisor-li; OUT
//! is a folder for the schemathesis dictionaries written at the end: the
//! ids, sites, people, areas and page cursors the supervisor's API now
//! shows, one libFuzzer-style dictionary per kind. Sites are chosen by
//! category within each user's scope, whatever the demo district is.

use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, ListingLevel};
use redline_device::inspection::{AnswerValue, Grade, InspectionKind, PhotoOwner, SignerRole};
use redline_device::people::Identity;
use redline_device::site::GeoPoint;
use redline_device::store::{PhotoMeta, Store};
use redline_device::sync::client::SyncClient;
use redline_device::template::{AnswerType, SiteCategory};
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
    /// The phone of `user`, with the device and token `devices` names for it.
    fn open(url: &str, devices: &str, user: &str) -> Result<Phone> {
        // "inspector-zhang device <uuid> token <hex>"
        let line = devices.lines().find(|l| l.split_whitespace().next() == Some(user)).ok_or_else(|| format!("no device for {user}"))?;
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

    /// A site this phone holds (its user's scope) of `category`, with the
    /// built-in checklist for it.
    fn site(&self, category: SiteCategory) -> Result<(String, &'static str)> {
        let template = match category {
            SiteCategory::HazardousChemicals => "hazardous_chemicals",
            SiteCategory::FireworksRetail => "fireworks",
            SiteCategory::SpecialEquipment => "special_equipment",
            SiteCategory::Food => "food_safety",
            _ => "three_places_three_enterprises",
        };
        let sites = self.store.sites("", 1000)?;
        let site = sites.into_iter().find(|s| s.categories.contains(&category));
        let who = &self.store.identity().user_id;
        Ok((site.ok_or_else(|| format!("{who} holds no {category:?} site"))?.id, template))
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
    let [_, url, devices, out] = args.as_slice() else {
        return Err("usage: seed_field_work URL DEVICES OUT-DIR".into());
    };
    let devices = std::fs::read_to_string(devices)?;
    let zhang = Phone::open(url, &devices, "inspector-zhang")?;
    let wang = Phone::open(url, &devices, "assistant-wang")?;
    let chen = Phone::open(url, &devices, "assistant-chen")?;
    let li = Phone::open(url, &devices, "supervisor-li")?;
    for p in [&zhang, &wang, &chen, &li] {
        p.sync().await?;
    }
    let (chem_site, chem_t) = zhang.site(SiteCategory::HazardousChemicals)?;
    let (fw_site, fw_t) = wang.site(SiteCategory::FireworksRetail)?;
    let (dust_site, dust_t) = wang.site(SiteCategory::ThreePlacesThreeEnterprises)?;
    let (food_site, food_t) = chen.site(SiteCategory::Food)?;
    let (boiler_site, boiler_t) = zhang.site(SiteCategory::SpecialEquipment)?;

    // An enforcement inspection of the chemicals store: a failed major-hazard
    // item, a finding with a photo, located, signed, submitted.
    let chem = zhang.store.start_inspection(&chem_site, InspectionKind::Enforcement, chem_t)?;
    zhang.answer_all(&chem.id, chem_t, &[("H20", "氧化剂与可燃物同库存放")])?;
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
    let fw = zhang.store.start_inspection(&fw_site, InspectionKind::LookBack, fw_t)?;
    zhang.store.answer(&fw.id, "F01", AnswerValue::Pass, None)?;
    let header = zhang.store.inspection(&fw.id)?.header;
    wang.store.join_inspection(&fw.id, &header)?;
    wang.store.answer(&fw.id, "F01", AnswerValue::Fail, Some("证照过期".into()))?;
    wang.store.add_finding(&fw.id, finding(Some("F01"), "烟花爆竹经营许可证过期", Grade::Major, 5))?;

    // A self-inspection the assistant leaves as a draft, and one in the
    // other community, submitted with a finding.
    let dust = wang.store.start_inspection(&dust_site, InspectionKind::SelfInspection, dust_t)?;
    wang.store.answer(&dust.id, "T01", AnswerValue::Pass, Some("木屑已清理".into()))?;
    let food = chen.store.start_inspection(&food_site, InspectionKind::SelfInspection, food_t)?;
    chen.answer_all(&food.id, food_t, &[("D01", "健康证未公示")])?;
    let f3 = chen.store.add_finding(&food.id, finding(Some("D01"), "从业人员健康证未公示", Grade::General, 10))?;
    chen.store.attach_photo(&food.id, PhotoOwner::Finding(f3), b"licence wall", photo())?;
    let food_hazards = chen.store.submit(&food.id)?;
    let boiler = zhang.store.start_inspection(&boiler_site, InspectionKind::RoutinePatrol, boiler_t)?;
    zhang.answer_all(&boiler.id, boiler_t, &[])?;
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

    let token = devices.lines().find(|l| l.starts_with("supervisor-li ")).and_then(|l| l.split_whitespace().last()).ok_or("no token")?;
    write_dictionaries(Path::new(out), url, token).await?;
    let hazards = chem_hazards.len() + food_hazards.len();
    println!("sent 5 inspections (3 submitted) and {hazards} hazards through 4 phones");
    Ok(())
}

/// GETs `path` of the JSON API as the supervisor.
async fn get(http: &reqwest::Client, url: &str, token: &str, path: &str) -> Result<serde_json::Value> {
    let body = http.get(format!("{url}/api/v1/{path}")).bearer_auth(token).send().await?.error_for_status()?.bytes().await?;
    Ok(serde_json::from_slice(&body)?)
}

/// Writes `OUT/<name>.dict` for each kind of value the API's parameters
/// take, from what the supervisor's lists show now.
async fn write_dictionaries(out: &Path, url: &str, token: &str) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let write = |name: &str, values: BTreeSet<String>| -> Result<()> {
        if values.is_empty() {
            return Err(format!("no {name} to write: nothing was seeded").into());
        }
        let text: String = values.iter().map(|v| format!("\"{}\"\n", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
        Ok(std::fs::write(out.join(format!("{name}.dict")), text)?)
    };
    let http = reqwest::Client::new();
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().map(str::to_string);
    for list in ["inspections", "hazards"] {
        let page = get(&http, url, token, &format!("{list}?limit=100")).await?;
        write(list, page["items"].as_array().into_iter().flatten().filter_map(|i| text(i, "id")).collect())?;
    }
    let sites = get(&http, url, token, "sites").await?;
    let sites = sites.as_array().cloned().unwrap_or_default();
    write("sites", sites.iter().filter_map(|s| text(s, "id")).collect())?;
    // Every prefix of every site's area: the district, its communities...
    let areas = sites.iter().filter_map(|s| text(s, "area")).flat_map(|a| {
        let parts: Vec<String> = a.split('/').map(str::to_string).collect();
        (1..=parts.len()).map(move |n| parts[..n].join("/"))
    });
    write("areas", areas.collect())?;
    let people = get(&http, url, token, "people").await?;
    write("people", people.as_array().into_iter().flatten().filter_map(|p| text(p, "user_id")).collect())?;
    // Cursors: the `next` of one-row pages, as a client pages through.
    let mut cursors = BTreeSet::new();
    for list in ["inspections", "hazards"] {
        let mut after = String::new();
        for _ in 0..20 {
            let page = get(&http, url, token, &format!("{list}?limit=1{after}")).await?;
            let Some(next) = text(&page, "next") else { break };
            after = format!("&after={next}");
            cursors.insert(next);
        }
    }
    write("cursors", cursors)
}
