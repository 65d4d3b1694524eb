//! Hazards (隐患) as the app reads them and the lifecycle actions it can
//! take on them: order a fix, start and report it, re-check, extend, list
//! for supervision, look back. The rules (who may, from which state) live in
//! the core; a refused action comes back as `NotAllowed` or `InvalidInput`
//! with the reason.

use super::inspection::{Conflict, Grade};
use super::photos::PhotoRef;
use super::reference::{GeoPoint, Person, Role};
use super::{mirror_enum, parse_date};
use crate::errors::{FfiResult, RedlineError};
use redline_device::hazard as core;

/// 挂牌督办 levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ListingLevel {
    /// County level.
    County,
    /// City level.
    City,
    /// Province level.
    Province,
}
mirror_enum!(ListingLevel <=> core::ListingLevel { County, City, Province });

/// The "five in place" (五落实) a major hazard's treatment plan must name.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TreatmentPlan {
    /// 责任落实: who answers for it.
    pub responsibility: String,
    /// 措施落实: what will be done.
    pub measures: String,
    /// 时限落实: by when, `YYYY-MM-DD`.
    pub deadline: String,
    /// 资金落实: the money set aside.
    pub funds: String,
    /// 预案落实: the contingency plan meanwhile.
    pub contingency: String,
}

impl TryFrom<TreatmentPlan> for core::TreatmentPlan {
    type Error = RedlineError;
    fn try_from(p: TreatmentPlan) -> FfiResult<core::TreatmentPlan> {
        Ok(core::TreatmentPlan {
            responsibility: p.responsibility,
            measures: p.measures,
            deadline: parse_date("plan deadline", &p.deadline)?,
            funds: p.funds,
            contingency: p.contingency,
        })
    }
}

impl From<core::TreatmentPlan> for TreatmentPlan {
    fn from(p: core::TreatmentPlan) -> TreatmentPlan {
        TreatmentPlan {
            responsibility: p.responsibility,
            measures: p.measures,
            deadline: p.deadline.to_string(),
            funds: p.funds,
            contingency: p.contingency,
        }
    }
}

/// A lifecycle action on a hazard.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum HazardAction {
    /// 责令限期整改: fix by `deadline` (`YYYY-MM-DD`); `responsible`
    /// answers for it.
    Order {
        /// Fix-by date, `YYYY-MM-DD`.
        deadline: String,
        /// The enterprise's person who answers for the fix.
        responsible: String,
    },
    /// The enterprise starts fixing; a major hazard needs its plan.
    StartFix {
        /// The treatment plan; required for a major hazard.
        plan: Option<TreatmentPlan>,
    },
    /// The fix is done; needs evidence photos.
    ReportFix,
    /// 复查: accept (closes it, or awaits delisting if listed) or send back.
    Recheck {
        /// The fix is accepted (true) or sent back (false).
        accepted: bool,
    },
    /// 延期: ask for a later deadline (`YYYY-MM-DD`).
    RequestExtension {
        /// The later deadline asked for, `YYYY-MM-DD`.
        new_deadline: String,
        /// Why more time is needed.
        reason: String,
    },
    /// Grant or refuse the pending extension.
    DecideExtension {
        /// The extension is granted (true) or refused (false).
        granted: bool,
    },
    /// 挂牌督办: list a major hazard for supervision at `level`. (Named in
    /// full because a bare `List` would shadow Kotlin's `List` type.)
    ListForSupervision {
        /// Which level supervises it.
        level: ListingLevel,
    },
    /// 摘牌销号: take it off the list after acceptance.
    Delist,
    /// 回头看 on a closed hazard: still fixed, or relapsed (reopens it).
    LookBack {
        /// The hazard has come back (reopens it).
        relapsed: bool,
    },
    /// Change the grade while open.
    Regrade {
        /// The new grade.
        grade: Grade,
    },
}

impl TryFrom<HazardAction> for core::Action {
    type Error = RedlineError;
    fn try_from(a: HazardAction) -> FfiResult<core::Action> {
        Ok(match a {
            HazardAction::Order { deadline, responsible } => {
                core::Action::Order { deadline: parse_date("deadline", &deadline)?, responsible }
            }
            HazardAction::StartFix { plan } => core::Action::StartFix { plan: plan.map(TryInto::try_into).transpose()? },
            HazardAction::ReportFix => core::Action::ReportFix,
            HazardAction::Recheck { accepted } => core::Action::Recheck { accepted },
            HazardAction::RequestExtension { new_deadline, reason } => {
                core::Action::RequestExtension { new_deadline: parse_date("new deadline", &new_deadline)?, reason }
            }
            HazardAction::DecideExtension { granted } => core::Action::DecideExtension { granted },
            HazardAction::ListForSupervision { level } => core::Action::List { level: level.into() },
            HazardAction::Delist => core::Action::Delist,
            HazardAction::LookBack { relapsed } => core::Action::LookBack { relapsed },
            HazardAction::Regrade { grade } => core::Action::Regrade { grade: grade.into() },
        })
    }
}

impl From<core::Action> for HazardAction {
    fn from(a: core::Action) -> HazardAction {
        match a {
            core::Action::Order { deadline, responsible } => HazardAction::Order { deadline: deadline.to_string(), responsible },
            core::Action::StartFix { plan } => HazardAction::StartFix { plan: plan.map(Into::into) },
            core::Action::ReportFix => HazardAction::ReportFix,
            core::Action::Recheck { accepted } => HazardAction::Recheck { accepted },
            core::Action::RequestExtension { new_deadline, reason } => {
                HazardAction::RequestExtension { new_deadline: new_deadline.to_string(), reason }
            }
            core::Action::DecideExtension { granted } => HazardAction::DecideExtension { granted },
            core::Action::List { level } => HazardAction::ListForSupervision { level: level.into() },
            core::Action::Delist => HazardAction::Delist,
            core::Action::LookBack { relapsed } => HazardAction::LookBack { relapsed },
            core::Action::Regrade { grade } => HazardAction::Regrade { grade: grade.into() },
        }
    }
}

