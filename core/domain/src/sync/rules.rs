//! What a change set may do, judged on the document before and after it is
//! applied. The server runs these checks on a fork of its document before
//! accepting an upload; the core's own edit methods enforce the same rules
//! up front, so an honest device never has an upload refused.

use crate::hazard::{Hazard, Refusal, fold_with_refusals};
use crate::inspection::{AmendmentTarget, Answer, FieldPath, Inspection, InspectionKind, InspectionStatus, RecordMap, SignerRole};
use crate::people::Role;
use std::collections::BTreeSet;

/// The authenticated user an upload comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uploader {
    pub user_id: String,
    pub role: Role,
}

fn refuse(msg: impl Into<String>) -> Result<(), String> {
    Err(msg.into())
}

/// Checks the effect of an upload on an inspection document.
pub fn check_inspection(before: Option<&Inspection>, after: &Inspection, who: &Uploader) -> Result<(), String> {
    if after.conflicts.iter().any(|c| c.path.is_root("header")) {
        return refuse("the inspection header cannot be changed");
    }
    match before {
        Some(b) if b.header != after.header => return refuse("the inspection header cannot be changed"),
        None if who.role == Role::CommunityAssistant
            && !matches!(after.header.kind, InspectionKind::SelfInspection | InspectionKind::LookBack) =>
        {
            return refuse("a community assistant runs self-inspections and look-backs only");
        }
        _ => {}
    }
    let was_submitted = before.is_some_and(|b| b.status == InspectionStatus::Submitted);
    if was_submitted && after.status != InspectionStatus::Submitted {
        return refuse("a submitted inspection cannot return to draft");
    }

    // Everything new or changed must be the uploader's own work.
    let empty = Inspection { conflicts: vec![], ..after.clone() };
    let b = before.unwrap_or(&empty);
    let mut changed_targets = BTreeSet::new();
    // A value one of the stored conflict at `path` already holds: settling a
    // conflict writes such a value again, which keeps its author's work as
    // it was recorded (still a change, for the amendment rule below).
    let was_in_conflict = |path: FieldPath, a: &Answer| {
        before
            .and_then(|b| b.conflicts.iter().find(|c| c.path == path))
            .is_some_and(|c| c.values.iter().any(|v| serde_json::from_str::<Answer>(&v.value).is_ok_and(|old| old == *a)))
    };
    for (item, a) in &after.answers {
        if before.is_none_or(|b| b.answers.get(item) != Some(a)) {
            if a.by.user_id != who.user_id && !was_in_conflict(FieldPath::answer(item), a) {
                return refuse(format!("answer {item} is attributed to {}, not the uploader", a.by.user_id));
            }
            changed_targets.insert(AmendmentTarget::Answer(item.clone()));
        }
    }
    // The app never deletes an answer or a finding: a missing one was
    // removed by hand, which would rewrite the record without a trace.
    if let Some(b) = before {
        if let Some(item) = b.answers.keys().find(|k| !after.answers.contains_key(*k)) {
            return refuse(format!("answer {item} cannot be removed"));
        }
        if let Some(id) = b.findings.keys().find(|k| !after.findings.contains_key(*k)) {
            return refuse(format!("finding {id} cannot be removed"));
        }
    }
    // A write concurrent with the stored value leaves a conflict, and when
    // it loses it is not the value `after` shows: checking winners only
    // would let it in unseen (even onto a submitted inspection). A conflict
    // that differs from the one stored means this upload wrote that key.
    for c in &after.conflicts {
        let old = before.and_then(|b| b.conflicts.iter().find(|o| o.path == c.path));
        if old == Some(c) {
            continue;
        }
        if let FieldPath::Entry { map: RecordMap::Answers, key: item } = &c.path {
            for v in c.values.iter().filter(|v| old.is_none_or(|o| !o.values.contains(v))) {
                let a: Answer = serde_json::from_str(&v.value).map_err(|e| format!("answer {item}: {e}"))?;
                let stored = before.and_then(|b| b.answers.get(item)) == Some(&a);
                if !stored && a.by.user_id != who.user_id {
                    return refuse(format!("answer {item} is attributed to {}, not the uploader", a.by.user_id));
                }
            }
        }
        changed_targets.extend(c.path.amended_as());
    }
    for (id, f) in &after.findings {
        match before.and_then(|b| b.findings.get(id)) {
            None if f.by.user_id != who.user_id => {
                return refuse(format!("finding {id} is attributed to {}, not the uploader", f.by.user_id));
            }
            Some(old) if old == f => continue,
            Some(old) if (old.by.clone(), old.at, &old.item_id) != (f.by.clone(), f.at, &f.item_id) => {
                return refuse(format!("finding {id}: author, time and item cannot change"));
            }
            _ => {}
        }
        changed_targets.insert(AmendmentTarget::Finding(id.clone()));
    }
    for (hash, p) in &after.photos {
        if before.is_none_or(|b| b.photos.get(hash) != Some(p)) && p.by.user_id != who.user_id {
            return refuse(format!("photo {hash} is attributed to {}, not the uploader", p.by.user_id));
        }
    }
    for p in &after.inspectors {
        if !b.inspectors.contains(p) && p.user_id != who.user_id && before.is_some() {
            return refuse(format!("only {} can add themselves as an inspector", p.user_id));
        }
    }
    for (key, sig) in &after.signatures {
        let old = before.and_then(|b| b.signatures.get(key));
        if old == Some(sig) {
            continue;
        }
        if was_submitted {
            return refuse(format!("signature {key} cannot change after submit"));
        }
        if let Some(old) = old
            && old.by.user_id != who.user_id
        {
            return refuse(format!("signature {key} belongs to {}", old.by.user_id));
        }
        let own_slot = match sig.role {
            SignerRole::Inspector => *key == format!("inspector:{}", who.user_id),
            SignerRole::Enterprise => key == "enterprise",
        };
        if sig.by.user_id != who.user_id || !own_slot {
            return refuse(format!("signature {key} was not made by the uploader in their own slot"));
        }
    }
    if let Some(b) = before {
        for (key, sig) in &b.signatures {
            if !after.signatures.contains_key(key) {
                return refuse(format!("signature {key} cannot be removed by {}", sig.by.user_id));
            }
        }
    }

    // After submit, every change must be covered by an amendment in history.
    let new_amendments: Vec<_> = after.amendments.iter().filter(|a| !b.amendments.contains(a)).collect();
    if before.is_some() && b.amendments.iter().any(|a| !after.amendments.contains(a)) {
        return refuse("amendments cannot be removed or rewritten");
    }
    for a in &new_amendments {
        if a.by.user_id != who.user_id || !who.role.is_official() {
            return refuse("amendments are made by inspectors or supervisors in their own name");
        }
    }
    if was_submitted {
        let covered: BTreeSet<&AmendmentTarget> = new_amendments.iter().map(|a| &a.target).collect();
        if let Some(t) = changed_targets.iter().find(|t| !covered.contains(t)) {
            return refuse(format!("{t} changed on a submitted inspection without an amendment"));
        }
    }
    Ok(())
}

