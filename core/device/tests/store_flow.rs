//! An inspection from start to submitted hazards, on a real SQLite file,
//! and the lists a phone draws from the index tables.

mod common;

use common::*;
use redline_device::ErrorKind;
use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, HazardState};
use redline_device::inspection::*;
use redline_device::people::Role;
use redline_device::store::{DocKind, HazardQuery, InspectionQuery, PhotoMeta, StoreChange, StoreObserver};
use redline_device::time::Date;
use std::sync::{Arc, Mutex};

/// Answers every visible item of the hazardous-chemicals checklist: H12
/// fails, H26 reads high, everything else passes.
fn answer_all(store: &redline_device::store::Store, id: &str) {
    let t = store.template("hazardous_chemicals", None).unwrap();
    for (_, item) in t.items() {
        let v = match item.id.as_str() {
            "H12" => AnswerValue::Fail,
            "H26" => AnswerValue::Number(31.0),
            _ => match &item.answer {
                redline_device::template::AnswerType::Number { min, .. } => AnswerValue::Number(min.unwrap_or(0.0)),
                _ => AnswerValue::Pass,
            },
        };
        store.answer(id, &item.id, v, None).unwrap();
    }
}

#[test]
fn inspection_is_answered_submitted_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "phone.db", identity("insp-1", Role::Inspector));
    let i = store.start_inspection("site-1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    assert_eq!(i.status, InspectionStatus::Draft);
    assert_eq!(i.header.site_name, "西湖化工仓库");

    answer_all(&store, &i.id);
    // Submit is refused until every failure has a finding and a photo.
    let err = store.submit(&i.id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("H12"), "{err}");
    assert!(err.to_string().contains("H26"), "{err}");

    let deadline = Date::today().add_days(15);
    let f1 = store
        .add_finding(
            &i.id,
            NewFinding {
                item_id: Some("H12".into()),
                description: "甲类仓库内使用非防爆照明灯具".into(),
                grade: Grade::General, // raised to major: H12 is a determination-standard item
                location: None,
                deadline: Some(deadline),
                responsible: Some("王经理".into()),
            },
        )
        .unwrap();
    let f2 = store
        .add_finding(
            &i.id,
            NewFinding {
                item_id: Some("H26".into()),
                description: "可燃气体报警仪读数偏高，疑似泄漏".into(),
                grade: Grade::General,
                location: None,
                deadline: Some(deadline),
                responsible: Some("李主任".into()),
            },
        )
        .unwrap();
    store.attach_photo(&i.id, PhotoOwner::Finding(f1.clone()), &photo("lamp"), PhotoMeta::default()).unwrap();
    store.attach_photo(&i.id, PhotoOwner::Answer("H26".into()), &photo("meter"), PhotoMeta::default()).unwrap();
    store.sign(&i.id, "王经理", SignerRole::Enterprise, &photo("sig")).unwrap();

    let summary = store.summary(&i.id).unwrap();
    assert_eq!(summary.failed, 2);
    assert_eq!(summary.major_hazard_items, vec!["H12".to_string()]);
    assert_eq!(summary.outcome, Outcome::MajorHazard);

    let hazards = store.submit(&i.id).unwrap();
    assert_eq!(hazards.len(), 2);
    let major = store.hazard(&f1).unwrap();
    assert_eq!(major.status.grade, Grade::Major);
    assert_eq!(major.status.state, HazardState::Ordered);
    assert_eq!(major.photos.len(), 1);
    assert_eq!(store.hazard(&f2).unwrap().status.grade, Grade::General);

    // A submitted inspection is read-only except by amendment.
    let err = store.answer(&i.id, "H01", AnswerValue::Fail, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAllowed);
    store.amend_answer(&i.id, "H01", AnswerValue::Pass, Some("复核证书".into()), "证书复印件补交").unwrap();
    let amended = store.inspection(&i.id).unwrap();
    assert_eq!(amended.amendments.len(), 1);
    assert_eq!(amended.amendments[0].target, "answer H01");

    // Lists come from the index tables.
    let submitted = store.inspections(&InspectionQuery { status: Some(InspectionStatus::Submitted), ..Default::default() }).unwrap();
    assert_eq!(submitted.len(), 1);
    assert_eq!(submitted[0].failed, 2);
    assert_eq!(submitted[0].outcome, Some(Outcome::MajorHazard));
    let mine =
        store.inspections(&InspectionQuery { participant: Some("insp-1".into()), day: Some(Date::today()), ..Default::default() }).unwrap();
    assert_eq!(mine.len(), 1);
    let open = store.hazards(&HazardQuery { open_only: true, ..Default::default() }, Date::today()).unwrap();
    assert_eq!(open.len(), 2);
    assert!(open.iter().all(|h| !h.overdue));
    let overdue = store.hazards(&HazardQuery { overdue_only: true, ..Default::default() }, deadline.add_days(1)).unwrap();
    assert_eq!(overdue.len(), 2);
    let majors = store.hazards(&HazardQuery { grade: Some(Grade::Major), ..Default::default() }, Date::today()).unwrap();
    assert_eq!(majors.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), vec![f1.clone()]);

    // Chinese full-text search: trigram for 3+ characters, LIKE for 2.
    let hits = store.search("防爆照明", 10).unwrap();
    assert!(hits.iter().any(|h| h.doc_id == i.id), "{hits:?}");
    assert!(hits.iter().any(|h| h.doc_id == f1 && h.kind == DocKind::Hazard), "{hits:?}");
    let short = store.search("泄漏", 10).unwrap();
    assert!(short.iter().any(|h| h.doc_id == f2), "{short:?}");
    assert!(store.search("不存在的词语", 10).unwrap().is_empty());
}

