//! The parts of an inspection as the app reads and edits them: the header
//! fixed at start, answers, findings, signatures, amendments and conflicts.
//! Photos are in `photos.rs`; the whole inspection and its summary in
//! `inspection_detail.rs`.

use super::reference::{GeoPoint, Person};
use super::{mirror_enum, parse_date, parse_optional_date};
use crate::errors::{FfiResult, RedlineError};
use redline_device::doc;
use redline_device::inspection as core;

/// Why the visit happens; fixed when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InspectionKind {
    /// 日常巡查.
    RoutinePatrol,
    /// 专项检查.
    SpecialCampaign,
    /// 企业自查.
    SelfInspection,
    /// 执法检查.
    Enforcement,
    /// 回头看.
    LookBack,
}
mirror_enum!(InspectionKind <=> core::InspectionKind {
    RoutinePatrol, SpecialCampaign, SelfInspection, Enforcement, LookBack
});

/// Draft while being answered; submitted when finished (then only amended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InspectionStatus {
    /// Being answered.
    Draft,
    /// Finished; changes are amendments with a reason.
    Submitted,
}
mirror_enum!(InspectionStatus <=> core::InspectionStatus { Draft, Submitted });

/// 一般 / 重大 事故隐患.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Grade {
    /// 一般事故隐患.
    General,
    /// 重大事故隐患.
    Major,
}
mirror_enum!(Grade <=> core::Grade { General, Major });

/// What the visit is about, fixed when it starts. A co-inspector joins with
/// the inspection id and this header (shared by QR code while offline).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionHeader {
    /// The site inspected.
    pub site_id: String,
    /// Its name at the time.
    pub site_name: String,
    /// Why.
    pub kind: InspectionKind,
    /// Checklist used.
    pub template_id: String,
    /// Its version.
    pub template_version: u32,
    /// Who started it.
    pub created_by: Person,
    /// When, in milliseconds since the Unix epoch.
    pub started_at: i64,
    /// The plan task it was started from, if any.
    #[uniffi(default = None)]
    pub task_id: Option<String>,
}

impl From<core::InspectionHeader> for InspectionHeader {
    fn from(h: core::InspectionHeader) -> InspectionHeader {
        InspectionHeader {
            site_id: h.site_id,
            site_name: h.site_name,
            kind: h.kind.into(),
            template_id: h.template_id,
            template_version: h.template_version,
            created_by: h.created_by.into(),
            started_at: h.started_at,
            task_id: h.task_id,
        }
    }
}

impl From<InspectionHeader> for core::InspectionHeader {
    fn from(h: InspectionHeader) -> core::InspectionHeader {
        core::InspectionHeader {
            site_id: h.site_id,
            site_name: h.site_name,
            kind: h.kind.into(),
            template_id: h.template_id,
            template_version: h.template_version,
            created_by: h.created_by.into(),
            started_at: h.started_at,
            task_id: h.task_id,
        }
    }
}

/// The answer to one checklist item; it must fit the item's answer type.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerValue {
    /// 符合.
    Pass,
    /// 不符合.
    Fail,
    /// 合理缺项 (not applicable to this site).
    NotApplicable,
    /// A reading, in the item's unit.
    Number {
        /// The reading; must be finite.
        value: f64,
    },
    /// Free text.
    Text {
        /// The text.
        value: String,
    },
    /// A date, `YYYY-MM-DD`.
    Date {
        /// The date, `YYYY-MM-DD`.
        value: String,
    },
    /// The chosen option ids.
    Choice {
        /// Ids of the chosen options (one unless the item allows several).
        options: Vec<String>,
    },
}

impl TryFrom<AnswerValue> for core::AnswerValue {
    type Error = RedlineError;
    fn try_from(v: AnswerValue) -> FfiResult<core::AnswerValue> {
        Ok(match v {
            AnswerValue::Pass => core::AnswerValue::Pass,
            AnswerValue::Fail => core::AnswerValue::Fail,
            AnswerValue::NotApplicable => core::AnswerValue::NotApplicable,
            AnswerValue::Number { value } => core::AnswerValue::Number(value),
            AnswerValue::Text { value } => core::AnswerValue::Text(value),
            AnswerValue::Date { value } => core::AnswerValue::Date(parse_date("answer", &value)?),
            AnswerValue::Choice { options } => core::AnswerValue::Choice(options),
        })
    }
}

impl From<core::AnswerValue> for AnswerValue {
    fn from(v: core::AnswerValue) -> AnswerValue {
        match v {
            core::AnswerValue::Pass => AnswerValue::Pass,
            core::AnswerValue::Fail => AnswerValue::Fail,
            core::AnswerValue::NotApplicable => AnswerValue::NotApplicable,
            core::AnswerValue::Number(value) => AnswerValue::Number { value },
            core::AnswerValue::Text(value) => AnswerValue::Text { value },
            core::AnswerValue::Date(d) => AnswerValue::Date { value: d.to_string() },
            core::AnswerValue::Choice(options) => AnswerValue::Choice { options },
        }
    }
}

