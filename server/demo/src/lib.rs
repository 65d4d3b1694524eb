//! A living demo district for a first start: besides the users and sites
//! of `redline_admin::seed`, a month of work in the lake district made with
//! the same code a phone runs — the shared domain's validated edits, by
//! each demo user's own actor, uploaded through the server's normal merge
//! (scope, rules, blobs, read models), so the dashboard shows exactly what
//! phones would have sent. Photos are fixtures made by the phone's capture
//! pipeline (`photos/`), because the server carries no image stack. The
//! supervisor's inspection plans are written as the dashboard writes them.

pub mod month;
pub mod phones;
pub mod photos;
pub mod plans;
pub mod visit;

use automerge::AutoCommit;
use phones::Phone;
use redline_admin::DeviceToken;
use redline_api::state::AppState;
use redline_domain::doc::{DocKind, HazardDoc};
use redline_domain::hazard::Action;
use redline_domain::inspection::PhotoOwner;
use redline_domain::time::{Date, Millis};

/// Why the month could not be seeded. A refusal is a bug in the script:
/// the server's rules said no to something a phone would not be allowed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo set-up: {0}")]
    Setup(String),
    #[error("the server refused the demo's {doc}: {reason}")]
    Refused { doc: String, reason: String },
    #[error("domain: {0}")]
    Domain(#[from] redline_domain::error::Error),
    #[error("storage: {0}")]
    Storage(#[from] redline_storage::StorageError),
    #[error("server: {0}")]
    Server(String),
}

/// What was seeded.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Month {
    pub inspections: usize,
    pub hazards: usize,
    pub conflicts: usize,
    pub plans: usize,
}

/// Seeds the month ending `today` into a server just seeded with
/// `redline_admin::seed`, whose device `tokens` it acts with.
pub async fn seed_month(state: &AppState, tokens: &[DeviceToken], today: Date) -> Result<Month, DemoError> {
    let cast = month::Cast {
        zhang: Phone::of(state, tokens, "inspector-zhang").await?,
        wang: Phone::of(state, tokens, "assistant-wang").await?,
        chen: Phone::of(state, tokens, "assistant-chen").await?,
        li: Phone::of(state, tokens, "supervisor-li").await?,
    };
    let sites = state.storage.sites_in(&redline_storage::Scope { areas: vec![String::new()], sites: vec![] }).await?;
    let mut month = month::play(state, &cast, &sites, today).await?;
    month.plans = plans::seed_plans(state, today).await?;
    Ok(month)
}

/// One lifecycle step on hazard `id` by `phone`, as the phone makes it
/// after syncing the hazard: the server's copy, the domain's validated
/// transition (with an evidence photo when `evidence` names a fixture),
/// uploaded through the merge.
pub async fn hazard_step(
    state: &AppState,
    phone: &Phone,
    id: &str,
    action: Action,
    note: &str,
    evidence: Option<&str>,
    at: Millis,
) -> Result<(), DemoError> {
    let stored = state.storage.document(id).await?.ok_or_else(|| DemoError::Setup(format!("hazard {id} was not stored")))?;
    let mut doc = AutoCommit::load(&stored.snapshot).map_err(|e| DemoError::Server(format!("stored hazard {id}: {e}")))?;
    doc.set_actor(phone.identity.actor());
    let before = doc.get_heads();
    let mut evidence_refs = vec![];
    if let Some(key) = evidence {
        evidence_refs.push(photos::photo(state, phone, key, PhotoOwner::Transition(String::new()), at, None).await?);
    }
    let mut hazard = HazardDoc::from_automerge(id, doc);
    hazard.transition(&phone.identity, action, note, &evidence_refs, at)?;
    phone.upload(state, id, DocKind::Hazard, hazard.automerge(), &before).await
}
