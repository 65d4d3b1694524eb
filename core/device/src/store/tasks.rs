//! The user's plan tasks as the task screens draw them: today's, overdue
//! and upcoming, each with its site (name, address, coordinates) and the
//! site's last submitted inspection, read from the task table and the
//! index alone. A task is done when an inspection started from it is
//! submitted; the first submission does it (`redline_domain::plan`), so
//! the phone and the dashboard agree.

use super::Store;
use crate::error::{Error, Result};
use crate::inspection::{Inspection, InspectionKind, Outcome};
use crate::plan::{TaskState, first_completion};
use crate::site::{GeoPoint, Site};
use crate::time::{Date, Millis};
use redline_sqlite::{Coded, DateText};
use rusqlite::{Connection, OptionalExtension};

/// Which task screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskView {
    /// Period running, not yet done.
    Today,
    /// Past the due date and not done: still worth doing.
    Overdue,
    /// Period not started yet.
    Upcoming,
    /// Done, most recent first.
    Done,
}

/// The site's last submitted inspection.
#[derive(Clone, Debug, PartialEq)]
pub struct LastInspection {
    pub id: String,
    pub finished_at: Millis,
    pub outcome: Option<Outcome>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TaskItem {
    pub id: String,
    pub plan_name: String,
    pub kind: InspectionKind,
    pub template_id: String,
    pub starts: Date,
    pub due: Date,
    pub notes: String,
    pub state: TaskState,
    pub site_id: String,
    /// Empty when the site is not (or no longer) on this device.
    pub site_name: String,
    pub site_address: String,
    pub site_location: Option<GeoPoint>,
    pub last_inspection: Option<LastInspection>,
    /// The inspection that did it, once done.
    pub done_by: Option<String>,
}

/// At most this many tasks on one screen.
const SCREEN_LIMIT: usize = 500;

impl Store {
    /// The tasks of one screen on `today`, soonest due first, then by site.
    pub fn tasks(&self, view: TaskView, today: Date) -> Result<Vec<TaskItem>> {
        let r = self.reader()?;
        let dates = match view {
            TaskView::Today => "t.starts_on <= ?1 AND t.due_on >= ?1",
            TaskView::Overdue => "t.due_on < ?1",
            TaskView::Upcoming => "t.starts_on > ?1",
            TaskView::Done => "?1 IS NOT NULL",
        };
        let sql = format!(
            "SELECT t.id, t.plan_name, t.kind, t.template_id, t.starts_on, t.due_on, t.notes, t.site_id FROM tasks t
             LEFT JOIN sites s ON s.id = t.site_id
             WHERE {dates} ORDER BY t.due_on, s.name, t.id"
        );
        let mut stmt = r.prepare_cached(&sql)?;
        let rows = stmt.query_map([DateText(today)], |row| {
            Ok(TaskItem {
                id: row.get(0)?,
                plan_name: row.get(1)?,
                kind: row.get::<_, Coded<InspectionKind>>(2)?.0,
                template_id: row.get(3)?,
                starts: row.get::<_, DateText>(4)?.0,
                due: row.get::<_, DateText>(5)?.0,
                notes: row.get(6)?,
                site_id: row.get(7)?,
                state: TaskState::Upcoming,
                site_name: String::new(),
                site_address: String::new(),
                site_location: None,
                last_inspection: None,
                done_by: None,
            })
        })?;
        let mut out = vec![];
        for item in rows {
            let mut t = item?;
            let done = done_by(&r, &t.id)?;
            t.state = TaskState::of(t.starts, t.due, done.as_ref().map(|(_, at)| Date::in_china(*at)), today);
            let wanted = match view {
                TaskView::Done => t.state == TaskState::Done,
                _ => t.state != TaskState::Done,
            };
            if !wanted {
                continue;
            }
            t.done_by = done.map(|(id, _)| id);
            describe(&r, &mut t)?;
            out.push(t);
            if out.len() == SCREEN_LIMIT {
                break;
            }
        }
        if view == TaskView::Done {
            out.reverse();
        }
        Ok(out)
    }