/// One answered item, with who answered it and when.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Answer {
    /// The answer.
    pub value: AnswerValue,
    /// The inspector's remark.
    pub note: Option<String>,
    /// Who answered.
    pub by: Person,
    /// When (ms since the epoch).
    pub at: i64,
}

/// A problem found on site; becomes a hazard on submit.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Finding {
    /// Its id (the hazard made from it on submit gets the same id).
    pub id: String,
    /// The checklist item it belongs to, if any.
    pub item_id: Option<String>,
    /// What is wrong.
    pub description: String,
    /// General or major.
    pub grade: Grade,
    /// Where on site.
    pub location: Option<GeoPoint>,
    /// Fix-by date (责令限期整改), `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// The enterprise's person responsible for the fix.
    pub responsible: Option<String>,
    /// Who recorded it.
    pub by: Person,
    /// When (ms since the epoch).
    pub at: i64,
}

/// A finding to record.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewFinding {
    /// The checklist item it belongs to, if any.
    #[uniffi(default = None)]
    pub item_id: Option<String>,
    /// What is wrong.
    pub description: String,
    /// General or major.
    pub grade: Grade,
    /// Where on site.
    #[uniffi(default = None)]
    pub location: Option<GeoPoint>,
    /// Fix-by date, `YYYY-MM-DD`.
    #[uniffi(default = None)]
    pub deadline: Option<String>,
    /// The enterprise's person responsible for the fix.
    #[uniffi(default = None)]
    pub responsible: Option<String>,
}

impl TryFrom<NewFinding> for doc::NewFinding {
    type Error = RedlineError;
    fn try_from(f: NewFinding) -> FfiResult<doc::NewFinding> {
        Ok(doc::NewFinding {
            item_id: f.item_id,
            description: f.description,
            grade: f.grade.into(),
            location: f.location.map(Into::into),
            deadline: parse_optional_date("deadline", f.deadline)?,
            responsible: f.responsible,
        })
    }
}

/// Fields of a finding to change; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct FindingPatch {
    /// New description.
    #[uniffi(default = None)]
    pub description: Option<String>,
    /// New grade.
    #[uniffi(default = None)]
    pub grade: Option<Grade>,
    /// New location.
    #[uniffi(default = None)]
    pub location: Option<GeoPoint>,
    /// New fix-by date, `YYYY-MM-DD`.
    #[uniffi(default = None)]
    pub deadline: Option<String>,
    /// New responsible person.
    #[uniffi(default = None)]
    pub responsible: Option<String>,
}

impl TryFrom<FindingPatch> for core::FindingPatch {
    type Error = RedlineError;
    fn try_from(p: FindingPatch) -> FfiResult<core::FindingPatch> {
        Ok(core::FindingPatch {
            description: p.description,
            grade: p.grade.map(Into::into),
            location: p.location.map(Into::into),
            deadline: parse_optional_date("deadline", p.deadline)?,
            responsible: p.responsible,
        })
    }
}

/// Who signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignerRole {
    /// The inspector (one signature per inspector).
    Inspector,
    /// The enterprise's contact who witnessed the inspection.
    Enterprise,
}
mirror_enum!(SignerRole <=> core::SignerRole { Inspector, Enterprise });

/// A signature drawn on the phone; the image is a blob.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Signature {
    /// Name written beside it.
    pub signer_name: String,
    /// Inspector or enterprise.
    pub role: SignerRole,
    /// Hash of the image; read it with `RedlineStore.blob`.
    pub image_hash: String,
    /// Whose device took it.
    pub by: Person,
    /// When (ms since the epoch).
    pub at: i64,
}

/// A change made after submit, kept in the history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Amendment {
    /// Its id.
    pub id: String,
    /// Why it was changed.
    pub reason: String,
    /// What changed, e.g. `answer H03` or `finding <id>`.
    pub target: String,
    /// Who changed it.
    pub by: Person,
    /// When (ms since the epoch).
    pub at: i64,
}

/// Two or more people set the same field concurrently; every value is kept
/// until someone chooses one with `RedlineStore.resolve_conflict`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Conflict {
    /// The field, e.g. `answers/H01` or `findings/<id>/deadline`.
    pub path: String,
    /// The competing values.
    pub values: Vec<ConflictValue>,
}

/// One of the competing values of a conflict.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConflictValue {
    /// The value as the core stores it (JSON text); pass it back unchanged
    /// as `chosen` to keep it.
    pub value: String,
    /// Who set it, when known.
    pub by: Option<Person>,
}

impl From<core::Conflict> for Conflict {
    fn from(c: core::Conflict) -> Conflict {
        Conflict {
            path: c.path.to_string(),
            values: c.values.into_iter().map(|v| ConflictValue { value: v.value, by: v.by.map(Into::into) }).collect(),
        }
    }
}
