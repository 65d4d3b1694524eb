//! What the admin pages share: the guard that lets administrators in and
//! answers everyone else with the "not found" page a missing page gets (so
//! a supervisor cannot tell the admin pages exist), the notices a page
//! shows after a redirect, and reading an uploaded file (multipart, or the
//! text pasted in the form) with its CSRF token checked.

use crate::context::{Ctx, WebError, check_csrf, error_page};
use crate::i18n::Texts;
use axum::extract::{FromRequestParts, Multipart};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use redline_api::state::AppState;
use redline_domain::people::Role;
use redline_domain::time::Millis;

/// A signed-in administrator.
pub struct AdminCtx(pub Ctx);

impl FromRequestParts<AppState> for AdminCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        if ctx.session.role == Role::Admin { Ok(AdminCtx(ctx)) } else { Err(error_page(&WebError::NotFound, ctx.lang())) }
    }
}

/// `?done=<code>` after a successful form: the notice `admin.done.<code>`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    pub done: Option<String>,
    pub n: Option<usize>,
}

impl Done {
    /// The notice to show, in the page's language; unknown codes show none.
    pub fn message(&self, t: &Texts) -> Option<String> {
        let code = self.done.as_deref()?;
        let text = t.code("admin.done", code);
        (text != code).then(|| match self.n {
            Some(n) => format!("{text}: {n}"),
            None => text,
        })
    }
}

/// A page rendered again after a refused form, with the status saying so.
pub fn refused(body: Result<Response, WebError>) -> Result<Response, WebError> {
    body.map(|r| (StatusCode::BAD_REQUEST, r).into_response())
}

/// Why a refused form was refused, in the page's language: the text of
/// `admin.refused.<code>`, then the detail (a value, a reason from the
/// domain) when there is one.
pub fn refusal(t: &Texts, code: &str, detail: &str) -> String {
    let text = t.code("admin.refused", code);
    if detail.is_empty() { text } else { format!("{text}: {detail}") }
}

/// A day as the pages show it (China time).
pub fn day(at: Millis) -> String {
    redline_domain::time::Date::in_china(at).to_string()
}

/// What an upload form sent: the file's text (or the text pasted in the
/// form when no file was chosen), or a file that is not UTF-8.
pub enum Upload {
    Text(String),
    NotUtf8,
}

/// Largest upload the admin pages read (a site list, a template).
pub const UPLOAD_LIMIT: usize = 8 << 20;

/// Reads a multipart form with the fields `csrf`, `file` and `text`,
/// refusing it (403) without the session's token.
pub async fn read_upload(ctx: &Ctx, mut form: Multipart) -> Result<Upload, WebError> {
    let (mut csrf, mut file, mut text) = (String::new(), Vec::new(), String::new());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(WebError::BadRequest(e.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|e| WebError::BadRequest(e.body_text()))?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = bytes.to_vec(),
            "text" => text = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    check_csrf(ctx, &csrf)?;
    if file.is_empty() {
        return Ok(Upload::Text(text));
    }
    Ok(String::from_utf8(file).map_or(Upload::NotUtf8, Upload::Text))
}