    /// Starts an inspection for a task: its site, kind and checklist (the
    /// newest version on the device), linked to the task.
    pub fn start_task(&self, task_id: &str) -> Result<Inspection> {
        let task: Option<(String, Coded<InspectionKind>, String)> = self
            .reader()?
            .query_row("SELECT site_id, kind, template_id FROM tasks WHERE id = ?1", [task_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (site_id, kind, template_id) = task.ok_or_else(|| Error::NotFound(format!("task {task_id}")))?;
        self.start_linked(&site_id, kind.0, &template_id, Some(task_id.to_string()))
    }
}

/// The submitted inspection that did task `id`, and when.
fn done_by(conn: &Connection, id: &str) -> Result<Option<(String, Millis)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, finished_at FROM inspection_index WHERE task_id = ?1 AND status = 'submitted' AND finished_at IS NOT NULL",
    )?;
    let rows: Vec<(String, Millis)> = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(first_completion(rows.iter().map(|(i, at)| (i.as_str(), *at))).map(|(i, at)| (i.to_string(), at)))
}

/// Fills in the site and its last submitted inspection.
fn describe(conn: &Connection, t: &mut TaskItem) -> Result<()> {
    let json: Option<String> = conn.query_row("SELECT json FROM sites WHERE id = ?1", [&t.site_id], |r| r.get(0)).optional()?;
    if let Some(site) = json.and_then(|j| serde_json::from_str::<Site>(&j).ok()) {
        t.site_name = site.name;
        t.site_address = site.address;
        t.site_location = site.location;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id, finished_at, outcome FROM inspection_index
         WHERE site_id = ?1 AND status = 'submitted' AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1",
    )?;
    t.last_inspection = stmt
        .query_row([&t.site_id], |r| {
            Ok(LastInspection { id: r.get(0)?, finished_at: r.get(1)?, outcome: r.get::<_, super::columns::StoredOutcome>(2)?.0 })
        })
        .optional()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspection::AnswerValue;
    use crate::plan::{Assignee, Task};
    use crate::store::test_support::store_in;
    use crate::sync::wire::{SyncResponse, TaskList};
    use crate::template::AnswerType;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn task(id: &str, site: &str, starts: &str, due: &str) -> Task {
        Task {
            id: id.into(),
            plan_id: "plan-1".into(),
            plan_name: "月度巡查".into(),
            kind: InspectionKind::RoutinePatrol,
            site_id: site.into(),
            template_id: "hazardous_chemicals".into(),
            starts: d(starts),
            due: d(due),
            assignee: Assignee::Person { user_id: "insp-2".into() },
            notes: "重点查储存".into(),
        }
    }

    fn receive(store: &Store, version: &str, tasks: Vec<Task>) {
        let response = SyncResponse { tasks: Some(TaskList { version: version.into(), tasks }), ..Default::default() };
        store.apply_sync_response(&[], &response).unwrap();
    }

    fn ids(store: &Store, view: TaskView, today: &str) -> Vec<String> {
        store.tasks(view, d(today)).unwrap().into_iter().map(|t| t.id).collect()
    }

    #[test]
    fn screens_split_by_the_day_and_a_submission_does_the_task() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        receive(
            &store,
            "v1",
            vec![
                task("t-jan", "site-1", "2027-01-01", "2027-01-31"),
                task("t-feb", "site-2", "2027-02-01", "2027-02-28"),
                task("t-dec", "site-1", "2026-12-01", "2026-12-31"),
            ],
        );
        assert_eq!(store.sync_position().unwrap().tasks_version, "v1");
        assert_eq!(ids(&store, TaskView::Today, "2027-01-15"), ["t-jan"]);
        assert_eq!(ids(&store, TaskView::Overdue, "2027-01-15"), ["t-dec"]);
        assert_eq!(ids(&store, TaskView::Upcoming, "2027-01-15"), ["t-feb"]);
        let jan = store.tasks(TaskView::Today, d("2027-01-15")).unwrap().remove(0);
        assert_eq!((jan.site_name.as_str(), jan.state, jan.last_inspection), ("西湖化工仓库", TaskState::Due, None));

        let i = store.start_task("t-jan").unwrap();
        assert_eq!((i.header.task_id.as_deref(), i.header.site_id.as_str()), (Some("t-jan"), "site-1"));
        let t = store.template("hazardous_chemicals", None).unwrap();
        for (_, item) in t.items() {
            let v = match &item.answer {
                AnswerType::Number { min, .. } => AnswerValue::Number(min.unwrap_or(0.0)),
                _ => AnswerValue::Pass,
            };
            store.answer(&i.id, &item.id, v, None).unwrap();
        }
        assert_eq!(ids(&store, TaskView::Today, "2027-01-15"), ["t-jan"], "a draft does not do it");
        store.submit(&i.id).unwrap();
        assert!(ids(&store, TaskView::Today, "2027-01-15").is_empty());
        let done = store.tasks(TaskView::Done, d("2027-01-15")).unwrap();
        assert_eq!((done[0].id.as_str(), done[0].done_by.as_deref(), done[0].state), ("t-jan", Some(i.id.as_str()), TaskState::Done));
        // The December task of the same site now shows the site's last visit.
        let dec = store.tasks(TaskView::Overdue, d("2027-01-15")).unwrap().remove(0);
        assert_eq!(dec.last_inspection.map(|l| l.id), Some(i.id.clone()));

        // A new list replaces the old one whole.
        receive(&store, "v2", vec![task("t-feb", "site-2", "2027-02-01", "2027-02-28")]);
        assert!(ids(&store, TaskView::Overdue, "2027-01-15").is_empty());
        assert!(ids(&store, TaskView::Done, "2027-01-15").is_empty());
        assert_eq!(store.sync_position().unwrap().tasks_version, "v2");
        assert!(matches!(store.start_task("t-jan"), Err(Error::NotFound(_))), "a withdrawn task cannot be started");
    }
}
