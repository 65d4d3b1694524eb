//! The plans pages: every plan in scope with its progress (done, due,
//! missed), a form to plan new work, and one plan's page with progress by
//! community and by person, the same form to change it, and cancelling.
//! Writing is `redline_plans` (supervisors and admins only); a refused form
//! comes back filled in with the reason.

use crate::context::{Ctx, Page, WebError, check_csrf, html};
use crate::i18n::Texts;
use crate::pages::{Frame, urlencode};
use crate::plan_form::PlanForm;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use redline_api::state::AppState;
use redline_domain::plan::{Assignee, PlanStatus};
use redline_plans::progress::{self, Counts, PlanProgress};
use redline_plans::{PlanError, PlanRecord};
use std::collections::HashMap;

impl From<PlanError> for WebError {
    fn from(e: PlanError) -> WebError {
        match e {
            PlanError::NotFound => WebError::NotFound,
            PlanError::NotAllowed => WebError::Forbidden,
            PlanError::Invalid(m) => WebError::BadRequest(m),
            PlanError::Storage(e) => e.into(),
        }
    }
}

/// A value of a select, its label, and whether the form has it.
pub type Choice = (String, String, bool);

fn choices(values: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Choice> {
    values.into_iter().map(|(v, l)| (v.clone(), l, v == current)).collect()
}

/// The selects of the plan form, marked with the form's values.
pub struct FormOptions {
    pub kinds: Vec<Choice>,
    pub templates: Vec<Choice>,
    pub assignees: Vec<Choice>,
    pub repeats: Vec<Choice>,
    pub bys: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub risks: Vec<Choice>,
}

const CATEGORIES: &[&str] =
    &["hazardous_chemicals", "fireworks", "fireworks_retail", "special_equipment", "food", "three_places_three_enterprises"];

async fn options(state: &AppState, ctx: &Ctx, form: &PlanForm) -> Result<FormOptions, WebError> {
    let t = ctx.t;
    let coded = |prefix: &str, codes: &[&str]| codes.iter().map(|c| (c.to_string(), t.code(prefix, c))).collect::<Vec<_>>();
    let mut templates: Vec<(String, String)> = vec![];
    for v in redline_admin::templates::list_templates(state.storage.as_ref()).await? {
        if !templates.iter().any(|(id, _)| *id == v.id) {
            let title = if t.lang == crate::i18n::Lang::Zh { v.title_zh } else { v.title_en };
            templates.push((v.id, title));
        }
    }
    let mut assignees = vec![("assistants".to_string(), t.s("plan.assistants").to_string())];
    for u in state.storage.users().await? {
        if u.scope.overlaps(&ctx.session.scope) && u.role != redline_domain::people::Role::Admin {
            assignees.push((format!("user:{}", u.id), format!("{} ({})", u.name, t.code("role", u.role.as_str()))));
        }
    }
    let with_none = |mut v: Vec<(String, String)>| {
        v.insert(0, (String::new(), t.s("list.any").to_string()));
        v
    };
    Ok(FormOptions {
        kinds: choices(coded("kind", crate::pages::KINDS), &form.kind),
        templates: choices(templates, &form.template),
        assignees: choices(assignees, &form.assignee),
        repeats: choices(coded("repeat", &["once", "weekly", "monthly"]), &form.repeat),
        bys: choices(coded("by", &["filter", "listed", "closed_hazards"]), if form.by.is_empty() { "filter" } else { &form.by }),
        categories: choices(with_none(coded("category", CATEGORIES)), &form.category),
        risks: choices(with_none(coded("risk", &["red", "orange", "yellow", "green"])), &form.risk),
    })
}

/// One plan as a row and a heading.
pub struct PlanLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub cancelled: bool,
    pub period: String,
    pub assignee: String,
    pub counts: Counts,
    pub percent: i64,
}

fn names(users: &[redline_storage::UserRecord]) -> HashMap<String, String> {
    users.iter().map(|u| (u.id.clone(), u.name.clone())).collect()
}

impl PlanLine {
    fn of(t: &Texts, p: &PlanRecord, counts: Counts, names: &HashMap<String, String>) -> PlanLine {
        let s = &p.spec;
        PlanLine {
            id: p.id.clone(),
            name: s.name.clone(),
            kind: t.code("kind", s.kind.as_str()),
            status: t.code("plan_status", p.status.as_str()),
            cancelled: p.status == PlanStatus::Cancelled,
            period: format!("{} – {} · {}", s.schedule.starts, s.schedule.until, t.code("repeat", s.schedule.repeat.as_str())),
            assignee: match &s.assignee {
                Assignee::Assistants => t.s("plan.assistants").to_string(),
                Assignee::Person { user_id } => names.get(user_id).cloned().unwrap_or_else(|| user_id.clone()),
            },
            counts,
            percent: counts.done_percent(),
        }
    }
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    f: Frame,
    t: Texts,
    rows: Vec<PlanLine>,
    form: PlanForm,
    o: FormOptions,
    refused: Option<String>,
    can_plan: bool,
}

