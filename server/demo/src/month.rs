//! The demo district's last month, visit by visit and hazard by hazard:
//! all five checklists, the inspector and both assistants, one co-inspection
//! with a conflict left for a supervisor to resolve, and hazards in every
//! state a supervisor meets (ordered, being fixed, fix reported, re-check
//! rejected, closed and looked back on, overdue, extended, an extension
//! waiting for a decision, a listed major hazard). Days count back from
//! the first start, so the demo is always "last month".

use crate::phones::Phone;
use crate::visit::{self, Fail, Visit};
use crate::{DemoError, Month, hazard_step};
use redline_api::state::AppState;
use redline_domain::doc::DocKind;
use redline_domain::hazard::{Action, ListingLevel, TreatmentPlan};
use redline_domain::inspection::{AnswerValue, Grade, InspectionKind};
use redline_domain::site::Site;
use redline_domain::template::{Template, builtin_templates};
use redline_domain::time::{Date, Millis};

const HOUR: Millis = 3_600_000;

/// Who takes part: the inspector, the two assistants, the supervisor.
pub struct Cast {
    pub zhang: Phone,
    pub wang: Phone,
    pub chen: Phone,
    pub li: Phone,
}

/// `hour` o'clock (China time) `days` before `today`.
fn ago(today: Date, days: i64, hour: i64) -> Millis {
    today.add_days(-days).start_millis() + hour * HOUR
}

fn template(id: &str) -> Result<&'static Template, DemoError> {
    builtin_templates().iter().find(|t| t.id == id).ok_or_else(|| DemoError::Setup(format!("no built-in checklist {id}")))
}

fn fail(nth: usize, grade: Grade, description: &'static str, deadline_days: i64, photo: Option<&'static str>) -> Fail {
    Fail { nth, grade, description, deadline_days, photo }
}

