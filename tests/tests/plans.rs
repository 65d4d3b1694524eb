//! Inspection plans from the supervisor's dashboard to the phones and back,
//! on both backends: a Spring Festival campaign over every fireworks retail
//! point reaches each community's assistants (and only theirs), one
//! finishes offline and syncs, the dashboard counts done and due per
//! community, and after the due date (the server's test clock) the rest is
//! missed. A task reassigned while its first assignee worked offline keeps
//! both inspections and is done by the first submission.

use redline_device::inspection::{InspectionKind, InspectionStatus};
use redline_device::plan::{Assignee, PlanSpec, Repeat, Schedule, TaskState, first_completion};
use redline_device::site::{GeoPoint, Site};
use redline_device::store::TaskView;
use redline_device::template::SiteCategory;
use redline_plans::SiteChoice;
use redline_storage::Principal;
use redline_tests::web::{Browser, with_password};
use redline_tests::{TestServer, far_supervisor, on_both_backends, pass_all, pass_everything};

on_both_backends!(a_spring_festival_campaign_reaches_each_community);
on_both_backends!(a_task_reassigned_while_offline_is_done_by_the_first_submission);

fn retail_point(id: &str, name: &str, area: &str) -> Site {
    Site {
        id: id.into(),
        name: name.into(),
        address: format!("{name}门口"),
        area: area.into(),
        categories: vec![SiteCategory::FireworksRetail],
        location: Some(GeoPoint { lat: 30.25, lon: 120.12 }),
        contact_name: None,
        contact_phone: None,
        risk: None,
    }
}

/// The number in column `class` of community `area`'s row of a plan page.
fn count(page: &str, area: &str, class: &str) -> i64 {
    let row = page.split(&format!("data-area=\"{area}\"")).nth(1).unwrap_or_else(|| panic!("no row for {area}"));
    let row = &row[..row.find("</tr>").unwrap()];
    let cell = row.split(&format!("class=\"{class}")).nth(1).unwrap_or_else(|| panic!("no {class} in {row}"));
    let text = &cell[cell.find('>').unwrap() + 1..];
    text[..text.find('<').unwrap()].trim().parse().unwrap()
}

