//! Changing an inspection after the fact: amendments to a submitted
//! inspection, each kept in its history with a reason, and settling a
//! conflict by writing the chosen value again after all competing ones
//! (itself an amendment when it changes a submitted inspection).

use super::codec::{self, put_json};
use super::inspection_doc::{InspectionDoc, invalid};
use crate::error::{Error, Result};
use crate::inspection::*;
use crate::people::Identity;
use crate::template::Template;
use crate::time::Millis;
use automerge::{ROOT, ReadDoc, transaction::Transactable};

/// The reason of the amendment a settled conflict records on a submitted
/// inspection (the documents' working language first).
pub const SETTLED_REASON: &str = "解决填写冲突 / conflict settled";

impl InspectionDoc {
    fn amendment(&mut self, who: &Identity, reason: &str, target: AmendmentTarget, at: Millis) -> Result<()> {
        if self.status()? != InspectionStatus::Submitted {
            return Err(invalid("only a submitted inspection is amended; edit the draft directly"));
        }
        if reason.trim().is_empty() {
            return Err(invalid("an amendment needs a reason"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let amendments = self.map("amendments")?;
        put_json(&mut self.doc, &amendments, &id, &Amendment { id: id.clone(), reason: reason.into(), target, by: who.person(), at })?;
        Ok(())
    }

    /// Changes an answer of a submitted inspection, kept in its history.
    // The arguments of `answer`, plus the reason the amendment is recorded with.
    #[allow(clippy::too_many_arguments)]
    pub fn amend_answer(
        &mut self,
        template: &Template,
        who: &Identity,
        item_id: &str,
        value: AnswerValue,
        note: Option<String>,
        reason: &str,
        at: Millis,
    ) -> Result<()> {
        if !who.role.is_official() {
            return Err(Error::NotAllowed("amendments are made by inspectors or supervisors".into()));
        }
        self.amendment(who, reason, AmendmentTarget::Answer(item_id.to_string()), at)?;
        if let Err(e) = self.put_answer(template, who, item_id, value, note, at) {
            self.doc.rollback();
            return Err(e);
        }
        super::commit(&mut self.doc, at);
        Ok(())
    }

    /// Changes a finding of a submitted inspection, kept in its history.
    pub fn amend_finding(
        &mut self,
        template: &Template,
        who: &Identity,
        id: &str,
        patch: &FindingPatch,
        reason: &str,
        at: Millis,
    ) -> Result<()> {
        if !who.role.is_official() {
            return Err(Error::NotAllowed("amendments are made by inspectors or supervisors".into()));
        }
        self.check_patch(template, id, patch)?;
        self.amendment(who, reason, AmendmentTarget::Finding(id.to_string()), at)?;
        if let Err(e) = self.patch_finding(who, id, patch) {
            self.doc.rollback();
            return Err(e);
        }
        super::commit(&mut self.doc, at);
        Ok(())
    }

    /// Settles a conflict at `path` (as listed in [`Inspection::conflicts`])
    /// by writing the chosen value again, after all the competing ones.
    ///
    /// On a submitted inspection, choosing a value other than the one shown
    /// changes the record, so it is an amendment (reason
    /// [`SETTLED_REASON`]) and, like every amendment, an official's. The
    /// one who settles is named among the document's actors, not added to
    /// its inspectors: a supervisor settling a conflict did not inspect.
    pub fn resolve_conflict(&mut self, who: &Identity, path: &FieldPath, chosen: &str, at: Millis) -> Result<()> {
        let conflict = self.read()?.conflicts.into_iter().find(|c| c.path == *path);
        let Some(conflict) = conflict else {
            // The field already holds the chosen value: someone settled the
            // conflict (this way) since the app read the inspection.
            let settled = self
                .field_at(path)
                .is_ok_and(|(obj, key)| codec::get_string(&self.doc, &obj, key).ok().flatten().is_some_and(|v| v == chosen));
            return Err(if settled {
                Error::Conflict(format!("the conflict at {path} was settled meanwhile; read the inspection again"))
            } else {
                Error::NotFound(format!("conflict at {path}"))
            });
        };
        if !conflict.values.iter().any(|v| v.value == chosen) {
            return Err(invalid("the chosen value is not one of the conflicting values"));
        }
        let (obj, key) = self.field_at(path)?;
        let shown = codec::get_string(&self.doc, &obj, key).ok().flatten();
        if self.status()? == InspectionStatus::Submitted
            && shown.as_deref() != Some(chosen)
            && let Some(target) = path.amended_as()
        {
            if !who.role.is_official() {
                return Err(Error::NotAllowed("amendments are made by inspectors or supervisors".into()));
            }
            self.amendment(who, SETTLED_REASON, target, at)?;
        }
        let written = self.doc.put(&obj, key, chosen).map_err(Error::from).and_then(|()| {
            let actors = self.map("actors")?;
            Ok(codec::register_actor(&mut self.doc, &actors, &who.person())?)
        });
        if let Err(e) = written {
            self.doc.rollback();
            return Err(e);
        }
        super::commit(&mut self.doc, at);
        Ok(())
    }

    /// The object and key a conflict path names.
    fn field_at<'p>(&self, path: &'p FieldPath) -> Result<(automerge::ObjId, &'p str)> {
        Ok(match path {
            FieldPath::Root(key) => (ROOT, key.as_str()),
            FieldPath::Entry { map, key } => (self.map(map.as_str())?, key.as_str()),
            FieldPath::FindingField { finding, field } => {
                let findings = self.map("findings")?;
                let (_, obj) = self.doc.get(&findings, finding.as_str())?.ok_or_else(|| Error::NotFound(format!("finding {finding}")))?;
                (obj, field.as_str())
            }
        })
    }
}

#[cfg(test)]
#[path = "inspection_history_tests.rs"]
mod tests;