pub async fn play(state: &AppState, cast: &Cast, sites: &[Site], today: Date) -> Result<Month, DemoError> {
    let site = |id: &str| sites.iter().find(|s| s.id == id).ok_or_else(|| DemoError::Setup(format!("no demo site {id}")));
    let d = |days, hour| ago(today, days, hour);
    let (chem, fw, se, food, tp) = (
        template("hazardous_chemicals")?,
        template("fireworks")?,
        template("special_equipment")?,
        template("food_safety")?,
        template("three_places_three_enterprises")?,
    );
    let mut month = Month::default();
    let mut visit = async |phone: &Phone, v: Visit<'_>| -> Result<Vec<String>, DemoError> {
        let doc = visit::fill(state, phone, &v).await?;
        let ids = visit::finish(state, phone, &v, doc).await?;
        month.inspections += 1;
        month.hazards += ids.len();
        Ok(ids)
    };
    use InspectionKind::*;
    let g = Grade::General;

    let v1 = Visit {
        id: "6f1d0001-2c4e-4a7b-9d10-5e6f7a8b9c01",
        site: site("nh-chem-01")?,
        template: chem,
        kind: RoutinePatrol,
        at: d(28, 9),
        fails: vec![
            fail(0, g, "危化品仓库地面有泄漏痕迹，未及时清理", 7, Some("chem-stain")),
            fail(0, g, "仓库门口未张贴安全周知卡", 10, None),
        ],
    };
    let h = visit(&cast.zhang, v1).await?;
    let (stain, card) = (&h[0], &h[1]);
    hazard_step(state, &cast.wang, stain, Action::StartFix { plan: None }, "已安排清理并排查泄漏源", None, d(27, 10)).await?;
    hazard_step(state, &cast.wang, stain, Action::ReportFix, "泄漏桶已更换，地面清理完毕", Some("chem-fixed"), d(24, 15)).await?;
    hazard_step(state, &cast.zhang, stain, Action::Recheck { accepted: true }, "复查合格", None, d(22, 10)).await?;
    hazard_step(state, &cast.wang, stain, Action::LookBack { relapsed: false }, "回头看：未再发现泄漏", None, d(3, 11)).await?;
    let _ = card; // ordered 28 days ago with 10 days to fix: overdue

    let v2 = Visit {
        id: "6f1d0003-2c4e-4a7b-9d10-5e6f7a8b9c03",
        site: site("nh-fw-01")?,
        template: fw,
        kind: SpecialCampaign,
        at: d(21, 14),
        fails: vec![fail(0, g, "烟花爆竹库存超过核定限量，货架堆放至顶", 5, Some("fw-overfull"))],
    };
    let over = visit(&cast.zhang, v2).await?.remove(0);
    hazard_step(state, &cast.chen, &over, Action::StartFix { plan: None }, "", None, d(20, 9)).await?;
    hazard_step(state, &cast.chen, &over, Action::ReportFix, "超量部分已退回批发企业", Some("fw-fixed"), d(17, 16)).await?;
    hazard_step(state, &cast.zhang, &over, Action::Recheck { accepted: false }, "复查不合格：后仓仍有超量存放", None, d(15, 10)).await?;

    let v3 = Visit {
        id: "6f1d0005-2c4e-4a7b-9d10-5e6f7a8b9c05",
        site: site("nh-boiler-01")?,
        template: se,
        kind: Enforcement,
        at: d(18, 10),
        fails: vec![fail(0, Grade::Major, "锅炉安全阀超期未校验，压力表指针超过红线", 30, Some("boiler-gauge"))],
    };
    let boiler = visit(&cast.zhang, v3).await?.remove(0);
    hazard_step(state, &cast.li, &boiler, Action::List { level: ListingLevel::County }, "区级挂牌督办", None, d(17, 9)).await?;
    let plan = TreatmentPlan {
        responsibility: "锅炉房负责人牵头，设备科配合".into(),
        measures: "停炉，安全阀送检校验，更换压力表".into(),
        deadline: today.add_days(12),
        funds: "企业自筹 2 万元".into(),
        contingency: "停炉期间改用备用电加热，专人值守".into(),
    };
    hazard_step(state, &cast.wang, &boiler, Action::StartFix { plan: Some(plan) }, "已停炉整改", None, d(16, 9)).await?;

    let v4 = Visit {
        id: "6f1d0007-2c4e-4a7b-9d10-5e6f7a8b9c07",
        site: site("nh-food-01")?,
        template: food,
        kind: SelfInspection,
        at: d(15, 15),
        fails: vec![fail(0, g, "后厨燃气软管老化开裂", 7, Some("kitchen-hose"))],
    };
    let hose = visit(&cast.chen, v4).await?.remove(0);
    hazard_step(state, &cast.chen, &hose, Action::StartFix { plan: None }, "", None, d(14, 9)).await?;
    let later = Action::RequestExtension {
        new_deadline: today.add_days(6), reason: "需更换整套燃气管路，等待燃气公司上门".into()
    };
    hazard_step(state, &cast.chen, &hose, later, "", None, d(10, 10)).await?;
    hazard_step(state, &cast.li, &hose, Action::DecideExtension { granted: true }, "同意延期", None, d(9, 9)).await?;

    let v5 = Visit {
        id: "6f1d0009-2c4e-4a7b-9d10-5e6f7a8b9c09",
        site: site("nh-dust-01")?,
        template: tp,
        kind: SelfInspection,
        at: d(12, 9),
        fails: vec![fail(0, g, "木粉尘除尘管道积尘，未定期清理", 20, Some("dust-duct"))],
    };
    let dust = visit(&cast.wang, v5).await?.remove(0);
    hazard_step(state, &cast.wang, &dust, Action::StartFix { plan: None }, "", None, d(11, 9)).await?;
    let later = Action::RequestExtension { new_deadline: today.add_days(20), reason: "除尘器配件缺货".into() };
    hazard_step(state, &cast.wang, &dust, later, "", None, d(2, 10)).await?;

    let v6 = Visit {
        id: "6f1d000b-2c4e-4a7b-9d10-5e6f7a8b9c0b",
        site: site("nh-chem-02")?,
        template: chem,
        kind: RoutinePatrol,
        at: d(9, 10),
        fails: vec![fail(0, g, "门市内灭火器压力不足", 10, Some("extinguisher"))],
    };
    let ext = visit(&cast.zhang, v6).await?.remove(0);
    hazard_step(state, &cast.chen, &ext, Action::StartFix { plan: None }, "", None, d(8, 9)).await?;
    hazard_step(state, &cast.chen, &ext, Action::ReportFix, "已更换灭火器", Some("chem-fixed"), d(5, 14)).await?;

    let v7 = Visit {
        id: "6f1d000d-2c4e-4a7b-9d10-5e6f7a8b9c0d",
        site: site("nh-food-02")?,
        template: food,
        kind: SelfInspection,
        at: d(6, 14),
        fails: vec![],
    };
    visit(&cast.wang, v7).await?;
    let v8 = Visit {
        id: "6f1d000f-2c4e-4a7b-9d10-5e6f7a8b9c0f",
        site: site("nh-shop-01")?,
        template: tp,
        kind: RoutinePatrol,
        at: d(4, 10),
        fails: vec![fail(0, g, "疏散通道堆放杂物", 15, Some("exit-blocked"))],
    };
    visit(&cast.zhang, v8).await?;
    let v9 = Visit {
        id: "6f1d0011-2c4e-4a7b-9d10-5e6f7a8b9c11",
        site: site("nh-chem-01")?,
        template: chem,
        kind: LookBack,
        at: d(3, 10),
        fails: vec![],
    };
    visit(&cast.wang, v9).await?;
    let v10 = Visit {
        id: "6f1d0013-2c4e-4a7b-9d10-5e6f7a8b9c13",
        site: site("nh-boiler-02")?,
        template: se,
        kind: RoutinePatrol,
        at: d(1, 9),
        fails: vec![],
    };
    visit(&cast.zhang, v10).await?;

    let co = Visit {
        id: "6f1d0015-2c4e-4a7b-9d10-5e6f7a8b9c15",
        site: site("nh-fw-02")?,
        template: fw,
        kind: SelfInspection,
        at: d(2, 14),
        fails: vec![],
    };
    co_inspection(state, cast, &co).await?;
    month.inspections += 1;
    month.conflicts += 1;
    Ok(month)
}

