//! Every device request carries `Authorization: Bearer <token>`; the
//! extractor turns it into the [`Principal`] (user, role, scope, device) or
//! refuses it. Tokens are made and hashed in `redline_admin::tokens`.

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
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        let principal = state.storage.principal(&token_hash(token.trim()), now_millis()).await?.ok_or(ApiError::Unauthorized)?;
        state.limiter.check(&principal.device_id)?;
        Ok(principal)
    }
}
