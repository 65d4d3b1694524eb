//! The statements behind plans and tasks, built once for both backends.
//!
//! A task that is done is never rewritten or removed by a later change to
//! its plan: the record of work done stays as it was. "Done" is the
//! existence of a submitted inspection started from the task
//! ([`DONE_SQL`]).

use redline_domain::plan::Task;
use redline_storage::sql::{Dialect, Sql, Value};

/// Condition "task `t` is done" over the read model of task work.
pub const DONE_SQL: &str = "EXISTS (SELECT 1 FROM rm_task_work w WHERE w.task_id = plan_tasks.id AND w.done_day IS NOT NULL)";

/// The first day a task was done, or NULL, for alias `t`.
pub const DONE_DAY_SQL: &str = "(SELECT MIN(w.done_day) FROM rm_task_work w WHERE w.task_id = t.id AND w.done_day IS NOT NULL)";

pub const PLAN_COLS: &[&str] = &[
    "id",
    "name",
    "kind",
    "template_id",
    "assignee_kind",
    "assignee_user",
    "repeats",
    "starts_on",
    "until_on",
    "notes",
    "sites",
    "status",
    "created_by",
    "created_by_name",
    "created_at",
    "updated_at",
    "revision",
];

const TASK_COLS: &[&str] = &[
    "id",
    "plan_id",
    "site_id",
    "site_name",
    "area",
    "kind",
    "template_id",
    "assignee_kind",
    "assignee_user",
    "starts_on",
    "due_on",
    "revision",
];

/// A site's name and area, for the task rows.
pub struct Place<'a> {
    pub name: &'a str,
    pub area: &'a str,
}

/// Inserts or refreshes `tasks` at `revision`, leaving done ones alone.
pub fn upsert_tasks<'a>(d: Dialect, tasks: &[Task], place: impl Fn(&str) -> Place<'a>, revision: i64) -> Vec<Sql> {
    let rows = tasks
        .iter()
        .map(|t| {
            let p = place(&t.site_id);
            vec![
                Value::from(t.id.as_str()),
                t.plan_id.as_str().into(),
                t.site_id.as_str().into(),
                p.name.into(),
                p.area.into(),
                t.kind.as_str().into(),
                t.template_id.as_str().into(),
                t.assignee.code().into(),
                Value::Text(t.assignee.user_id().map(str::to_string)),
                t.starts.to_string().into(),
                t.due.to_string().into(),
                revision.into(),
            ]
        })
        .collect();
    let refresh: Vec<String> = TASK_COLS[2..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
    let suffix = format!(" ON CONFLICT (id) DO UPDATE SET {} WHERE NOT {DONE_SQL}", refresh.join(", "));
    let mut out = Sql::insert_rows(d, "plan_tasks", TASK_COLS, rows);
    for s in &mut out {
        s.push(&suffix);
    }
    out
}

/// Removes the plan's tasks not refreshed at `revision` and not done.
pub fn drop_stale_tasks(d: Dialect, plan_id: &str, revision: i64) -> Sql {
    let mut s = Sql::new(d);
    s.push("DELETE FROM plan_tasks WHERE plan_id = ").bind(plan_id).push(" AND revision < ").bind(revision);
    s.push(&format!(" AND NOT {DONE_SQL}"));
    s
}

/// Every device's task list may have changed.
pub fn bump_counter(d: Dialect) -> Sql {
    let mut s = Sql::new(d);
    s.push("INSERT INTO counters (name, value) VALUES ('plans', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1");
    s
}

pub fn counter(d: Dialect) -> Sql {
    let mut s = Sql::new(d);
    s.push("SELECT value FROM counters WHERE name = 'plans'");
    s
}

/// Writes the plan's row (new or replacing the old one).
pub fn put_plan(d: Dialect, values: Vec<Value>) -> Sql {
    let mut s = Sql::insert(d, "plans", PLAN_COLS, values);
    let refresh: Vec<String> = PLAN_COLS[1..].iter().filter(|c| !c.starts_with("created")).map(|c| format!("{c} = excluded.{c}")).collect();
    s.push(&format!(" ON CONFLICT (id) DO UPDATE SET {}", refresh.join(", ")));
    s
}

pub fn select_plan(d: Dialect, id: &str) -> Sql {
    let mut s = Sql::new(d);
    s.push(&format!("SELECT {} FROM plans WHERE id = ", PLAN_COLS.join(", "))).bind(id);
    s
}
