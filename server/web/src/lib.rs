//! The supervisors' dashboard, served by the server binary beside the API:
//! sign-in with passwords and sessions kept in the database, then the
//! overview, lists, inspections, hazards (with the supervisor's actions)
//! and sites, in Chinese by default or English. Pages are HTML rendered on
//! the server (askama templates in `templates/`), charts and the map are
//! SVG, the one stylesheet is built in: reading works without JavaScript
//! and nothing is fetched from elsewhere.

pub mod actions;
pub mod charts;
pub mod context;
pub mod detail;
pub mod i18n;
pub mod login;
pub mod pages;

use axum::Router;
use axum::http::header;
use axum::routing::{get, post};
use redline_api::state::AppState;
use std::sync::Arc;

const STYLE: &str = include_str!("../templates/style.css");

/// The dashboard's routes; merge them with `redline_api::router`.
pub fn router(state: AppState, secure_cookies: bool) -> Router {
    let web = Arc::new(login::WebConfig { secure_cookies, limiter: Default::default() });
    Router::new()
        .route("/", get(pages::overview))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::language))
        .route("/inspections", get(pages::inspections))
        .route("/inspections/{id}", get(detail::inspection))
        .route("/hazards", get(pages::hazards))
        .route("/hazards/{id}", get(detail::hazard))
        .route("/hazards/{id}/act", post(actions::act))
        .route("/sites", get(pages::sites))
        .route("/photos/{hash}", get(detail::photo))
        .route("/style.css", get(|| async { ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, "max-age=3600")], STYLE) }))
        .layer(axum::Extension(web))
        .with_state(state)
}
