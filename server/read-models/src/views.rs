//! What the supervisors' API, pages and exports show: one type per answer,
//! serialised as JSON and described in the OpenAPI document. Times are unix
//! milliseconds, days `YYYY-MM-DD` in China time, states their stable codes.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FailedByImportance {
    pub critical: i64,
    pub key: i64,
    pub general: i64,
}

/// One inspection in a list.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct InspectionRow {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub area: String,
    pub kind: String,
    pub template_id: String,
    pub template_version: i64,
    /// draft or submitted
    pub status: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub day: String,
    pub created_by: String,
    pub created_by_name: String,
    pub submitted_by_name: Option<String>,
    /// Co-inspectors' names, joined with 、
    pub inspector_names: String,
    /// pass, pass_with_issues or fail; absent when the checklist is unknown here.
    pub outcome: Option<String>,
    pub score: Option<f64>,
    pub visible: i64,
    pub answered: i64,
    pub passed: i64,
    pub failed: i64,
    pub not_applicable: i64,
    pub failed_by_importance: FailedByImportance,
    /// Failed major-hazard items plus findings graded major.
    pub major: i64,
    pub findings: i64,
    pub photos: i64,
    pub conflicts: i64,
    pub location: Option<Location>,
}

/// One hazard in a list.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct HazardRow {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub area: String,
    pub inspection_id: String,
    pub finding_id: String,
    pub item_id: Option<String>,
    pub description: String,
    /// general or major
    pub grade: String,
    pub state: String,
    pub open: bool,
    /// Past its deadline today and not yet reported fixed (computed when asked).
    pub overdue: bool,
    pub deadline: Option<String>,
    pub original_deadline: Option<String>,
    pub responsible: Option<String>,
    /// county, city or province when listed for supervision.
    pub listed: Option<String>,
    pub pending_extension: bool,
    pub look_backs: i64,
    pub relapses: i64,
    pub found_by: String,
    pub found_by_name: String,
    pub found_at: i64,
    pub closed_at: Option<i64>,
    pub last_at: i64,
    pub location: Option<Location>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AnswerRow {
    pub inspection_id: String,
    pub item_id: String,
    pub section_id: Option<String>,
    /// The answer as JSON, e.g. `{"type":"fail"}`.
    pub value: String,
    /// passed, failed, notapplicable or recorded; absent when the checklist is unknown.
    pub result: Option<String>,
    pub importance: Option<String>,
    pub major_hazard: Option<String>,
    pub note: Option<String>,
    pub by_id: String,
    pub by_name: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FindingRow {
    pub inspection_id: String,
    pub finding_id: String,
    pub item_id: Option<String>,
    pub description: String,
    pub grade: String,
    pub deadline: Option<String>,
    pub responsible: Option<String>,
    pub by_id: String,
    pub by_name: String,
    pub at: i64,
    pub location: Option<Location>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PhotoRow {
    pub photo_id: String,
    pub hash: String,
    pub thumb_hash: Option<String>,
    /// answer, finding or transition
    pub owner_kind: String,
    pub owner_id: String,
    pub taken_at: i64,
    pub location: Option<Location>,
    pub by_id: String,
    pub by_name: String,
    pub width: i64,
    pub height: i64,
    pub size: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SignatureRow {
    pub sig_id: String,
    pub signer_name: String,
    /// inspector or enterprise
    pub role: String,
    pub image_hash: String,
    pub by_name: String,
    pub at: i64,
}

/// A field two devices wrote at once, with every value and its author.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ConflictRow {
    pub path: String,
    /// The values as JSON: `[{"value": "...", "by": {"user_id", "name"}}]`.
    pub values: String,
}

/// One accepted change of a document: when, by whom, from which device.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ChangeRow {
    pub seq: i64,
    pub device_id: String,
    pub user_name: Option<String>,
    /// When the change was made on the device (unix ms).
    pub at: i64,
    pub operations: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct InspectionDetail {
    pub inspection: InspectionRow,
    pub answers: Vec<AnswerRow>,
    pub findings: Vec<FindingRow>,
    pub photos: Vec<PhotoRow>,
    pub signatures: Vec<SignatureRow>,
    pub conflicts: Vec<ConflictRow>,
    /// Hazards opened from its findings.
    pub hazards: Vec<HazardRow>,
    pub history: Vec<ChangeRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TransitionRow {
    pub seq: i64,
    pub transition_id: String,
    pub action: String,
    /// The action's fields as JSON (deadline, level, accepted...).
    pub detail: String,
    pub by_id: String,
    pub by_name: String,
    pub role: String,
    pub at: i64,
    pub note: String,
    /// Photo ids of the evidence, as JSON.
    pub evidence: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct HazardDetail {
    pub hazard: HazardRow,
    pub timeline: Vec<TransitionRow>,
    pub photos: Vec<PhotoRow>,
    pub conflicts: Vec<ConflictRow>,
    pub history: Vec<ChangeRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SiteRow {
    pub id: String,
    pub name: String,
    pub address: String,
    pub area: String,
    pub categories: Vec<String>,
    pub location: Option<Location>,
    pub risk: Option<String>,
    pub open_hazards: i64,
    pub overdue_hazards: i64,
    pub last_inspected: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PersonRow {
    pub user_id: String,
    pub name: String,
    /// Documents in scope the person took part in.
    pub documents: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct InspectionPage {
    pub items: Vec<InspectionRow>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct HazardPage {
    pub items: Vec<HazardRow>,
    pub next: Option<String>,
}

/// A labelled count (by kind, area, grade, age, week...).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

/// Look-backs (回头看) in the period: closed hazards found still fixed or
/// relapsed, and hazards newly found on look-back inspections.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct LookBackOutcomes {
    pub fixed: i64,
    pub not_fixed: i64,
    pub new: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct WeekCounts {
    /// The week's Monday.
    pub week: String,
    pub found: i64,
    pub closed: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Overview {
    pub from: String,
    pub to: String,
    pub area: Option<String>,
    pub inspections: i64,
    pub inspections_by_kind: Vec<Count>,
    pub inspections_by_area: Vec<Count>,
    /// Open hazards now, by grade.
    pub open_by_grade: Vec<Count>,
    /// Open hazards now, by days since found: 0-7, 8-30, 31-90, 90+.
    pub open_by_age: Vec<Count>,
    pub overdue: i64,
    pub listed: i64,
    pub look_back: LookBackOutcomes,
    /// Sites in the area by risk colour (green, yellow, orange, red, none).
    pub sites_by_risk: Vec<Count>,
    pub weeks: Vec<WeekCounts>,
}