async fn plans_page(state: &AppState, ctx: &Ctx, form: PlanForm, refused: Option<String>) -> Result<Response, WebError> {
    let today = state.clock.today();
    let all = progress::plans(state.storage.as_ref(), &ctx.session.scope, today).await?;
    let users = names(&state.storage.users().await?);
    let rows = all.iter().map(|PlanProgress { plan, counts }| PlanLine::of(&ctx.t, plan, *counts, &users)).collect();
    let o = options(state, ctx, &form).await?;
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = PlansPage { f: Frame::of(ctx), t: ctx.t, rows, form, o, refused, can_plan: ctx.session.role.is_supervisor() };
    Ok((status, html(page)?).into_response())
}

pub async fn plans(State(state): State<AppState>, ctx: Ctx) -> Page {
    let lang = ctx.lang();
    let form = PlanForm { repeat: "once".into(), by: "filter".into(), ..Default::default() };
    Page(plans_page(&state, &ctx, form, None).await, lang)
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(form): Form<PlanForm>) -> Page {
    let lang = ctx.lang();
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        let written = match form.parse() {
            Ok((spec, choice)) => redline_plans::create_plan(state.storage.as_ref(), &ctx.session.principal(), spec, &choice).await,
            Err(why) => Err(PlanError::Invalid(why)),
        };
        match written {
            Ok(p) => Ok(Redirect::to(&format!("/plans/{}", urlencode(&p.id))).into_response()),
            Err(PlanError::Invalid(why)) => plans_page(&state, &ctx, form, Some(why)).await,
            Err(e) => Err(e.into()),
        }
    };
    Page(page.await, lang)
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    f: Frame,
    t: Texts,
    plan: PlanLine,
    notes: String,
    sites: usize,
    communities: Vec<(String, Counts)>,
    people: Vec<(String, Counts)>,
    form: PlanForm,
    o: FormOptions,
    refused: Option<String>,
    can_plan: bool,
}

async fn plan_page(state: &AppState, ctx: &Ctx, id: &str, form: Option<PlanForm>, refused: Option<String>) -> Result<Response, WebError> {
    let storage = state.storage.as_ref();
    let scope = &ctx.session.scope;
    let record = redline_plans::plan(storage, scope, id).await?.ok_or(WebError::NotFound)?;
    let today = state.clock.today();
    let users = names(&storage.users().await?);
    let communities = progress::by_community(storage, scope, id, today).await?;
    let t = ctx.t;
    let people = progress::by_person(storage, scope, id, today)
        .await?
        .into_iter()
        .map(|(key, c)| {
            let label = match key.split_once(':') {
                Some(("done", name)) => format!("{name} · {}", t.s("task_state.done")),
                Some(("user", uid)) => users.get(uid).cloned().unwrap_or_else(|| uid.to_string()),
                _ => t.s("plan.assistants").to_string(),
            };
            (label, c)
        })
        .collect();
    let total = communities.iter().fold(Counts::default(), |mut a, (_, c)| {
        a.done += c.done;
        a.due += c.due;
        a.missed += c.missed;
        a.upcoming += c.upcoming;
        a
    });
    let form = form.unwrap_or_else(|| PlanForm::of(&record));
    let o = options(state, ctx, &form).await?;
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = PlanPage {
        f: Frame::of(ctx),
        t,
        plan: PlanLine::of(&t, &record, total, &users),
        notes: record.spec.notes.clone(),
        sites: record.sites.len(),
        communities,
        people,
        form,
        o,
        refused,
        can_plan: ctx.session.role.is_supervisor() && record.status == PlanStatus::Active,
    };
    Ok((status, html(page)?).into_response())
}

pub async fn plan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Page {
    let lang = ctx.lang();
    Page(plan_page(&state, &ctx, &id, None, None).await, lang)
}

pub async fn save(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(form): Form<PlanForm>) -> Page {
    let lang = ctx.lang();
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        let written = match form.parse() {
            Ok((spec, choice)) => redline_plans::update_plan(state.storage.as_ref(), &ctx.session.principal(), &id, spec, &choice).await,
            Err(why) => Err(PlanError::Invalid(why)),
        };
        match written {
            Ok(p) => Ok(Redirect::to(&format!("/plans/{}", urlencode(&p.id))).into_response()),
            Err(PlanError::Invalid(why)) => plan_page(&state, &ctx, &id, Some(form), Some(why)).await,
            Err(e) => Err(e.into()),
        }
    };
    Page(page.await, lang)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn cancel(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(form): Form<CsrfForm>) -> Page {
    let lang = ctx.lang();
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        redline_plans::cancel_plan(state.storage.as_ref(), &ctx.session.principal(), &id).await?;
        Ok(Redirect::to(&format!("/plans/{}", urlencode(&id))).into_response())
    };
    Page(page.await, lang)
}
