//! Device tokens from the admin pages: issuing one for a user shows it on
//! the page that answers the form, once, with the QR code a phone scans to
//! enrol (see `enrol`); afterwards only the device is listed, and its token
//! can be revoked, after which sync refuses it.

use crate::admin::AdminCtx;
use crate::context::{Page, WebError, check_csrf, html};
use crate::enrol::{enrolment_uri, qr_svg, server_url};
use crate::i18n::Texts;
use crate::login::{CsrfForm, WebConfig};
use crate::pages::{Frame, urlencode};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect};
use redline_admin::register_device;
use redline_admin::tokens::devices;
use redline_admin::users;
use redline_api::state::AppState;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "admin_token.html")]
struct TokenPage {
    f: Frame,
    t: Texts,
    user_id: String,
    user_name: String,
    device_id: String,
    token: String,
    server: String,
    uri: String,
    qr: String,
}

/// Issues a token for the user and shows it, once. The page is not cached.
pub async fn issue(
    State(state): State<AppState>,
    axum::Extension(web): axum::Extension<Arc<WebConfig>>,
    AdminCtx(ctx): AdminCtx,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Page {
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        let storage = state.storage.as_ref();
        let user = users::user(storage, &id).await?.ok_or(WebError::NotFound)?;
        let issued = register_device(storage, &user.id).await?;
        let server = server_url(&headers, web.secure_cookies);
        let uri = enrolment_uri(&server, &issued.token);
        let qr = qr_svg(&uri).map_err(WebError::Internal)?;
        let mut r = html(TokenPage {
            f: Frame::of(&ctx),
            t: ctx.t,
            user_id: user.id,
            user_name: user.name,
            device_id: issued.device_id,
            token: issued.token,
            server,
            uri,
            qr,
        })?;
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(r)
    };
    Page(page.await, ctx.lang())
}

#[derive(serde::Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    device: String,
}

/// Revokes one of the user's device tokens; a device of another user is
/// not found here.
pub async fn revoke(State(state): State<AppState>, AdminCtx(ctx): AdminCtx, Path(id): Path<String>, Form(form): Form<RevokeForm>) -> Page {
    let page = async {
        check_csrf(&ctx, &form.csrf)?;
        let storage = state.storage.as_ref();
        if !devices(storage, Some(&id)).await?.iter().any(|d| d.device_id == form.device) {
            return Err(WebError::NotFound);
        }
        storage.revoke_device(&form.device).await?;
        Ok(Redirect::to(&format!("/admin/users/{}?done=device_revoked", urlencode(&id))).into_response())
    };
    Page(page.await, ctx.lang())
}
