//! Device tokens: random, shown once, stored only as their SHA-256. Every
//! request carries `Authorization: Bearer <token>`; the extractor turns it
//! into the [`Principal`] (user, role, scope, device) or refuses it.

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::Principal;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

/// A new token: 32 random bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn now_millis() -> i64 {
    redline_core::time::now_millis()
}

/// The automerge actor a principal's changes must carry.
pub fn actor_of(p: &Principal) -> automerge::ActorId {
    redline_core::people::actor_for(&p.device_id, &p.user_id)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
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
