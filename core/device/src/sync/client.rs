//! The device's sync client: posts local changes, pages through the
//! server's feed, uploads photos, and reports honestly what happened.
//!
//! Safe to run from a background job while the user keeps editing: every
//! store step is its own short transaction, and an edit made during a sync
//! simply stays pending for the next one. Cancellation stops between
//! requests or aborts one in flight; what was already applied stays
//! applied, and the next sync resumes from the stored cursor.

use super::wire::{self, PROTOCOL_VERSION, SyncRequest, SyncResponse, UploadStatus};
use crate::error::{Error, Result};
use crate::store::{PendingUpload, Store};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Documents per request, and the byte budget of their changes.
const UPLOAD_DOCS: u32 = 200;
const UPLOAD_BYTES: usize = 4 << 20;
const BLOB_CHUNK: usize = 1 << 20;
const ATTEMPTS: u32 = 5;

/// Where a sync is, for a progress bar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncProgress {
    pub round_trips: u32,
    pub uploaded_docs: u32,
    pub downloaded_docs: u32,
    pub blobs_uploaded: u32,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

/// What a finished sync did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncReport {
    pub progress: SyncProgress,
    /// Documents whose changes the server accepted.
    pub accepted: Vec<String>,
    /// (document, reason) for change sets refused and quarantined.
    pub rejected: Vec<(String, String)>,
    /// Documents changed locally by what came down.
    pub changed: Vec<String>,
    /// A new task list came down: task screens should refresh.
    pub tasks_updated: bool,
    /// Set when the sync stopped part-way, after at least one exchange was
    /// applied: everything above happened and is durable (the accepted
    /// documents are marked synced), and this says why it stopped. Sync
    /// again to carry on.
    pub interrupted: Option<Interruption>,
}

/// Why a sync stopped part-way: what the error of the whole sync would
/// have been.
#[derive(Clone, Debug, PartialEq)]
pub struct Interruption {
    pub kind: crate::ErrorKind,
    pub detail: String,
    pub retryable: bool,
}

pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: &SyncProgress);
}

pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

fn net(e: reqwest::Error) -> Error {
    // Timeouts and connection failures may pass; a malformed URL will not.
    Error::Network { detail: e.to_string(), retryable: !e.is_builder() }
}

/// A request body worth compressing (change chunks, CBOR keys) goes
/// gzip-compressed; a small one plain. Returns the body and its encoding.
fn compressed(body: Vec<u8>) -> (Vec<u8>, Option<&'static str>) {
    use std::io::Write;
    if body.len() < 1024 {
        return (body, None);
    }
    let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::fast());
    match e.write_all(&body).and_then(|()| e.finish()) {
        Ok(gz) if gz.len() < body.len() => (gz, Some("gzip")),
        _ => (body, None),
    }
}

/// The most a compressed response may inflate to: far above a feed page
/// (4 MiB) with its reference data, far below what would hurt a phone.
const MAX_INFLATED: u64 = 64 << 20;

/// Inflates a gzip response on the blocking pool, within [`MAX_INFLATED`].
async fn gunzip(body: Vec<u8>) -> Result<Vec<u8>> {
    use std::io::Read;
    let inflated = tokio::task::spawn_blocking(move || {
        let mut out = Vec::with_capacity(body.len() * 4);
        flate2::read::GzDecoder::new(&body[..]).take(MAX_INFLATED + 1).read_to_end(&mut out).map(|_| out)
    })
    .await
    .map_err(|e| Error::BadResponse(format!("inflating the response: {e}")))?
    .map_err(|e| Error::BadResponse(format!("the response does not inflate: {e}")))?;
    if inflated.len() as u64 > MAX_INFLATED {
        return Err(Error::BadResponse(format!("the response inflates to more than {MAX_INFLATED} bytes")));
    }
    Ok(inflated)
}

impl SyncClient {
    /// `base` is the server's URL, e.g. `https://redline.example.gov.cn`.
    pub fn new(base: &str, token: &str) -> Result<SyncClient> {
        SyncClient::with_roots(base, token, &[])
    }

