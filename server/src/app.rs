//! The HTTP surface: routes, body limits, and starting the server.

use crate::blobs::{self, FsBlobStore};
use crate::config::Config;
use crate::error::ApiError;
use crate::state::{AppState, Limits, RateLimiter};
use crate::storage::{PgStorage, SqliteStorage, Storage};
use crate::{admin, sync_route};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use std::sync::Arc;

pub fn router(state: AppState) -> Router {
    let limits = state.limits.clone();
    Router::new()
        .route("/v1/sync", post(sync_route::sync).layer(DefaultBodyLimit::max(limits.sync_body)))
        .route("/v1/blobs/{hash}", get(blobs::download).put(blobs::upload_chunk).layer(DefaultBodyLimit::max(limits.blob_chunk)))
        .route("/v1/blobs/{hash}/upload", get(blobs::upload_status))
        .route("/v1/admin/users", post(admin::put_user))
        .route("/v1/admin/devices", post(admin::add_device))
        .route("/v1/admin/devices/{id}/revoke", post(admin::revoke_device))
        .route("/v1/admin/sites", post(admin::put_site))
        .route("/v1/admin/sites/import", post(admin::import_sites).layer(DefaultBodyLimit::max(8 << 20)))
        .route("/v1/admin/templates", put(admin::put_template))
        .route("/health", get(|| async { "ok" }))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
}

/// Opens the configured storage: a `postgres://` URL, otherwise SQLite in
/// the data folder.
pub async fn open_storage(config: &Config) -> anyhow_like::Result<Arc<dyn Storage>> {
    std::fs::create_dir_all(&config.data_dir)?;
    Ok(match &config.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Arc::new(PgStorage::connect(url, config.pg_schema.as_deref()).await?)
        }
        Some(path) => Arc::new(SqliteStorage::open(std::path::Path::new(path))?),
        None => Arc::new(SqliteStorage::open(&config.data_dir.join("server.db"))?),
    })
}

pub async fn state(config: &Config) -> anyhow_like::Result<AppState> {
    let storage = open_storage(config).await?;
    let blobs = Arc::new(FsBlobStore::open(config.data_dir.join("blobs"))?);
    Ok(AppState {
        storage,
        blobs,
        limiter: Arc::new(RateLimiter::new(config.rate_per_sec, config.rate_burst)),
        limits: Limits { sync_body: config.max_body, ..Limits::default() },
        doc_locks: Default::default(),
    })
}

/// Serves until `shutdown` resolves.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

/// A tiny boxed error for start-up, where any failure ends the process with
/// its message.
pub mod anyhow_like {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
