//! What the list screens ask for and get back: "my drafts", "today's
//! inspections", "open hazards by deadline", search hits, and the change
//! notice that tells a screen to refresh. Rows come from the store's index
//! tables, never from loading documents, so lists stay fast with thousands
//! of records.

use super::hazard::{HazardState, ListingLevel};
use super::inspection::{Grade, InspectionKind, InspectionStatus};
use super::inspection_detail::Outcome;
use super::{mirror_enum, parse_optional_date};
use crate::errors::{FfiResult, RedlineError};
use redline_device::store;

/// Which inspections to list; absent fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct InspectionQuery {
    /// Only drafts, or only submitted ones.
    #[uniffi(default = None)]
    pub status: Option<InspectionStatus>,
    /// Only those of this site.
    #[uniffi(default = None)]
    pub site_id: Option<String>,
    /// Only those this user started or took part in.
    #[uniffi(default = None)]
    pub participant: Option<String>,
    /// Only those started on this day (China time), `YYYY-MM-DD`.
    #[uniffi(default = None)]
    pub day: Option<String>,
    /// At most this many, newest first (default 200).
    #[uniffi(default = None)]
    pub limit: Option<u32>,
}

impl TryFrom<InspectionQuery> for store::InspectionQuery {
    type Error = RedlineError;
    fn try_from(q: InspectionQuery) -> FfiResult<store::InspectionQuery> {
        Ok(store::InspectionQuery {
            status: q.status.map(Into::into),
            site_id: q.site_id,
            participant: q.participant,
            day: parse_optional_date("day", q.day)?,
            limit: q.limit,
        })
    }
}

/// One row of an inspection list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionListItem {
    /// Inspection id.
    pub id: String,
    /// Site id.
    pub site_id: String,
    /// Site name.
    pub site_name: String,
    /// Why.
    pub kind: InspectionKind,
    /// Checklist used.
    pub template_id: String,
    /// Draft or submitted.
    pub status: InspectionStatus,
    /// Started (ms since the epoch).
    pub started_at: i64,
    /// Submitted (ms since the epoch).
    pub finished_at: Option<i64>,
    /// Items answered.
    pub answered: u32,
    /// Items visible.
    pub visible: u32,
    /// Items failed.
    pub failed: u32,
    /// Major-hazard items and findings.
    pub major: u32,
    /// Outcome so far; absent when the checklist is not on this device.
    pub outcome: Option<Outcome>,
    /// Unresolved conflicts.
    pub conflicts: u32,
}

impl From<store::InspectionListItem> for InspectionListItem {
    fn from(i: store::InspectionListItem) -> InspectionListItem {
        InspectionListItem {
            id: i.id,
            site_id: i.site_id,
            site_name: i.site_name,
            kind: i.kind.into(),
            template_id: i.template_id,
            status: i.status.into(),
            started_at: i.started_at,
            finished_at: i.finished_at,
            answered: i.answered,
            visible: i.visible,
            failed: i.failed,
            major: i.major,
            outcome: i.outcome.map(Into::into),
            conflicts: i.conflicts,
        }
    }
}

/// Which hazards to list; absent fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct HazardQuery {
    /// Only those not yet closed.
    #[uniffi(default = false)]
    pub open_only: bool,
    /// Only those past their deadline on the query's day.
    #[uniffi(default = false)]
    pub overdue_only: bool,
    /// Only this grade.
    #[uniffi(default = None)]
    pub grade: Option<Grade>,
    /// Only those of this site.
    #[uniffi(default = None)]
    pub site_id: Option<String>,
    /// At most this many (default 200).
    #[uniffi(default = None)]
    pub limit: Option<u32>,
}

impl From<HazardQuery> for store::HazardQuery {
    fn from(q: HazardQuery) -> store::HazardQuery {
        store::HazardQuery {
            open_only: q.open_only,
            overdue_only: q.overdue_only,
            grade: q.grade.map(Into::into),
            site_id: q.site_id,
            limit: q.limit,
        }
    }
}

/// One row of a hazard list, soonest deadline first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HazardListItem {
    /// Hazard id.
    pub id: String,
    /// Site id.
    pub site_id: String,
    /// Site name.
    pub site_name: String,
    /// Inspection that found it.
    pub inspection_id: String,
    /// Checklist item, if any.
    pub item_id: Option<String>,
    /// What is wrong.
    pub description: String,
    /// General or major.
    pub grade: Grade,
    /// Where it stands.
    pub state: HazardState,
    /// Fix-by date, `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// Past its deadline on the query's day and not yet reported fixed.
    pub overdue: bool,
    /// Listing level while listed for supervision.
    pub listed: Option<ListingLevel>,
    /// An extension waits for a decision.
    pub pending_extension: bool,
    /// Found (ms since the epoch).
    pub found_at: i64,
}

impl From<store::HazardListItem> for HazardListItem {
    fn from(h: store::HazardListItem) -> HazardListItem {
        HazardListItem {
            id: h.id,
            site_id: h.site_id,
            site_name: h.site_name,
            inspection_id: h.inspection_id,
            item_id: h.item_id,
            description: h.description,
            grade: h.grade.into(),
            state: h.state.into(),
            deadline: h.deadline.map(|d| d.to_string()),
            overdue: h.overdue,
            listed: h.listed.map(Into::into),
            pending_extension: h.pending_extension,
            found_at: h.found_at,
        }
    }
}

/// Which kind of document a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DocumentKind {
    /// An inspection: open it with `RedlineStore.inspection`.
    Inspection,
    /// A hazard: open it with `RedlineStore.hazard`.
    Hazard,
}
mirror_enum!(DocumentKind <=> store::DocKind { Inspection, Hazard });

/// One search result.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SearchHit {
    /// Id of the inspection or hazard.
    pub doc_id: String,
    /// Which kind it is.
    pub kind: DocumentKind,
    /// Site name.
    pub title: String,
    /// The matching text, with the match in [brackets] where the index can
    /// mark it.
    pub snippet: String,
}

impl From<store::SearchHit> for SearchHit {
    fn from(h: store::SearchHit) -> SearchHit {
        SearchHit { doc_id: h.doc_id, kind: h.kind.into(), title: h.title, snippet: h.snippet }
    }
}

/// Which documents one committed write changed: refresh the screens that
/// show them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoreChange {
    /// Ids of changed inspections.
    pub inspections: Vec<String>,
    /// Ids of changed (or newly registered) hazards.
    pub hazards: Vec<String>,
}

impl From<&store::StoreChange> for StoreChange {
    fn from(c: &store::StoreChange) -> StoreChange {
        StoreChange { inspections: c.inspections.clone(), hazards: c.hazards.clone() }
    }
}