async fn a_spring_festival_campaign_reaches_each_community(server: TestServer) {
    let storage = server.state.storage.clone();
    for s in [
        retail_point("fw-a1", "转塘烟花店", "zj/hz/xh/a"),
        retail_point("fw-a2", "转塘鞭炮行", "zj/hz/xh/a"),
        retail_point("fw-b1", "文新烟花零售点", "zj/hz/xh/b"),
    ] {
        storage.put_site(&s).await.unwrap();
    }
    let today = server.state.clock.today();
    let due = today.add_days(20);

    // The supervisor plans it in the dashboard.
    with_password(&server, "sup-1").await;
    let b = Browser::signed_in(&server, "sup-1").await;
    let csrf = b.csrf().await;
    let (starts, until) = (today.to_string(), due.to_string());
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", "春节前烟花爆竹零售点安全检查"),
        ("kind", "self_inspection"),
        ("template", "fireworks"),
        ("assignee", "assistants"),
        ("repeat", "once"),
        ("starts", starts.as_str()),
        ("until", until.as_str()),
        ("by", "filter"),
        ("category", "fireworks_retail"),
        ("notes", "节前逐店自查"),
    ];
    // Assistants do self-inspections: a special campaign is refused with
    // the reason, and the form comes back filled in.
    form[2].1 = "special_campaign";
    let (status, page) = b.post("/plans", &form).await;
    assert_eq!(status, 400);
    assert!(page.contains("self-inspections") && page.contains("春节前烟花爆竹零售点安全检查"), "{page}");
    form[2].1 = "self_inspection";
    let (status, to) = b.post("/plans", &form).await;
    assert_eq!(status, 303, "{to}");
    let plan_path = to.clone();
    assert!(b.get("/plans").await.1.contains("春节前烟花爆竹零售点安全检查"));

    // Each assistant's phone carries its own community's tasks.
    let a = server.device("asst-a").await;
    let other = server.device("asst-b").await;
    assert!(a.sync().await.tasks_updated);
    other.sync().await;
    let mine = a.store.tasks(TaskView::Today, today).unwrap();
    assert_eq!(mine.iter().map(|t| t.site_id.as_str()).collect::<Vec<_>>(), ["fw-a1", "fw-a2"]);
    assert_eq!((mine[0].site_name.as_str(), mine[0].site_address.as_str()), ("转塘烟花店", "转塘烟花店门口"));
    assert_eq!(mine[0].site_location, Some(GeoPoint { lat: 30.25, lon: 120.12 }));
    assert_eq!((mine[0].due, mine[0].state, mine[0].notes.as_str()), (due, TaskState::Due, "节前逐店自查"));
    let theirs = other.store.tasks(TaskView::Today, today).unwrap();
    assert_eq!(theirs.iter().map(|t| t.site_id.as_str()).collect::<Vec<_>>(), ["fw-b1"]);

    // One finishes offline: the phone counts it done before it syncs.
    let i = a.store.start_task(&mine[0].id).unwrap();
    assert_eq!((i.header.task_id.as_deref(), i.header.kind), (Some(mine[0].id.as_str()), InspectionKind::SelfInspection));
    pass_everything(&a.store, &i.id);
    a.store.submit(&i.id).unwrap();
    assert_eq!(a.store.tasks(TaskView::Today, today).unwrap().iter().map(|t| t.site_id.as_str()).collect::<Vec<_>>(), ["fw-a2"]);
    let done = a.store.tasks(TaskView::Done, today).unwrap();
    assert_eq!((done.len(), done[0].done_by.as_deref()), (1, Some(i.id.as_str())));
    assert_eq!(done[0].last_inspection.as_ref().map(|l| l.id.as_str()), Some(i.id.as_str()));
    assert!(a.sync().await.accepted.contains(&i.id));

    // The dashboard: done and due per community.
    let page = b.get(&plan_path).await.1;
    assert_eq!((count(&page, "zj/hz/xh/a", "done"), count(&page, "zj/hz/xh/a", "due")), (1, 1));
    assert_eq!((count(&page, "zj/hz/xh/b", "done"), count(&page, "zj/hz/xh/b", "due")), (0, 1));

    // After the due date the rest is missed, on the dashboard and the phones.
    server.state.clock.advance_days(21);
    let later = today.add_days(21);
    let page = b.get(&plan_path).await.1;
    assert_eq!((count(&page, "zj/hz/xh/a", "done"), count(&page, "zj/hz/xh/a", "missed")), (1, 1));
    assert_eq!((count(&page, "zj/hz/xh/b", "due"), count(&page, "zj/hz/xh/b", "missed")), (0, 1));
    let plan_id = plan_path.trim_start_matches("/plans/");
    let missed = b.get(&format!("/tasks?plan={plan_id}&state=missed")).await.1;
    assert!(missed.contains("转塘鞭炮行") && missed.contains("文新烟花零售点") && !missed.contains("转塘烟花店"));
    assert!(missed.contains("class=\"overdue\""), "missed tasks are highlighted");
    assert!(a.sync().await.tasks_updated, "a new day, a new list");
    let overdue = a.store.tasks(TaskView::Overdue, later).unwrap();
    assert_eq!(overdue.iter().map(|t| (t.site_id.as_str(), t.state)).collect::<Vec<_>>(), [("fw-a2", TaskState::Missed)]);
    for view in [TaskView::Today, TaskView::Overdue, TaskView::Upcoming, TaskView::Done] {
        assert!(other.store.tasks(view, later).unwrap().iter().all(|t| t.site_id == "fw-b1"), "only community b's");
    }

    // Another district's supervisor finds the plan exactly as a missing one.
    let far = far_supervisor(storage.as_ref()).await;
    with_password(&server, far).await;
    let far = Browser::signed_in(&server, far).await;
    let (hidden, missing) = (far.get(&plan_path).await, far.get("/plans/no-such-plan").await);
    assert_eq!((hidden.0, &hidden.1), (404, &missing.1));
    assert!(!far.get("/plans").await.1.contains("春节前"));
    assert!(!far.get("/tasks").await.1.contains("转塘"));
}

