//! Starting the server: open the configured backend and blob folder, build
//! the shared state, and serve the API router until shut down.

use crate::config::Config;
use redline_api::blobs::FsBlobStore;
use redline_api::state::{AppState, Limits, RateLimiter};
use redline_storage::Storage;
use redline_storage_postgres::PgStorage;
use redline_storage_sqlite::SqliteStorage;
use std::sync::Arc;

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
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, redline_api::router(state)).with_graceful_shutdown(shutdown).await
}

/// A tiny boxed error for start-up, where any failure ends the process with
/// its message.
pub mod anyhow_like {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
