//! The inspection document: layout, validated edits, and the read model.
//!
//! Layout (root map): `schema`, `type`, `header` (JSON), `status`,
//! `submitted_by` (JSON), `finished_at`, `location` (JSON), and keyed maps
//! `inspectors` (user id -> person), `answers` (item id -> answer JSON),
//! `findings` (uuid -> map of field -> JSON), `signatures` (key -> JSON),
//! `photos` (hash -> JSON), `amendments` (uuid -> JSON), `actors`
//! (actor hex -> person). Keyed maps, never lists, so concurrent additions
//! merge.

use super::codec::{self, Malformed, get_json, put_json, to_json};
use crate::error::{Error, Result};
use crate::inspection::*;
use crate::people::{Identity, Role};
use crate::site::GeoPoint;
use crate::template::{MajorHazard, Template};
use crate::time::{Date, Millis};
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, transaction::Transactable};

const MAPS: &[&str] = &["inspectors", "answers", "findings", "signatures", "photos", "amendments", "actors"];
pub(super) const FINDING_FIELDS: &[&str] = &["id", "item_id", "description", "grade", "location", "deadline", "responsible", "by", "at"];

/// What an inspector enters for a new finding.
#[derive(Clone, Debug, PartialEq)]
pub struct NewFinding {
    pub item_id: Option<String>,
    pub description: String,
    pub grade: Grade,
    pub location: Option<GeoPoint>,
    pub deadline: Option<Date>,
    pub responsible: Option<String>,
}

pub struct InspectionDoc {
    pub(crate) id: String,
    pub(crate) doc: AutoCommit,
}

fn corrupt(id: &str) -> impl Fn(Malformed) -> Error + '_ {
    move |m| Error::CorruptDocument { id: id.to_string(), detail: m.0 }
}

pub(super) fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidInput(msg.into())
}

impl InspectionDoc {
    /// The shared first change of every inspection.
    pub fn skeleton(id: &str) -> InspectionDoc {
        InspectionDoc { id: id.to_string(), doc: super::skeleton("inspection", MAPS, &[]) }
    }

    /// Starts a new inspection (or joins one whose id and header arrived by
    /// other means, e.g. a QR code from a co-inspector's phone: the header is
    /// written identically, so the two documents merge cleanly).
    pub fn create(id: &str, header: &InspectionHeader, who: &Identity) -> Result<InspectionDoc> {
        if who.role == Role::CommunityAssistant && !matches!(header.kind, InspectionKind::SelfInspection | InspectionKind::LookBack) {
            return Err(Error::NotAllowed("a community assistant runs self-inspections and look-backs only".into()));
        }
        let mut d = InspectionDoc::skeleton(id);
        d.doc.set_actor(who.actor());
        put_json(&mut d.doc, &ROOT, "header", header)?;
        d.doc.put(ROOT, "status", "draft")?;
        d.touch(who)?;
        super::commit(&mut d.doc, header.started_at);
        Ok(d)
    }

