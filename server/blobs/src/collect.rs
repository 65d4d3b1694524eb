//! Collecting blobs that nothing cites. A photo uploaded for a document
//! that never arrived (refused, quarantined, or the phone lost) would stay
//! forever; after a retention period it is removed, and so is a partial
//! upload abandoned for as long.
//!
//! Never one a document cites, never one a device may still cite: a blob is
//! taken only when it was written before the cutoff and
//! [`Storage::release_blob`] finds no citing document and no upload
//! recorded since the cutoff — and removes the upload records in the same
//! transaction. Devices cite through their own upload only while it is
//! younger than half the retention (`redline_api::blobs::citable_since`),
//! so no merge between that check and its commit can cite a blob taken
//! here. A device finishing a new upload of the same blob while it is
//! taken loses its record either to the second release below (recorded
//! before it) or to the upload route, which withdraws a record whose blob
//! is gone (recorded after it); the device then sends the bytes again.

use crate::BlobStore;
use redline_storage::{Storage, StorageError};

/// What one collection did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collected {
    /// Stored blobs looked at.
    pub seen: usize,
    /// Blobs removed.
    pub removed: usize,
    /// Abandoned partial uploads removed.
    pub partials: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("blob store: {0}")]
    Store(#[from] std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Removes blobs written before `now - retention_secs` that nothing cites or
/// holds, and partial uploads untouched as long.
pub async fn collect(storage: &dyn Storage, blobs: &dyn BlobStore, now: i64, retention_secs: i64) -> Result<Collected, CollectError> {
    let cutoff = now - retention_secs;
    let mut done = Collected::default();
    let mut from = None;
    loop {
        let page = blobs.list(from).await?;
        for blob in page.blobs {
            done.seen += 1;
            if blob.modified >= cutoff || !storage.release_blob(&blob.hash, cutoff).await? {
                continue;
            }
            blobs.delete(&blob.hash).await?;
            // Uploads recorded while it was being removed are withdrawn.
            storage.release_blob(&blob.hash, i64::MAX).await?;
            done.removed += 1;
        }
        match page.next {
            Some(next) => from = Some(next),
            None => break,
        }
    }
    done.partials = blobs.drop_partials(cutoff).await?;
    Ok(done)
}

/// Collects once per `every` for as long as the server runs, at the system
/// time; failures are logged and tried again next time.
pub async fn run_periodically(
    storage: std::sync::Arc<dyn Storage>,
    blobs: std::sync::Arc<dyn BlobStore>,
    retention_secs: i64,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match collect(storage.as_ref(), blobs.as_ref(), crate::now_secs(), retention_secs).await {
            Ok(c) if c.removed + c.partials > 0 => {
                tracing::info!(removed = c.removed, partials = c.partials, "collected unreferenced blobs")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("blob collection failed: {e}"),
        }
    }
}
