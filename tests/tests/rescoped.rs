//! A user re-scoped while the phone is offline with a day's work on it:
//! an inspector of the whole district is narrowed to community a (moved to
//! another post) before the phone comes back. Its work in community a
//! still goes up; its work in community b is refused with a reason and
//! kept in the phone's quarantine (listed, exported byte for byte); nothing
//! of community b comes down any more; and another user of the same phone
//! (a shared phone: their own store and token) is not affected.

use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_domain::sync::chunks::split_changes;
use redline_storage::{Scope, UserRecord};
use redline_tests::{TestServer, heads, on_both_backends, pass_fail_items};

on_both_backends!(work_outside_a_new_scope_is_quarantined_and_stops_syncing);

async fn work_outside_a_new_scope_is_quarantined_and_stops_syncing(server: TestServer) {
    let phone = server.device("insp-1").await;
    let shared = server.device("insp-2").await;
    let supervisor = server.device("sup-1").await;
    for d in [&phone, &shared, &supervisor] {
        d.sync().await;
    }
    let items = pass_fail_items(&phone.store);
    let (first, second) = (items[0].clone(), items[1].clone());
    let in_a = phone.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
    let in_b = phone.store.start_inspection("site-b1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
    phone.sync().await;
    supervisor.sync().await;

    // Offline: a day's work in both communities.
    phone.store.answer(&in_a, &first, AnswerValue::Fail, Some("甲社区 通道堵塞".into())).unwrap();
    phone.store.answer(&in_b, &first, AnswerValue::Fail, Some("乙社区 灭火器过期".into())).unwrap();
    // Meanwhile the inspector is moved to community a only.
    let users = server.state.storage.users().await.unwrap();
    let mut me: UserRecord = users.into_iter().find(|u| u.id == "insp-1").unwrap();
    me.scope = Scope { areas: vec!["zj/hz/xh/a".into()], sites: vec![] };
    server.state.storage.put_user(&me).await.unwrap();

    // Back online: a goes up, b is refused with a reason and quarantined.
    let report = phone.sync().await;
    assert!(report.accepted.contains(&in_a), "the work in scope went up: {report:?}");
    let (refused, why) = report.rejected.iter().find(|(id, _)| *id == in_b).cloned().expect("the work out of scope was refused");
    assert!(!why.is_empty(), "a refusal says why");
    let mut server_a = server.doc(&in_a).await.unwrap();
    assert!(heads(&mut server_a).iter().all(|h| phone.doc(&in_a).get_change_by_hash(h).is_some()), "the server holds the phone's a");
    let q = phone.store.quarantine().unwrap();
    let held = q.iter().find(|q| q.doc_id == refused).expect("the refused work is in the quarantine");
    assert_eq!(held.reason, why);
    let exported = phone.store.export_quarantined(held.id).unwrap();
    assert_eq!(exported.len() as u64, held.size);
    let changes = split_changes(&exported, 100).unwrap();
    assert!(!changes.is_empty(), "the quarantine holds the refused changes themselves");
    let server_b = server.doc(&in_b).await.unwrap();
    let note_reached_server = redline_device::doc::InspectionDoc::read_from(&in_b, &server_b)
        .unwrap()
        .answers
        .values()
        .any(|a| a.note.as_deref() == Some("乙社区 灭火器过期"));
    assert!(!note_reached_server, "nothing refused reached the server");

    // Nothing of community b comes down any more.
    supervisor.sync().await;
    supervisor.store.answer(&in_b, &second, AnswerValue::Pass, Some("督导复核".into())).unwrap();
    supervisor.sync().await;
    phone.sync().await;
    let seen = phone.store.inspection(&in_b).ok().and_then(|i| i.answers.get(&second).and_then(|a| a.note.clone()));
    assert_eq!(seen, None, "the supervisor's later work in b reached a phone no longer scoped to it");

    // The other user of the phone still sees and works in both.
    shared.sync().await;
    let i = shared.store.inspection(&in_b).expect("the shared phone's other user still has b");
    assert_eq!(i.answers.get(&second).and_then(|a| a.note.as_deref()), Some("督导复核"));
    shared.store.answer(&in_b, &first, AnswerValue::Pass, Some("二号检查员".into())).unwrap();
    let report = shared.sync().await;
    assert!(report.accepted.contains(&in_b) && report.rejected.is_empty(), "{report:?}");
}
