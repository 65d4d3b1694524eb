//! Photos and signatures as content-addressed blobs: the store behind a
//! trait (a local folder by default; object storage would slot in here),
//! and the routes for resumable upload and scoped download.
//!
//! Upload is a series of `PUT /v1/blobs/{hash}?offset=N&total=T` chunks into
//! a partial file per (blob, device); `GET /v1/blobs/{hash}/upload` says
//! where to resume. The last chunk triggers verification: the SHA-256 of
//! the bytes must equal the name, or the partial is discarded. A stored
//! blob is never overwritten.
//!
//! A verified upload is recorded for the device: it is what lets the
//! device's documents cite the blob (`merge`). So the status of an upload
//! is this device's alone — complete once it sent every byte, or when the
//! blob is visible to it anyway — and never says whether someone else
//! stored the blob: a device that did not send the bytes sends them all,
//! even when the blob is already stored.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use redline_domain::blob::{BlobFolder, BlobHash};
use redline_domain::sync::wire::{self, BlobUploadStatus};
use redline_storage::Principal;
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    async fn get(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>>;
    async fn exists(&self, hash: &BlobHash) -> bool;
    /// Bytes received so far of `uploader`'s upload of `hash`.
    async fn partial_len(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<u64>;
    /// Appends a chunk at the end of the partial upload.
    async fn append(&self, hash: &BlobHash, uploader: &str, bytes: &[u8]) -> std::io::Result<u64>;
    /// Verifies the partial against `hash` and stores it (a blob already
    /// stored is kept as it is); false (and the partial discarded) when the
    /// bytes do not match.
    async fn finish(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<bool>;
}

/// Blobs in a local folder: the same durable, content-addressed
/// [`BlobFolder`] the phone keeps, plus a `partial` folder of uploads in
/// progress, one file per (blob, device), so uploads resume.
pub struct FsBlobStore {
    folder: Arc<BlobFolder>,
    partial: PathBuf,
}

impl FsBlobStore {
    pub fn open(root: PathBuf) -> std::io::Result<FsBlobStore> {
        let partial = root.join("partial");
        std::fs::create_dir_all(&partial)?;
        let folder = BlobFolder::open(root).map_err(std::io::Error::other)?;
        Ok(FsBlobStore { folder: Arc::new(folder), partial })
    }

    fn partial_path(&self, hash: &BlobHash, uploader: &str) -> PathBuf {
        let who: String = uploader.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        self.partial.join(format!("{hash}.{who}"))
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> std::io::Result<T> + Send + 'static) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(std::io::Error::other)?
}

/// The folder's errors as I/O errors (a mismatch there is data damage).
fn folder_io(e: redline_domain::Error) -> std::io::Error {
    match e {
        redline_domain::Error::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    async fn get(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        let (folder, hash) = (self.folder.clone(), hash.clone());
        blocking(move || match folder.get(&hash) {
            Ok(b) => Ok(Some(b)),
            Err(redline_domain::Error::NotFound(_)) => Ok(None),
            Err(e) => Err(folder_io(e)),
        })
        .await
    }

    async fn exists(&self, hash: &BlobHash) -> bool {
        tokio::fs::metadata(self.folder.path_of(hash)).await.is_ok()
    }

    async fn partial_len(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<u64> {
        match tokio::fs::metadata(self.partial_path(hash, uploader)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    async fn append(&self, hash: &BlobHash, uploader: &str, bytes: &[u8]) -> std::io::Result<u64> {
        let path = self.partial_path(hash, uploader);
        let bytes = bytes.to_vec();
        blocking(move || {
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
            f.write_all(&bytes)?;
            f.sync_data()?;
            Ok(f.metadata()?.len())
        })
        .await
    }

    async fn finish(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<bool> {
        let (folder, partial, hash) = (self.folder.clone(), self.partial_path(hash, uploader), hash.clone());
        blocking(move || folder.install(&partial, &hash).map_err(folder_io)).await
    }
}

fn io(e: std::io::Error) -> ApiError {
    use std::io::ErrorKind::{QuotaExceeded, StorageFull};
    if matches!(e.kind(), StorageFull | QuotaExceeded) {
        return ApiError::StorageFull(format!("blob store: {e}"));
    }
    ApiError::Internal(format!("blob store: {e}"))
}

/// Photos are downloadable by anyone whose scope holds a document that
/// refers to them; to everyone else they do not exist.
pub async fn download(State(state): State<AppState>, who: Principal, Path(hash): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let Some(hash) = BlobHash::parse(&hash) else { return Err(ApiError::NotFound) };
    if !state.storage.blob_in_scope(&hash, &who.scope).await? {
        return Err(ApiError::NotFound);
    }
    let bytes = state.blobs.get(&hash).await.map_err(io)?.ok_or(ApiError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes))
}

/// Whether the upload of `hash` is complete as far as `who` may know: the
/// blob is stored, and this device sent it or a document in its scope cites
/// it. Both questions are always asked, so neither the answer nor its time
/// tells a blob stored for others from one stored for nobody.
async fn complete_for(state: &AppState, who: &Principal, hash: &BlobHash) -> Result<bool, ApiError> {
    let stored = state.blobs.exists(hash).await;
    let visible = state.storage.blobs_not_citable(std::slice::from_ref(hash), &who.device_id, &who.scope).await?.is_empty();
    Ok(stored && visible)
}

pub async fn upload_status(State(state): State<AppState>, who: Principal, Path(hash): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let hash = BlobHash::parse(&hash).ok_or_else(|| ApiError::BadRequest("not a SHA-256 hash".into()))?;
    let status = if complete_for(&state, &who, &hash).await? {
        BlobUploadStatus { received: 0, complete: true }
    } else {
        BlobUploadStatus { received: state.blobs.partial_len(&hash, &who.device_id).await.map_err(io)?, complete: false }
    };
    Ok(([(header::CONTENT_TYPE, wire::CONTENT_TYPE)], wire::encode(&status)))
}

#[derive(Deserialize)]
pub struct ChunkAt {
    offset: u64,
    total: u64,
}

pub async fn upload_chunk(
    State(state): State<AppState>,
    who: Principal,
    Path(hash): Path<String>,
    Query(at): Query<ChunkAt>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let body = body.map_err(|e| ApiError::body(e, state.limits.blob_chunk))?;
    let body = crate::inflate::body(&headers, body, state.limits.blob_chunk).await?;
    let hash = BlobHash::parse(&hash).ok_or_else(|| ApiError::BadRequest("not a SHA-256 hash".into()))?;
    if at.total > state.limits.blob_size {
        return Err(ApiError::TooLarge(format!("blobs are at most {} bytes", state.limits.blob_size)));
    }
    let reply = |s: BlobUploadStatus| ([(header::CONTENT_TYPE, wire::CONTENT_TYPE)], wire::encode(&s));
    if complete_for(&state, &who, &hash).await? {
        return Ok(reply(BlobUploadStatus { received: at.total, complete: true }));
    }
    let have = state.blobs.partial_len(&hash, &who.device_id).await.map_err(io)?;
    if at.offset != have {
        return Err(ApiError::Conflict(format!("upload continues at offset {have}")));
    }
    if at.offset + body.len() as u64 > at.total {
        return Err(ApiError::BadRequest("chunk runs past the declared total".into()));
    }
    let received = state.blobs.append(&hash, &who.device_id, &body).await.map_err(io)?;
    if received < at.total {
        return Ok(reply(BlobUploadStatus { received, complete: false }));
    }
    // Verified whether or not the blob is stored already (then it is kept
    // as it was): only bytes that match prove the device holds the blob.
    if !state.blobs.finish(&hash, &who.device_id).await.map_err(io)? {
        return Err(ApiError::BadRequest("the uploaded bytes do not match their hash; upload discarded".into()));
    }
    state.storage.record_blob_upload(&hash, &who.device_id).await?;
    Ok(reply(BlobUploadStatus { received, complete: true }))
}
