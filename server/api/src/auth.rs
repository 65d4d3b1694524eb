//! Every device request carries `Authorization: Bearer <token>`; the
//! extractor turns it into the [`Principal`] (user, role, scope, device) or
//! refuses it. The JSON API's GETs also accept the dashboard's session. Tokens are made and hashed in `redline_admin::tokens`.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use redline_admin::tokens::token_hash;
use redline_storage::Principal;

pub fn now_millis() -> i64 {
    redline_domain::time::now_millis()
}

/// The automerge actor a principal's changes must carry.
pub fn actor_of(p: &Principal) -> automerge::ActorId {
    redline_domain::people::actor_for(&p.device_id, &p.user_id)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Found (and counted against the rate) by `guard::device` already.
        if let Some(who) = parts.extensions.get::<Principal>() {
            return Ok(who.clone());
        }
        let token =
            parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        let principal = match token {
            Some(token) => {
                let hash = token_hash(token.trim());
                match state.storage.principal(&hash, now_millis()).await? {
                    Some(p) => Some(p),
                    // Only the token's holder can ask this, so saying so
                    // tells nobody else anything.
                    None if state.storage.is_revoked(&hash).await? => return Err(ApiError::Revoked),
                    None => None,
                }
            }
            None => dashboard_session(parts, state).await?,
        }
        .ok_or(ApiError::Unauthorized)?;
        state.limiter.check(&principal.device_id)?;
        Ok(principal)
    }
}

/// The dashboard's session cookie, accepted for the read-only JSON API
/// (so its export buttons work in the browser) and nowhere else: a cookie
/// is sent by the browser on its own, so it must never authorise a change.
async fn dashboard_session(parts: &Parts, state: &AppState) -> Result<Option<Principal>, ApiError> {
    if parts.method != axum::http::Method::GET || !parts.uri.path().starts_with("/api/") {
        return Ok(None);
    }
    let secret = parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == redline_admin::sessions::COOKIE)
        .map(|(_, v)| v.to_string());
    let Some(secret) = secret else { return Ok(None) };
    Ok(redline_admin::sessions::find(state.storage.as_ref(), &secret).await?.map(|s| s.principal()))
}
