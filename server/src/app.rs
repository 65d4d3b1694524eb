//! Starting the server: open the configured backend and blob folder, build
//! the shared state and its limits, and serve the API router until shut
//! down.

use crate::config::Config;
use redline_api::blobs::{BlobStore, FsBlobStore};
use redline_api::state::{AppState, Limits, RateLimiter};
use redline_storage::Storage;
use redline_storage_postgres::PgStorage;
use redline_storage_sqlite::SqliteStorage;
use std::sync::Arc;
use std::time::Duration;

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

/// Opens the configured blob store: the data folder's `blobs`, or the S3
/// store `--s3-endpoint` names.
pub fn open_blobs(config: &Config) -> anyhow_like::Result<Arc<dyn BlobStore>> {
    let Some(endpoint) = &config.s3.s3_endpoint else {
        return Ok(Arc::new(FsBlobStore::open(config.data_dir.join("blobs"))?));
    };
    open_s3(endpoint, &config.s3)
}

#[cfg(feature = "s3")]
fn open_s3(endpoint: &str, s3: &crate::config::S3Args) -> anyhow_like::Result<Arc<dyn BlobStore>> {
    let (Some(key), Some(secret)) = (&s3.s3_access_key_id, &s3.s3_secret_access_key) else {
        return Err("--s3-endpoint needs REDLINE_S3_ACCESS_KEY_ID and REDLINE_S3_SECRET_ACCESS_KEY".into());
    };
    let config = redline_blobs_s3::S3Config {
        endpoint: endpoint.to_string(),
        bucket: s3.s3_bucket.clone(),
        region: s3.s3_region.clone(),
        access_key_id: key.clone(),
        secret_access_key: secret.clone(),
        prefix: s3.s3_prefix.clone(),
    };
    Ok(Arc::new(redline_blobs_s3::S3BlobStore::open(&config)?))
}

#[cfg(not(feature = "s3"))]
fn open_s3(_: &str, _: &crate::config::S3Args) -> anyhow_like::Result<Arc<dyn BlobStore>> {
    Err("this server was built without S3 support: build it with `--features s3`".into())
}

pub async fn state(config: &Config) -> anyhow_like::Result<AppState> {
    let storage = open_storage(config).await?;
    let blobs = open_blobs(config)?;
    Ok(AppState {
        storage,
        blobs,
        limiter: Arc::new(RateLimiter::new(config.rate_per_sec, config.rate_burst)),
        limits: limits(config),
        doc_locks: Default::default(),
        hot_docs: Default::default(),
        in_flight: Default::default(),
        read_models: Default::default(),
        clock: Default::default(),
    })
}

/// The limits the configuration sets; the rest at their defaults.
pub fn limits(config: &Config) -> Limits {
    Limits {
        sync_body: config.max_body,
        header_timeout: Duration::from_secs(config.header_timeout_secs),
        body_timeout: Duration::from_secs(config.body_timeout_secs),
        conns_per_ip: config.conns_per_ip,
        in_flight_per_device: config.in_flight_per_device,
        blob_retention: Duration::from_secs(config.blob_retention_days * 86_400),
        ..Limits::default()
    }
}

/// Serves the API and the dashboard within `state.limits` until `shutdown`
/// resolves (see [`crate::serve`] for the connection-level bounds).
/// `secure_cookies` marks the dashboard's cookies `Secure` (behind TLS).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    secure_cookies: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let web = redline_web::WebOptions { secure_cookies, ..Default::default() };
    serve_with(listener, state, web, shutdown).await
}

/// [`serve`], with the dashboard's options (printing font, office).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    web: redline_web::WebOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    let router = redline_api::router(state.clone()).merge(redline_web::router_with(state, web));
    crate::serve::serve(listener, router, &limits, shutdown).await
}

/// A tiny boxed error for start-up, where any failure ends the process with
/// its message.
pub mod anyhow_like {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}

#[cfg(test)]
mod tests {
    use super::limits;
    use redline_api::state::Limits;
    use std::time::Duration;

    fn parsed(flags: &[&str]) -> Limits {
        let args: Vec<String> = ["redline-server"].iter().chain(flags).map(|s| s.to_string()).collect();
        limits(&crate::config::parse(&args).expect("flags parse").config)
    }

    #[test]
    fn flags_set_the_limits_and_default_to_limits_default() {
        let (default, set) = (Limits::default(), parsed(&[]));
        assert_eq!(
            (set.header_timeout, set.body_timeout, set.conns_per_ip, set.in_flight_per_device, set.sync_body),
            (default.header_timeout, default.body_timeout, default.conns_per_ip, default.in_flight_per_device, default.sync_body)
        );
        let set = parsed(&["--header-timeout-secs", "3", "--body-timeout-secs", "7", "--conns-per-ip", "0", "--in-flight-per-device", "9"]);
        assert_eq!(
            (set.header_timeout, set.body_timeout, set.conns_per_ip, set.in_flight_per_device),
            (Duration::from_secs(3), Duration::from_secs(7), 0, 9)
        );
        assert!(crate::config::parse(&["redline-server".into(), "--header-timeout-secs".into(), "0".into()]).is_err(), "0 s refuses all");
    }
}
