//! The inspection as the app reads it: one visit to one site against one
//! checklist, with answers, findings, photos and signatures. This is the
//! read model folded out of the automerge document (`crate::doc`).

mod answer;
mod field_path;
mod scoring;

pub use answer::{AnswerValue, ItemResult};
pub use field_path::{AmendmentTarget, FieldPath, RecordMap, UnknownFieldPath};
pub use scoring::{Outcome, Summary};

use crate::people::Person;
use crate::site::GeoPoint;
use crate::time::{Date, Millis};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// 日常巡查
    RoutinePatrol,
    /// 专项检查
    SpecialCampaign,
    /// 企业自查
    SelfInspection,
    /// 执法检查
    Enforcement,
    /// 回头看
    LookBack,
}

crate::codes!(InspectionKind, "inspection kind", {
    RoutinePatrol => "routine_patrol",
    SpecialCampaign => "special_campaign",
    SelfInspection => "self_inspection",
    Enforcement => "enforcement",
    LookBack => "look_back",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionStatus {
    Draft,
    Submitted,
}

crate::codes!(InspectionStatus, "inspection status", {
    Draft => "draft",
    Submitted => "submitted",
});

/// 一般 / 重大 事故隐患.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    General,
    Major,
}

crate::codes!(Grade, "hazard grade", {
    General => "general",
    Major => "major",
});

/// What the visit was about, fixed when it starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionHeader {
    pub site_id: String,
    pub site_name: String,
    pub kind: InspectionKind,
    pub template_id: String,
    pub template_version: u32,
    pub created_by: Person,
    pub started_at: Millis,
    /// The plan task this visit was started from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

/// One answered checklist item. Written whole, so the value and its author
/// always travel together; two people answering the same item concurrently
/// leave a [`Conflict`] with both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub value: AnswerValue,
    #[serde(default)]
    pub note: Option<String>,
    pub by: Person,
    pub at: Millis,
}

/// A problem found on site; becomes a hazard on submit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    /// The checklist item it belongs to, if any.
    pub item_id: Option<String>,
    pub description: String,
    pub grade: Grade,
    pub location: Option<GeoPoint>,
    /// Fix-by date (责令限期整改).
    pub deadline: Option<Date>,
    /// Person responsible for the fix at the enterprise.
    pub responsible: Option<String>,
    pub by: Person,
    pub at: Millis,
}

/// Fields of a finding an editor may change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingPatch {
    pub description: Option<String>,
    pub grade: Option<Grade>,
    pub location: Option<GeoPoint>,
    pub deadline: Option<Date>,
    pub responsible: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    Inspector,
    /// The enterprise's contact person who witnessed the inspection.
    Enterprise,
}

/// A signature drawn on the phone, kept as an image blob.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    pub signer_name: String,
    pub role: SignerRole,
    pub image_hash: String,
    pub by: Person,
    pub at: Millis,
}

/// Where a photo belongs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum PhotoOwner {
    Answer(String),
    Finding(String),
    Transition(String),
}

/// A photo attached to a document; the bytes live in the blob store under
/// `hash`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub hash: String,
    #[serde(default)]
    pub thumb_hash: Option<String>,
    pub owner: PhotoOwner,
    pub size: u64,
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
    pub taken_at: Millis,
    #[serde(default)]
    pub location: Option<GeoPoint>,
    pub by: Person,
}

/// A change to a submitted inspection, kept in its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Amendment {
    pub id: String,
    pub reason: String,
    /// What changed, e.g. `answer H03` or `finding <id>`.
    pub target: AmendmentTarget,
    pub by: Person,
    pub at: Millis,
}

/// Two or more people set the same field concurrently; all values are kept
/// until someone resolves it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// e.g. `answers/H01` or `findings/<id>/deadline`.
    pub path: FieldPath,
    pub values: Vec<ConflictValue>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictValue {
    /// The value as JSON text, as the app would show it.
    pub value: String,
    pub by: Option<Person>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: String,
    pub header: InspectionHeader,
    pub inspectors: Vec<Person>,
    pub location: Option<GeoPoint>,
    pub finished_at: Option<Millis>,
    pub status: InspectionStatus,
    pub submitted_by: Option<Person>,
    pub answers: BTreeMap<String, Answer>,
    pub findings: BTreeMap<String, Finding>,
    pub signatures: BTreeMap<String, Signature>,
    pub photos: BTreeMap<String, PhotoRef>,
    pub amendments: Vec<Amendment>,
    pub conflicts: Vec<Conflict>,
}

impl Inspection {
    /// The inspection day (China time), used for expiry checks.
    pub fn day(&self) -> Date {
        Date::in_china(self.header.started_at)
    }

    pub fn photos_of(&self, owner: &PhotoOwner) -> impl Iterator<Item = &PhotoRef> {
        self.photos.values().filter(move |p| &p.owner == owner)
    }
}