/// Wang starts a self-inspection with the shop; Zhang joins on his phone.
/// Offline, each answers the same item differently: the merge keeps both,
/// and the inspection waits, unsubmitted, for someone to choose.
async fn co_inspection(state: &AppState, cast: &Cast, v: &Visit<'_>) -> Result<(), DemoError> {
    let mut wang = visit::fill(state, &cast.wang, v).await?;
    cast.wang.upload(state, v.id, DocKind::Inspection, wang.automerge(), &[]).await?;
    let mut zhang = visit::fork_for(&mut wang, &cast.zhang);
    let fork = wang.automerge().get_heads();
    let item = visit::failable(v.template, &v.template.items().map(|(_, i)| i).collect::<Vec<_>>(), Grade::General, false)
        .into_iter()
        .find(|i| i.id.starts_with('R'))
        .ok_or_else(|| DemoError::Setup("no retail item to disagree on".into()))?
        .id
        .clone();
    let at = v.at + 40 * 60_000;
    wang.answer(v.template, &cast.wang.identity, &item, AnswerValue::Pass, Some("店主称已整改".into()), at)?;
    zhang.answer(v.template, &cast.zhang.identity, &item, AnswerValue::Fail, Some("现场查看仍不符合".into()), at + 60_000)?;
    cast.wang.upload(state, v.id, DocKind::Inspection, wang.automerge(), &fork).await?;
    cast.zhang.upload(state, v.id, DocKind::Inspection, zhang.automerge(), &fork).await?;
    Ok(())
}
