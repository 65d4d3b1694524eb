//! The server's HTTP API as one router: `POST /v1/sync` (uploads merged on
//! a fork under the shared rules, downloads from the scoped feed), blobs
//! (resumable, hash-verified, scoped), the admin API, the supervisors'
//! read-only JSON API under `/api/v1` (read models, exports, OpenAPI), and
//! `/health`. The server binary mounts it beside the dashboard, whose
//! fallback answers every other path with an HTML page: unknown paths under
//! `/v1/` and `/api/` are this router's own, and get its CBOR or JSON 404.
//!
//! Every route but `/health` is behind [`guard::device`] (token, rate,
//! requests in flight per device), and every route taking a body behind
//! [`guard::body_limit`] (declared length, size, deadline).

pub mod admin_routes;
pub mod auth;
pub mod blobs;
pub mod error;
pub mod feed;
pub mod guard;
pub mod hot_docs;
pub mod inflate;
pub mod me;
pub mod merge;
pub mod read_api;
pub mod state;
pub mod sync_route;
pub mod uniform;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, any, get, post, put};
use error::ApiError;
use state::AppState;

/// Largest admin JSON body (axum's default before the body guard), and the
/// largest site CSV.
const ADMIN_BODY: usize = 2 << 20;
const SITES_CSV: usize = 8 << 20;

pub fn router(state: AppState) -> Router {
    let limits = state.limits.clone();
    let body = |route: MethodRouter<AppState>, max: usize| guard::body_limit(route, max, limits.body_timeout);
    let devices = Router::new()
        .route("/v1/sync", body(post(sync_route::sync), limits.sync_body))
        .route("/v1/blobs/{hash}", body(get(blobs::download).put(blobs::upload_chunk), limits.blob_chunk))
        .route("/v1/blobs/{hash}/upload", get(blobs::upload_status))
        .route("/v1/me", get(me::me))
        .route("/v1/admin/users", body(post(admin_routes::put_user), ADMIN_BODY))
        .route("/v1/admin/devices", body(post(admin_routes::add_device), ADMIN_BODY))
        .route("/v1/admin/devices/{id}/revoke", post(admin_routes::revoke_device))
        .route("/v1/admin/sites", body(post(admin_routes::put_site), ADMIN_BODY))
        .route("/v1/admin/sites/import", body(post(admin_routes::import_sites), SITES_CSV))
        .route("/v1/admin/templates", body(put(admin_routes::put_template), ADMIN_BODY))
        .route("/api/v1/inspections", get(read_api::inspections))
        .route("/api/v1/inspections/{id}", get(read_api::inspection))
        .route("/api/v1/hazards", get(read_api::hazards))
        .route("/api/v1/hazards/{id}", get(read_api::hazard))
        .route("/api/v1/sites", get(read_api::sites))
        .route("/api/v1/people", get(read_api::people))
        .route("/api/v1/overview", get(read_api::overview))
        .route("/api/v1/export/{file}", get(read_api::export::export))
        .route_layer(from_fn_with_state(state.clone(), guard::device));
    Router::new()
        .merge(devices)
        .route("/health", get(|| async { "ok" }))
        .route("/api/v1/openapi.json", get(read_api::openapi::document))
        .route("/v1/{*rest}", any(|| async { ApiError::NotFound }))
        .route("/api/{*rest}", any(|| async { ApiError::NotFound }))
        .layer(axum::middleware::from_fn(uniform::cbor_errors))
        .with_state(state)
}
