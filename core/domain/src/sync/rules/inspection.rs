//! The rules for an upload's effect on an inspection, as a plan: first what
//! the upload changed (the answers and findings an amendment must cover),
//! then one step per kind of change: header and status, answers, removals,
//! conflicts, findings, photos, inspectors, signatures, amendments. The
//! steps run in this order and the first rule broken is the reason given.

use super::{ChangeRefusal, Checked, Uploader};
use crate::doc::DocKind;
use crate::inspection::{
    Amendment, AmendmentTarget, Answer, Conflict, FieldPath, Inspection, InspectionKind, InspectionStatus, RecordMap, SignerRole,
};
use crate::people::Role;
use std::collections::BTreeSet;

/// Checks the effect of an upload on an inspection document.
pub fn check_inspection(before: Option<&Inspection>, after: &Inspection, who: &Uploader) -> Checked {
    let upload = Upload { before, after, who };
    upload.header()?;
    upload.status()?;
    upload.answers()?;
    upload.nothing_removed()?;
    upload.conflicts()?;
    upload.findings()?;
    upload.photos()?;
    upload.inspectors()?;
    upload.signatures()?;
    upload.amendments()
}

/// One upload: the inspection before it (none when the upload creates it),
/// after it, and who sent it.
#[derive(Clone, Copy)]
struct Upload<'a> {
    before: Option<&'a Inspection>,
    after: &'a Inspection,
    who: &'a Uploader,
}

/// The conflict `i` lists at `path`.
fn conflict_at<'i>(i: &'i Inspection, path: &FieldPath) -> Option<&'i Conflict> {
    i.conflicts.iter().find(|c| c.path == *path)
}

/// The answer at an answers path.
fn answer_item(path: &FieldPath) -> Option<&str> {
    match path {
        FieldPath::Entry { map: RecordMap::Answers, key } => Some(key),
        _ => None,
    }
}