    /// [`SyncClient::new`], also trusting the root certificates in
    /// `extra_roots_pem` (each a PEM text of one or more certificates):
    /// government intranets often run their own certificate authority. A
    /// text without a certificate is `InvalidInput`.
    pub fn with_roots(base: &str, token: &str, extra_roots_pem: &[String]) -> Result<SyncClient> {
        let mut extra = vec![];
        // (Checked again when the client is built: a PEM can hold bytes
        // that are not a certificate.)
        for (i, pem) in extra_roots_pem.iter().enumerate() {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| Error::InvalidInput(format!("root certificate {}: {e}", i + 1)))?;
            if certs.is_empty() {
                return Err(Error::InvalidInput(format!("root certificate {}: no PEM certificate in it", i + 1)));
            }
            extra.extend(certs);
        }
        // Mozilla's root certificates, compiled in: the same trust on every
        // phone, no dependence on the OS's CA bundle, and no Android platform
        // verifier (which needs a JNI initialisation with the app's context
        // before its first handshake).
        // TLS runs on ring. An app that installed its own rustls provider
        // first keeps it; otherwise ring becomes the process's default.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
            .chain(extra);
        let http = reqwest::Client::builder()
            .tls_certs_only(roots)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            // A PEM whose contents are not a certificate fails here.
            .map_err(|e| {
                if extra_roots_pem.is_empty() { net(e) } else { Error::InvalidInput(format!("the root certificates cannot be used: {e}")) }
            })?;
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::InvalidInput(format!("{base:?} is not an http(s) URL")));
        }
        Ok(SyncClient { http, base: base.trim_end_matches('/').to_string(), token: token.to_string() })
    }

    /// Sends one request, retrying transient failures with backoff.
    async fn send(&self, cancel: &CancellationToken, build: impl Fn() -> reqwest::RequestBuilder) -> Result<Vec<u8>> {
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=ATTEMPTS {
            let response = tokio::select! {
                _ = cancel.cancelled() => return Err(cancelled()),
                r = build().bearer_auth(&self.token).header(reqwest::header::ACCEPT_ENCODING, "gzip").send() => r,
            };
            let mut busy = false;
            let error = match response {
                Ok(r) if r.status().is_success() => {
                    let gzipped = r.headers().get(reqwest::header::CONTENT_ENCODING).is_some_and(|v| v == "gzip");
                    let bytes = r.bytes().await.map_err(net)?;
                    return if gzipped { gunzip(bytes.to_vec()).await } else { Ok(bytes.to_vec()) };
                }
                Ok(r) => {
                    let status = r.status();
                    let body = r.bytes().await.unwrap_or_default();
                    let (code, message) = match wire::decode::<wire::ErrorBody>(&body) {
                        Ok(e) => (e.code, e.message),
                        Err(_) => (String::new(), status.to_string()),
                    };
                    // 409 on a sync means the document was too busy to merge: retry.
                    let retryable = status.is_server_error() || matches!(status.as_u16(), 408 | 409 | 429);
                    busy = status.as_u16() == 409;
                    match status.as_u16() {
                        403 if code == "revoked" => return Err(Error::Revoked(message)),
                        401 | 403 => return Err(Error::NotAllowed(message)),
                        404 => return Err(Error::NotFound(message)),
                        _ if !retryable => return Err(Error::Refused(message)),
                        _ => Error::Network { detail: message, retryable: true },
                    }
                }
                Err(e) => net(e),
            };
            if attempt == ATTEMPTS || !error.is_retryable() {
                return Err(match error {
                    // Still too busy to merge after every retry: others keep
                    // changing the document; the app may sync again later.
                    Error::Network { detail, .. } if busy => Error::Conflict(detail),
                    other => other,
                });
            }
            tokio::select! {
                _ = cancel.cancelled() => return Err(cancelled()),
                _ = tokio::time::sleep(delay) => {}
            }
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        unreachable!("the last attempt returns")
    }

    /// Runs a full sync: photos up, then documents up and down until the
    /// server has nothing more. When the server says this device's access
    /// was withdrawn, everything not yet sent is kept in the quarantine
    /// first (listable and exportable), and the error is
    /// [`Error::Revoked`].
    ///
    /// An error after at least one exchange was applied does not lose what
    /// that exchange did: the report comes back with `interrupted` set. An
    /// error before (offline, refused at once), a cancellation and a
    /// revoked device are errors.
    pub async fn sync(&self, store: &Store, cancel: &CancellationToken, listener: Option<&dyn SyncListener>) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let mut applied = 0;
        match self.sync_into(store, cancel, listener, &mut report, &mut applied).await {
            Ok(()) => Ok(report),
            Err(Error::Revoked(reason)) => {
                store.quarantine_unsent(&reason)?;
                Err(Error::Revoked(reason))
            }
            Err(e) if applied == 0 || e.kind() == crate::ErrorKind::Cancelled => Err(e),
            Err(e) => {
                report.interrupted = Some(Interruption { kind: e.kind(), retryable: e.is_retryable(), detail: e.to_string() });
                Ok(report)
            }
        }
    }

    async fn sync_into(
        &self,
        store: &Store,
        cancel: &CancellationToken,
        listener: Option<&dyn SyncListener>,
        report: &mut SyncReport,
        applied: &mut u32,
    ) -> Result<()> {
        self.upload_blobs(store, cancel, report).await?;
        let mut thumbnails = vec![];
        loop {
            if cancel.is_cancelled() {
                return Err(cancelled());
            }
            let pending = store.pending_uploads(UPLOAD_DOCS)?;
            let available = pending.len();
            let sent = batch(pending);
            // More waits when this request could not carry all of it.
            let more_up = available == UPLOAD_DOCS as usize || sent.len() < available;
            let position = store.sync_position()?;
            let request = SyncRequest {
                protocol: PROTOCOL_VERSION,
                cursor: position.cursor,
                reference_version: position.reference_version,
                tasks_version: position.tasks_version,
                uploads: sent.iter().map(|p| p.upload.clone()).collect(),
            };
            let (body, encoding) = compressed(wire::encode(&request));
            report.progress.bytes_up += body.len() as u64;
            let url = format!("{}/v1/sync", self.base);
            let post = || {
                let req = self.http.post(&url).header(reqwest::header::CONTENT_TYPE, wire::CONTENT_TYPE);
                let req = match encoding {
                    Some(e) => req.header(reqwest::header::CONTENT_ENCODING, e),
                    None => req,
                };
                req.body(body.clone())
            };
            let bytes = self.send(cancel, post).await?;
            report.progress.bytes_down += bytes.len() as u64;
            report.progress.round_trips += 1;
            let response: SyncResponse = wire::decode(&bytes).map_err(Error::BadResponse)?;
            if response.results.len() != sent.len() {
                return Err(Error::BadResponse("the server answered a different number of uploads".into()));
            }
            let page = store.apply_sync_page(&sent, &response)?;
            *applied += 1;
            thumbnails.extend(page.thumbnails);
            report.tasks_updated |= response.tasks.is_some();
            for r in &response.results {
                match &r.status {
                    UploadStatus::Accepted => report.accepted.push(r.doc_id.clone()),
                    UploadStatus::Rejected { reason } => report.rejected.push((r.doc_id.clone(), reason.clone())),
                }
            }
            report.progress.uploaded_docs += sent.len() as u32;
            report.progress.downloaded_docs += response.docs.len() as u32;
            for id in page.changed.inspections.into_iter().chain(page.changed.hazards) {
                if !report.changed.contains(&id) {
                    report.changed.push(id);
                }
            }
            if let Some(l) = listener {
                l.on_progress(&report.progress);
            }
            if !response.more && !more_up {
                break;
            }
        }
        #[cfg(feature = "photos")]
        self.download_thumbnails(store, &thumbnails, report, cancel, listener).await?;
        Ok(())
    }

    /// Uploads every stored blob the server has not confirmed, resuming a
    /// partial upload where the server says it stopped.
    async fn upload_blobs(&self, store: &Store, cancel: &CancellationToken, report: &mut SyncReport) -> Result<()> {
        for hash in store.blobs_to_upload()? {
            let bytes = store.blob(&hash)?;
            let status_url = format!("{}/v1/blobs/{hash}/upload", self.base);
            let status: wire::BlobUploadStatus =
                wire::decode(&self.send(cancel, || self.http.get(&status_url)).await?).map_err(Error::BadResponse)?;
            let mut offset = status.received as usize;
            let mut complete = status.complete;
            while !complete {
                let end = (offset + BLOB_CHUNK).min(bytes.len());
                let url = format!("{}/v1/blobs/{hash}?offset={offset}&total={}", self.base, bytes.len());
                let chunk = bytes[offset..end].to_vec();
                let reply = self.send(cancel, || self.http.put(&url).body(chunk.clone())).await?;
                let s: wire::BlobUploadStatus = wire::decode(&reply).map_err(Error::BadResponse)?;
                report.progress.bytes_up += chunk.len() as u64;
                offset = s.received as usize;
                complete = s.complete;
            }
            store.mark_blob_uploaded(&hash)?;
            report.progress.blobs_uploaded += 1;
        }
        Ok(())
    }

    /// Downloads a photo or signature by hash (any in the user's scope),
    /// verifies it and keeps it in the local store.
    pub async fn fetch_blob(&self, store: &Store, hash: &str, cancel: &CancellationToken) -> Result<Vec<u8>> {
        if let Ok(bytes) = store.blob(hash) {
            return Ok(bytes);
        }
        let url = format!("{}/v1/blobs/{hash}", self.base);
        let bytes = self.send(cancel, || self.http.get(&url)).await?;
        store.put_downloaded_blob(hash, &bytes, false)?;
        Ok(bytes)
    }

    /// Thumbnails come down with the documents that show them, so list and
    /// detail screens have pictures offline; full photos wait until asked.
    /// A thumbnail not on the server yet (its author has not synced) is
    /// skipped and fetched on a later sync. Progress is reported after each,
    /// so a progress bar's last update is the sync's whole traffic.
    #[cfg(feature = "photos")]
    async fn download_thumbnails(
        &self,
        store: &Store,
        referenced: &[String],
        report: &mut SyncReport,
        cancel: &CancellationToken,
        listener: Option<&dyn SyncListener>,
    ) -> Result<()> {
        for hash in store.missing_thumbnails(referenced) {
            let url = format!("{}/v1/blobs/{hash}", self.base);
            match self.send(cancel, || self.http.get(&url)).await {
                Ok(bytes) => {
                    report.progress.bytes_down += bytes.len() as u64;
                    store.put_downloaded_blob(&hash, &bytes, true)?;
                    if let Some(l) = listener {
                        l.on_progress(&report.progress);
                    }
                }
                Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn cancelled() -> Error {
    Error::Cancelled
}

/// Keeps a request within the upload byte budget (always at least one).
fn batch(mut pending: Vec<PendingUpload>) -> Vec<PendingUpload> {
    let mut total = 0;
    let keep = pending
        .iter()
        .take_while(|p| {
            total += p.upload.changes.len();
            total <= UPLOAD_BYTES
        })
        .count()
        .max(1);
    pending.truncate(keep);
    pending
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_build_without_the_systems_certificates_and_refuse_bad_urls() {
        // The compiled-in roots mean no system CA bundle is consulted.
        assert!(SyncClient::new("https://redline.example.gov.cn", "t").is_ok());
        assert!(SyncClient::new("http://127.0.0.1:1", "t").is_ok());
        let err = SyncClient::new("ftp://example", "t").err().expect("refused");
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
    }
}
