//! Photos and signatures as content-addressed blobs: the routes for
//! resumable upload and scoped download over a [`BlobStore`] (a local
//! folder by default, or an S3-compatible object store).
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
pub use redline_blobs::{BlobStore, FsBlobStore, now_secs};
use redline_domain::blob::BlobHash;
use redline_domain::sync::wire::{self, BlobUploadStatus};
use redline_storage::Principal;
use serde::Deserialize;

/// Seconds of the retention within which a device's own upload lets it
/// cite a blob: half of it, so a blob cited through an upload is never one
/// the collector may take (it takes only blobs whose uploads are older than
/// the whole retention).
pub fn citable_since(state: &AppState) -> i64 {
    redline_blobs::now_secs() - (state.limits.blob_retention.as_secs() / 2) as i64
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
    let since = citable_since(state);
    let visible = state.storage.blobs_not_citable(std::slice::from_ref(hash), &who.device_id, &who.scope, since).await?.is_empty();
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
    state.storage.record_blob_upload(&hash, &who.device_id, redline_blobs::now_secs()).await?;
    // The collector may have taken the stored copy this upload found in
    // place just before it was recorded: then the record is withdrawn and
    // the device sends the bytes again (`redline_blobs::collect`).
    if !state.blobs.exists(&hash).await {
        state.storage.forget_blob_upload(&hash, &who.device_id).await?;
        return Ok(reply(BlobUploadStatus { received: 0, complete: false }));
    }
    Ok(reply(BlobUploadStatus { received, complete: true }))
}
