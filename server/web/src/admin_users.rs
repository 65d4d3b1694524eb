//! The admin pages for users: the list with a form to add one, and each
//! user's page — name, role and scope; a new password (which ends the
//! user's sessions); the user's sessions, each revocable; and the user's
//! devices (issuing and revoking their tokens is `admin_devices`). A
//! refused form is shown again with what was typed and why, in the page's
//! language.

use crate::admin::{AdminCtx, Done, day, refusal, refused};
use crate::context::{Ctx, Page, WebError, check_csrf, html};
use crate::i18n::Texts;
use crate::pages::{Frame, urlencode};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use redline_admin::sessions::{self, PasswordError};
use redline_admin::tokens::devices;
use redline_admin::users::{self, UserError};
use redline_api::state::AppState;
use redline_domain::people::Role;
use redline_domain::time::now_millis;
use redline_read_models::export::china_time;
use redline_storage::{Scope, UserRecord};

const ROLES: [Role; 4] = [Role::Inspector, Role::CommunityAssistant, Role::Supervisor, Role::Admin];

/// A scope as one line: "all areas", or its areas and sites.
pub fn scope_text(t: &Texts, s: &Scope) -> String {
    if s.areas.iter().any(String::is_empty) {
        return t.s("admin.scope_all").to_string();
    }
    let mut parts = s.areas.clone();
    parts.extend(s.sites.iter().map(|site| format!("{} {site}", t.s("col.site"))));
    parts.join(", ")
}

pub struct UserLine {
    pub id: String,
    pub name: String,
    pub role: String,
    pub scope: String,
}

/// The user form as sent, kept to show it again when refused.
#[derive(Debug, Default, serde::Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    /// The "all areas" checkbox.
    pub all: Option<String>,
    #[serde(default)]
    pub areas: String,
    #[serde(default)]
    pub sites: String,
    #[serde(default)]
    pub password: String,
}

impl UserForm {
    fn of(u: &UserRecord) -> UserForm {
        let all = u.scope.areas.iter().any(String::is_empty);
        UserForm {
            id: u.id.clone(),
            name: u.name.clone(),
            role: u.role.as_str().into(),
            all: all.then(|| "on".into()),
            areas: if all { String::new() } else { u.scope.areas.join("\n") },
            sites: u.scope.sites.join("\n"),
            ..UserForm::default()
        }
    }

    /// The user the form describes, or (refusal code, detail).
    fn record(&self, id: &str) -> Result<UserRecord, (&'static str, String)> {
        let role = Role::parse(&self.role).ok_or(("role", String::new()))?;
        let scope = users::scope_of(self.all.is_some(), &self.areas, &self.sites).map_err(|e| match e {
            UserError::BadArea(a) => ("bad_area", a),
            _ => ("bad_area", String::new()),
        })?;
        Ok(UserRecord { id: id.to_string(), name: self.name.trim().to_string(), role, scope })
    }
}

/// The role options, with the form's selected.
fn roles(t: &Texts, selected: &str) -> Vec<(&'static str, String, bool)> {
    ROLES.iter().map(|r| (r.as_str(), t.code("role", r.as_str()), r.as_str() == selected)).collect()
}

/// A refusal from the admin crate as the page says it; a missing user or a
/// storage failure is the page's own error instead.
fn user_refusal(t: &Texts, e: UserError) -> Result<String, WebError> {
    Ok(match e {
        UserError::BadId => refusal(t, "bad_id", ""),
        UserError::NoName => refusal(t, "no_name", ""),
        UserError::BadArea(a) => refusal(t, "bad_area", &a),
        UserError::Exists(id) => refusal(t, "exists", &id),
        UserError::NoSuchUser(_) => return Err(WebError::NotFound),
        UserError::Storage(e) => return Err(e.into()),
    })
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    f: Frame,
    t: Texts,
    users: Vec<UserLine>,
    roles: Vec<(&'static str, String, bool)>,
    form: UserForm,
    message: Option<String>,
    error: Option<String>,
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    form: UserForm,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let mut all = state.storage.users().await?;
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let users = all
        .iter()
        .map(|u| UserLine {
            id: u.id.clone(),
            name: u.name.clone(),
            role: t.code("role", u.role.as_str()),
            scope: scope_text(&t, &u.scope),
        })
        .collect();
    let role = if form.role.is_empty() { Role::Inspector.as_str().to_string() } else { form.role.clone() };
    html(UsersPage { f: Frame::of(ctx), t, users, roles: roles(&t, &role), form, message, error })
}

pub async fn list(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, Query(d): Query<Done>) -> Page {
    let message = d.message(&ctx.t);
    Page(users_page(&state, &ctx, UserForm::default(), message, None).await, ctx.lang())
}

pub async fn create(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, Form(mut form): Form<UserForm>) -> Page {
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        let (t, storage) = (ctx.t, state.storage.as_ref());
        let id = form.id.trim().to_string();
        let password = std::mem::take(&mut form.password);
        let problem = match form.record(&id) {
            Err((code, detail)) => Some(refusal(&t, code, &detail)),
            Ok(_) if !password.is_empty() && password.chars().count() < 10 => Some(refusal(&t, "short_password", "")),
            Ok(u) => users::create_user(storage, &u).await.err().map(|e| user_refusal(&t, e)).transpose()?,
        };
        if let Some(error) = problem {
            return refused(users_page(&state, &ctx, form, None, Some(error)).await);
        }
        if !password.is_empty() {
            sessions::set_password(storage, &id, &password).await.map_err(|e| WebError::Internal(e.to_string()))?;
        }
        Ok(Redirect::to(&format!("/admin/users/{}?done=created", urlencode(&id))).into_response())
    };
    Page(page.await, ctx.lang())
}

