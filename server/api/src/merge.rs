//! Accepting one document upload: check the bytes, check who made every
//! new change, merge into a copy of the server's document (loaded, or kept
//! from the last merge of that very version), validate the result against
//! the domain rules and the blobs it cites, and commit it — or refuse it
//! whole, leaving the server's document untouched and invisible to every
//! other device.
//!
//! A document outside the caller's scope is handled exactly as one that
//! does not exist — the same work, the same answer — until the moment it
//! would be created, which an id already taken cannot be ("not found").

use crate::auth::actor_of;
use crate::error::ApiError;
use crate::state::AppState;
use automerge::{AutoCommit, ChangeHash};
use redline_domain::blob::BlobHash;
use redline_domain::doc::DocKind;
use redline_domain::doc::{HazardDoc, InspectionDoc};
use redline_domain::hazard::Hazard;
use redline_domain::inspection::Inspection;
use redline_domain::sync::chunks::split_changes;
use redline_domain::sync::rules::{self, Uploader};
use redline_domain::sync::wire::{DocUpload, UploadResult, UploadStatus, heads_from_hex, heads_to_hex};
use redline_read_models::derive;
use redline_storage::{CommitOutcome, DocWrite, Principal, StoredDoc};
use std::collections::BTreeSet;

/// Attempts at a compare-and-swap commit before giving up on a hot document.
/// Across P processes each attempt races P - 1 others (within one, merges
/// take turns): all n lost with odds ((P - 1) / P)^n. With 4 processes, 8
/// left dozens of a 200-phone storm's syncs with 409; 32, about 1 in 10^4.
const COMMIT_ATTEMPTS: usize = 32;

/// A refusal sent back to the device (the request as a whole succeeds).
struct Refused(String);

enum Model {
    Inspection(Box<Inspection>),
    Hazard(Box<Hazard>),
}

impl Model {
    fn read(id: &str, kind: DocKind, doc: &AutoCommit) -> Result<Model, Refused> {
        let bad = |e: redline_domain::Error| Refused(format!("the document does not have the expected shape: {e}"));
        match kind {
            DocKind::Inspection => Ok(Model::Inspection(Box::new(InspectionDoc::read_from(id, doc).map_err(bad)?))),
            DocKind::Hazard => Ok(Model::Hazard(Box::new(HazardDoc::read_from(id, doc).map_err(bad)?))),
        }
    }

    fn site_id(&self) -> &str {
        match self {
            Model::Inspection(i) => &i.header.site_id,
            Model::Hazard(h) => &h.header.site_id,
        }
    }

    /// Photos and signature images the document refers to, each once; a
    /// reference that is not a content hash refuses the upload.
    fn blobs(&self) -> Result<BTreeSet<BlobHash>, String> {
        let texts: Vec<&String> = match self {
            Model::Inspection(i) => photo_blobs(i.photos.values()).chain(i.signatures.values().map(|s| &s.image_hash)).collect(),
            Model::Hazard(h) => photo_blobs(h.photos.values()).collect(),
        };
        texts.into_iter().map(|t| BlobHash::parse(t).ok_or_else(|| format!("{t:?} is not a SHA-256 blob hash"))).collect()
    }
}

/// The blobs a document cites after an upload: all of them, for the
/// server's index, and those it did not cite before, which the uploader
/// must have the right to cite.
#[derive(Debug, PartialEq)]
struct Cites {
    all: Vec<BlobHash>,
    new: Vec<BlobHash>,
}

fn cites(before: Option<&Model>, after: &Model) -> Result<Cites, String> {
    let all = after.blobs()?;
    let old = before.map(Model::blobs).transpose()?.unwrap_or_default();
    Ok(Cites { new: all.difference(&old).cloned().collect(), all: all.into_iter().collect() })
}

/// The reason for citing a blob the uploader may not cite. The same for a
/// blob stored for others and one stored for nobody.
const NOT_UPLOADED: &str = "cites a photo this device has not uploaded";

/// A photo's full image and its thumbnail.
fn photo_blobs<'a>(photos: impl Iterator<Item = &'a redline_domain::inspection::PhotoRef> + 'a) -> impl Iterator<Item = &'a String> + 'a {
    photos.flat_map(|p| std::iter::once(&p.hash).chain(p.thumb_hash.as_ref()))
}

