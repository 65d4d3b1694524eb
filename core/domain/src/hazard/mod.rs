//! Hazards (隐患): created from an inspection's finding, they outlive the
//! inspection and are worked on by other people (the enterprise fixes, the
//! assistant reports, the inspector re-checks, the supervisor lists).
//!
//! The history is an append-only list of [`Transition`]s; the current state
//! is a deterministic fold over it (`lifecycle`), so two devices that made
//! transitions offline end with one history and one agreed state.

mod lifecycle;

pub use lifecycle::{
    HazardState, HazardStatus, MAX_DEADLINE_DAYS, PendingExtension, Refusal, TransitionRefused, check, fold, fold_with_refusals,
};

use crate::inspection::{Conflict, Grade, PhotoRef};
use crate::people::{Person, Role};
use crate::site::GeoPoint;
use crate::time::{Date, Millis};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a hazard came from and what it is; written once when it is created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HazardHeader {
    pub site_id: String,
    pub site_name: String,
    pub inspection_id: String,
    pub finding_id: String,
    pub item_id: Option<String>,
    pub description: String,
    pub grade: Grade,
    pub location: Option<GeoPoint>,
    /// The fix-by date ordered on site, if one was.
    pub deadline: Option<Date>,
    pub responsible: Option<String>,
    pub found_by: Person,
    pub found_at: Millis,
}

impl HazardHeader {
    /// The header of the hazard finding `f` of inspection `i` raises on
    /// submit. Derived from the finding only, so two co-inspectors' phones
    /// submitting the same inspection register identical hazards.
    pub fn of_finding(i: &crate::inspection::Inspection, f: &crate::inspection::Finding) -> HazardHeader {
        HazardHeader {
            site_id: i.header.site_id.clone(),
            site_name: i.header.site_name.clone(),
            inspection_id: i.id.clone(),
            finding_id: f.id.clone(),
            item_id: f.item_id.clone(),
            description: f.description.clone(),
            grade: f.grade,
            location: f.location,
            deadline: f.deadline,
            responsible: f.responsible.clone(),
            found_by: f.by.clone(),
            found_at: f.at,
        }
    }
}

/// 挂牌督办 levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingLevel {
    County,
    City,
    Province,
}

crate::codes!(ListingLevel, "listing level", {
    County => "county",
    City => "city",
    Province => "province",
});

/// The "five in place" (五落实) a major hazard's treatment plan must name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreatmentPlan {
    pub responsibility: String,
    pub measures: String,
    pub deadline: Date,
    pub funds: String,
    pub contingency: String,
}

/// What a transition does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 责令限期整改: fix by `deadline`, `responsible` answers for it.
    Order {
        deadline: Date,
        responsible: String,
    },
    /// The enterprise starts fixing; a major hazard needs its plan.
    StartFix {
        plan: Option<TreatmentPlan>,
    },
    /// The fix is done; evidence photos required.
    ReportFix,
    /// 复查: accept (closes, or awaits delisting if listed) or send back.
    Recheck {
        accepted: bool,
    },
    /// 延期 request.
    RequestExtension {
        new_deadline: Date,
        reason: String,
    },
    DecideExtension {
        granted: bool,
    },
    /// 挂牌督办.
    List {
        level: ListingLevel,
    },
    /// 摘牌销号, after acceptance.
    Delist,
    /// 回头看 on a closed hazard: still fixed, or relapsed (reopens it).
    LookBack {
        relapsed: bool,
    },
    /// Change the grade while open.
    Regrade {
        grade: Grade,
    },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Order { .. } => "order",
            Action::StartFix { .. } => "start_fix",
            Action::ReportFix => "report_fix",
            Action::Recheck { .. } => "recheck",
            Action::RequestExtension { .. } => "request_extension",
            Action::DecideExtension { .. } => "decide_extension",
            Action::List { .. } => "list",
            Action::Delist => "delist",
            Action::LookBack { .. } => "look_back",
            Action::Regrade { .. } => "regrade",
        }
    }
}

/// One entry of a hazard's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub id: String,
    #[serde(flatten)]
    pub action: Action,
    pub by: Person,
    pub role: Role,
    pub at: Millis,
    #[serde(default)]
    pub note: String,
    /// Hashes of evidence photos.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// A hazard as the app reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hazard {
    pub id: String,
    pub header: HazardHeader,
    pub transitions: Vec<Transition>,
    pub status: HazardStatus,
    pub photos: BTreeMap<String, PhotoRef>,
    pub conflicts: Vec<Conflict>,
}
