//! Plans on a real SQLite storage with the demo district: who gets which
//! tasks, what a change or a cancellation does to open and done tasks, and
//! the progress counts.

use super::*;
use crate::progress::{self, Counts, TaskQuery};
use redline_domain::inspection::InspectionKind;
use redline_domain::people::Role;
use redline_domain::plan::{Assignee, PlanSpec, Repeat, Schedule, TaskState};
use redline_storage::sql::{Sql, Value};
use redline_storage::{Principal, Storage};
use std::sync::Arc;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

async fn district() -> (Arc<dyn Storage>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s: Arc<dyn Storage> = Arc::new(redline_storage_sqlite::SqliteStorage::open(&dir.path().join("t.db")).unwrap());
    redline_admin::seed::seed_if_empty(s.as_ref()).await.unwrap();
    (s, dir)
}

async fn principal(s: &dyn Storage, id: &str) -> Principal {
    let u = s.users().await.unwrap().into_iter().find(|u| u.id == id).unwrap();
    Principal { user_id: u.id, name: u.name, role: u.role, scope: u.scope, device_id: format!("{id}-phone"), token_expires_at: i64::MAX }
}

fn campaign() -> PlanSpec {
    PlanSpec {
        name: "春节前烟花爆竹零售点安全检查".into(),
        kind: InspectionKind::SelfInspection,
        template_id: "fireworks".into(),
        assignee: Assignee::Assistants,
        schedule: Schedule { repeat: Repeat::Once, starts: d("2027-01-10"), until: d("2027-02-05") },
        notes: "春节前完成".into(),
    }
}

fn fireworks() -> SiteChoice {
    SiteChoice::Filter { category: Some(SiteCategory::FireworksRetail), area: None, risk: None }
}

/// Records that inspection `doc` started from `task` was submitted on `day`.
async fn done(s: &dyn Storage, task: &str, doc: &str, day: &str) {
    let at = d(day).start_millis() + 3_600_000;
    let values: Vec<Value> = vec![
        doc.into(),
        task.into(),
        "submitted".into(),
        at.into(),
        day.into(),
        "assistant-wang".into(),
        "王安全员".into(),
        "nh-fw-02".into(),
        "zj/jx/nh/xjd".into(),
    ];
    let cols = redline_read_models::tables::TASK_WORK.columns();
    s.execute(vec![Sql::insert(s.dialect(), "rm_task_work", &cols, values)]).await.unwrap();
}

#[tokio::test]
async fn assistants_get_the_tasks_of_their_own_community_only() {
    let (s, _dir) = district().await;
    let li = principal(s.as_ref(), "supervisor-li").await;
    let plan = create_plan(s.as_ref(), &li, campaign(), &fireworks()).await.unwrap();
    assert_eq!(plan.sites.len(), 2);
    let today = d("2027-01-15");
    for (user, site) in [("assistant-wang", "nh-fw-02"), ("assistant-chen", "nh-fw-01")] {
        let who = principal(s.as_ref(), user).await;
        let tasks = device::tasks_for(s.as_ref(), &who, today).await.unwrap();
        assert_eq!(tasks.iter().map(|t| t.site_id.as_str()).collect::<Vec<_>>(), [site], "{user}");
        assert_eq!(tasks[0].plan_name, "春节前烟花爆竹零售点安全检查");
        assert_eq!(tasks[0].due, d("2027-02-05"));
    }
    let zhang = principal(s.as_ref(), "inspector-zhang").await;
    assert!(device::tasks_for(s.as_ref(), &zhang, today).await.unwrap().is_empty(), "assistants' work is not an inspector's");
}

#[tokio::test]
async fn a_change_moves_open_tasks_and_keeps_done_ones() {
    let (s, _dir) = district().await;
    let li = principal(s.as_ref(), "supervisor-li").await;
    let mut spec = campaign();
    spec.schedule = Schedule { repeat: Repeat::Monthly, starts: d("2027-01-01"), until: d("2027-03-31") };
    let plan = create_plan(s.as_ref(), &li, spec.clone(), &fireworks()).await.unwrap();
    let wang = principal(s.as_ref(), "assistant-wang").await;
    let january = redline_domain::plan::Task::id_for(&plan.id, "nh-fw-02", d("2027-01-01"));
    done(s.as_ref(), &january, "insp-1", "2027-01-20").await;
    let before = device::version(s.as_ref(), &wang, d("2027-01-21")).await.unwrap();

    // One month only now, ending in mid-January: January's done task stays
    // as it was; February and March are withdrawn.
    spec.schedule = Schedule { repeat: Repeat::Once, starts: d("2027-01-01"), until: d("2027-01-15") };
    update_plan(s.as_ref(), &li, &plan.id, spec, &fireworks()).await.unwrap();
    assert_ne!(device::version(s.as_ref(), &wang, d("2027-01-21")).await.unwrap(), before, "devices are told");
    let q = TaskQuery { plan: Some(plan.id.clone()), limit: 50, ..Default::default() };
    let (rows, more) = progress::tasks(s.as_ref(), &li.scope, &q, d("2027-01-21")).await.unwrap();
    assert!(!more);
    let got: Vec<(&str, &str, TaskState)> = rows.iter().map(|r| (r.site_id.as_str(), r.due.as_str(), r.state)).collect();
    assert_eq!(got, [("nh-fw-01", "2027-01-15", TaskState::Missed), ("nh-fw-02", "2027-01-31", TaskState::Done)]);

    cancel_plan(s.as_ref(), &li, &plan.id).await.unwrap();
    let (rows, _) = progress::tasks(s.as_ref(), &li.scope, &q, d("2027-01-21")).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [january.as_str()], "only done work stays");
    assert!(device::tasks_for(s.as_ref(), &wang, d("2027-01-21")).await.unwrap().is_empty());
    assert!(matches!(update_plan(s.as_ref(), &li, &plan.id, campaign(), &fireworks()).await, Err(PlanError::Invalid(_))));
}