pub async fn apply_upload(state: &AppState, who: &Principal, up: &DocUpload) -> Result<UploadResult, ApiError> {
    let _one_at_a_time = state.doc_locks.lock(&up.doc_id).await;
    let outcome = merge(state, who, up).await;
    Ok(match outcome {
        Ok((heads, missing)) => UploadResult { doc_id: up.doc_id.clone(), status: UploadStatus::Accepted, heads, missing },
        Err(Err(api)) => return Err(api),
        Err(Ok(Refused(reason))) => {
            tracing::info!(doc = %up.doc_id, device = %who.device_id, %reason, "upload refused");
            // The device rolls its copy back to the server's. Some of the
            // refused changes may be ones the server already holds (an
            // earlier upload whose response was lost); the feed never sends
            // a device its own changes, so without the server's copy the
            // device would drop them for good and re-use their sequence
            // numbers, and every later edit of the document would be refused.
            let (heads, missing) = server_copy(state, who, up).await?;
            UploadResult { doc_id: up.doc_id.clone(), status: UploadStatus::Rejected { reason }, heads, missing }
        }
    })
}

/// The server's heads and whole saved copy of an upload's document, when
/// the uploader may see it; nothing otherwise (a hidden document stays
/// indistinguishable from a missing one).
async fn server_copy(state: &AppState, who: &Principal, up: &DocUpload) -> Result<(Vec<String>, Vec<u8>), ApiError> {
    match state.storage.document(&up.doc_id).await? {
        Some(s) if DocKind::parse(&up.kind) == Some(s.kind) && who.scope.contains(&s.site_id, &s.area) => {
            // Loading a document is CPU work: off the async workers, as the
            // merge's plan step is.
            tokio::task::spawn_blocking(move || {
                let mut doc = AutoCommit::load(&s.snapshot).map_err(|e| ApiError::Internal(format!("stored document: {e}")))?;
                Ok((heads_to_hex(&doc.get_heads()), s.snapshot))
            })
            .await
            .map_err(|e| ApiError::Internal(format!("merge task failed: {e}")))?
        }
        _ => Ok((vec![], vec![])),
    }
}

type MergeResult = Result<(Vec<String>, Vec<u8>), Result<Refused, ApiError>>;

fn refuse<T>(msg: impl Into<String>) -> Result<T, Result<Refused, ApiError>> {
    Err(Ok(Refused(msg.into())))
}

/// What an upload brings, checked before anything is loaded.
struct Upload {
    doc_id: String,
    kind: DocKind,
    changes: Vec<automerge::Change>,
    client_heads: Vec<ChangeHash>,
    actor: automerge::ActorId,
    uploader: Uploader,
}

impl Upload {
    fn check(who: &Principal, up: &DocUpload, max_changes: usize) -> Result<Upload, Refused> {
        let Some(kind) = DocKind::parse(&up.kind) else {
            return Err(Refused(format!("unknown document kind {:?}", up.kind)));
        };
        Ok(Upload {
            doc_id: up.doc_id.clone(),
            kind,
            changes: split_changes(&up.changes, max_changes).map_err(|e| Refused(e.to_string()))?,
            client_heads: heads_from_hex(&up.heads).map_err(Refused)?,
            actor: actor_of(who),
            uploader: Uploader { user_id: who.user_id.clone(), role: who.role },
        })
    }
}

/// A document as the server holds it, loaded and read: what the hot-document
/// cache keeps between one upload's commit and the next upload.
pub struct Loaded {
    doc: AutoCommit,
    model: Model,
}

/// The outcome of merging an upload into the stored copy, before commit.
enum Plan {
    /// Nothing new (a retry of something already accepted); `kept` is the
    /// stored copy to keep loaded, when it came from the cache.
    Unchanged { heads: Vec<String>, missing: Vec<u8>, kept: Option<Box<Loaded>> },
    /// A merged, validated document to commit.
    Commit(Box<Merged>),
}

struct Merged {
    /// The merged document as the domain reads it: its read-model rows are
    /// derived from it once its area is known.
    model: Model,
    /// The domain rules' answer, with the blobs the document cites when it
    /// passes; applied after the scope check, so a document for a site out
    /// of scope reads "not found" whatever else is wrong with it.
    verdict: Result<Cites, String>,
    site_id: String,
    /// The merged document, kept loaded once committed.
    doc: AutoCommit,
    snapshot: Vec<u8>,
    heads: Vec<String>,
    missing: Vec<u8>,
    new_changes: Vec<(String, Vec<u8>)>,
}