#[test]
fn data_survives_reopen_and_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let who = identity("insp-1", Role::Inspector);
    let id = {
        let store = open(dir.path(), "phone.db", who.clone());
        let i = store.start_inspection("site-1", InspectionKind::SpecialCampaign, "hazardous_chemicals").unwrap();
        // More edits than the compaction threshold, with notes that change.
        for n in 0..(redline_device::store::COMPACT_AFTER + 10) {
            store.answer(&i.id, "H01", AnswerValue::Pass, Some(format!("第{n}次核对"))).unwrap();
        }
        i.id
    };
    let store = redline_device::store::Store::open(dir.path().join("phone.db"), who).unwrap();
    let i = store.inspection(&id).unwrap();
    let last = redline_device::store::COMPACT_AFTER + 9;
    assert_eq!(i.answers["H01"].note.as_deref(), Some(format!("第{last}次核对").as_str()));
    store.check_integrity().unwrap();
}

#[derive(Default)]
struct Recorder(Mutex<Vec<StoreChange>>);

impl StoreObserver for Recorder {
    fn on_change(&self, change: &StoreChange) {
        self.0.lock().unwrap().push(change.clone());
    }
}

#[test]
fn observers_hear_commits_until_unsubscribed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "phone.db", identity("insp-1", Role::Inspector));
    let rec = Arc::new(Recorder::default());
    let sub = store.subscribe(rec.clone());
    let i = store.start_inspection("site-1", InspectionKind::RoutinePatrol, "food_safety").unwrap();
    store.answer(&i.id, "D01", AnswerValue::Pass, None).unwrap();
    // A refused edit commits nothing and notifies nobody.
    assert!(store.answer(&i.id, "NOPE", AnswerValue::Pass, None).is_err());
    assert_eq!(rec.0.lock().unwrap().len(), 2);
    assert!(rec.0.lock().unwrap().iter().all(|c| c.inspections == vec![i.id.clone()]));
    drop(sub);
    store.answer(&i.id, "D02", AnswerValue::Pass, None).unwrap();
    assert_eq!(rec.0.lock().unwrap().len(), 2);
}

#[test]
fn hazard_transitions_are_durable_and_refusals_typed() {
    let dir = tempfile::tempdir().unwrap();
    let who = identity("insp-1", Role::Inspector);
    let store = open(dir.path(), "phone.db", who.clone());
    let i = store.start_inspection("site-2", InspectionKind::SpecialCampaign, "fireworks").unwrap();
    store.answer(&i.id, "F00", AnswerValue::Choice(vec!["retail".into()]), None).unwrap();
    let t = store.template("fireworks", None).unwrap();
    let inspection = store.inspection(&i.id).unwrap();
    let answered: std::collections::BTreeMap<&str, &AnswerValue> = inspection.answers.iter().map(|(k, a)| (k.as_str(), &a.value)).collect();
    let visible: Vec<String> = t.visible_items(&answered).iter().map(|i| i.id.clone()).collect();
    assert!(visible.iter().any(|v| v.starts_with('R')), "retail items visible: {visible:?}");
    assert!(!visible.iter().any(|v| v == "F05"), "producer items hidden for a retail point");
    for item in &visible {
        if item == "F00" {
            continue;
        }
        let it = t.item(item).unwrap();
        let v = match &it.answer {
            redline_device::template::AnswerType::Number { min, .. } => AnswerValue::Number(min.unwrap_or(0.0) + 100.0),
            _ if item == "R12" => AnswerValue::Fail,
            _ => AnswerValue::Pass,
        };
        store.answer(&i.id, item, v, None).unwrap();
    }
    let f = store
        .add_finding(
            &i.id,
            NewFinding {
                item_id: Some("R12".into()),
                description: "店内电线私拉乱接".into(),
                grade: Grade::General,
                location: None,
                deadline: None,
                responsible: None,
            },
        )
        .unwrap();
    store.attach_photo(&i.id, PhotoOwner::Finding(f.clone()), &photo("wire"), PhotoMeta::default()).unwrap();
    store.submit(&i.id).unwrap();
    assert_eq!(store.hazard(&f).unwrap().status.state, HazardState::Found);

    let err = store.transition(&f, Action::ReportFix, "已整改", &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "evidence is required: {err}");
    let deadline = Date::today().add_days(7);
    store.transition(&f, Action::Order { deadline, responsible: "店主".into() }, "", &[]).unwrap();
    store.transition(&f, Action::ReportFix, "已重新布线", &[(photo("after"), PhotoMeta::default())]).unwrap();
    drop(store);

    let store = redline_device::store::Store::open(dir.path().join("phone.db"), who).unwrap();
    let h = store.hazard(&f).unwrap();
    assert_eq!(h.status.state, HazardState::FixReported);
    assert_eq!(h.transitions.len(), 2);
    let evidence = &h.transitions[1].evidence;
    assert_eq!(store.blob(&evidence[0]).unwrap(), photo("after"));
    let list = store.hazards(&HazardQuery { open_only: true, ..Default::default() }, Date::today()).unwrap();
    assert_eq!(list[0].state, HazardState::FixReported);
    assert_eq!(list[0].deadline, Some(deadline));
}
