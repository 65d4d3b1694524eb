//! The fields every list shows, derived once from the read models: the
//! phone's index tables and the server's read models both store these, so
//! "outcome", "overdue", "open" and "major" mean the same on a phone screen
//! and on the supervisor's dashboard.
//!
//! Overdue depends on the day it is asked, so it is never stored: lists
//! compute it at query time, in Rust with [`HazardStatus::is_overdue`] or in
//! SQL with [`overdue_sql`], both from [`OVERDUE_STATES`].

use crate::hazard::{Hazard, HazardState, HazardStatus, ListingLevel};
use crate::inspection::{Grade, Inspection, InspectionStatus, Outcome, Summary};
use crate::time::Date;

/// States in which a passed deadline makes a hazard overdue: the fix is
/// still owed. Once reported fixed, the wait is the inspector's, not the
/// enterprise's.
pub const OVERDUE_STATES: &[HazardState] = &[HazardState::Found, HazardState::Ordered, HazardState::Fixing];

impl HazardStatus {
    pub fn is_open(&self) -> bool {
        !matches!(self.state, HazardState::Closed)
    }

    /// Past its deadline on `today` and not yet reported fixed.
    pub fn is_overdue(&self, today: Date) -> bool {
        OVERDUE_STATES.contains(&self.state) && self.deadline.is_some_and(|d| d < today)
    }
}

/// The SQL condition "overdue on the day in parameter `today`" over a
/// table with text columns `state` (a [`HazardState`] code) and `deadline`
/// (`YYYY-MM-DD`, which orders as text). Same rule as
/// [`HazardStatus::is_overdue`].
pub fn overdue_sql(state: &str, deadline: &str, today: &str) -> String {
    let states: Vec<String> = OVERDUE_STATES.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("({state} IN ({}) AND {deadline} IS NOT NULL AND {deadline} < {today})", states.join(", "))
}

/// What a list row of an inspection shows besides its header.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectionListing {
    pub status: InspectionStatus,
    pub answered: u32,
    pub visible: u32,
    pub failed: u32,
    /// Failed major-hazard items plus findings graded major.
    pub major: u32,
    /// `None` when it could not be scored (the checklist is not known here).
    pub outcome: Option<Outcome>,
    pub conflicts: u32,
    /// The inspection day, China time.
    pub day: Date,
}

impl InspectionListing {
    pub fn of(i: &Inspection, summary: Option<&Summary>) -> InspectionListing {
        let (visible, answered, failed, major, outcome) = match summary {
            Some(s) => (s.visible, s.answered, s.failed, s.major_hazard_items.len() as u32 + s.major_findings, Some(s.outcome)),
            None => (0, i.answers.len() as u32, 0, 0, None),
        };
        InspectionListing { status: i.status, answered, visible, failed, major, outcome, conflicts: i.conflicts.len() as u32, day: i.day() }
    }
}

/// What a list row of a hazard shows besides its header.
#[derive(Clone, Debug, PartialEq)]
pub struct HazardListing {
    pub grade: Grade,
    pub state: HazardState,
    pub open: bool,
    pub deadline: Option<Date>,
    pub listed: Option<ListingLevel>,
    pub pending_extension: bool,
}

impl HazardListing {
    pub fn of(h: &Hazard) -> HazardListing {
        let s = &h.status;
        HazardListing {
            grade: s.grade,
            state: s.state,
            open: s.is_open(),
            deadline: s.deadline,
            listed: s.listed,
            pending_extension: s.pending_extension.is_some(),
        }
    }
}

/// The searchable text of an inspection besides its site name: answer
/// notes, finding descriptions and responsible people, one per line.
pub fn inspection_search_text(i: &Inspection) -> String {
    let mut body = String::new();
    for n in i.answers.values().filter_map(|a| a.note.as_deref()) {
        body.push_str(n);
        body.push('\n');
    }
    for f in i.findings.values() {
        body.push_str(&f.description);
        body.push('\n');
        if let Some(r) = &f.responsible {
            body.push_str(r);
            body.push('\n');
        }
    }
    body
}

/// The searchable text of a hazard besides its site name: its description
/// and every transition's note.
pub fn hazard_search_text(h: &Hazard) -> String {
    let mut body = h.header.description.clone();
    for t in h.transitions.iter().filter(|t| !t.note.is_empty()) {
        body.push('\n');
        body.push_str(&t.note);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_rule_names_exactly_the_overdue_states() {
        let sql = overdue_sql("state", "deadline", "?1");
        for s in [
            HazardState::Found,
            HazardState::Ordered,
            HazardState::Fixing,
            HazardState::FixReported,
            HazardState::Accepted,
            HazardState::Closed,
        ] {
            assert_eq!(sql.contains(&format!("'{}'", s.as_str())), OVERDUE_STATES.contains(&s), "{s:?}");
        }
    }
}
