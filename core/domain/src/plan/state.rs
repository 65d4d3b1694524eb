//! Done, due, upcoming or missed: one rule for the phone and the dashboard.
//!
//! A task is done when an inspection started from it is submitted; the
//! first submission counts (two people may both have done it when it was
//! reassigned while one of them was offline). Otherwise it is upcoming
//! before its period, due during it, and missed after its due date — still
//! worth doing, and counted as done late once it is.

use crate::time::{Date, Millis};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Upcoming,
    Due,
    Missed,
    Done,
}

crate::codes!(TaskState, "task state", {
    Upcoming => "upcoming",
    Due => "due",
    Missed => "missed",
    Done => "done",
});

impl TaskState {
    /// The state on `today` of a task for `starts..=due`, done on `done`
    /// (the China day of the first submitted inspection) if at all.
    pub fn of(starts: Date, due: Date, done: Option<Date>, today: Date) -> TaskState {
        match done {
            Some(_) => TaskState::Done,
            None if due < today => TaskState::Missed,
            None if today < starts => TaskState::Upcoming,
            None => TaskState::Due,
        }
    }
}

/// The SQL expression of [`TaskState::of`] (a [`TaskState`] code) over text
/// columns of `YYYY-MM-DD` dates (which order as text): `starts`, `due`,
/// `done` (NULL while not done) and the parameter `today`.
pub fn state_sql(starts: &str, due: &str, done: &str, today: &str) -> String {
    format!(
        "(CASE WHEN {done} IS NOT NULL THEN 'done' WHEN {due} < {today} THEN 'missed' \
         WHEN {today} < {starts} THEN 'upcoming' ELSE 'due' END)"
    )
}

/// Of the inspections submitted for one task (`(inspection id, submitted
/// at)`), the one that did it: the earliest, ties broken by id so every
/// replica picks the same.
pub fn first_completion<'a>(submitted: impl IntoIterator<Item = (&'a str, Millis)>) -> Option<(&'a str, Millis)> {
    submitted.into_iter().min_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)))
}
