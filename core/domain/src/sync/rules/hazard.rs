//! The rules for an upload's effect on a hazard: the header is fixed, the
//! history only grows, and each new transition is the uploader's own, made
//! in a role the lifecycle allows, with its evidence attached.

use super::{ChangeRefusal, Checked, Uploader};
use crate::doc::DocKind;
use crate::hazard::{Hazard, Refusal, Transition, fold_with_refusals};

/// Checks the effect of an upload on a hazard document.
pub fn check_hazard(before: Option<&Hazard>, after: &Hazard, who: &Uploader) -> Checked {
    if after.conflicts.iter().any(|c| c.path.is_root("header")) || before.is_some_and(|b| b.header != after.header) {
        return Err(ChangeRefusal::HeaderChanged(DocKind::Hazard));
    }
    let old: Vec<&Transition> = before.map(|b| b.transitions.iter().collect()).unwrap_or_default();
    // History is append-only: every earlier transition is still there, unchanged.
    if let Some(t) = old.iter().find(|t| !after.transitions.contains(t)) {
        return Err(ChangeRefusal::TransitionRewritten { id: t.id.clone() });
    }
    let (_, refusals) = fold_with_refusals(&after.header, &after.transitions);
    for t in after.transitions.iter().filter(|t| !old.contains(t)) {
        if t.by.user_id != who.user_id || t.role != who.role {
            return Err(ChangeRefusal::TransitionOfOther { id: t.id.clone() });
        }
        if let Some((_, Refusal::RoleNotAllowed(role))) = refusals.iter().find(|(id, _)| *id == t.id) {
            return Err(ChangeRefusal::RoleMayNot { role, action: t.action.name() });
        }
        if let Some(missing) = t.evidence.iter().find(|h| !after.photos.contains_key(*h)) {
            return Err(ChangeRefusal::EvidenceMissing { id: t.id.clone(), hash: missing.clone() });
        }
    }
    // The photos a new hazard starts with are the finding's, by whoever took them.
    if let Some(b) = before
        && let Some((hash, p)) = after.photos.iter().find(|(hash, p)| b.photos.get(*hash) != Some(*p) && p.by.user_id != who.user_id)
    {
        return Err(ChangeRefusal::PhotoOfOther { hash: hash.clone(), by: p.by.user_id.clone() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::{Action, HazardHeader, fold};
    use crate::inspection::{Conflict, FieldPath, Grade, PhotoOwner, PhotoRef};
    use crate::people::{Person, Role};
    use std::collections::BTreeMap;

    const T0: i64 = 1_773_108_000_000;

    fn person(id: &str) -> Person {
        Person { user_id: id.into(), name: id.into() }
    }

    fn hazard(grade: Grade, transitions: Vec<Transition>) -> Hazard {
        let header = HazardHeader {
            site_id: "site-1".into(),
            site_name: "化工厂".into(),
            inspection_id: "i-1".into(),
            finding_id: "h-1".into(),
            item_id: None,
            description: "非防爆照明".into(),
            grade,
            location: None,
            deadline: None,
            responsible: None,
            found_by: person("insp-1"),
            found_at: T0,
        };
        let status = fold(&header, &transitions);
        Hazard { id: "h-1".into(), header, transitions, status, photos: BTreeMap::new(), conflicts: vec![] }
    }

    fn transition(id: &str, action: Action, by: &str, role: Role) -> Transition {
        Transition { id: id.into(), action, by: person(by), role, at: T0, note: String::new(), evidence: vec![] }
    }

    fn photo(hash: &str, by: &str) -> PhotoRef {
        PhotoRef {
            hash: hash.into(),
            thumb_hash: None,
            owner: PhotoOwner::Transition("t-1".into()),
            size: 1,
            width: 0,
            height: 0,
            taken_at: T0,
            location: None,
            by: person(by),
        }
    }

    fn inspector(id: &str) -> Uploader {
        Uploader { user_id: id.into(), role: Role::Inspector }
    }

    #[test]
    fn the_header_is_fixed() {
        let b = hazard(Grade::General, vec![]);
        let mut a = b.clone();
        a.header.description = "别的".into();
        assert_eq!(check_hazard(Some(&b), &a, &inspector("insp-1")), Err(ChangeRefusal::HeaderChanged(DocKind::Hazard)));
        let mut a = b.clone();
        a.conflicts.push(Conflict { path: FieldPath::root("header"), values: vec![] });
        assert_eq!(check_hazard(Some(&b), &a, &inspector("insp-1")), Err(ChangeRefusal::HeaderChanged(DocKind::Hazard)));
    }

    #[test]
    fn history_only_grows_in_the_uploaders_name_and_role() {
        let fix = transition("t-1", Action::StartFix { plan: None }, "insp-1", Role::Inspector);
        let b = hazard(Grade::General, vec![fix.clone()]);
        let a = hazard(Grade::General, vec![]);
        assert_eq!(check_hazard(Some(&b), &a, &inspector("insp-1")), Err(ChangeRefusal::TransitionRewritten { id: "t-1".into() }));
        let a = hazard(Grade::General, vec![fix.clone(), transition("t-2", Action::ReportFix, "insp-2", Role::Inspector)]);
        assert_eq!(check_hazard(Some(&b), &a, &inspector("insp-1")), Err(ChangeRefusal::TransitionOfOther { id: "t-2".into() }));
        let assistant = Uploader { user_id: "insp-2".into(), role: Role::CommunityAssistant };
        assert_eq!(check_hazard(Some(&b), &a, &assistant), Err(ChangeRefusal::TransitionOfOther { id: "t-2".into() }), "role too");
    }

    #[test]
    fn a_role_the_lifecycle_refuses_and_missing_evidence_are_refused() {
        let list = transition("t-1", Action::List { level: crate::hazard::ListingLevel::City }, "insp-1", Role::Inspector);
        let a = hazard(Grade::Major, vec![list]);
        assert_eq!(check_hazard(None, &a, &inspector("insp-1")), Err(ChangeRefusal::RoleMayNot { role: "inspector", action: "list" }));

        let mut report = transition("t-1", Action::ReportFix, "insp-1", Role::Inspector);
        report.evidence = vec!["ab12".into()];
        let mut a = hazard(Grade::General, vec![report]);
        assert_eq!(
            check_hazard(None, &a, &inspector("insp-1")),
            Err(ChangeRefusal::EvidenceMissing { id: "t-1".into(), hash: "ab12".into() })
        );
        a.photos.insert("ab12".into(), photo("ab12", "insp-1"));
        assert_eq!(check_hazard(None, &a, &inspector("insp-1")), Ok(()));
    }

    #[test]
    fn photos_added_later_are_the_uploaders() {
        let b = hazard(Grade::General, vec![]);
        let mut a = b.clone();
        a.photos.insert("ab12".into(), photo("ab12", "insp-2"));
        assert_eq!(check_hazard(None, &a, &inspector("insp-1")), Ok(()), "a new hazard carries the finding's photos");
        assert_eq!(
            check_hazard(Some(&b), &a, &inspector("insp-1")),
            Err(ChangeRefusal::PhotoOfOther { hash: "ab12".into(), by: "insp-2".into() })
        );
    }
}
