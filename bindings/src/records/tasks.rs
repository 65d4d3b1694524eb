//! Plan tasks as the task screens draw them: the task, its state (the
//! domain's rule, so the phone and the dashboard agree), its site and the
//! site's last submitted inspection.

use super::inspection::InspectionKind;
use super::inspection_detail::Outcome;
use super::mirror_enum;
use super::reference::GeoPoint;
use redline_device::plan as core;
use redline_device::store;

/// Where a task stands on the day asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TaskState {
    /// Its period has not begun.
    Upcoming,
    /// Its period is running and it is not done.
    Due,
    /// Past its due date and not done: still worth doing.
    Missed,
    /// An inspection started from it was submitted.
    Done,
}

mirror_enum!(TaskState <=> core::TaskState { Upcoming, Due, Missed, Done });

/// The site's last submitted inspection.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LastInspection {
    pub inspection_id: String,
    /// When it was submitted, milliseconds since the Unix epoch.
    pub finished_at: i64,
    /// Absent when the checklist is not on this device.
    pub outcome: Option<Outcome>,
}

/// One task of a plan: which site to inspect, how, and by when.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TaskItem {
    pub task_id: String,
    /// The plan's name, e.g. the campaign.
    pub plan_name: String,
    pub kind: InspectionKind,
    pub template_id: String,
    /// First day of its period, `YYYY-MM-DD`.
    pub starts: String,
    /// Due date, `YYYY-MM-DD`.
    pub due: String,
    pub notes: String,
    pub state: TaskState,
    pub site_id: String,
    /// Empty when the site is not on this device.
    pub site_name: String,
    pub site_address: String,
    pub site_location: Option<GeoPoint>,
    pub last_inspection: Option<LastInspection>,
    /// The inspection that did it, once done.
    pub done_by: Option<String>,
}

impl From<store::TaskItem> for TaskItem {
    fn from(t: store::TaskItem) -> TaskItem {
        TaskItem {
            task_id: t.id,
            plan_name: t.plan_name,
            kind: t.kind.into(),
            template_id: t.template_id,
            starts: t.starts.to_string(),
            due: t.due.to_string(),
            notes: t.notes,
            state: t.state.into(),
            site_id: t.site_id,
            site_name: t.site_name,
            site_address: t.site_address,
            site_location: t.site_location.map(Into::into),
            last_inspection: t.last_inspection.map(|l| LastInspection {
                inspection_id: l.id,
                finished_at: l.finished_at,
                outcome: l.outcome.map(Into::into),
            }),
            done_by: t.done_by,
        }
    }
}
