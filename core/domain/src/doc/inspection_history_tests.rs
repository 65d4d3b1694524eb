//! Settling a conflict on a submitted inspection: the chosen value is kept
//! with its author, the change is an amendment the sync rules accept, and
//! only an official may change a submitted record so.

use super::*;
use crate::people::Role;
use crate::sync::rules::{Uploader, check_inspection};
use crate::template::{AnswerType, builtin_template};

const ID: &str = "7c2e1a90-5d4b-4f7e-8a13-2b9c6d0e4f51";
/// 2026-03-10 10:00 in China.
const T0: Millis = 1_773_108_000_000;

fn who(user: &str, role: Role) -> Identity {
    Identity { user_id: user.into(), name: format!("{user} 名"), role, device_id: format!("device-{user}") }
}

fn uploader(i: &Identity) -> Uploader {
    Uploader { user_id: i.user_id.clone(), role: i.role }
}

/// A submitted inspection whose H20 two inspectors answered at once (pass
/// and not applicable), and the two answers: (doc, shown, other).
fn submitted_with_conflict() -> (InspectionDoc, Answer, Answer) {
    let t = builtin_template("hazardous_chemicals").unwrap();
    let (zhang, li) = (who("insp-zhang", Role::Inspector), who("insp-li", Role::Inspector));
    let header = InspectionHeader {
        task_id: None,
        site_id: "site-1".into(),
        site_name: "西湖化工仓库".into(),
        kind: InspectionKind::Enforcement,
        template_id: t.id.clone(),
        template_version: t.version,
        created_by: zhang.person(),
        started_at: T0,
    };
    let mut a = InspectionDoc::create(ID, &header, &zhang).unwrap();
    let mut b = InspectionDoc::load(ID, &a.automerge().save()).unwrap();
    b.automerge().set_actor(li.actor());
    for (_, item) in t.items().filter(|(_, i)| i.id != "H20") {
        let v = match &item.answer {
            AnswerType::Number { min, .. } => AnswerValue::Number(min.unwrap_or(0.0)),
            _ => AnswerValue::Pass,
        };
        a.answer(t, &zhang, &item.id, v, None, T0 + 1).unwrap();
    }
    a.answer(t, &zhang, "H20", AnswerValue::Pass, None, T0 + 2).unwrap();
    b.answer(t, &li, "H20", AnswerValue::NotApplicable, Some("无氧化剂".into()), T0 + 2).unwrap();
    a.automerge().merge(b.automerge()).unwrap();
    a.submit(t, &zhang, T0 + 3).unwrap();
    let i = a.read().unwrap();
    assert_eq!(i.conflicts.len(), 1, "{:?}", i.conflicts);
    let shown = i.answers["H20"].clone();
    let other = i.conflicts[0].values.iter().map(|v| serde_json::from_str::<Answer>(&v.value).unwrap()).find(|a| *a != shown).unwrap();
    (a, shown, other)
}

fn text(a: &Answer) -> String {
    serde_json::to_string(a).unwrap()
}

#[test]
fn choosing_the_other_value_of_a_submitted_inspection_is_an_amendment_the_rules_accept() {
    let (mut d, _, other) = submitted_with_conflict();
    let before = d.read().unwrap();
    let sup = who("sup-wang", Role::Supervisor);
    d.automerge().set_actor(sup.actor());
    d.resolve_conflict(&sup, &FieldPath::answer("H20"), &text(&other), T0 + 10).unwrap();
    let after = d.read().unwrap();
    assert!(after.conflicts.is_empty());
    assert_eq!(after.answers["H20"], other, "the chosen answer, with its author");
    assert_eq!(after.amendments.len(), 1);
    let a = &after.amendments[0];
    assert_eq!((&a.target, a.reason.as_str(), a.by.user_id.as_str()), (&AmendmentTarget::Answer("H20".into()), SETTLED_REASON, "sup-wang"));
    assert_eq!(check_inspection(Some(&before), &after, &uploader(&sup)), Ok(()));
    assert!(!after.inspectors.iter().any(|p| p.user_id == "sup-wang"), "settling is not inspecting");
}

#[test]
fn keeping_the_shown_value_changes_no_record_and_needs_no_amendment() {
    let (mut d, shown, _) = submitted_with_conflict();
    let before = d.read().unwrap();
    let asst = who("asst-chen", Role::CommunityAssistant);
    d.automerge().set_actor(asst.actor());
    d.resolve_conflict(&asst, &FieldPath::answer("H20"), &text(&shown), T0 + 10).unwrap();
    let after = d.read().unwrap();
    assert!(after.conflicts.is_empty() && after.amendments.is_empty());
    assert_eq!(after.answers["H20"], shown);
    assert_eq!(check_inspection(Some(&before), &after, &uploader(&asst)), Ok(()));
}

#[test]
fn only_an_official_changes_a_submitted_record_by_settling() {
    let (mut d, _, other) = submitted_with_conflict();
    let heads = d.automerge().get_heads();
    let asst = who("asst-chen", Role::CommunityAssistant);
    d.automerge().set_actor(asst.actor());
    let refused = d.resolve_conflict(&asst, &FieldPath::answer("H20"), &text(&other), T0 + 10).unwrap_err();
    assert_eq!(refused.kind(), crate::error::ErrorKind::NotAllowed);
    assert_eq!(d.automerge().get_heads(), heads, "nothing written");
    assert_eq!(d.read().unwrap().conflicts.len(), 1);
}
