//! The sync story, run against both storage backends: co-inspectors merge
//! offline work into one inspection, a hazard's life crosses roles and
//! devices, and scope keeps communities apart.

use redline_device::ErrorKind;
use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, HazardState, ListingLevel, TreatmentPlan};
use redline_device::inspection::*;
use redline_device::store::{HazardQuery, InspectionQuery, PhotoMeta};
use redline_device::time::Date;
use redline_tests::{TestServer, on_both_backends, pass_all};
use tokio_util::sync::CancellationToken;

on_both_backends!(co_inspectors_merge_into_one_inspection);
on_both_backends!(hazard_lifecycle_crosses_roles_and_devices);
on_both_backends!(scope_keeps_communities_apart);

fn finding(item: &str, text: &str) -> NewFinding {
    NewFinding {
        item_id: Some(item.into()),
        description: text.into(),
        grade: Grade::General,
        location: None,
        deadline: Some(Date::today().add_days(20)),
        responsible: Some("仓库主管".into()),
    }
}

async fn co_inspectors_merge_into_one_inspection(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    b.sync().await;
    // A starts; B joins from the id and header (a QR code), both offline.
    let started = a.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    b.store.join_inspection(&started.id, &started.header).unwrap();
    pass_all(&a.store, &started.id, &["H01", "H02", "H20"]);
    a.store.answer(&started.id, "H20", AnswerValue::Fail, Some("氧化剂与可燃物同库".into())).unwrap();
    let fa = a.store.add_finding(&started.id, finding("H20", "禁配物混存")).unwrap();
    b.store.answer(&started.id, "H01", AnswerValue::Pass, None).unwrap();
    b.store.answer(&started.id, "H02", AnswerValue::Fail, Some("电工证过期".into())).unwrap();
    let fb = b.store.add_finding(&started.id, finding("H02", "特种作业人员证书过期")).unwrap();
    // Both answer H20 — differently.
    b.store.answer(&started.id, "H20", AnswerValue::Pass, None).unwrap();

    a.sync().await;
    b.sync().await;
    a.sync().await;

    let on_a = a.store.inspection(&started.id).unwrap();
    let on_b = b.store.inspection(&started.id).unwrap();
    assert_eq!(on_a, on_b, "both devices hold one inspection");
    assert!(on_a.findings.contains_key(&fa) && on_a.findings.contains_key(&fb), "no finding lost");
    assert_eq!(on_a.inspectors.len(), 2);
    let conflict = on_a.conflicts.iter().find(|c| c.path == "answers/H20").expect("H20 conflict");
    let authors: Vec<&str> = conflict.values.iter().filter_map(|v| v.by.as_ref()).map(|p| p.user_id.as_str()).collect();
    assert!(authors.contains(&"insp-1") && authors.contains(&"insp-2"), "{conflict:?}");
    assert_eq!(conflict.values.len(), 2);
    // The server holds the same merged document.
    let stored = server.state.storage.document(&started.id).await.unwrap().unwrap();
    let server_copy =
        redline_device::doc::InspectionDoc::read_from(&started.id, &automerge::AutoCommit::load(&stored.snapshot).unwrap()).unwrap();
    assert_eq!(server_copy, on_a);

    // A resolves the conflict; it disappears everywhere.
    let fail = conflict.values.iter().find(|v| v.value.contains("fail")).unwrap().value.clone();
    a.store.resolve_conflict(&started.id, "answers/H20", &fail).unwrap();
    a.sync().await;
    b.sync().await;
    let resolved = b.store.inspection(&started.id).unwrap();
    assert!(resolved.conflicts.is_empty(), "{:?}", resolved.conflicts);
    assert_eq!(resolved.answers["H20"].value, AnswerValue::Fail);
}