/// The CPU half of a merge, run on the blocking pool: load the stored copy
/// (`None` when there is none the caller may see; `hot` when it is still
/// loaded from the last merge), check who made every new change, apply
/// them, read the result and check it against the domain rules. The
/// changes go into this copy in place: a refusal drops it, and the stored
/// document is untouched until the commit.
fn plan(up: &Upload, stored: Option<&StoredDoc>, hot: Option<Loaded>) -> Result<Plan, Result<Refused, ApiError>> {
    let internal = |e: String| Err(ApiError::Internal(e));
    let (mut doc, before) = match (stored, hot) {
        (Some(_), Some(hot)) => (hot.doc, Some(hot.model)),
        (Some(s), None) => (AutoCommit::load(&s.snapshot).map_err(|e| internal(format!("stored document: {e}")))?, None),
        (None, _) => (AutoCommit::new(), None),
    };
    let base_heads = doc.get_heads();
    let new: Vec<_> = up.changes.iter().filter(|c| doc.get_change_by_hash(&c.hash()).is_none()).cloned().collect();
    let skeleton = up.kind.skeleton_hash();
    if let Some(c) = new.iter().find(|c| *c.actor_id() != up.actor && c.hash() != skeleton) {
        return refuse(format!("change {} was not made by this device's actor", c.hash()));
    }
    let missing_for = |doc: &mut AutoCommit| {
        // The client's heads are all known once its upload is merged.
        if up.client_heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
            doc.save_after(&up.client_heads)
        } else {
            doc.save_after(&[])
        }
    };
    if stored.is_none() && new.iter().all(|c| c.hash() == skeleton) {
        // Nothing of the device's own, so nothing that could create a
        // document: it names one the caller may not see.
        return refuse("not found");
    }
    if new.is_empty() {
        let missing = missing_for(&mut doc);
        let kept = before.map(|model| Box::new(Loaded { doc, model }));
        return Ok(Plan::Unchanged { heads: heads_to_hex(&base_heads), missing, kept });
    }
    // The stored copy as the domain reads it, before the changes go in.
    let before = match (stored, before) {
        (Some(_), Some(model)) => Some(model),
        (Some(_), None) => Some(Model::read(&up.doc_id, up.kind, &doc).map_err(|Refused(r)| Err(ApiError::Internal(r)))?),
        (None, _) => None,
    };
    doc.apply_changes(new.iter().cloned()).map_err(|e| Ok(Refused(format!("changes do not apply: {e}"))))?;
    if !doc.get_missing_deps(&[]).is_empty() {
        return match stored {
            // Edits of a document the caller may not see.
            None => refuse("not found"),
            Some(_) => refuse("the changes depend on history the server does not have; send everything after the last acknowledged heads"),
        };
    }
    let after = Model::read(&up.doc_id, up.kind, &doc).map_err(Ok)?;
    if stored.is_some_and(|s| s.site_id != after.site_id()) {
        return refuse("the document's site cannot change");
    }
    let verdict = check_rules(before.as_ref(), &after, &up.uploader).and_then(|()| cites(before.as_ref(), &after));
    Ok(Plan::Commit(Box::new(Merged {
        site_id: after.site_id().to_string(),
        model: after,
        verdict,
        snapshot: doc.save(),
        heads: heads_to_hex(&doc.get_heads()),
        missing: missing_for(&mut doc),
        new_changes: new.iter().map(|c| (c.hash().to_string(), c.raw_bytes().to_vec())).collect(),
        doc,
    })))
}

/// The statements replacing the document's read-model rows, committed with
/// it. Building them is formatting a few dozen rows: microseconds, done
/// here rather than handed to the blocking pool.
async fn read_rows(
    state: &AppState,
    id: &str,
    model: &Model,
    site_id: &str,
    area: &str,
) -> Result<Vec<redline_storage::sql::Sql>, ApiError> {
    if !state.read_models.on {
        return Ok(vec![]);
    }
    let d = state.storage.dialect();
    let place = derive::Place { site_id, area };
    Ok(match model {
        Model::Inspection(i) => {
            let book = state.read_models.book_with(state.storage.as_ref(), &i.header.template_id, i.header.template_version).await?;
            derive::inspection(d, i, place, &book)
        }
        Model::Hazard(h) => {
            debug_assert_eq!(h.id, id);
            derive::hazard(d, h, place)
        }
    })
}

