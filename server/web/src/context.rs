//! What every page handler starts from: the signed-in session (or a
//! redirect to sign-in), the language (cookie `lang`, Chinese by default),
//! and the one error type pages fail with, rendered as a page in the
//! user's language. A page out of the user's scope fails as `NotFound`,
//! exactly as a page that does not exist.

use crate::i18n::{Lang, Texts};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use redline_admin::sessions::{self, Session};
use redline_api::state::AppState;
use redline_storage::StorageError;

pub const SESSION_COOKIE: &str = redline_admin::sessions::COOKIE;
pub const LANG_COOKIE: &str = "lang";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE).and_then(Lang::parse).unwrap_or(Lang::Zh)
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    /// A form without the session's CSRF token, or an action the role may not take.
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("sign in first")]
    SignIn,
    /// Something the server is not set up for (e.g. no font for PDFs).
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StorageError> for WebError {
    fn from(e: StorageError) -> WebError {
        match e {
            StorageError::NotFound(_) => WebError::NotFound,
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> WebError {
        WebError::Internal(format!("template: {e}"))
    }
}

impl From<redline_read_models::filter::FilterError> for WebError {
    fn from(e: redline_read_models::filter::FilterError) -> WebError {
        WebError::BadRequest(e.to_string())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Texts,
    title: &'static str,
    detail: String,
}

/// Renders an error in `lang`; the body is the same for every cause of one
/// status, so a hidden page and a missing one cannot be told apart.
pub fn error_page(e: &WebError, lang: Lang) -> Response {
    let t = Texts { lang };
    let (status, key, detail) = match e {
        WebError::SignIn => return Redirect::to("/login").into_response(),
        WebError::NotFound => (StatusCode::NOT_FOUND, "error.not_found", String::new()),
        WebError::Forbidden => (StatusCode::FORBIDDEN, "error.forbidden", String::new()),
        WebError::BadRequest(d) => (StatusCode::BAD_REQUEST, "error.bad_request", d.clone()),
        WebError::Unavailable(d) => (StatusCode::SERVICE_UNAVAILABLE, "error.unavailable", d.clone()),
        WebError::Internal(d) => {
            tracing::error!(detail = %d, "page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error.internal", String::new())
        }
    };
    let page = ErrorPage { t, title: t.s(key), detail };
    (status, Html(page.render().unwrap_or_else(|_| t.s(key).to_string()))).into_response()
}

/// Every path no route knows (outside the API's `/v1/` and `/api/`): the
/// same "not found" page a hidden or missing record gets.
pub async fn not_found(headers: HeaderMap) -> Response {
    error_page(&WebError::NotFound, lang_of(&headers))
}

/// A page's result: its HTML, or an error page in the request's language.
pub struct Page(pub Result<Response, WebError>, pub Lang);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(r) => r,
            Err(e) => error_page(&e, self.1),
        }
    }
}

/// The signed-in user and the page's language.
pub struct Ctx {
    pub session: Session,
    pub t: Texts,
}

impl Ctx {
    pub fn lang(&self) -> Lang {
        self.t.lang
    }
}

/// Not signed in: the browser is sent to the sign-in page.
pub struct NeedSignIn;

impl IntoResponse for NeedSignIn {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(NeedSignIn.into_response());
        };
        match sessions::find(state.storage.as_ref(), secret).await {
            Ok(Some(session)) => Ok(Ctx { session, t: Texts { lang } }),
            Ok(None) => Err(NeedSignIn.into_response()),
            Err(e) => Err(error_page(&e.into(), lang)),
        }
    }
}

/// Refuses a state-changing form whose CSRF token is not the session's.
pub fn check_csrf(ctx: &Ctx, sent: &str) -> Result<(), WebError> {
    use sha2::Digest;
    // Compared as digests, so the time taken says nothing about the token.
    let same = sha2::Sha256::digest(sent.as_bytes()) == sha2::Sha256::digest(ctx.session.csrf.as_bytes());
    if same && !sent.is_empty() { Ok(()) } else { Err(WebError::Forbidden) }
}

pub fn html(body: impl Template) -> Result<Response, WebError> {
    Ok(Html(body.render()?).into_response())
}
