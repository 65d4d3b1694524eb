//! Each step of the inspection rules on its own, on hand-built read models:
//! what it lets through and the refusal it gives, plus the order in which
//! `check_inspection` runs them.

use super::*;
use crate::inspection::{AnswerValue, ConflictValue, Finding, InspectionHeader, PhotoOwner, PhotoRef, Signature};
use crate::people::Person;
use std::collections::BTreeMap;

fn person(id: &str) -> Person {
    Person { user_id: id.into(), name: id.into() }
}

fn inspector(id: &str) -> Uploader {
    Uploader { user_id: id.into(), role: Role::Inspector }
}

fn draft() -> Inspection {
    Inspection {
        id: "i-1".into(),
        header: InspectionHeader {
            task_id: None,
            site_id: "site-1".into(),
            site_name: "化工厂".into(),
            kind: InspectionKind::RoutinePatrol,
            template_id: "hazardous_chemicals".into(),
            template_version: 1,
            created_by: person("insp-1"),
            started_at: 0,
        },
        inspectors: vec![person("insp-1")],
        location: None,
        finished_at: None,
        status: InspectionStatus::Draft,
        submitted_by: None,
        answers: BTreeMap::new(),
        findings: BTreeMap::new(),
        signatures: BTreeMap::new(),
        photos: BTreeMap::new(),
        amendments: vec![],
        conflicts: vec![],
    }
}

fn submitted() -> Inspection {
    Inspection { status: InspectionStatus::Submitted, ..draft() }
}

fn answer(by: &str, value: AnswerValue) -> Answer {
    Answer { value, note: None, by: person(by), at: 1 }
}

fn finding(id: &str, by: &str) -> Finding {
    Finding {
        id: id.into(),
        item_id: None,
        description: "消防通道堵塞".into(),
        grade: crate::inspection::Grade::General,
        location: None,
        deadline: None,
        responsible: None,
        by: person(by),
        at: 1,
    }
}

fn amendment(target: AmendmentTarget, by: &str) -> Amendment {
    Amendment { id: format!("a-{target}"), reason: "复核".into(), target, by: person(by), at: 2 }
}

fn conflict(path: FieldPath, values: &[&Answer]) -> Conflict {
    Conflict {
        path,
        values: values.iter().map(|a| ConflictValue { value: serde_json::to_string(a).unwrap(), by: Some(a.by.clone()) }).collect(),
    }
}

fn check(before: Option<&Inspection>, after: &Inspection, who: &str) -> Checked {
    check_inspection(before, after, &inspector(who))
}

fn upload<'a>(before: Option<&'a Inspection>, after: &'a Inspection, who: &'a Uploader) -> Upload<'a> {
    Upload { before, after, who }
}

#[test]
fn the_header_is_written_once_and_an_assistant_starts_only_their_kinds() {
    let b = draft();
    let mut a = draft();
    a.header.site_name = "另一个厂".into();
    assert_eq!(check(Some(&b), &a, "insp-1"), Err(ChangeRefusal::HeaderChanged(DocKind::Inspection)));
    let a = Inspection { conflicts: vec![Conflict { path: FieldPath::root("header"), values: vec![] }], ..draft() };
    assert_eq!(check(Some(&b), &a, "insp-1"), Err(ChangeRefusal::HeaderChanged(DocKind::Inspection)));

    let assistant = Uploader { user_id: "asst-1".into(), role: Role::CommunityAssistant };
    assert_eq!(upload(None, &draft(), &assistant).header(), Err(ChangeRefusal::AssistantKind));
    let mut own = draft();
    own.header.kind = InspectionKind::SelfInspection;
    assert_eq!(upload(None, &own, &assistant).header(), Ok(()));
    assert_eq!(upload(Some(&b), &b, &assistant).header(), Ok(()), "only starting one is limited");
}

#[test]
fn a_submitted_inspection_stays_submitted() {
    let who = inspector("insp-1");
    assert_eq!(upload(Some(&submitted()), &draft(), &who).status(), Err(ChangeRefusal::BackToDraft));
    assert_eq!(upload(Some(&draft()), &submitted(), &who).status(), Ok(()));
}

#[test]
fn answers_are_the_uploaders_unless_they_settle_a_stored_conflict() {
    let who = inspector("insp-1");
    let b = draft();
    let mut a = draft();
    a.answers.insert("H01".into(), answer("insp-1", AnswerValue::Pass));
    assert_eq!(upload(Some(&b), &a, &who).answers(), Ok(()));
    a.answers.insert("H02".into(), answer("insp-2", AnswerValue::Fail));
    assert_eq!(upload(Some(&b), &a, &who).answers(), Err(ChangeRefusal::AnswerOfOther { item: "H02".into(), by: "insp-2".into() }));

    // insp-2's value was one side of a stored conflict: choosing it is fine.
    let theirs = answer("insp-2", AnswerValue::Fail);
    let mut b = draft();
    b.answers.insert("H02".into(), answer("insp-1", AnswerValue::Pass));
    b.conflicts.push(conflict(FieldPath::answer("H02"), &[&answer("insp-1", AnswerValue::Pass), &theirs]));
    let mut a = b.clone();
    a.conflicts.clear();
    a.answers.insert("H02".into(), theirs);
    assert_eq!(upload(Some(&b), &a, &who).answers(), Ok(()));
}