/// Where a hazard stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HazardState {
    /// 发现/登记.
    Found,
    /// 责令整改: deadline and responsible person set.
    Ordered,
    /// 整改中.
    Fixing,
    /// Fix reported, waiting for the re-check.
    FixReported,
    /// Accepted on re-check while listed; waits for delisting.
    Accepted,
    /// 销号.
    Closed,
}
mirror_enum!(HazardState <=> core::HazardState { Found, Ordered, Fixing, FixReported, Accepted, Closed });

/// One entry of a hazard's history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Transition {
    /// Its id.
    pub id: String,
    /// What was done.
    pub action: HazardAction,
    /// Who did it.
    pub by: Person,
    /// In which role.
    pub role: Role,
    /// When (ms since the epoch).
    pub at: i64,
    /// Their remark.
    pub note: String,
    /// Hashes of the evidence photos; read them with `RedlineStore.blob`.
    pub evidence: Vec<String>,
}

/// A transition that was valid on its device but no longer fitted after two
/// devices' histories merged. It stays in the history, without effect.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SupersededTransition {
    /// The transition's id.
    pub transition_id: String,
    /// Why it no longer applies.
    pub reason: String,
}

/// A pending request for a later deadline.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PendingExtension {
    /// The deadline asked for, `YYYY-MM-DD`.
    pub new_deadline: String,
    /// Why.
    pub reason: String,
}

/// The current state of a hazard, folded from its history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HazardStatus {
    /// Where it stands.
    pub state: HazardState,
    /// General or major (may change by regrading).
    pub grade: Grade,
    /// Current fix-by date, `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// First fix-by date ordered; extensions are bounded from it.
    pub original_deadline: Option<String>,
    /// Person responsible for the fix.
    pub responsible: Option<String>,
    /// Treatment plan of a major hazard.
    pub plan: Option<TreatmentPlan>,
    /// Listing level while listed for supervision.
    pub listed: Option<ListingLevel>,
    /// Extension waiting for a decision.
    pub pending_extension: Option<PendingExtension>,
    /// Look-backs made.
    pub look_backs: u32,
    /// Look-backs that found it relapsed.
    pub relapses: u32,
    /// When it was closed (ms since the epoch).
    pub closed_at: Option<i64>,
    /// Transitions without effect after a merge.
    pub superseded: Vec<SupersededTransition>,
    /// Not yet closed.
    pub is_open: bool,
}

/// A hazard in full.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Hazard {
    /// Its id (the id of the finding it came from).
    pub id: String,
    /// Site it is at.
    pub site_id: String,
    /// The site's name.
    pub site_name: String,
    /// Inspection that found it.
    pub inspection_id: String,
    /// Checklist item it belongs to, if any.
    pub item_id: Option<String>,
    /// What is wrong.
    pub description: String,
    /// Where on site.
    pub location: Option<GeoPoint>,
    /// Who found it.
    pub found_by: Person,
    /// When (ms since the epoch).
    pub found_at: i64,
    /// Where it stands now.
    pub status: HazardStatus,
    /// Its history, in order.
    pub transitions: Vec<Transition>,
    /// Photos: the finding's and every transition's evidence, oldest first.
    pub photos: Vec<PhotoRef>,
    /// Fields set concurrently; empty when all agree.
    pub conflicts: Vec<Conflict>,
}

impl From<core::Hazard> for Hazard {
    fn from(h: core::Hazard) -> Hazard {
        let s = h.status;
        let is_open = s.is_open();
        let status = HazardStatus {
            state: s.state.into(),
            grade: s.grade.into(),
            deadline: s.deadline.map(|d| d.to_string()),
            original_deadline: s.original_deadline.map(|d| d.to_string()),
            responsible: s.responsible,
            plan: s.plan.map(Into::into),
            listed: s.listed.map(Into::into),
            pending_extension: s.pending_extension.map(|p| PendingExtension { new_deadline: p.new_deadline.to_string(), reason: p.reason }),
            look_backs: s.look_backs,
            relapses: s.relapses,
            closed_at: s.closed_at,
            superseded: s.superseded.into_iter().map(|(transition_id, reason)| SupersededTransition { transition_id, reason }).collect(),
            is_open,
        };
        let mut photos: Vec<PhotoRef> = h.photos.into_values().map(Into::into).collect();
        photos.sort_by_key(|p| p.taken_at);
        let header = h.header;
        Hazard {
            id: h.id,
            site_id: header.site_id,
            site_name: header.site_name,
            inspection_id: header.inspection_id,
            item_id: header.item_id,
            description: header.description,
            location: header.location.map(Into::into),
            found_by: header.found_by.into(),
            found_at: header.found_at,
            status,
            transitions: h
                .transitions
                .into_iter()
                .map(|t| Transition {
                    id: t.id,
                    action: t.action.into(),
                    by: t.by.into(),
                    role: t.role.into(),
                    at: t.at,
                    note: t.note,
                    evidence: t.evidence,
                })
                .collect(),
            photos,
            conflicts: h.conflicts.into_iter().map(Into::into).collect(),
        }
    }
}
