//! Photos and signatures as content-addressed blobs: the store behind a
//! trait (a local folder by default; object storage would slot in here),
//! and the routes for resumable upload and scoped download.
//!
//! Upload is a series of `PUT /v1/blobs/{hash}?offset=N&total=T` chunks into
//! a partial file per (blob, device); `GET /v1/blobs/{hash}/upload` says
//! where to resume. The last chunk triggers verification: the SHA-256 of
//! the bytes must equal the name, or the partial is discarded. A stored
//! blob is never overwritten.

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::Principal;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use redline_core::sync::wire::{self, BlobUploadStatus};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    async fn get(&self, hash: &str) -> std::io::Result<Option<Vec<u8>>>;
    async fn exists(&self, hash: &str) -> bool;
    /// Bytes received so far of `uploader`'s upload of `hash`.
    async fn partial_len(&self, hash: &str, uploader: &str) -> std::io::Result<u64>;
    /// Appends a chunk at the end of the partial upload.
    async fn append(&self, hash: &str, uploader: &str, bytes: &[u8]) -> std::io::Result<u64>;
    /// Verifies the partial against `hash` and stores it; false (and the
    /// partial discarded) when the bytes do not match.
    async fn finish(&self, hash: &str, uploader: &str) -> std::io::Result<bool>;
}

pub struct FsBlobStore {
    root: PathBuf,
}

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FsBlobStore {
    pub fn open(root: PathBuf) -> std::io::Result<FsBlobStore> {
        std::fs::create_dir_all(root.join("partial"))?;
        Ok(FsBlobStore { root })
    }

    fn final_path(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(hash)
    }

    fn partial_path(&self, hash: &str, uploader: &str) -> PathBuf {
        let who: String = uploader.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        self.root.join("partial").join(format!("{hash}.{who}"))
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> std::io::Result<T> + Send + 'static) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(std::io::Error::other)?
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    async fn get(&self, hash: &str) -> std::io::Result<Option<Vec<u8>>> {
        let path = self.final_path(hash);
        match tokio::fs::read(path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn exists(&self, hash: &str) -> bool {
        tokio::fs::metadata(self.final_path(hash)).await.is_ok()
    }

    async fn partial_len(&self, hash: &str, uploader: &str) -> std::io::Result<u64> {
        match tokio::fs::metadata(self.partial_path(hash, uploader)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    async fn append(&self, hash: &str, uploader: &str, bytes: &[u8]) -> std::io::Result<u64> {
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

    async fn finish(&self, hash: &str, uploader: &str) -> std::io::Result<bool> {
        let partial = self.partial_path(hash, uploader);
        let dest = self.final_path(hash);
        let hash = hash.to_string();
        blocking(move || {
            let bytes = std::fs::read(&partial)?;
            if hex::encode(Sha256::digest(&bytes)) != hash {
                std::fs::remove_file(&partial)?;
                return Ok(false);
            }
            let dir = dest.parent().expect("fan-out directory");
            std::fs::create_dir_all(dir)?;
            if dest.exists() {
                std::fs::remove_file(&partial)?;
            } else {
                std::fs::rename(&partial, &dest)?;
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(true)
        })
        .await
    }
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("blob store: {e}"))
}

/// Photos are downloadable by anyone whose scope holds a document that
/// refers to them; to everyone else they do not exist.
pub async fn download(State(state): State<AppState>, who: Principal, Path(hash): Path<String>) -> Result<impl IntoResponse, ApiError> {
    if !is_hash(&hash) || !state.storage.blob_in_scope(&hash, &who.scope).await? {
        return Err(ApiError::NotFound);
    }
    let bytes = state.blobs.get(&hash).await.map_err(io)?.ok_or(ApiError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes))
}

pub async fn upload_status(State(state): State<AppState>, who: Principal, Path(hash): Path<String>) -> Result<impl IntoResponse, ApiError> {
    if !is_hash(&hash) {
        return Err(ApiError::BadRequest("not a SHA-256 hash".into()));
    }
    let status = if state.blobs.exists(&hash).await {
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
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let body = body.map_err(|e| ApiError::body(e, state.limits.blob_chunk))?;
    if !is_hash(&hash) {
        return Err(ApiError::BadRequest("not a SHA-256 hash".into()));
    }
    if at.total > state.limits.blob_size {
        return Err(ApiError::TooLarge(format!("blobs are at most {} bytes", state.limits.blob_size)));
    }
    let reply = |s: BlobUploadStatus| ([(header::CONTENT_TYPE, wire::CONTENT_TYPE)], wire::encode(&s));
    if state.blobs.exists(&hash).await {
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
    if !state.blobs.finish(&hash, &who.device_id).await.map_err(io)? {
        return Err(ApiError::BadRequest("the uploaded bytes do not match their hash; upload discarded".into()));
    }
    Ok(reply(BlobUploadStatus { received, complete: true }))
}