#[test]
fn answers_and_findings_are_never_removed() {
    let who = inspector("insp-1");
    let mut b = draft();
    b.answers.insert("H01".into(), answer("insp-1", AnswerValue::Pass));
    b.findings.insert("f-1".into(), finding("f-1", "insp-1"));
    let mut a = b.clone();
    a.answers.clear();
    assert_eq!(upload(Some(&b), &a, &who).nothing_removed(), Err(ChangeRefusal::AnswerRemoved { item: "H01".into() }));
    let mut a = b.clone();
    a.findings.clear();
    assert_eq!(upload(Some(&b), &a, &who).nothing_removed(), Err(ChangeRefusal::FindingRemoved { id: "f-1".into() }));
}

#[test]
fn a_losing_concurrent_answer_is_checked_too() {
    let who = inspector("insp-1");
    let b = draft();
    let (mine, theirs) = (answer("insp-1", AnswerValue::Pass), answer("insp-2", AnswerValue::Fail));
    let mut a = draft();
    a.answers.insert("H01".into(), mine.clone());
    a.conflicts.push(conflict(FieldPath::answer("H01"), &[&mine, &theirs]));
    assert_eq!(upload(Some(&b), &a, &who).conflicts(), Err(ChangeRefusal::AnswerOfOther { item: "H01".into(), by: "insp-2".into() }));

    // The other value is the one stored: this upload did not write it.
    let mut b = draft();
    b.answers.insert("H01".into(), theirs.clone());
    assert_eq!(upload(Some(&b), &a, &who).conflicts(), Ok(()));

    a.conflicts[0].values[1].value = "{not json".into();
    let Err(ChangeRefusal::AnswerUnreadable { item, .. }) = upload(Some(&b), &a, &who).conflicts() else { panic!("unreadable") };
    assert_eq!(item, "H01");
}

#[test]
fn findings_are_the_uploaders_and_keep_author_time_and_item() {
    let who = inspector("insp-1");
    let b = draft();
    let mut a = draft();
    a.findings.insert("f-1".into(), finding("f-1", "insp-2"));
    assert_eq!(upload(Some(&b), &a, &who).findings(), Err(ChangeRefusal::FindingOfOther { id: "f-1".into(), by: "insp-2".into() }));

    let b = a.clone();
    let mut edited = a.clone();
    edited.findings.get_mut("f-1").unwrap().description = "已清理".into();
    assert_eq!(upload(Some(&b), &edited, &who).findings(), Ok(()), "anyone may edit a colleague's finding");
    edited.findings.get_mut("f-1").unwrap().item_id = Some("H01".into());
    assert_eq!(upload(Some(&b), &edited, &who).findings(), Err(ChangeRefusal::FindingRewritten { id: "f-1".into() }));
}

#[test]
fn photos_and_new_inspectors_are_the_uploaders() {
    let who = inspector("insp-1");
    let mut a = draft();
    let photo = PhotoRef {
        hash: "ab12".into(),
        thumb_hash: None,
        owner: PhotoOwner::Answer("H01".into()),
        size: 1,
        width: 0,
        height: 0,
        taken_at: 1,
        location: None,
        by: person("insp-2"),
    };
    a.photos.insert("ab12".into(), photo);
    assert_eq!(upload(None, &a, &who).photos(), Err(ChangeRefusal::PhotoOfOther { hash: "ab12".into(), by: "insp-2".into() }));

    let mut a = draft();
    a.inspectors.push(person("insp-2"));
    assert_eq!(upload(Some(&draft()), &a, &who).inspectors(), Err(ChangeRefusal::InspectorAddedByOther { user: "insp-2".into() }));
    assert_eq!(upload(None, &a, &who).inspectors(), Ok(()), "whoever starts it lists its inspectors");
    assert_eq!(upload(Some(&draft()), &a, &inspector("insp-2")).inspectors(), Ok(()));
}

