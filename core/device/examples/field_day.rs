//! A field inspector's day on the embedded store: open a local SQLite store
//! in `./redline-data`, inspect a hazardous-chemicals warehouse offline,
//! record a major hazard with a photo, submit, and print what the phone's
//! list screens would show. Run again to see the store grow.

use redline_device::doc::NewFinding;
use redline_device::inspection::{AnswerValue, Grade, InspectionKind, PhotoOwner, SignerRole};
use redline_device::people::{Identity, Role};
use redline_device::site::{GeoPoint, Site};
use redline_device::store::{HazardQuery, InspectionQuery, PhotoMeta, Store};
use redline_device::template::{AnswerType, SiteCategory};
use redline_device::time::Date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all("redline-data")?;
    let me = Identity {
        user_id: "inspector-zhang".into(),
        name: "张检查员".into(),
        role: Role::Inspector,
        device_id: "3f1c1b9e-5a61-4d3a-9d55-0c7b7e0a1f42".into(),
    };
    let store = Store::open("redline-data/phone.db", me)?;
    store.put_sites(&[Site {
        id: "site-xihu-chem".into(),
        name: "西湖化工仓储有限公司".into(),
        address: "杭州市西湖区转塘街道 88 号".into(),
        area: "zj/hz/xh/zt".into(),
        categories: vec![SiteCategory::HazardousChemicals],
        location: Some(GeoPoint { lat: 30.16, lon: 120.08 }),
        contact_name: Some("王经理".into()),
        contact_phone: None,
        risk: None,
    }])?;

    println!("Templates on this phone:");
    for t in store.templates()? {
        println!("  {:<32} v{}  {:>3} items  {}", t.id, t.version, t.items, t.title_zh);
    }

    let inspection = store.start_inspection("site-xihu-chem", InspectionKind::SpecialCampaign, "hazardous_chemicals")?;
    let template = store.template("hazardous_chemicals", None)?;
    for (_, item) in template.items() {
        let value = match (&item.id[..], &item.answer) {
            ("H20", _) => AnswerValue::Fail,
            (_, AnswerType::Number { .. }) => AnswerValue::Number(3.0),
            _ => AnswerValue::Pass,
        };
        store.answer(&inspection.id, &item.id, value, None)?;
    }
    let finding = store.add_finding(
        &inspection.id,
        NewFinding {
            item_id: Some("H20".into()),
            description: "氧化剂与易燃液体同库混存，未分区分类".into(),
            grade: Grade::General,
            location: None,
            deadline: Some(Date::today().add_days(10)),
            responsible: Some("王经理".into()),
        },
    )?;
    store.attach_photo(&inspection.id, PhotoOwner::Finding(finding), b"photo bytes from the camera", PhotoMeta::default())?;
    store.sign(&inspection.id, "王经理", SignerRole::Enterprise, b"signature strokes")?;
    let summary = store.summary(&inspection.id)?;
    let hazards = store.submit(&inspection.id)?;
    println!(
        "\nSubmitted inspection {}: {} answered, {} failed, outcome {:?}, {} hazard(s) registered",
        inspection.id,
        summary.answered,
        summary.failed,
        summary.outcome,
        hazards.len()
    );

    println!("\nMy inspections:");
    for i in store.inspections(&InspectionQuery { participant: Some("inspector-zhang".into()), ..Default::default() })? {
        let outcome = i.outcome.map_or("unknown", |o| o.as_str());
        println!("  {}  {}  {}  failed {}  {}", i.id, i.site_name, i.status.as_str(), i.failed, outcome);
    }
    println!("\nOpen hazards by deadline:");
    for h in store.hazards(&HazardQuery { open_only: true, ..Default::default() }, Date::today())? {
        let due = h.deadline.map(|d| d.to_string()).unwrap_or_default();
        println!("  {}  {:<7} {:<12} due {}  {}", &h.id[..8], h.grade.as_str(), h.state.as_str(), due, h.description);
    }
    Ok(())
}