/// Checks the effect of an upload on a hazard document.
pub fn check_hazard(before: Option<&Hazard>, after: &Hazard, who: &Uploader) -> Result<(), String> {
    if after.conflicts.iter().any(|c| c.path.is_root("header")) || before.is_some_and(|b| b.header != after.header) {
        return refuse("the hazard header cannot be changed");
    }
    let old: Vec<&crate::hazard::Transition> = before.map(|b| b.transitions.iter().collect()).unwrap_or_default();
    // History is append-only: every earlier transition is still there, unchanged.
    for t in &old {
        if !after.transitions.contains(t) {
            return refuse(format!("transition {} was removed or rewritten", t.id));
        }
    }
    let (_, refusals) = fold_with_refusals(&after.header, &after.transitions);
    for t in after.transitions.iter().filter(|t| !old.contains(t)) {
        if t.by.user_id != who.user_id || t.role != who.role {
            return refuse(format!("transition {} is not in the uploader's name and role", t.id));
        }
        if let Some((_, Refusal::RoleNotAllowed(role))) = refusals.iter().find(|(id, _)| *id == t.id) {
            return refuse(format!("{} may not {}", role, t.action.name()));
        }
        if let Some(missing) = t.evidence.iter().find(|h| !after.photos.contains_key(*h)) {
            return refuse(format!("transition {} cites evidence {missing} that is not attached", t.id));
        }
    }
    for (hash, p) in &after.photos {
        if before.is_none_or(|b| b.photos.get(hash) != Some(p)) && p.by.user_id != who.user_id && before.is_some() {
            return refuse(format!("photo {hash} is attributed to {}, not the uploader", p.by.user_id));
        }
    }
    Ok(())
}
