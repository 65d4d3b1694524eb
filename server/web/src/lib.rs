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
pub mod print;
pub mod print_numbers;
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
/// How the dashboard is served besides the shared state.
#[derive(Clone, Debug)]
pub struct WebOptions {
    /// Cookies carry `Secure` (the server is behind TLS).
    pub secure_cookies: bool,
    /// The font printed documents are set in: a file with Chinese glyphs.
    pub report_font: Option<std::path::PathBuf>,
    /// The issuing office printed documents name.
    pub office: String,
}

/// Debian's WenQuanYi Micro Hei (fonts-wqy-microhei), used for printed
/// documents when no font is configured and it is installed.
pub const DEFAULT_REPORT_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

impl Default for WebOptions {
    fn default() -> Self {
        let font = std::path::Path::new(DEFAULT_REPORT_FONT);
        WebOptions { secure_cookies: false, report_font: font.exists().then(|| font.to_path_buf()), office: "应急管理局".into() }
    }
}

pub fn router(state: AppState, secure_cookies: bool) -> Router {
    router_with(state, WebOptions { secure_cookies, ..WebOptions::default() })
}

/// The dashboard's routes. A configured font that does not load is logged
/// and printing answers 503; the rest of the dashboard is unaffected.
pub fn router_with(state: AppState, options: WebOptions) -> Router {
    let report_font = options.report_font.as_ref().and_then(|path| {
        match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| redline_reports::ReportFont::from_bytes(b).map_err(|e| e.to_string()))
        {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(font = %path.display(), error = %e, "the font for printed documents did not load");
                None
            }
        }
    });
    let web = Arc::new(login::WebConfig {
        secure_cookies: options.secure_cookies,
        limiter: Default::default(),
        report_font,
        office: options.office,
    });
    Router::new()
        .route("/", get(pages::overview))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::language))
        .route("/inspections", get(pages::inspections))
        .route("/inspections/{id}", get(detail::inspection))
        .route("/inspections/{id}/resolve", post(conflicts::resolve))
        .route("/inspections/{id}/record.pdf", get(print::record))
        .route("/inspections/{id}/order.pdf", get(print::order))
        .route("/inspections/{id}/recheck.pdf", get(print::recheck))
        .route("/reports/summary.pdf", get(print::summary))
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
