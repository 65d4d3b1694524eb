//! The devices' HTTP API as one router: `POST /v1/sync` (uploads merged on
//! a fork under the shared rules, downloads from the scoped feed), blobs
//! (resumable, hash-verified, scoped), the admin API, and `/health`. The
//! server binary mounts it; the dashboard will mount beside it.

pub mod admin_routes;
pub mod auth;
pub mod blobs;
pub mod error;
pub mod feed;
pub mod me;
pub mod merge;
pub mod state;
pub mod sync_route;
pub mod uniform;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use error::ApiError;
use state::AppState;

pub fn router(state: AppState) -> Router {
    let limits = state.limits.clone();
    Router::new()
        .route("/v1/sync", post(sync_route::sync).layer(DefaultBodyLimit::max(limits.sync_body)))
        .route("/v1/blobs/{hash}", get(blobs::download).put(blobs::upload_chunk).layer(DefaultBodyLimit::max(limits.blob_chunk)))
        .route("/v1/blobs/{hash}/upload", get(blobs::upload_status))
        .route("/v1/me", get(me::me))
        .route("/v1/admin/users", post(admin_routes::put_user))
        .route("/v1/admin/devices", post(admin_routes::add_device))
        .route("/v1/admin/devices/{id}/revoke", post(admin_routes::revoke_device))
        .route("/v1/admin/sites", post(admin_routes::put_site))
        .route("/v1/admin/sites/import", post(admin_routes::import_sites).layer(DefaultBodyLimit::max(8 << 20)))
        .route("/v1/admin/templates", put(admin_routes::put_template))
        .route("/health", get(|| async { "ok" }))
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn(uniform::cbor_errors))
        .with_state(state)
}