    pub fn load(id: &str, bytes: &[u8]) -> Result<InspectionDoc> {
        let doc = AutoCommit::load(bytes).map_err(|e| Error::CorruptDocument { id: id.into(), detail: e.to_string() })?;
        let d = InspectionDoc { id: id.to_string(), doc };
        if super::doc_type(&d.doc).as_deref() != Some("inspection") {
            return Err(Error::CorruptDocument { id: id.into(), detail: "not an inspection document".into() });
        }
        Ok(d)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    pub(super) fn map(&self, key: &str) -> Result<ObjId> {
        codec::object(&self.doc, &ROOT, key, ObjType::Map).map_err(corrupt(&self.id))
    }

    pub fn header(&self) -> Result<InspectionHeader> {
        get_json(&self.doc, &ROOT, "header")
            .map_err(corrupt(&self.id))?
            .ok_or_else(|| Error::CorruptDocument { id: self.id.clone(), detail: "header is missing".into() })
    }

    pub fn status(&self) -> Result<InspectionStatus> {
        match codec::get_string(&self.doc, &ROOT, "status").map_err(corrupt(&self.id))?.as_deref() {
            Some("submitted") => Ok(InspectionStatus::Submitted),
            _ => Ok(InspectionStatus::Draft),
        }
    }

    /// Registers the editing device and adds its user to the inspectors.
    pub(super) fn touch(&mut self, who: &Identity) -> Result<()> {
        let actors = self.map("actors")?;
        codec::register_actor(&mut self.doc, &actors, &who.person())?;
        let inspectors = self.map("inspectors")?;
        if self.doc.get(&inspectors, who.user_id.as_str())?.is_none() {
            put_json(&mut self.doc, &inspectors, &who.user_id, &who.person())?;
        }
        Ok(())
    }

    fn require_draft(&self) -> Result<()> {
        match self.status()? {
            InspectionStatus::Draft => Ok(()),
            InspectionStatus::Submitted => Err(Error::NotAllowed("the inspection is submitted; amend it instead".into())),
        }
    }

    fn check_template(&self, template: &Template) -> Result<InspectionHeader> {
        let header = self.header()?;
        if header.template_id != template.id || header.template_version != template.version {
            return Err(invalid(format!(
                "inspection uses template {} v{}, not {} v{}",
                header.template_id, header.template_version, template.id, template.version
            )));
        }
        Ok(header)
    }

    pub(super) fn put_answer(
        &mut self,
        template: &Template,
        who: &Identity,
        item_id: &str,
        value: AnswerValue,
        note: Option<String>,
        at: Millis,
    ) -> Result<()> {
        self.check_template(template)?;
        let item = template.item(item_id).ok_or_else(|| Error::NotFound(format!("checklist item {item_id}")))?;
        value.check_against(item).map_err(invalid)?;
        let answers = self.map("answers")?;
        let answer = Answer { value, note: note.filter(|n| !n.trim().is_empty()), by: who.person(), at };
        put_json(&mut self.doc, &answers, item_id, &answer)?;
        self.touch(who)
    }

    /// Answers (or re-answers) one checklist item.
    pub fn answer(
        &mut self,
        template: &Template,
        who: &Identity,
        item_id: &str,
        value: AnswerValue,
        note: Option<String>,
        at: Millis,
    ) -> Result<()> {
        self.require_draft()?;
        self.put_answer(template, who, item_id, value, note, at)?;
        super::commit(&mut self.doc, at);
        Ok(())
    }

    pub fn add_finding(&mut self, template: &Template, who: &Identity, f: NewFinding, at: Millis) -> Result<String> {
        self.require_draft()?;
        let grade = self.check_finding(template, &f)?;
        let id = uuid::Uuid::new_v4().to_string();
        let finding = Finding {
            id: id.clone(),
            item_id: f.item_id,
            description: f.description,
            grade,
            location: f.location,
            deadline: f.deadline,
            responsible: f.responsible.filter(|r| !r.trim().is_empty()),
            by: who.person(),
            at,
        };
        let findings = self.map("findings")?;
        let obj = self.doc.put_object(&findings, id.as_str(), ObjType::Map)?;
        let json = serde_json::to_value(&finding).expect("serialisable");
        for field in FINDING_FIELDS {
            self.doc.put(&obj, *field, json[*field].to_string())?;
        }
        self.touch(who)?;
        super::commit(&mut self.doc, at);
        Ok(id)
    }

    /// Validates a finding against the template; returns the grade to record
    /// (an item the determination standard names is always major).
    fn check_finding(&self, template: &Template, f: &NewFinding) -> Result<Grade> {
        if f.description.trim().is_empty() {
            return Err(invalid("a finding needs a description"));
        }
        if f.location.is_some_and(|l| !l.is_valid()) {
            return Err(invalid("location is not a valid coordinate"));
        }
        let mut grade = f.grade;
        if let Some(item_id) = &f.item_id {
            self.check_template(template)?;
            let item = template.item(item_id).ok_or_else(|| Error::NotFound(format!("checklist item {item_id}")))?;
            if item.major_hazard == MajorHazard::Yes {
                grade = Grade::Major;
            }
        }
        if let Some(deadline) = f.deadline
            && deadline < Date::in_china(self.header()?.started_at)
        {
            return Err(invalid(format!("deadline {deadline} is before the inspection")));
        }
        Ok(grade)
    }

    pub(super) fn patch_finding(&mut self, who: &Identity, id: &str, patch: &FindingPatch) -> Result<()> {
        let findings = self.map("findings")?;
        let obj = match self.doc.get(&findings, id)? {
            Some((automerge::Value::Object(ObjType::Map), obj)) => obj,
            _ => return Err(Error::NotFound(format!("finding {id}"))),
        };
        if let Some(d) = &patch.description {
            if d.trim().is_empty() {
                return Err(invalid("a finding needs a description"));
            }
            self.doc.put(&obj, "description", to_json(d))?;
        }
        if let Some(g) = patch.grade {
            self.doc.put(&obj, "grade", to_json(&g))?;
        }
        if let Some(l) = patch.location {
            if !l.is_valid() {
                return Err(invalid("location is not a valid coordinate"));
            }
            self.doc.put(&obj, "location", to_json(&Some(l)))?;
        }
        if let Some(d) = patch.deadline {
            self.doc.put(&obj, "deadline", to_json(&Some(d)))?;
        }
        if let Some(r) = &patch.responsible {
            self.doc.put(&obj, "responsible", to_json(&Some(r)))?;
        }
        self.touch(who)
    }

    pub(super) fn check_patch(&self, template: &Template, id: &str, patch: &FindingPatch) -> Result<()> {
        let current = self.read()?.findings.remove(id).ok_or_else(|| Error::NotFound(format!("finding {id}")))?;
        if patch.grade == Some(Grade::General)
            && let Some(item) = current.item_id.as_deref().and_then(|i| template.item(i))
            && item.major_hazard == MajorHazard::Yes
        {
            return Err(invalid(format!("item {} is a major hazard by standard; its grade cannot be lowered", item.id)));
        }
        if let Some(deadline) = patch.deadline
            && deadline < Date::in_china(self.header()?.started_at)
        {
            return Err(invalid(format!("deadline {deadline} is before the inspection")));
        }
        Ok(())
    }

    pub fn edit_finding(&mut self, template: &Template, who: &Identity, id: &str, patch: &FindingPatch, at: Millis) -> Result<()> {
        self.require_draft()?;
        self.check_patch(template, id, patch)?;
        // patch_finding writes field by field and may refuse a later field;
        // what it wrote must not stay pending for the next commit.
        if let Err(e) = self.patch_finding(who, id, patch) {
            self.doc.rollback();
            return Err(e);
        }
        super::commit(&mut self.doc, at);
        Ok(())
    }

    /// Records a stored photo against an answer or finding of this inspection.
    pub fn attach_photo(&mut self, who: &Identity, photo: &PhotoRef, at: Millis) -> Result<()> {
        match &photo.owner {
            PhotoOwner::Finding(f) if self.doc.get(&self.map("findings")?, f.as_str())?.is_none() => {
                return Err(Error::NotFound(format!("finding {f}")));
            }
            PhotoOwner::Transition(_) => return Err(invalid("transition photos belong to the hazard")),
            _ => {}
        }
        let photos = self.map("photos")?;
        put_json(&mut self.doc, &photos, &photo.hash, photo)?;
        self.touch(who)?;
        super::commit(&mut self.doc, at);
        Ok(())
    }

    /// Adds a signature. Each signer slot is written once: nobody replaces
    /// someone else's signature, and nobody re-signs after submit.
    pub fn sign(&mut self, who: &Identity, sig: Signature, at: Millis) -> Result<()> {
        self.require_draft()?;
        if sig.signer_name.trim().is_empty() || sig.image_hash.is_empty() {
            return Err(invalid("a signature needs the signer's name and the image"));
        }
        let key = match sig.role {
            SignerRole::Inspector => format!("inspector:{}", who.user_id),
            SignerRole::Enterprise => "enterprise".to_string(),
        };
        let signatures = self.map("signatures")?;
        if let Some(existing) = get_json::<Signature>(&self.doc, &signatures, &key).map_err(corrupt(&self.id))?
            && existing.by.user_id != who.user_id
        {
            return Err(Error::NotAllowed(format!("{key} was signed by {}", existing.by.name)));
        }
        put_json(&mut self.doc, &signatures, &key, &sig)?;
        self.touch(who)?;
        super::commit(&mut self.doc, at);
        Ok(())
    }

    pub fn set_location(&mut self, who: &Identity, location: GeoPoint, at: Millis) -> Result<()> {
        if !location.is_valid() {
            return Err(invalid("location is not a valid coordinate"));
        }
        self.require_draft()?;
        put_json(&mut self.doc, &ROOT, "location", &location)?;
        self.touch(who)?;
        super::commit(&mut self.doc, at);
        Ok(())
    }

    /// Submits: every visible item answered, every failure with a finding and
    /// the photos the template asks for. Returns the submitted inspection.
    pub fn submit(&mut self, template: &Template, who: &Identity, at: Millis) -> Result<Inspection> {
        self.require_draft()?;
        self.check_template(template)?;
        let inspection = self.read()?;
        let s = inspection.summary(template);
        let mut missing = vec![];
        if !s.unanswered.is_empty() {
            missing.push(format!("unanswered items: {}", s.unanswered.join(", ")));
        }
        if !s.failed_without_finding.is_empty() {
            missing.push(format!("failed items without a finding: {}", s.failed_without_finding.join(", ")));
        }
        if !s.missing_photos.is_empty() {
            missing.push(format!("failed items without a photo: {}", s.missing_photos.join(", ")));
        }
        if !missing.is_empty() {
            return Err(invalid(format!("cannot submit: {}", missing.join("; "))));
        }
        self.doc.put(ROOT, "status", "submitted")?;
        put_json(&mut self.doc, &ROOT, "submitted_by", &who.person())?;
        self.doc.put(ROOT, "finished_at", at)?;
        self.touch(who)?;
        super::commit(&mut self.doc, at);
        self.read()
    }

    /// Folds the document into the read model, with its conflicts.
    pub fn read(&self) -> Result<Inspection> {
        Self::read_from(&self.id, &self.doc)
    }

    /// Reads any automerge document laid out as a inspection (the server
    /// reads its copies this way without wrapping them).
    pub fn read_from(id: &str, doc: &AutoCommit) -> Result<Inspection> {
        super::inspection_read::read(id, doc).map_err(corrupt(id))
    }

    /// Wraps an automerge document (e.g. one the server loaded).
    pub fn from_automerge(id: &str, doc: AutoCommit) -> InspectionDoc {
        InspectionDoc { id: id.to_string(), doc }
    }

    /// The id and the automerge document, for a store that keeps them apart.
    pub fn into_parts(self) -> (String, AutoCommit) {
        (self.id, self.doc)
    }

    pub fn into_automerge(self) -> AutoCommit {
        self.doc
    }
}