pub struct SessionLine {
    pub key: String,
    pub created: String,
    pub expires: String,
    pub live: bool,
    pub agent: String,
}

pub struct DeviceLine {
    pub id: String,
    pub expires: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    f: Frame,
    t: Texts,
    id: String,
    name: String,
    form: UserForm,
    roles: Vec<(&'static str, String, bool)>,
    sessions: Vec<SessionLine>,
    devices: Vec<DeviceLine>,
    message: Option<String>,
    error: Option<String>,
}

async fn user_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    form: Option<UserForm>,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let storage = state.storage.as_ref();
    let u = users::user(storage, id).await?.ok_or(WebError::NotFound)?;
    let now = now_millis();
    let sessions = sessions::list(storage, id)
        .await?
        .into_iter()
        .map(|s| SessionLine {
            live: s.live(now),
            created: china_time(s.created_at),
            expires: china_time(s.expires_at),
            agent: s.agent,
            key: s.id_hash,
        })
        .collect();
    let devices = devices(storage, Some(id))
        .await?
        .into_iter()
        .map(|d| DeviceLine { id: d.device_id, expires: day(d.expires_at), revoked: d.revoked })
        .collect();
    let form = form.unwrap_or_else(|| UserForm::of(&u));
    html(UserPage {
        f: Frame::of(ctx),
        t: ctx.t,
        id: u.id.clone(),
        name: u.name,
        roles: roles(&ctx.t, &form.role),
        form,
        sessions,
        devices,
        message,
        error,
    })
}

pub async fn page(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, Path(id): Path<String>, Query(d): Query<Done>) -> Page {
    let message = d.message(&ctx.t);
    Page(user_page(&state, &ctx, &id, None, message, None).await, ctx.lang())
}

fn back(id: &str, done: &str) -> Response {
    Redirect::to(&format!("/admin/users/{}?done={done}", urlencode(id))).into_response()
}

/// Changes the user's name, role and scope. An admin keeps their own role,
/// so the last administrator cannot lock everyone out by mistake.
pub async fn save(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, Path(id): Path<String>, Form(form): Form<UserForm>) -> Page {
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        let t = ctx.t;
        let problem = match form.record(&id) {
            Err((code, detail)) => Some(refusal(&t, code, &detail)),
            Ok(u) if id == ctx.session.user_id && u.role != Role::Admin => Some(refusal(&t, "own_role", "")),
            Ok(u) => users::update_user(state.storage.as_ref(), &u).await.err().map(|e| user_refusal(&t, e)).transpose()?,
        };
        match problem {
            Some(error) => refused(user_page(&state, &ctx, &id, Some(form), None, Some(error)).await),
            None => Ok(back(&id, "saved")),
        }
    };
    Page(page.await, ctx.lang())
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// Sets the user's password; every session the user had ends.
pub async fn password(
    State(state): State<AppState>,
    AdminCtx(ctx): AdminCtx,
    Path(id): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Page {
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        match sessions::set_password(state.storage.as_ref(), &id, &form.password).await {
            Ok(()) => Ok(back(&id, "password")),
            Err(PasswordError::TooShort) => {
                refused(user_page(&state, &ctx, &id, None, None, Some(refusal(&ctx.t, "short_password", ""))).await)
            }
            Err(PasswordError::Storage(e)) => Err(e.into()),
            Err(e) => Err(WebError::Internal(e.to_string())),
        }
    };
    Page(page.await, ctx.lang())
}

#[derive(serde::Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    csrf: String,
    /// One session's key; none ends them all.
    session: Option<String>,
}

pub async fn revoke_sessions(
    State(state): State<AppState>,
    AdminCtx(ctx): AdminCtx,
    Path(id): Path<String>,
    Form(form): Form<SessionForm>,
) -> Page {
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        let storage = state.storage.as_ref();
        users::user(storage, &id).await?.ok_or(WebError::NotFound)?;
        match form.session.as_deref().filter(|s| !s.is_empty()) {
            Some(key) => sessions::revoke_of(storage, &id, key).await?,
            None => sessions::revoke_all(storage, &id).await?,
        }
        Ok(back(&id, "sessions"))
    };
    Page(page.await, ctx.lang())
}
