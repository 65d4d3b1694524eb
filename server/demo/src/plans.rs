//! The demo district's inspection plans, written by the supervisor as the
//! dashboard writes them: the festival campaign the assistants walk the
//! fireworks retail points through (due in two weeks), and the inspector's
//! monthly patrol of the hazardous-chemicals stores, begun two months ago
//! so past months show what was missed, and a look-back where hazards were
//! closed in the last month.

use crate::DemoError;
use redline_api::state::AppState;
use redline_domain::inspection::InspectionKind;
use redline_domain::plan::{Assignee, PlanSpec, Repeat, Schedule};
use redline_domain::template::SiteCategory;
use redline_domain::time::Date;
use redline_plans::{PlanError, SiteChoice};
use redline_storage::Principal;

fn refused(e: PlanError) -> DemoError {
    DemoError::Setup(format!("demo plan: {e}"))
}

/// The first day of the month `months` before `day`'s.
fn months_back(day: Date, months: i64) -> Date {
    let mut d = day;
    for _ in 0..months {
        let (y, m, _) = d.ymd();
        d = Date::from_ymd(y, m, 1).expect("the first of a month").add_days(-1);
    }
    let (y, m, _) = d.ymd();
    Date::from_ymd(y, m, 1).expect("the first of a month")
}

/// The first day of the month `months` after `day`'s.
fn months_ahead(day: Date, months: i64) -> Date {
    let mut d = months_back(day, 0);
    for _ in 0..months {
        d = d.month_end().add_days(1);
    }
    d
}

/// Writes the plans; returns how many.
pub async fn seed_plans(state: &AppState, today: Date) -> Result<usize, DemoError> {
    let storage = state.storage.as_ref();
    let li =
        storage.users().await?.into_iter().find(|u| u.id == "supervisor-li").ok_or_else(|| DemoError::Setup("no supervisor-li".into()))?;
    let author = Principal {
        user_id: li.id,
        name: li.name,
        role: li.role,
        scope: li.scope,
        device_id: "demo-dashboard".into(),
        token_expires_at: i64::MAX,
    };
    let festival = PlanSpec {
        name: "春节前烟花爆竹零售点安全自查".into(),
        kind: InspectionKind::SelfInspection,
        template_id: "fireworks".into(),
        assignee: Assignee::Assistants,
        schedule: Schedule { repeat: Repeat::Once, starts: today.add_days(-7), until: today.add_days(14) },
        notes: "逐店指导经营者对照检查表自查，节前完成".into(),
    };
    let retail = SiteChoice::Filter { category: Some(SiteCategory::FireworksRetail), area: None, risk: None };
    redline_plans::create_plan(storage, &author, festival, &retail).await.map_err(refused)?;
    let patrol = PlanSpec {
        name: "危险化学品场所月度巡查".into(),
        kind: InspectionKind::RoutinePatrol,
        template_id: "hazardous_chemicals".into(),
        assignee: Assignee::Person { user_id: "inspector-zhang".into() },
        schedule: Schedule { repeat: Repeat::Monthly, starts: months_back(today, 2), until: months_ahead(today, 3).add_days(-1) },
        notes: "每月至少一次，重点查储存与动火作业".into(),
    };
    let chemicals = SiteChoice::Filter { category: Some(SiteCategory::HazardousChemicals), area: None, risk: None };
    redline_plans::create_plan(storage, &author, patrol, &chemicals).await.map_err(refused)?;
    let look_back = PlanSpec {
        name: "湘家荡隐患整改回头看".into(),
        kind: InspectionKind::LookBack,
        template_id: "hazardous_chemicals".into(),
        assignee: Assignee::Person { user_id: "assistant-wang".into() },
        schedule: Schedule { repeat: Repeat::Once, starts: today, until: today.add_days(10) },
        notes: "复核近一个月已销号隐患是否反弹".into(),
    };
    let closed =
        SiteChoice::ClosedHazards { area: Some("zj/jx/nh/xjd".into()), closed_from: Some(today.add_days(-30)), closed_until: None };
    redline_plans::create_plan(storage, &author, look_back, &closed).await.map_err(refused)?;
    Ok(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_back_and_forward_by_calendar() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(months_back(d("2026-12-01"), 2), d("2026-10-01"));
        assert_eq!(months_back(d("2026-03-31"), 1), d("2026-02-01"));
        assert_eq!(months_back(d("2026-12-15"), 0), d("2026-12-01"));
        assert_eq!(months_ahead(d("2026-12-15"), 3), d("2027-03-01"));
    }
}
