//! What the dashboard asks of plans: each plan's done / due / missed, split
//! by community and by person, and the task list with filters. Every query
//! is scoped by the tasks' sites first; the state is the domain's
//! [`state_sql`], asked for `today`.

use crate::sql::{DONE_DAY_SQL, PLAN_COLS};
use crate::write::read_plan;
use crate::{PlanRecord, PlanResult};
use redline_domain::plan::{TaskState, state_sql};
use redline_domain::time::Date;
use redline_read_models::reader::Cells;
use redline_storage::sql::{Dialect, Sql};
use redline_storage::{Scope, Storage, StorageError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Tasks by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub done: i64,
    pub due: i64,
    pub missed: i64,
    pub upcoming: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.done + self.due + self.missed + self.upcoming
    }

    /// Done as a whole percentage of the tasks whose period has begun.
    pub fn done_percent(&self) -> i64 {
        let begun = self.done + self.due + self.missed;
        if begun == 0 { 0 } else { self.done * 100 / begun }
    }

    fn add(&mut self, state: TaskState, n: i64) {
        match state {
            TaskState::Done => self.done += n,
            TaskState::Due => self.due += n,
            TaskState::Missed => self.missed += n,
            TaskState::Upcoming => self.upcoming += n,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanProgress {
    pub plan: PlanRecord,
    pub counts: Counts,
}

/// The scoped tasks with their first done day, as alias `x`, selecting
/// `extra` columns of `t` and the state.
fn tasks_with_state(d: Dialect, scope: &Scope, today: Date, extra: &str) -> Sql {
    let mut s = Sql::new(d);
    let today = s.placeholder(today.to_string());
    let state = state_sql("x.starts_on", "x.due_on", "x.done_day", &today);
    s.push(&format!(
        "SELECT {state} AS state, x.* FROM (SELECT t.starts_on, t.due_on, {DONE_DAY_SQL} AS done_day{extra} FROM plan_tasks t WHERE "
    ));
    s.scope(scope, "t");
    s
}

fn state_of(cells: &mut Cells<'_>) -> PlanResult<TaskState> {
    let code = cells.text()?;
    Ok(TaskState::parse(&code).ok_or_else(|| StorageError::Corrupt(format!("task state {code:?}")))?)
}

/// Every plan with at least one site in scope, newest change first, with
/// its tasks' counts (the tasks in scope only).
pub async fn plans(storage: &dyn Storage, scope: &Scope, today: Date) -> PlanResult<Vec<PlanProgress>> {
    let d = storage.dialect();
    let mut s = tasks_with_state(d, scope, today, ", t.plan_id");
    s.text = format!("SELECT y.plan_id, y.state, COUNT(*) FROM ({}) x) y GROUP BY y.plan_id, y.state", s.text);
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    for row in storage.query(s).await? {
        let mut c = Cells::new(&row);
        let plan = c.text()?;
        let state = state_of(&mut c)?;
        counts.entry(plan).or_default().add(state, c.int()?);
    }
    let mut all = Sql::new(d);
    all.push(&format!("SELECT {} FROM plans ORDER BY updated_at DESC, id", PLAN_COLS.join(", ")));
    let visible: BTreeSet<String> = storage.sites_in(scope).await?.into_iter().map(|s| s.id).collect();
    let mut out = vec![];
    for row in storage.query(all).await? {
        let plan = read_plan(&row)?;
        if plan.sites.iter().any(|s| visible.contains(s)) {
            let counts = counts.get(&plan.id).copied().unwrap_or_default();
            out.push(PlanProgress { plan, counts });
        }
    }
    Ok(out)
}

/// A plan's counts grouped by `group` (an expression over `x`), keyed by
/// its text.
async fn grouped(
    storage: &dyn Storage,
    scope: &Scope,
    plan_id: &str,
    today: Date,
    extra: &str,
    group: &str,
) -> PlanResult<Vec<(String, Counts)>> {
    let mut s = tasks_with_state(storage.dialect(), scope, today, extra);
    s.push(" AND t.plan_id = ").bind(plan_id);
    s.text = format!("SELECT COALESCE({group}, ''), y.state, COUNT(*) FROM ({}) x) y GROUP BY 1, 2 ORDER BY 1", s.text);
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for row in storage.query(s).await? {
        let mut c = Cells::new(&row);
        let key = c.text()?;
        let state = state_of(&mut c)?;
        out.entry(key).or_default().add(state, c.int()?);
    }
    Ok(out.into_iter().collect())
}

/// A plan's progress per community (the sites' area paths).
pub async fn by_community(storage: &dyn Storage, scope: &Scope, plan_id: &str, today: Date) -> PlanResult<Vec<(String, Counts)>> {
    grouped(storage, scope, plan_id, today, ", t.area", "y.area").await
}

/// Who did the done tasks, who owes the others: `done:{name}` for the
/// person whose inspection did it, `user:{id}` for a named assignee,
/// `assistants` for a community's assistants.
pub async fn by_person(storage: &dyn Storage, scope: &Scope, plan_id: &str, today: Date) -> PlanResult<Vec<(String, Counts)>> {
    let done_by = "(SELECT w.created_by_name FROM rm_task_work w WHERE w.task_id = t.id AND w.done_day IS NOT NULL \
                   ORDER BY w.finished_at, w.doc_id LIMIT 1)";
    let extra = format!(", t.assignee_kind, t.assignee_user, {done_by} AS done_by");
    let group = "CASE WHEN y.done_by IS NOT NULL THEN 'done:' || y.done_by WHEN y.assignee_user IS NOT NULL \
                 THEN 'user:' || y.assignee_user ELSE 'assistants' END";
    grouped(storage, scope, plan_id, today, &extra, group).await
}

/// Filters of the task list; all optional.
#[derive(Clone, Debug, Default)]
pub struct TaskQuery {
    pub plan: Option<String>,
    pub state: Option<TaskState>,
    /// An area path prefix.
    pub area: Option<String>,
    pub assignee: Option<String>,
    /// Keyset: after this (due date, task id).
    pub after: Option<(Date, String)>,
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskRow {
    pub id: String,
    pub plan_id: String,
    pub plan_name: String,
    pub site_id: String,
    pub site_name: String,
    pub area: String,
    pub kind: String,
    pub starts: String,
    pub due: String,
    pub state: TaskState,
    pub done_day: Option<String>,
    pub assignee_user: Option<String>,
}

/// A page of tasks by due date (then id), and whether more follow.
pub async fn tasks(storage: &dyn Storage, scope: &Scope, q: &TaskQuery, today: Date) -> PlanResult<(Vec<TaskRow>, bool)> {
    let extra = ", t.id, t.plan_id, (SELECT p.name FROM plans p WHERE p.id = t.plan_id) AS plan_name, t.site_id, t.site_name, t.area, t.kind, t.assignee_user";
    let mut s = tasks_with_state(storage.dialect(), scope, today, extra);
    if let Some(p) = &q.plan {
        s.push(" AND t.plan_id = ").bind(p.as_str());
    }
    if let Some(a) = &q.area {
        s.push(" AND ").scope(&Scope { areas: vec![a.clone()], sites: vec![] }, "t");
    }
    if let Some(u) = &q.assignee {
        s.push(" AND t.assignee_user = ").bind(u.as_str());
    }
    if let Some((due, id)) = &q.after {
        let due = due.to_string();
        s.push(" AND (t.due_on > ").bind(due.as_str()).push(" OR (t.due_on = ").bind(due).push(" AND t.id > ").bind(id.as_str()).push("))");
    }
    s.push(") x");
    if let Some(st) = q.state {
        s.text = format!("SELECT * FROM ({}) z WHERE z.state = ", s.text);
        s.bind(st.as_str());
    }
    s.push(" ORDER BY due_on, id LIMIT ").bind(i64::from(q.limit) + 1);
    let rows = storage.query(s).await?;
    let more = rows.len() > q.limit as usize;
    let items = rows.iter().take(q.limit as usize).map(|r| task_row(r.as_slice())).collect::<PlanResult<Vec<_>>>()?;
    Ok((items, more))
}

fn task_row(row: &[redline_storage::sql::Value]) -> PlanResult<TaskRow> {
    let mut c = Cells::new(row);
    let state = state_of(&mut c)?;
    let (starts, due, done_day) = (c.text()?, c.text()?, c.opt_text()?);
    Ok(TaskRow {
        state,
        starts,
        due,
        done_day,
        id: c.text()?,
        plan_id: c.text()?,
        plan_name: c.opt_text()?.unwrap_or_default(),
        site_id: c.text()?,
        site_name: c.text()?,
        area: c.text()?,
        kind: c.text()?,
        assignee_user: c.opt_text()?,
    })
}
