//! The two blob stores the scenarios run on: the local folder and an
//! S3-compatible object store. The object store is a real Garage node the
//! test script starts (`scripts/garage.sh`) and names in the environment:
//! `REDLINE_TEST_S3_ENDPOINT`, `_BUCKET`, `_KEY_ID`, `_SECRET`. Each server
//! gets its own key prefix, so runs and tests never see each other's blobs.
//! Without Garage the S3 variants are skipped with a message, except under
//! CI, where that is a failure.

use redline_api::blobs::{BlobStore, FsBlobStore};
use redline_blobs_s3::{S3BlobStore, S3Config};
use std::path::Path;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum BlobBackend {
    /// Blobs under the server's temporary folder.
    #[default]
    Folder,
    /// Blobs in the Garage bucket, under a fresh prefix.
    S3,
}

/// The Garage node's settings with a fresh prefix; `None` (after saying
/// why) when the environment names none, outside CI.
pub fn s3_config() -> Option<S3Config> {
    let var = |name: &str| std::env::var(format!("REDLINE_TEST_S3_{name}")).ok();
    let (Some(endpoint), Some(bucket), Some(key), Some(secret)) = (var("ENDPOINT"), var("BUCKET"), var("KEY_ID"), var("SECRET")) else {
        assert!(std::env::var_os("CI").is_none(), "an S3 store (Garage, started by scripts/garage.sh) is required under CI");
        eprintln!("skipping: no S3 store (REDLINE_TEST_S3_ENDPOINT unset; scripts/garage.sh starts one)");
        return None;
    };
    Some(S3Config {
        endpoint,
        bucket,
        region: var("REGION").unwrap_or_else(|| "garage".into()),
        access_key_id: key,
        secret_access_key: secret,
        prefix: format!("t-{}", uuid::Uuid::new_v4()),
    })
}

/// Opens the store `backend` names, with `dir` for the folder; `None` when
/// it is the S3 store and there is none (see [`s3_config`]).
pub fn open(backend: BlobBackend, dir: &Path) -> Option<Arc<dyn BlobStore>> {
    Some(match backend {
        BlobBackend::Folder => Arc::new(FsBlobStore::open(dir.join("blobs")).expect("blob folder")),
        BlobBackend::S3 => Arc::new(S3BlobStore::open(&s3_config()?).expect("S3 store")),
    })
}

/// Runs `async fn name(TestServer)` on a SQLite server with blobs in the
/// folder and again with blobs in the S3 store.
#[macro_export]
macro_rules! on_both_blob_stores {
    ($name:ident) => {
        mod $name {
            use $crate::blob_stores::BlobBackend;

            async fn run(blobs: BlobBackend) {
                let options = $crate::Options { blobs, ..$crate::Options::default() };
                if let Some(s) = $crate::TestServer::start_with($crate::Backend::Sqlite, options).await {
                    super::$name(s).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn folder() {
                run(BlobBackend::Folder).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn s3() {
                run(BlobBackend::S3).await;
            }
        }
    };
}