impl Upload<'_> {
    fn was_submitted(&self) -> bool {
        self.before.is_some_and(|b| b.status == InspectionStatus::Submitted)
    }

    /// Each conflict the upload made or changed, with the one stored at its
    /// path before (if any).
    fn changed_conflicts(&self) -> impl Iterator<Item = (&Conflict, Option<&Conflict>)> {
        self.after.conflicts.iter().map(|c| (c, self.before.and_then(|b| conflict_at(b, &c.path)))).filter(|(c, old)| *old != Some(*c))
    }

    /// What the upload changed, as the amendments that must cover it on a
    /// submitted inspection: new or changed answers and findings, and those
    /// whose conflict it changed.
    fn changed(&self) -> BTreeSet<AmendmentTarget> {
        let before = self.before;
        let answers = self
            .after
            .answers
            .iter()
            .filter(|(item, a)| before.is_none_or(|b| b.answers.get(*item) != Some(*a)))
            .map(|(item, _)| AmendmentTarget::Answer(item.clone()));
        let conflicts = self.changed_conflicts().filter_map(|(c, _)| c.path.amended_as());
        let findings = self
            .after
            .findings
            .iter()
            .filter(|(id, f)| before.is_none_or(|b| b.findings.get(*id) != Some(*f)))
            .map(|(id, _)| AmendmentTarget::Finding(id.clone()));
        answers.chain(conflicts).chain(findings).collect()
    }

    /// The header is written once; an assistant starts only the kinds an
    /// assistant runs.
    fn header(&self) -> Checked {
        let Upload { before, after, who } = *self;
        if conflict_at(after, &FieldPath::root("header")).is_some() || before.is_some_and(|b| b.header != after.header) {
            return Err(ChangeRefusal::HeaderChanged(DocKind::Inspection));
        }
        if before.is_none()
            && who.role == Role::CommunityAssistant
            && !matches!(after.header.kind, InspectionKind::SelfInspection | InspectionKind::LookBack)
        {
            return Err(ChangeRefusal::AssistantKind);
        }
        Ok(())
    }

    fn status(&self) -> Checked {
        if self.was_submitted() && self.after.status != InspectionStatus::Submitted {
            return Err(ChangeRefusal::BackToDraft);
        }
        Ok(())
    }

    /// Every new or changed answer is the uploader's, or one of the values
    /// of the stored conflict on its item: settling a conflict writes such a
    /// value again, keeping its author's work as it was recorded.
    fn answers(&self) -> Checked {
        let Upload { before, after, who } = *self;
        let was_in_conflict = |item: &str, a: &Answer| {
            before
                .and_then(|b| conflict_at(b, &FieldPath::answer(item)))
                .is_some_and(|c| c.values.iter().any(|v| serde_json::from_str::<Answer>(&v.value).is_ok_and(|old| old == *a)))
        };
        for (item, a) in &after.answers {
            let changed = before.is_none_or(|b| b.answers.get(item) != Some(a));
            if changed && a.by.user_id != who.user_id && !was_in_conflict(item, a) {
                return Err(ChangeRefusal::AnswerOfOther { item: item.clone(), by: a.by.user_id.clone() });
            }
        }
        Ok(())
    }

    /// The app never deletes an answer or a finding: a missing one was
    /// removed by hand, which would rewrite the record without a trace.
    fn nothing_removed(&self) -> Checked {
        let Some(b) = self.before else { return Ok(()) };
        if let Some(item) = b.answers.keys().find(|k| !self.after.answers.contains_key(*k)) {
            return Err(ChangeRefusal::AnswerRemoved { item: item.clone() });
        }
        if let Some(id) = b.findings.keys().find(|k| !self.after.findings.contains_key(*k)) {
            return Err(ChangeRefusal::FindingRemoved { id: id.clone() });
        }
        Ok(())
    }

    /// A write concurrent with the stored value leaves a conflict, and when
    /// it loses it is not the value `after` shows: checking winners only
    /// would let it in unseen (even onto a submitted inspection). A conflict
    /// that differs from the one stored means this upload wrote that key,
    /// so each of its new answer values must be the uploader's or the
    /// stored one.
    fn conflicts(&self) -> Checked {
        let Upload { before, who, .. } = *self;
        for (c, old) in self.changed_conflicts() {
            let Some(item) = answer_item(&c.path) else { continue };
            for v in c.values.iter().filter(|v| old.is_none_or(|o| !o.values.contains(v))) {
                let a: Answer = serde_json::from_str(&v.value)
                    .map_err(|e| ChangeRefusal::AnswerUnreadable { item: item.to_string(), detail: e.to_string() })?;
                let stored = before.and_then(|b| b.answers.get(item)) == Some(&a);
                if !stored && a.by.user_id != who.user_id {
                    return Err(ChangeRefusal::AnswerOfOther { item: item.to_string(), by: a.by.user_id.clone() });
                }
            }
        }
        Ok(())
    }

    /// A new finding is the uploader's; an edit keeps its author, time and
    /// checklist item.
    fn findings(&self) -> Checked {
        let Upload { before, after, who } = *self;
        for (id, f) in &after.findings {
            match before.and_then(|b| b.findings.get(id)) {
                None if f.by.user_id != who.user_id => {
                    return Err(ChangeRefusal::FindingOfOther { id: id.clone(), by: f.by.user_id.clone() });
                }
                Some(old) if (&old.by, old.at, &old.item_id) != (&f.by, f.at, &f.item_id) => {
                    return Err(ChangeRefusal::FindingRewritten { id: id.clone() });
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn photos(&self) -> Checked {
        let Upload { before, after, who } = *self;
        for (hash, p) in &after.photos {
            if before.is_none_or(|b| b.photos.get(hash) != Some(p)) && p.by.user_id != who.user_id {
                return Err(ChangeRefusal::PhotoOfOther { hash: hash.clone(), by: p.by.user_id.clone() });
            }
        }
        Ok(())
    }

    /// Joining an existing inspection is done in one's own name.
    fn inspectors(&self) -> Checked {
        let Some(b) = self.before else { return Ok(()) };
        match self.after.inspectors.iter().find(|p| !b.inspectors.contains(p) && p.user_id != self.who.user_id) {
            Some(p) => Err(ChangeRefusal::InspectorAddedByOther { user: p.user_id.clone() }),
            None => Ok(()),
        }
    }

    /// Each signer writes their own slot once, before submit; nobody removes
    /// a signature.
    fn signatures(&self) -> Checked {
        let Upload { before, after, who } = *self;
        for (key, sig) in &after.signatures {
            let old = before.and_then(|b| b.signatures.get(key));
            if old == Some(sig) {
                continue;
            }
            if self.was_submitted() {
                return Err(ChangeRefusal::SignatureAfterSubmit { key: key.clone() });
            }
            if let Some(old) = old
                && old.by.user_id != who.user_id
            {
                return Err(ChangeRefusal::SignatureOfOther { key: key.clone(), owner: old.by.user_id.clone() });
            }
            let own_slot = match sig.role {
                SignerRole::Inspector => *key == format!("inspector:{}", who.user_id),
                SignerRole::Enterprise => key == "enterprise",
            };
            if sig.by.user_id != who.user_id || !own_slot {
                return Err(ChangeRefusal::SignatureNotOwnSlot { key: key.clone() });
            }
        }
        if let Some(b) = before
            && let Some((key, sig)) = b.signatures.iter().find(|(key, _)| !after.signatures.contains_key(*key))
        {
            return Err(ChangeRefusal::SignatureRemoved { key: key.clone(), by: sig.by.user_id.clone() });
        }
        Ok(())
    }

    /// The history of amendments only grows, each made by an official in
    /// their own name; after submit, every change is covered by a new one.
    fn amendments(&self) -> Checked {
        let Upload { before, after, who } = *self;
        let Some(b) = before else { return Ok(()) };
        if b.amendments.iter().any(|a| !after.amendments.contains(a)) {
            return Err(ChangeRefusal::AmendmentsRewritten);
        }
        let new: Vec<&Amendment> = after.amendments.iter().filter(|a| !b.amendments.contains(a)).collect();
        if new.iter().any(|a| a.by.user_id != who.user_id || !who.role.is_official()) {
            return Err(ChangeRefusal::AmendmentNotOfficial);
        }
        if self.was_submitted() {
            let covered: BTreeSet<&AmendmentTarget> = new.iter().map(|a| &a.target).collect();
            if let Some(t) = self.changed().into_iter().find(|t| !covered.contains(t)) {
                return Err(ChangeRefusal::NotAmended(t));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "inspection_tests.rs"]
mod tests;
