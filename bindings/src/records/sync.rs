//! What a sync reports: progress while it runs, the honest outcome when it
//! ends (what went up, what came down, what the server refused), and the
//! quarantine where refused change sets wait on the phone.
//!
//! Mirrored from `redline_device::sync::client` and the store's replica
//! bookkeeping. The core reports a refusal as a `(document, reason)` tuple;
//! tuples do not cross uniffi, so it becomes [`RejectedUpload`].

use super::lists::DocumentKind;
use crate::errors::{FfiResult, RedlineError};
use redline_device::store;
use redline_device::sync::client as core;

/// Where a running sync is, for a progress bar. Every count is cumulative
/// since the sync began; a listener gets a new value after each round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    /// Requests to `/v1/sync` answered so far.
    pub round_trips: u32,
    /// Documents sent (accepted or refused: see `SyncResult.rejected`).
    pub uploaded_docs: u32,
    /// Documents received (new ones as snapshots, known ones as changes).
    pub downloaded_docs: u32,
    /// Photos and signatures the server confirmed it holds.
    pub blobs_uploaded: u32,
    /// Bytes sent: request bodies and photo chunks.
    pub bytes_up: u64,
    /// Bytes received: responses and thumbnails.
    pub bytes_down: u64,
}

impl From<&core::SyncProgress> for SyncProgress {
    fn from(p: &core::SyncProgress) -> SyncProgress {
        SyncProgress {
            round_trips: p.round_trips,
            uploaded_docs: p.uploaded_docs,
            downloaded_docs: p.downloaded_docs,
            blobs_uploaded: p.blobs_uploaded,
            bytes_up: p.bytes_up,
            bytes_down: p.bytes_down,
        }
    }
}

/// A change set the server refused in this sync. Its changes were moved to
/// the quarantine (`RedlineStore.quarantine`) and the document went back to
/// what the server holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RejectedUpload {
    /// The inspection or hazard.
    pub doc_id: String,
    /// The server's reason, e.g. "not found" for a site outside the user's
    /// scope, or the rule that was broken.
    pub reason: String,
}

/// What a finished sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncResult {
    /// Requests to `/v1/sync` made.
    pub round_trips: u32,
    /// Documents sent (accepted or refused).
    pub uploaded_docs: u32,
    /// Documents received.
    pub downloaded_docs: u32,
    /// Photos and signatures uploaded.
    pub blobs_uploaded: u32,
    /// Bytes sent.
    pub bytes_up: u64,
    /// Bytes received.
    pub bytes_down: u64,
    /// Ids of documents whose changes the server accepted.
    pub accepted: Vec<String>,
    /// Change sets the server refused (and the phone quarantined).
    pub rejected: Vec<RejectedUpload>,
    /// Ids of inspections and hazards that changed on this phone because of
    /// what came down: refresh the screens that show them. Observers have
    /// been told as well.
    pub changed: Vec<String>,
    /// A new task list came down: refresh the task screens.
    pub tasks_updated: bool,
    /// Set when the sync stopped part-way after some of it was applied:
    /// everything above happened and is kept; this says why it stopped.
    /// Sync again (later, if it is a network fault) to carry on.
    pub interrupted: Option<SyncInterruption>,
}

/// Why a sync stopped part-way (`SyncResult.interrupted`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncInterruption {
    pub cause: InterruptionCause,
    /// The error's message, for a developer.
    pub detail: String,
    /// Whether trying again later may succeed (a network fault).
    pub retryable: bool,
}

/// What stopped a sync part-way: the `RedlineError` the whole sync would
/// have been.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InterruptionCause {
    Network,
    /// The phone's storage failed (full, damaged).
    Storage,
    /// A document stayed too busy to merge; sync again later.
    Conflict,
    /// The server no longer allows this device (sign in again).
    NotAllowed,
    /// Anything else (a response the phone could not read, ...).
    Other,
}

impl From<core::Interruption> for SyncInterruption {
    fn from(i: core::Interruption) -> SyncInterruption {
        use redline_device::ErrorKind as K;
        let cause = match i.kind {
            K::Network => InterruptionCause::Network,
            K::Storage => InterruptionCause::Storage,
            K::Conflict => InterruptionCause::Conflict,
            K::NotAllowed => InterruptionCause::NotAllowed,
            _ => InterruptionCause::Other,
        };
        SyncInterruption { cause, detail: i.detail, retryable: i.retryable }
    }
}

impl From<core::SyncReport> for SyncResult {
    fn from(r: core::SyncReport) -> SyncResult {
        let p = SyncProgress::from(&r.progress);
        SyncResult {
            round_trips: p.round_trips,
            uploaded_docs: p.uploaded_docs,
            downloaded_docs: p.downloaded_docs,
            blobs_uploaded: p.blobs_uploaded,
            bytes_up: p.bytes_up,
            bytes_down: p.bytes_down,
            accepted: r.accepted,
            rejected: r.rejected.into_iter().map(|(doc_id, reason)| RejectedUpload { doc_id, reason }).collect(),
            changed: r.changed,
            tasks_updated: r.tasks_updated,
            interrupted: r.interrupted.map(SyncInterruption::from),
        }
    }
}

/// A change set the server refused, kept on the phone so nothing an
/// inspector did is lost: show it, export it for support, never resend it
/// as it is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarantinedChange {
    /// Its number; pass it to `RedlineStore.export_quarantined`.
    pub id: i64,
    /// The inspection or hazard it belongs to.
    pub doc_id: String,
    /// Which kind of document that is.
    pub kind: DocumentKind,
    /// The server's reason for refusing it.
    pub reason: String,
    /// When it was refused (ms since the epoch).
    pub at: i64,
    /// Size of its automerge changes in bytes.
    pub size: u64,
}

impl TryFrom<store::QuarantinedChange> for QuarantinedChange {
    type Error = RedlineError;
    fn try_from(q: store::QuarantinedChange) -> FfiResult<QuarantinedChange> {
        let kind = match store::DocKind::parse(&q.kind) {
            Some(store::DocKind::Inspection) => DocumentKind::Inspection,
            Some(store::DocKind::Hazard) => DocumentKind::Hazard,
            None => return Err(RedlineError::Storage { detail: format!("unknown document kind {:?}", q.kind) }),
        };
        Ok(QuarantinedChange { id: q.id, doc_id: q.doc_id, kind, reason: q.reason, at: q.at, size: q.size })
    }
}
