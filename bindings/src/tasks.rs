//! The task screens of [`RedlineStore`]: today's, overdue, upcoming and
//! done plan tasks, and starting an inspection from a task. Tasks arrive
//! with sync and work offline; `today` (`YYYY-MM-DD`) is the day asked,
//! absent meaning today in China.

use crate::errors::{FfiResult, guard};
use crate::records::inspection_detail::Inspection;
use crate::records::parse_optional_date;
use crate::records::tasks::TaskItem;
use crate::store::RedlineStore;
use redline_device::store::TaskView;
use redline_device::time::Date;

impl RedlineStore {
    fn task_view(&self, what: &'static str, view: TaskView, today: Option<String>) -> FfiResult<Vec<TaskItem>> {
        guard(what, || {
            let today = parse_optional_date("today", today)?.unwrap_or_else(Date::today);
            Ok(self.core.tasks(view, today)?.into_iter().map(Into::into).collect())
        })
    }
}

#[uniffi::export]
impl RedlineStore {
    /// Tasks whose period is running and that are not done, soonest due
    /// first.
    #[uniffi::method(default(today = None))]
    pub fn tasks_today(&self, today: Option<String>) -> FfiResult<Vec<TaskItem>> {
        self.task_view("tasks_today", TaskView::Today, today)
    }

    /// Tasks past their due date and not done.
    #[uniffi::method(default(today = None))]
    pub fn tasks_overdue(&self, today: Option<String>) -> FfiResult<Vec<TaskItem>> {
        self.task_view("tasks_overdue", TaskView::Overdue, today)
    }

    /// Tasks whose period has not begun (up to two months ahead).
    #[uniffi::method(default(today = None))]
    pub fn tasks_upcoming(&self, today: Option<String>) -> FfiResult<Vec<TaskItem>> {
        self.task_view("tasks_upcoming", TaskView::Upcoming, today)
    }

    /// Done tasks, most recent due date first.
    #[uniffi::method(default(today = None))]
    pub fn tasks_done(&self, today: Option<String>) -> FfiResult<Vec<TaskItem>> {
        self.task_view("tasks_done", TaskView::Done, today)
    }

    /// Starts the inspection a task asks for (its site, kind and checklist),
    /// linked to it: submitting it does the task.
    pub fn start_task(&self, task_id: String) -> FfiResult<Inspection> {
        guard("start_task", || Ok(self.core.start_task(&task_id)?.into()))
    }
}
