//! The documents the sync benchmarks move: finished inspections of the
//! hazardous-chemicals checklist, every item answered with a note and three
//! findings with deadlines, as an inspector's day leaves them (about 2.6 KB
//! saved each), and the communities whose safety assistants the storms
//! simulate.

use redline_device::doc::NewFinding;
use redline_device::inspection::{AnswerValue, Grade, InspectionKind};
use redline_device::people::Role;
use redline_device::time::Date;
use redline_storage::{Scope, Storage, UserRecord};
use redline_tests::Device;

/// A finished inspection: every item answered with a note, three findings.
pub fn fill(d: &Device, n: usize) -> String {
    let site = if n.is_multiple_of(2) { "site-a1" } else { "site-b1" };
    let i = d.store.start_inspection(site, InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let t = d.store.template("hazardous_chemicals", None).unwrap();
    for (_, item) in t.items() {
        let v = match item.id.as_str() {
            "H23" | "H24" | "H25" => AnswerValue::Fail,
            "H26" => AnswerValue::Number(3.5),
            _ => AnswerValue::Pass,
        };
        d.store.answer(&i.id, &item.id, v, Some(format!("第{n}号现场核查：{}", item.text.zh))).unwrap();
    }
    for item in ["H23", "H24", "H25"] {
        d.store
            .add_finding(
                &i.id,
                NewFinding {
                    item_id: Some(item.into()),
                    description: format!("{item} 不符合：现场台账缺失，标签不全，需限期整改"),
                    grade: Grade::General,
                    location: None,
                    deadline: Some(Date::today().add_days(30)),
                    responsible: Some("仓库主管".into()),
                },
            )
            .unwrap();
    }
    i.id
}

/// Community `c` of the district: a site in its area and its safety
/// assistant, who sees only that area, added to `storage`. Returns the
/// assistant's user id and the site's id.
pub async fn community(storage: &dyn Storage, c: usize) -> (String, String) {
    let area = format!("zj/hz/xh/c{c:02}");
    let mut site = redline_tests::sites()[0].clone();
    site.id = format!("site-c{c:02}");
    site.area = area.clone();
    storage.put_site(&site).await.unwrap();
    let user = UserRecord {
        id: format!("asst-c{c:02}"),
        name: format!("社区{c}安全员"),
        role: Role::CommunityAssistant,
        scope: Scope { areas: vec![area], sites: vec![] },
    };
    storage.put_user(&user).await.unwrap();
    (user.id, site.id)
}
