//! The admin pages for reference data: sites (the list, and an import from
//! a CSV file that writes every row or none, naming each bad row's line and
//! field) and checklist templates (built-in and published versions, and
//! publishing a new version, refused with the item and field at fault by
//! the domain's validation). Both reach the phones with their next sync.

use crate::admin::{AdminCtx, Done, Upload, read_upload, refusal, refused};
use crate::context::{Ctx, Page, WebError, html};
use crate::i18n::Texts;
use crate::pages::Frame;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use redline_admin::sites::{COLUMNS, ImportError, Problem, RowError};
use redline_admin::templates::{TemplateVersion, list_templates};
use redline_admin::{PublishError, import_sites_csv, publish_template};
use redline_api::state::AppState;
use redline_domain::site::Site;
use redline_domain::template::TemplateError;
use redline_storage::Scope;

#[derive(Template)]
#[template(path = "admin_sites.html")]
struct SitesPage {
    f: Frame,
    t: Texts,
    columns: String,
    sites: Vec<SiteLine>,
    message: Option<String>,
    errors: Vec<String>,
}

pub struct SiteLine {
    pub id: String,
    pub name: String,
    pub area: String,
    pub address: String,
    pub categories: String,
}

impl SiteLine {
    fn of(t: &Texts, s: Site) -> SiteLine {
        let code = |c| serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let categories = s.categories.iter().map(|c| t.code("category", &code(*c))).collect::<Vec<_>>().join(", ");
        SiteLine { id: s.id, name: s.name, area: s.area, address: s.address, categories }
    }
}

/// A bad row as the page says it: line, field, and what is wrong.
fn row_text(t: &Texts, e: &RowError) -> String {
    let what = match &e.problem {
        Problem::UnknownColumn => t.s("csv.unknown_column").to_string(),
        Problem::MissingColumn => t.s("csv.missing_column").to_string(),
        Problem::FieldCount { expected, found } => format!("{} ({found} / {expected})", t.s("csv.field_count")),
        Problem::Unreadable(why) => format!("{}: {why}", t.s("csv.unreadable")),
        Problem::Required => t.s("csv.required").to_string(),
        Problem::UnknownCategory(c) => format!("{} {c:?}", t.s("csv.unknown_category")),
        Problem::BadCoordinate => t.s("csv.bad_coordinate").to_string(),
        Problem::DuplicateId { first_line } => format!("{} {first_line}", t.s("csv.duplicate_id")),
    };
    if e.field.is_empty() {
        format!("{} {}: {what}", t.s("csv.line"), e.line)
    } else {
        format!("{} {} · {} {}: {what}", t.s("csv.line"), e.line, t.s("csv.field"), e.field)
    }
}

async fn sites_page(state: &AppState, ctx: &Ctx, message: Option<String>, errors: Vec<String>) -> Result<Response, WebError> {
    let everywhere = Scope { areas: vec![String::new()], sites: vec![] };
    let sites = state.storage.sites_in(&everywhere).await?.into_iter().map(|s| SiteLine::of(&ctx.t, s)).collect();
    html(SitesPage { f: Frame::of(ctx), t: ctx.t, columns: COLUMNS.join(","), sites, message, errors })
}

pub async fn sites(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, Query(d): Query<Done>) -> Page {
    let message = d.message(&ctx.t);
    Page(sites_page(&state, &ctx, message, vec![]).await, ctx.lang())
}

pub async fn import(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, form: Multipart) -> Page {
    let page = async {
        let t = ctx.t;
        let text = match read_upload(&ctx, form).await? {
            Upload::Text(text) => text,
            Upload::NotUtf8 => return refused(sites_page(&state, &ctx, None, vec![refusal(&t, "not_utf8", "")]).await),
        };
        match import_sites_csv(state.storage.as_ref(), &text).await {
            Ok(n) => Ok(Redirect::to(&format!("/admin/sites?done=imported&n={n}")).into_response()),
            Err(ImportError::Rows(rows)) => {
                let errors = rows.iter().map(|e| row_text(&t, e)).collect();
                refused(sites_page(&state, &ctx, None, errors).await)
            }
            Err(ImportError::Storage(e)) => Err(e.into()),
        }
    };
    Page(page.await, ctx.lang())
}

#[derive(Template)]
#[template(path = "admin_templates.html")]
struct TemplatesPage {
    f: Frame,
    t: Texts,
    templates: Vec<TemplateVersion>,
    message: Option<String>,
    error: Option<String>,
}

/// Why a template was refused, as the page says it. The reason itself is
/// the domain's text.
fn publish_text(t: &Texts, e: &PublishError) -> Option<String> {
    Some(match e {
        PublishError::Invalid(TemplateError::Item { item, field, reason }) => {
            format!("{} {item} · {} {field}: {reason}", t.s("templates.item"), t.s("csv.field"))
        }
        PublishError::Invalid(TemplateError::Template { field, reason }) => format!("{} {field}: {reason}", t.s("templates.field")),
        PublishError::Invalid(TemplateError::Parse(why)) => format!("{}: {why}", t.s("templates.not_json")),
        PublishError::AlreadyPublished { id, version } => format!("{}: {id} v{version}", t.s("templates.exists")),
        PublishError::Storage(_) => return None,
    })
}

async fn templates_page(state: &AppState, ctx: &Ctx, message: Option<String>, error: Option<String>) -> Result<Response, WebError> {
    let templates = list_templates(state.storage.as_ref()).await?;
    html(TemplatesPage { f: Frame::of(ctx), t: ctx.t, templates, message, error })
}

pub async fn templates(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, Query(d): Query<Done>) -> Page {
    let message = d.message(&ctx.t);
    Page(templates_page(&state, &ctx, message, None).await, ctx.lang())
}

pub async fn publish(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, form: Multipart) -> Page {
    let page = async {
        let t = ctx.t;
        let text = match read_upload(&ctx, form).await? {
            Upload::Text(text) => text,
            Upload::NotUtf8 => return refused(templates_page(&state, &ctx, None, Some(refusal(&t, "not_utf8", ""))).await),
        };
        match publish_template(state.storage.as_ref(), &text).await {
            Ok(_) => Ok(Redirect::to("/admin/templates?done=published").into_response()),
            Err(PublishError::Storage(e)) => Err(e.into()),
            Err(e) => refused(templates_page(&state, &ctx, None, publish_text(&t, &e)).await),
        }
    };
    Page(page.await, ctx.lang())
}