async fn principal(server: &TestServer, user: &str) -> Principal {
    let u = server.state.storage.users().await.unwrap().into_iter().find(|u| u.id == user).unwrap();
    Principal { user_id: u.id, name: u.name, role: u.role, scope: u.scope, device_id: "dashboard".into(), token_expires_at: i64::MAX }
}

async fn a_task_reassigned_while_offline_is_done_by_the_first_submission(server: TestServer) {
    let storage = server.state.storage.clone();
    let today = server.state.clock.today();
    let sup = principal(&server, "sup-1").await;
    let mut spec = PlanSpec {
        name: "危化品仓库月度巡查".into(),
        kind: InspectionKind::RoutinePatrol,
        template_id: "hazardous_chemicals".into(),
        assignee: Assignee::Person { user_id: "insp-1".into() },
        schedule: Schedule { repeat: Repeat::Once, starts: today, until: today.add_days(7) },
        notes: String::new(),
    };
    let sites = SiteChoice::Listed { sites: vec!["site-a1".into()] };
    let plan = redline_plans::create_plan(storage.as_ref(), &sup, spec.clone(), &sites).await.unwrap();

    // The first inspector takes the task offline and does it.
    let first = server.device("insp-1").await;
    first.sync().await;
    let task = first.store.tasks(TaskView::Today, today).unwrap().remove(0);
    let i1 = first.store.start_task(&task.id).unwrap();
    pass_all(&first.store, &i1.id, &[]);
    first.store.submit(&i1.id).unwrap();

    // Meanwhile the supervisor gives the work to someone else, who does it
    // too and syncs first.
    spec.assignee = Assignee::Person { user_id: "insp-2".into() };
    redline_plans::update_plan(storage.as_ref(), &sup, &plan.id, spec, &sites).await.unwrap();
    let second = server.device("insp-2").await;
    second.sync().await;
    let again = second.store.tasks(TaskView::Today, today).unwrap();
    assert_eq!(again.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [task.id.as_str()], "the same task, reassigned");
    let i2 = second.store.start_task(&task.id).unwrap();
    pass_all(&second.store, &i2.id, &[]);
    second.store.submit(&i2.id).unwrap();
    second.sync().await;

    // The first comes back: both inspections are kept.
    let report = first.sync().await;
    assert!(report.accepted.contains(&i1.id), "{report:?}");
    assert!(first.store.tasks(TaskView::Today, today).unwrap().is_empty(), "no longer theirs");
    let finished = |s: &redline_device::store::Store, id: &str| {
        let i = s.inspection(id).unwrap();
        assert_eq!(i.status, InspectionStatus::Submitted);
        i.finished_at.unwrap()
    };
    let (t1, t2) = (finished(&first.store, &i1.id), finished(&second.store, &i2.id));
    assert!(t1 <= t2, "the first inspector submitted first");
    let (winner, _) = first_completion([(i1.id.as_str(), t1), (i2.id.as_str(), t2)]).unwrap();
    assert_eq!(winner, i1.id, "the earlier submission does the task");

    // The dashboard and the second phone agree on who did it.
    let q = redline_plans::progress::TaskQuery { plan: Some(plan.id.clone()), limit: 10, ..Default::default() };
    let (rows, _) = redline_plans::progress::tasks(storage.as_ref(), &sup.scope, &q, today).await.unwrap();
    assert_eq!(rows.iter().map(|r| (r.id.as_str(), r.state)).collect::<Vec<_>>(), [(task.id.as_str(), TaskState::Done)]);
    let people = redline_plans::progress::by_person(storage.as_ref(), &sup.scope, &plan.id, today).await.unwrap();
    assert_eq!(people.iter().map(|(k, c)| (k.as_str(), c.done)).collect::<Vec<_>>(), [("done:insp-1-名", 1)]);
    second.sync().await;
    let seen = second.store.tasks(TaskView::Done, today).unwrap();
    assert_eq!(seen.iter().map(|t| t.done_by.as_deref()).collect::<Vec<_>>(), [Some(i1.id.as_str())]);
    let listed = redline_read_models::Reader { storage: storage.as_ref(), scope: &sup.scope, today }
        .inspections(&redline_read_models::filter::InspectionQuery { site: Some("site-a1".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2, "the other stays a normal inspection");
}