async fn hazard_lifecycle_crosses_roles_and_devices(server: TestServer) {
    let insp = server.device("insp-1").await;
    let asst = server.device("asst-a").await;
    let sup = server.device("sup-1").await;
    insp.sync().await;
    let i = insp.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    pass_all(&insp.store, &i.id, &["H12"]);
    insp.store.answer(&i.id, "H12", AnswerValue::Fail, None).unwrap();
    let f = insp.store.add_finding(&i.id, finding("H12", "爆炸危险区域使用非防爆电机")).unwrap();
    insp.store.attach_photo(&i.id, PhotoOwner::Finding(f.clone()), b"motor photo", PhotoMeta::default()).unwrap();
    let hazards = insp.store.submit(&i.id).unwrap();
    assert_eq!(hazards, vec![f.clone()]);
    insp.sync().await;
    asst.sync().await;
    sup.sync().await;
    assert_eq!(asst.store.hazard(&f).unwrap().status.state, HazardState::Ordered);

    // Offline at the same time: the supervisor lists it, the assistant
    // records the enterprise's plan and fix with photos.
    sup.store.transition(&f, Action::List { level: ListingLevel::County }, "县级挂牌督办", &[]).unwrap();
    let plan = TreatmentPlan {
        responsibility: "厂长".into(),
        measures: "更换防爆电机".into(),
        deadline: Date::today().add_days(10),
        funds: "2万元".into(),
        contingency: "停用该区域".into(),
    };
    asst.store.transition(&f, Action::StartFix { plan: Some(plan) }, "", &[]).unwrap();
    asst.store.transition(&f, Action::ReportFix, "已更换", &[(b"after photo".to_vec(), PhotoMeta::default())]).unwrap();
    // The assistant may not accept a major hazard's re-check.
    let refused = asst.store.transition(&f, Action::Recheck { accepted: true }, "", &[(b"x".to_vec(), PhotoMeta::default())]).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotAllowed);

    sup.sync().await;
    asst.sync().await;
    insp.sync().await;
    let h = insp.store.hazard(&f).unwrap();
    assert_eq!(h.status.state, HazardState::FixReported);
    assert_eq!(h.status.listed, Some(ListingLevel::County));
    insp.store.transition(&f, Action::Recheck { accepted: true }, "复查合格", &[(b"recheck".to_vec(), PhotoMeta::default())]).unwrap();
    insp.sync().await;
    sup.sync().await;
    assert_eq!(sup.store.hazard(&f).unwrap().status.state, HazardState::Accepted);
    sup.store.transition(&f, Action::Delist, "摘牌销号", &[]).unwrap();
    sup.sync().await;
    insp.sync().await;
    asst.sync().await;

    let views = [insp.store.hazard(&f).unwrap(), asst.store.hazard(&f).unwrap(), sup.store.hazard(&f).unwrap()];
    assert!(views.iter().all(|v| v == &views[0]), "one history, one state everywhere");
    assert_eq!(views[0].status.state, HazardState::Closed);
    assert_eq!(views[0].transitions.len(), 5);
    assert!(views[0].status.superseded.is_empty());
    // The evidence photo reached the supervisor's side through the server.
    let evidence = views[0].transitions.iter().find(|t| t.action == Action::ReportFix).unwrap().evidence[0].clone();
    let bytes = sup.client.fetch_blob(&sup.store, &evidence, &CancellationToken::new()).await.unwrap();
    assert_eq!(bytes, b"after photo");
    let listed = sup.store.hazards(&HazardQuery::default(), Date::today()).unwrap();
    assert_eq!(listed[0].state, HazardState::Closed);
}

async fn scope_keeps_communities_apart(server: TestServer) {
    let insp = server.device("insp-1").await;
    let asst_a = server.device("asst-a").await;
    let asst_b = server.device("asst-b").await;
    insp.sync().await;
    let in_b = insp.store.start_inspection("site-b1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let photo = insp.store.attach_photo(&in_b.id, PhotoOwner::Answer("H01".into()), b"b-only photo", PhotoMeta::default()).unwrap();
    let in_a = insp.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    insp.sync().await;

    asst_a.sync().await;
    asst_b.sync().await;
    let seen_a: Vec<String> = asst_a.store.inspections(&InspectionQuery::default()).unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(seen_a, vec![in_a.id.clone()]);
    let seen_b: Vec<String> = asst_b.store.inspections(&InspectionQuery::default()).unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(seen_b, vec![in_b.id.clone()]);
    assert_eq!(asst_a.store.sites("", 10).unwrap().iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), vec!["site-a1", "site-a2"]);
    // Colleagues come down by name: district staff and A's own assistant,
    // never the other community's.
    let people: Vec<String> = asst_a.store.people().unwrap().into_iter().map(|p| p.user_id).collect();
    assert!(people.contains(&"insp-1".to_string()) && people.contains(&"asst-a".to_string()), "{people:?}");
    assert!(!people.contains(&"asst-b".to_string()), "{people:?}");

    // B's photo does not exist for A: the same answer as a missing one.
    let err = asst_a.client.fetch_blob(&asst_a.store, &photo.hash, &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let missing = "0".repeat(64);
    let err2 = asst_a.client.fetch_blob(&asst_a.store, &missing, &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err2.to_string(), err.to_string());
    assert_eq!(asst_b.client.fetch_blob(&asst_b.store, &photo.hash, &CancellationToken::new()).await.unwrap(), b"b-only photo");
}