#[test]
fn signatures_fill_ones_own_slot_once_before_submit() {
    let who = inspector("insp-1");
    let sig = |by: &str, role| Signature { signer_name: by.into(), role, image_hash: "cd34".into(), by: person(by), at: 1 };
    let signed = |key: &str, s: Signature| {
        let mut i = draft();
        i.signatures.insert(key.into(), s);
        i
    };
    let mine = signed("inspector:insp-1", sig("insp-1", SignerRole::Inspector));
    assert_eq!(upload(Some(&draft()), &mine, &who).signatures(), Ok(()));
    let wrong_slot = signed("inspector:insp-2", sig("insp-1", SignerRole::Inspector));
    assert_eq!(
        upload(Some(&draft()), &wrong_slot, &who).signatures(),
        Err(ChangeRefusal::SignatureNotOwnSlot { key: "inspector:insp-2".into() })
    );
    let theirs = signed("enterprise", sig("insp-2", SignerRole::Enterprise));
    let over = signed("enterprise", sig("insp-1", SignerRole::Enterprise));
    assert_eq!(
        upload(Some(&theirs), &over, &who).signatures(),
        Err(ChangeRefusal::SignatureOfOther { key: "enterprise".into(), owner: "insp-2".into() })
    );
    let late = Inspection { status: InspectionStatus::Submitted, ..mine.clone() };
    assert_eq!(
        upload(Some(&submitted()), &late, &who).signatures(),
        Err(ChangeRefusal::SignatureAfterSubmit { key: "inspector:insp-1".into() })
    );
    assert_eq!(
        upload(Some(&mine), &draft(), &who).signatures(),
        Err(ChangeRefusal::SignatureRemoved { key: "inspector:insp-1".into(), by: "insp-1".into() })
    );
}

#[test]
fn what_changed_is_every_new_or_changed_answer_and_finding() {
    let who = inspector("insp-1");
    let mut b = submitted();
    b.answers.insert("H01".into(), answer("insp-1", AnswerValue::Pass));
    b.findings.insert("f-1".into(), finding("f-1", "insp-1"));
    let mut a = b.clone();
    assert!(upload(Some(&b), &a, &who).changed().is_empty());
    a.answers.insert("H02".into(), answer("insp-1", AnswerValue::Pass));
    a.findings.get_mut("f-1").unwrap().description = "已清理".into();
    a.conflicts.push(Conflict { path: "findings/f-2/deadline".parse().unwrap(), values: vec![] });
    a.conflicts.push(Conflict { path: FieldPath::answer("H03"), values: vec![] });
    a.conflicts.push(Conflict { path: "signatures/enterprise".parse().unwrap(), values: vec![] });
    let changed: Vec<String> = upload(Some(&b), &a, &who).changed().iter().map(ToString::to_string).collect();
    assert_eq!(changed, ["answer H02", "answer H03", "finding f-1", "finding f-2"]);
}

#[test]
fn after_submit_amendments_only_grow_are_officials_and_cover_every_change() {
    let who = inspector("insp-1");
    let b = submitted();
    let mut a = submitted();
    a.answers.insert("H01".into(), answer("insp-1", AnswerValue::Fail));
    assert_eq!(upload(Some(&b), &a, &who).amendments(), Err(ChangeRefusal::NotAmended(AmendmentTarget::Answer("H01".into()))));
    a.amendments.push(amendment(AmendmentTarget::Answer("H01".into()), "insp-1"));
    assert_eq!(upload(Some(&b), &a, &who).amendments(), Ok(()));

    let assistant = Uploader { user_id: "insp-1".into(), role: Role::CommunityAssistant };
    assert_eq!(upload(Some(&b), &a, &assistant).amendments(), Err(ChangeRefusal::AmendmentNotOfficial));
    assert_eq!(upload(Some(&a), &b, &who).amendments(), Err(ChangeRefusal::AmendmentsRewritten));
    assert_eq!(upload(Some(&draft()), &Inspection { status: InspectionStatus::Draft, ..a.clone() }, &who).amendments(), Ok(()));
    let other = AmendmentTarget::from("signature enterprise");
    let mut a = submitted();
    a.amendments.push(amendment(other, "insp-1"));
    assert_eq!(upload(Some(&b), &a, &who).amendments(), Ok(()), "an unknown target covers nothing and needs nothing");
}

#[test]
fn the_first_rule_broken_is_the_reason() {
    // Back to draft and an unamended change: the status step comes first.
    let mut b = submitted();
    b.answers.insert("H01".into(), answer("insp-1", AnswerValue::Pass));
    let mut a = draft();
    a.answers.insert("H01".into(), answer("insp-2", AnswerValue::Fail));
    assert_eq!(check(Some(&b), &a, "insp-1"), Err(ChangeRefusal::BackToDraft));
    let a = Inspection { status: InspectionStatus::Submitted, ..a };
    assert_eq!(check(Some(&b), &a, "insp-1"), Err(ChangeRefusal::AnswerOfOther { item: "H01".into(), by: "insp-2".into() }));
    assert_eq!(check(Some(&b), &a, "insp-2"), Err(ChangeRefusal::NotAmended(AmendmentTarget::Answer("H01".into()))));
    // A new document has no history to amend.
    let mut new = submitted();
    new.amendments.push(amendment(AmendmentTarget::Answer("H01".into()), "asst-1"));
    assert_eq!(check_inspection(None, &new, &Uploader { user_id: "insp-1".into(), role: Role::Inspector }), Ok(()));
}
