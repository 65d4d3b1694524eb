//! Inspection plans and the tasks they expand into: who inspects which site
//! with which checklist, and by when. A supervisor writes a plan on the
//! server; its tasks reach the assignees' phones as reference data; a task
//! is done when an inspection started from it is submitted.
//!
//! Whether a task is done, due, upcoming or missed is [`TaskState::of`]
//! here (and [`state_sql`], the same rule in SQL), so the phone's lists and
//! the dashboard's progress agree.

mod schedule;
mod state;

pub use schedule::{MAX_PERIODS, Period, Repeat, Schedule};
pub use state::{TaskState, first_completion, state_sql};

use crate::error::{Error, Result};
use crate::inspection::InspectionKind;
use crate::people::Role;
use crate::time::Date;
use serde::{Deserialize, Serialize};

/// Who does a plan's tasks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Assignee {
    /// One named person.
    Person { user_id: String },
    /// The community safety assistants of each site's community: whichever
    /// of them gets there first does the task.
    Assistants,
}

impl Assignee {
    pub fn code(&self) -> &'static str {
        match self {
            Assignee::Person { .. } => "person",
            Assignee::Assistants => "assistants",
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match self {
            Assignee::Person { user_id } => Some(user_id),
            Assignee::Assistants => None,
        }
    }

    /// From the two stored columns.
    pub fn from_parts(code: &str, user_id: Option<String>) -> Option<Assignee> {
        match (code, user_id) {
            ("person", Some(user_id)) => Some(Assignee::Person { user_id }),
            ("assistants", _) => Some(Assignee::Assistants),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Active,
    /// Its open tasks are withdrawn; done ones stay on record.
    Cancelled,
}

crate::codes!(PlanStatus, "plan status", {
    Active => "active",
    Cancelled => "cancelled",
});

/// What a supervisor writes. The sites are chosen by the server (one by one
/// or by a filter) before the plan is expanded; the plan keeps the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanSpec {
    pub name: String,
    pub kind: InspectionKind,
    pub template_id: String,
    pub assignee: Assignee,
    pub schedule: Schedule,
    #[serde(default)]
    pub notes: String,
}

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_NOTES_CHARS: usize = 2_000;

impl PlanSpec {
    /// The checks every plan passes, whoever writes it. `assignee_role` is
    /// the named person's role (`None` for [`Assignee::Assistants`]).
    pub fn check(&self, assignee_role: Option<Role>) -> Result<()> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.contains('\0') {
            return Err(Error::InvalidInput(format!("a plan needs a name of 1 to {MAX_NAME_CHARS} characters")));
        }
        if self.notes.chars().count() > MAX_NOTES_CHARS || self.notes.contains('\0') {
            return Err(Error::InvalidInput(format!("notes are at most {MAX_NOTES_CHARS} characters")));
        }
        if self.template_id.trim().is_empty() {
            return Err(Error::InvalidInput("a plan needs a checklist".into()));
        }
        let role = match &self.assignee {
            Assignee::Assistants => Role::CommunityAssistant,
            Assignee::Person { .. } => assignee_role.ok_or_else(|| Error::NotFound("the assignee is not a user".into()))?,
        };
        if role == Role::CommunityAssistant && !matches!(self.kind, InspectionKind::SelfInspection | InspectionKind::LookBack) {
            return Err(Error::InvalidInput("community assistants run self-inspections and look-backs: choose one of those kinds".into()));
        }
        self.schedule.periods().map(|_| ())
    }
}

/// One site's share of one period of a plan, as a device carries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub plan_id: String,
    pub plan_name: String,
    pub kind: InspectionKind,
    pub site_id: String,
    pub template_id: String,
    pub starts: Date,
    pub due: Date,
    pub assignee: Assignee,
    #[serde(default)]
    pub notes: String,
}

impl Task {
    /// A task's id is a function of its plan, site and period, so expanding
    /// a changed plan again finds the tasks it made before.
    pub fn id_for(plan_id: &str, site_id: &str, starts: Date) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("{plan_id}\n{site_id}\n{starts}").as_bytes());
        format!("task-{}", hex::encode(&digest[..12]))
    }
}

/// Every task of a plan over `sites` (ids, in the order given): one per
/// site and period.
pub fn expand(plan_id: &str, spec: &PlanSpec, sites: &[String]) -> Result<Vec<Task>> {
    let periods = spec.schedule.periods()?;
    let mut tasks = Vec::with_capacity(periods.len() * sites.len());
    for site_id in sites {
        for p in &periods {
            tasks.push(Task {
                id: Task::id_for(plan_id, site_id, p.starts),
                plan_id: plan_id.to_string(),
                plan_name: spec.name.trim().to_string(),
                kind: spec.kind,
                site_id: site_id.clone(),
                template_id: spec.template_id.clone(),
                starts: p.starts,
                due: p.due,
                assignee: spec.assignee.clone(),
                notes: spec.notes.clone(),
            });
        }
    }
    Ok(tasks)
}

/// The tasks of a plan as a device sees them: the server sends those whose
/// period ends at most this many days ago...
pub const DEVICE_DAYS_BACK: i64 = 92;
/// ...and starts within this many days.
pub const DEVICE_DAYS_AHEAD: i64 = 62;

/// Whether a task belongs on a device on `today` (see [`DEVICE_DAYS_BACK`]).
pub fn on_device(starts: Date, due: Date, today: Date) -> bool {
    due >= today.add_days(-DEVICE_DAYS_BACK) && starts <= today.add_days(DEVICE_DAYS_AHEAD)
}

#[cfg(test)]
mod tests;
