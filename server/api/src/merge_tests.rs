//! The plan step of a merge, tested on its own: what it commits, what it
//! recognises as a retry, whose changes it refuses at once, and which
//! refusals it defers until the scope has been checked.

use super::*;
use redline_domain::inspection::{InspectionHeader, InspectionKind, PhotoOwner, PhotoRef};
use redline_domain::people::{Identity, Role};
use redline_storage::Scope;

const ID: &str = "3f1c5a2e-7b9d-4e11-8a6f-0c2d4b6e8a10";

fn principal(user: &str, role: Role, device: &str) -> Principal {
    Principal {
        user_id: user.into(),
        name: format!("{user} 名"),
        role,
        scope: Scope { areas: vec!["zj/hz/xh".into()], sites: vec![] },
        device_id: device.into(),
        token_expires_at: i64::MAX,
    }
}

fn identity(p: &Principal) -> Identity {
    Identity { user_id: p.user_id.clone(), name: p.name.clone(), role: p.role, device_id: p.device_id.clone() }
}

/// A new inspection made by `who`'s device, as the bytes it would upload.
fn new_inspection(who: &Principal, kind: InspectionKind) -> InspectionDoc {
    let header = InspectionHeader {
        task_id: None,
        site_id: "site-1".into(),
        site_name: "化工仓库".into(),
        kind,
        template_id: "hazardous_chemicals".into(),
        template_version: 1,
        created_by: identity(who).person(),
        started_at: 1_770_000_000_000,
    };
    InspectionDoc::create(ID, &header, &identity(who)).expect("a valid inspection")
}

fn upload_of(who: &Principal, doc: &mut AutoCommit) -> Upload {
    let up =
        DocUpload { doc_id: ID.into(), kind: "inspection".into(), changes: doc.save_after(&[]), heads: heads_to_hex(&doc.get_heads()) };
    Upload::check(who, &up, 1000).unwrap_or_else(|Refused(r)| panic!("refused before loading: {r}"))
}

fn stored(doc: &mut AutoCommit) -> StoredDoc {
    StoredDoc { kind: DocKind::Inspection, site_id: "site-1".into(), area: "zj/hz/xh/c01".into(), snapshot: doc.save(), version: 1 }
}

fn refusal(p: Result<Plan, Result<Refused, ApiError>>) -> String {
    match p {
        Err(Ok(Refused(r))) => r,
        Err(Err(e)) => panic!("expected a refusal, got a server error {e}"),
        Ok(_) => panic!("expected a refusal, got a plan"),
    }
}

#[test]
fn a_new_valid_inspection_is_planned_for_commit() {
    let who = principal("insp-1", Role::Inspector, "dev-1");
    let mut doc = new_inspection(&who, InspectionKind::RoutinePatrol).into_automerge();
    let Ok(Plan::Commit(m)) = plan(&upload_of(&who, &mut doc), None, None) else { panic!("expected a commit") };
    assert_eq!(m.site_id, "site-1");
    assert_eq!(m.verdict, Ok(Cites { all: vec![], new: vec![] }));
    assert_eq!(m.heads, heads_to_hex(&doc.get_heads()));
    // The skeleton change is new to the server too, and allowed.
    assert_eq!(m.new_changes.len(), 2);
}

#[test]
fn a_retry_of_what_the_server_holds_changes_nothing() {
    let who = principal("insp-1", Role::Inspector, "dev-1");
    let mut doc = new_inspection(&who, InspectionKind::RoutinePatrol).into_automerge();
    let held = stored(&mut doc);
    let Ok(Plan::Unchanged { heads, missing, .. }) = plan(&upload_of(&who, &mut doc), Some(&held), None) else {
        panic!("expected no change")
    };
    assert_eq!(heads, heads_to_hex(&doc.get_heads()));
    assert!(missing.is_empty(), "the device lacks nothing");
}

#[test]
fn changes_made_by_another_device_are_refused_before_anything_is_read() {
    let author = principal("insp-1", Role::Inspector, "dev-1");
    let sender = principal("insp-1", Role::Inspector, "dev-2");
    let mut doc = new_inspection(&author, InspectionKind::RoutinePatrol).into_automerge();
    let reason = refusal(plan(&upload_of(&sender, &mut doc), None, None));
    assert!(reason.contains("was not made by this device's actor"), "{reason}");
}

#[test]
fn rule_and_photo_refusals_wait_for_the_scope_check() {
    // An assistant may not run an enforcement inspection: made by someone
    // allowed, uploaded as the assistant's own actor.
    let assistant = principal("asst-a", Role::CommunityAssistant, "dev-3");
    let mut doc = new_inspection(&principal("asst-a", Role::Inspector, "dev-3"), InspectionKind::Enforcement);
    let Ok(Plan::Commit(m)) = plan(&upload_of(&assistant, doc.automerge()), None, None) else { panic!("deferred, not refused") };
    assert!(m.verdict.is_err(), "the rules refuse it: {:?}", m.verdict);

    // A photo reference that is not a content hash.
    let who = principal("insp-1", Role::Inspector, "dev-1");
    let mut d = new_inspection(&who, InspectionKind::RoutinePatrol);
    let photo = PhotoRef {
        hash: "../../etc/passwd".into(),
        thumb_hash: None,
        owner: PhotoOwner::Answer("H01".into()),
        size: 1,
        width: 1,
        height: 1,
        taken_at: 1_770_000_000_000,
        location: None,
        by: identity(&who).person(),
    };
    d.attach_photo(&identity(&who), &photo, 1_770_000_000_001).unwrap();
    let Ok(Plan::Commit(m)) = plan(&upload_of(&who, d.automerge()), None, None) else { panic!("deferred, not refused") };
    assert!(m.verdict.as_ref().is_err_and(|r| r.contains("is not a SHA-256 blob hash")), "{:?}", m.verdict);
}
