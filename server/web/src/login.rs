//! Signing in and out, and the language switch. Failed sign-ins are
//! limited per user name and across the server, so guessing a password is
//! slow; "no such user" and "wrong password" answer alike.

use crate::context::{Ctx, LANG_COOKIE, Page, SESSION_COOKIE, WebError, check_csrf, html, lang_of};
use crate::i18n::{Lang, Texts};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use redline_admin::sessions::{self, SESSION_MS};
use redline_api::state::AppState;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed per user name, and across the server, per window.
const PER_USER: u32 = 5;
const OVERALL: u32 = 50;
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed sign-ins in fixed windows.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    fn count(&self, key: &str, now: Instant) -> u32 {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).filter(|(_, at)| now.duration_since(*at) < WINDOW).map_or(0, |(n, _)| *n)
    }

    pub fn allowed(&self, user: &str, now: Instant) -> bool {
        self.count(&format!("user:{user}"), now) < PER_USER && self.count("*", now) < OVERALL
    }

    pub fn failed(&self, user: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, (_, at)| now.duration_since(*at) < WINDOW);
        for key in [format!("user:{user}"), "*".to_string()] {
            map.entry(key).or_insert((0, now)).0 += 1;
        }
    }
}

/// What the sign-in page needs beyond the app state.
pub struct WebConfig {
    /// Cookies carry `Secure` (the server is behind TLS).
    pub secure_cookies: bool,
    pub limiter: LoginLimiter,
    /// The font printed documents are set in (`None`: printing answers 503).
    pub report_font: Option<redline_reports::ReportFont>,
    /// The issuing office the documents name.
    pub office: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Texts,
    message: Option<&'static str>,
    user: String,
}

pub async fn login_page(headers: HeaderMap) -> Page {
    let t = Texts { lang: lang_of(&headers) };
    Page(html(LoginPage { t, message: None, user: String::new() }), t.lang)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
}

fn session_cookie(value: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"))
        .expect("cookie text is ASCII")
}

pub async fn login(
    State(state): State<AppState>,
    axum::Extension(web): axum::Extension<std::sync::Arc<WebConfig>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = Texts { lang: lang_of(&headers) };
    let now = Instant::now();
    let user: String = form.user.trim().chars().take(100).collect();
    let again = |status: StatusCode, key: &'static str| {
        let page = LoginPage { t, message: Some(t.s(key)), user: user.clone() };
        match page.render() {
            Ok(body) => (status, axum::response::Html(body)).into_response(),
            Err(e) => Page(Err(e.into()), t.lang).into_response(),
        }
    };
    if !web.limiter.allowed(&user, now) {
        return again(StatusCode::TOO_MANY_REQUESTS, "login.limited");
    }
    let storage = state.storage.as_ref();
    match sessions::check_password(storage, &user, &form.password).await {
        Ok(true) => {}
        Ok(false) => {
            web.limiter.failed(&user, now);
            return again(StatusCode::UNAUTHORIZED, "login.failed");
        }
        Err(e) => return Page(Err(e.into()), t.lang).into_response(),
    }
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    match sessions::open(storage, &user, agent).await {
        Ok(secret) => {
            let mut r = Redirect::to("/").into_response();
            r.headers_mut().insert(header::SET_COOKIE, session_cookie(&secret, SESSION_MS / 1000, web.secure_cookies));
            r
        }
        Err(e) => Page(Err(e.into()), t.lang).into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    axum::Extension(web): axum::Extension<std::sync::Arc<WebConfig>>,
    ctx: Ctx,
    Form(form): Form<CsrfForm>,
) -> Response {
    let lang = ctx.lang();
    let done = async {
        check_csrf(&ctx, &form.csrf)?;
        sessions::revoke(state.storage.as_ref(), &ctx.session.id_hash).await?;
        Ok::<_, WebError>(())
    };
    match done.await {
        Ok(()) => {
            let mut r = Redirect::to("/login").into_response();
            r.headers_mut().insert(header::SET_COOKIE, session_cookie("", 0, web.secure_cookies));
            r
        }
        Err(e) => Page(Err(e), lang).into_response(),
    }
}

/// Switches the language and goes back to where the user was.
pub async fn language(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::Zh);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string())))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&back).into_response();
    let cookie = format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code());
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ASCII"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_one_user_then_everyone_until_the_window_passes() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..PER_USER {
            assert!(l.allowed("li", t0));
            l.failed("li", t0);
        }
        assert!(!l.allowed("li", t0));
        assert!(l.allowed("wang", t0), "another user is not locked by li's failures");
        assert!(l.allowed("li", t0 + WINDOW + Duration::from_secs(1)));
        for i in 0..OVERALL {
            l.failed(&format!("u{i}"), t0);
        }
        assert!(!l.allowed("nobody-yet", t0), "the server-wide bound holds");
    }
}