/// The shared domain rules for the document's kind, given the document
/// before (if any) and after the upload. The refusal's text is the reason
/// sent back to the device.
fn check_rules(before: Option<&Model>, after: &Model, who: &Uploader) -> Result<(), String> {
    let verdict = match after {
        Model::Inspection(a) => {
            let b = match before {
                Some(Model::Inspection(b)) => Some(b.as_ref()),
                _ => None,
            };
            rules::check_inspection(b, a, who)
        }
        Model::Hazard(a) => {
            let b = match before {
                Some(Model::Hazard(b)) => Some(b.as_ref()),
                _ => None,
            };
            rules::check_hazard(b, a, who)
        }
    };
    verdict.map_err(|refusal| refusal.to_string())
}

async fn merge(state: &AppState, who: &Principal, up: &DocUpload) -> MergeResult {
    let upload = std::sync::Arc::new(Upload::check(who, up, state.limits.changes_per_doc).map_err(Ok)?);
    for attempt in 0..COMMIT_ATTEMPTS {
        if attempt > 0 {
            // Lost the race to another process: let the racers drift apart
            // rather than all merging again at the same instant.
            tokio::time::sleep(std::time::Duration::from_millis(jitter_ms(attempt.min(10) as u64 * 2))).await;
        }
        // Outside the scope, a document is planned as a missing one is.
        let (stored, hidden) = match state.storage.document(&up.doc_id).await.map_err(|e| Err(e.into()))? {
            Some(s) if who.scope.contains(&s.site_id, &s.area) => (Some(s), false),
            Some(_) => (None, true),
            None => (None, false),
        };
        if let Some(s) = &stored
            && s.kind != upload.kind
        {
            return refuse(format!("document {} is not a {}", up.doc_id, up.kind));
        }
        let hot = stored.as_ref().and_then(|s| state.hot_docs.take(&up.doc_id, s.version));
        let u = upload.clone();
        let (planned, stored) = tokio::task::spawn_blocking(move || (plan(&u, stored.as_ref(), hot), stored))
            .await
            .map_err(|e| Err(ApiError::Internal(format!("merge task failed: {e}"))))?;
        let merged = match planned? {
            Plan::Unchanged { heads, missing, kept } => {
                if let (Some(kept), Some(s)) = (kept, &stored) {
                    state.hot_docs.put(&up.doc_id, s.version, *kept);
                }
                return Ok((heads, missing));
            }
            Plan::Commit(m) => m,
        };
        let area = match &stored {
            Some(s) => s.area.clone(),
            // Looked up for a hidden document too: the same work either way.
            None => match state.storage.site(&merged.site_id).await.map_err(|e| Err(e.into()))? {
                Some(site) if !hidden && who.scope.contains(&site.id, &site.area) => site.area,
                _ => return refuse("not found"),
            },
        };
        let Merged { model, verdict, site_id, doc, snapshot, heads, missing, new_changes } = *merged;
        let cites = verdict.map_err(|r| Ok(Refused(r)))?;
        let not_citable = state
            .storage
            .blobs_not_citable(&cites.new, &who.device_id, &who.scope, crate::blobs::citable_since(state))
            .await
            .map_err(|e| Err(e.into()))?;
        if !not_citable.is_empty() {
            return refuse(NOT_UPLOADED);
        }
        let read_rows = read_rows(state, &up.doc_id, &model, &site_id, &area).await.map_err(Err)?;
        let write = DocWrite {
            id: up.doc_id.clone(),
            kind: upload.kind,
            site_id,
            area,
            snapshot,
            expected_version: stored.as_ref().map(|s| s.version),
            changes: new_changes,
            device_id: who.device_id.clone(),
            blob_refs: cites.all,
            read_rows,
        };
        match state.storage.commit(&write).await.map_err(|e| Err(e.into()))? {
            CommitOutcome::Committed => {
                state.hot_docs.put(&up.doc_id, write.version_after(), Loaded { doc, model });
                return Ok((heads, missing));
            }
            CommitOutcome::Stale => continue,
        }
    }
    Err(Err(ApiError::Conflict(format!("document {} is being written by many devices; retry", up.doc_id))))
}

/// A random wait of at most `max` milliseconds.
fn jitter_ms(max: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(max);
    h.finish() % (max + 1)
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
