//! `GET /v1/me`: who the caller's device token belongs to. A client that
//! only has a token (and the protocol documents) learns here the device and
//! user ids its automerge actor is derived from, its role and scope, and
//! when the token expires.

use axum::http::header;
use axum::response::IntoResponse;
use redline_domain::sync::wire::{self, WhoAmI, WhoAmIScope};
use redline_storage::Principal;

pub async fn me(who: Principal) -> impl IntoResponse {
    let body = WhoAmI {
        device_id: who.device_id,
        user_id: who.user_id,
        name: who.name,
        role: who.role.as_str().to_string(),
        scope: WhoAmIScope { areas: who.scope.areas, sites: who.scope.sites },
        token_expires_at: who.token_expires_at,
    };
    ([(header::CONTENT_TYPE, wire::CONTENT_TYPE)], wire::encode(&body))
}
