//! The supervisors' dashboard, served by the server binary beside the API:
//! sign-in with passwords and sessions kept in the database, then the
//! overview, lists, inspections (with their conflicts to settle), hazards
//! (with the supervisor's actions), sites, inspection plans and their
//! tasks, the admin pages (users, device tokens, sites, templates), and an
//! HTML "not found" for every path outside the API, in Chinese by default
//! or English. Pages are HTML rendered on the server (askama templates in
//! `templates/`), charts and the map are SVG, the one stylesheet is built
//! in: reading works without JavaScript and nothing is fetched from
//! elsewhere.

pub mod actions;
pub mod admin;
pub mod admin_data;
pub mod admin_devices;
pub mod admin_users;
pub mod charts;
pub mod conflicts;
pub mod context;
pub mod detail;
pub mod enrol;
pub mod i18n;
pub mod i18n_plans;
pub mod login;
pub mod pages;
pub mod plan_form;
pub mod plan_tasks;
pub mod plans;
pub mod sites;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::routing::{get, post};
use redline_api::state::AppState;
use std::sync::Arc;

const STYLE: &str = include_str!("../templates/style.css");

/// The dashboard's routes, and the fallback for every path no route knows;
/// merge them with `redline_api::router` (which has no fallback of its own).
pub fn router(state: AppState, secure_cookies: bool) -> Router {
    let web = Arc::new(login::WebConfig { secure_cookies, limiter: Default::default() });
    Router::new()
        .route("/", get(pages::overview))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::language))
        .route("/inspections", get(pages::inspections))
        .route("/inspections/{id}", get(detail::inspection))
        .route("/inspections/{id}/resolve", post(conflicts::resolve))
        .route("/hazards", get(pages::hazards))
        .route("/hazards/{id}", get(detail::hazard))
        .route("/hazards/{id}/act", post(actions::act))
        .route("/plans", get(plans::plans).post(plans::create))
        .route("/plans/{id}", get(plans::plan).post(plans::save))
        .route("/plans/{id}/cancel", post(plans::cancel))
        .route("/tasks", get(plan_tasks::tasks))
        .route("/sites", get(sites::sites))
        .route("/sites/{id}", get(sites::site))
        .route("/photos/{hash}", get(detail::photo))
        .route("/admin", get(|_: admin::AdminCtx| async { axum::response::Redirect::to("/admin/users") }))
        .route("/admin/users", get(admin_users::list).post(admin_users::create))
        .route("/admin/users/{id}", get(admin_users::page).post(admin_users::save))
        .route("/admin/users/{id}/password", post(admin_users::password))
        .route("/admin/users/{id}/sessions/revoke", post(admin_users::revoke_sessions))
        .route("/admin/users/{id}/devices", post(admin_devices::issue))
        .route("/admin/users/{id}/devices/revoke", post(admin_devices::revoke))
        .route("/admin/sites", get(admin_data::sites))
        .route("/admin/sites/import", post(admin_data::import).layer(DefaultBodyLimit::max(admin::UPLOAD_LIMIT)))
        .route("/admin/templates", get(admin_data::templates).post(admin_data::publish).layer(DefaultBodyLimit::max(admin::UPLOAD_LIMIT)))
        .route("/style.css", get(|| async { ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, "max-age=3600")], STYLE) }))
        .fallback(context::not_found)
        .layer(axum::Extension(web))
        .with_state(state)
}
