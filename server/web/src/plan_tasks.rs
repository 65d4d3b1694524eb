//! The task list: every plan task in scope with filters (plan, state,
//! community, assignee), by due date, a page at a time; missed tasks are
//! highlighted. States are the domain's rule for today, as on the phones.

use crate::context::{Ctx, Page, WebError, html};
use crate::i18n::Texts;
use crate::pages::{Frame, urlencode};
use crate::plans::Choice;
use askama::Template;
use axum::extract::{Query, State};
use redline_api::state::AppState;
use redline_domain::plan::TaskState;
use redline_domain::time::Date;
use redline_plans::progress::{self, TaskQuery, TaskRow};

pub const PER_PAGE: u32 = 100;

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TaskParams {
    pub plan: String,
    pub state: String,
    pub area: String,
    pub assignee: String,
    /// `{due}~{task id}` of the last row of the previous page.
    pub after: String,
}

impl TaskParams {
    fn query(&self) -> Result<TaskQuery, WebError> {
        let text = |s: &str| (!s.trim().is_empty() && !s.contains('\0')).then(|| s.trim().to_string());
        let state = match text(&self.state) {
            Some(s) => Some(TaskState::parse(&s).ok_or_else(|| WebError::BadRequest("state: upcoming, due, missed or done".into()))?),
            None => None,
        };
        let after = match text(&self.after) {
            Some(a) => {
                let (due, id) = a.split_once('~').ok_or_else(|| WebError::BadRequest("after: not a page position".into()))?;
                let due = Date::parse(due).ok_or_else(|| WebError::BadRequest("after: not a page position".into()))?;
                Some((due, id.to_string()))
            }
            None => None,
        };
        Ok(TaskQuery { plan: text(&self.plan), state, area: text(&self.area), assignee: text(&self.assignee), after, limit: PER_PAGE })
    }

    /// This filter as a query string, without the page position.
    fn filter(&self) -> String {
        [("plan", &self.plan), ("state", &self.state), ("area", &self.area), ("assignee", &self.assignee)]
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub struct TaskLine {
    pub row: TaskRow,
    pub state: String,
    pub missed: bool,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    f: Frame,
    t: Texts,
    p: TaskParams,
    rows: Vec<TaskLine>,
    states: Vec<Choice>,
    plans: Vec<Choice>,
    next: Option<String>,
}

pub async fn tasks(State(state): State<AppState>, ctx: Ctx, Query(p): Query<TaskParams>) -> Page {
    let lang = ctx.lang();
    let page = async {
        let q = p.query()?;
        let today = state.clock.today();
        let scope = &ctx.session.scope;
        let (rows, more) = progress::tasks(state.storage.as_ref(), scope, &q, today).await?;
        let t = ctx.t;
        let next = match (more, rows.last()) {
            (true, Some(last)) => {
                let f = p.filter();
                let sep = if f.is_empty() { "" } else { "&" };
                Some(format!("/tasks?{f}{sep}after={}", urlencode(&format!("{}~{}", last.due, last.id))))
            }
            _ => None,
        };
        let plans = progress::plans(state.storage.as_ref(), scope, today).await?;
        let mut plan_choices = vec![(String::new(), t.s("list.any").to_string(), p.plan.is_empty())];
        plan_choices.extend(plans.into_iter().map(|pp| (pp.plan.id.clone(), pp.plan.spec.name, pp.plan.id == p.plan)));
        let mut states = vec![(String::new(), t.s("list.any").to_string(), p.state.is_empty())];
        states.extend(["due", "missed", "upcoming", "done"].iter().map(|s| (s.to_string(), t.code("task_state", s), p.state == *s)));
        let rows = rows
            .into_iter()
            .map(|row| TaskLine {
                state: t.code("task_state", row.state.as_str()),
                missed: row.state == TaskState::Missed,
                kind: t.code("kind", &row.kind),
                row,
            })
            .collect();
        html(TasksPage { f: Frame::of(&ctx), t, p, rows, states, plans: plan_choices, next })
    };
    Page(page.await, lang)
}