#[tokio::test]
async fn progress_counts_by_plan_community_and_person() {
    let (s, _dir) = district().await;
    let li = principal(s.as_ref(), "supervisor-li").await;
    let plan = create_plan(s.as_ref(), &li, campaign(), &fireworks()).await.unwrap();
    let task = redline_domain::plan::Task::id_for(&plan.id, "nh-fw-02", d("2027-01-10"));
    done(s.as_ref(), &task, "insp-1", "2027-01-12").await;
    let during = progress::plans(s.as_ref(), &li.scope, d("2027-01-20")).await.unwrap();
    assert_eq!(during[0].counts, Counts { done: 1, due: 1, missed: 0, upcoming: 0 });
    let after = progress::plans(s.as_ref(), &li.scope, d("2027-02-06")).await.unwrap();
    assert_eq!(after[0].counts, Counts { done: 1, due: 0, missed: 1, upcoming: 0 });
    let before = progress::plans(s.as_ref(), &li.scope, d("2027-01-01")).await.unwrap();
    assert_eq!(before[0].counts, Counts { done: 1, due: 0, missed: 0, upcoming: 1 });

    let communities = progress::by_community(s.as_ref(), &li.scope, &plan.id, d("2027-02-06")).await.unwrap();
    assert_eq!(
        communities,
        [
            ("zj/jx/nh/qx".to_string(), Counts { missed: 1, ..Default::default() }),
            ("zj/jx/nh/xjd".to_string(), Counts { done: 1, ..Default::default() })
        ]
    );
    let people = progress::by_person(s.as_ref(), &li.scope, &plan.id, d("2027-02-06")).await.unwrap();
    assert_eq!(
        people,
        [
            ("assistants".to_string(), Counts { missed: 1, ..Default::default() }),
            ("done:王安全员".to_string(), Counts { done: 1, ..Default::default() })
        ]
    );
    // Chen sees the plan, and only Qixing's half of it.
    let chen = principal(s.as_ref(), "assistant-chen").await;
    let theirs = progress::plans(s.as_ref(), &chen.scope, d("2027-02-06")).await.unwrap();
    assert_eq!(theirs[0].counts, Counts { missed: 1, ..Default::default() });
}

#[tokio::test]
async fn bad_plans_are_refused_with_the_reason() {
    let (s, _dir) = district().await;
    let li = principal(s.as_ref(), "supervisor-li").await;
    let mut spec = campaign();
    spec.kind = InspectionKind::SpecialCampaign;
    assert!(matches!(create_plan(s.as_ref(), &li, spec, &fireworks()).await, Err(PlanError::Invalid(m)) if m.contains("self-inspections")));

    // A site of another district reads exactly as one that does not exist.
    let elsewhere = redline_domain::site::Site {
        id: "hz-chem-01".into(),
        name: "西湖化工".into(),
        address: "".into(),
        area: "zj/hz/xh".into(),
        categories: vec![SiteCategory::HazardousChemicals],
        location: None,
        contact_name: None,
        contact_phone: None,
        risk: None,
    };
    s.put_site(&elsewhere).await.unwrap();
    let mut messages = vec![];
    for id in ["hz-chem-01", "no-such-site"] {
        let choice = SiteChoice::Listed { sites: vec![id.to_string()] };
        match create_plan(s.as_ref(), &li, campaign(), &choice).await {
            Err(PlanError::Invalid(m)) => messages.push(m.replace(id, "X")),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(messages[0], messages[1]);

    let wang = principal(s.as_ref(), "assistant-wang").await;
    assert!(matches!(create_plan(s.as_ref(), &wang, campaign(), &fireworks()).await, Err(PlanError::NotAllowed)));

    let mut to_wang = campaign();
    to_wang.assignee = Assignee::Person { user_id: "assistant-wang".into() };
    let all_fireworks = create_plan(s.as_ref(), &li, to_wang, &fireworks()).await;
    assert!(matches!(all_fireworks, Err(PlanError::Invalid(m)) if m.contains("七星烟花爆竹零售点")), "Qixing is not Wang's");

    let mut no_template = campaign();
    no_template.template_id = "nope".into();
    assert!(create_plan(s.as_ref(), &li, no_template, &fireworks()).await.is_err());
    let _ = Role::Admin;
}
