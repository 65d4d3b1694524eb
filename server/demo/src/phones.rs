//! The demo users' phones: each an identity (its automerge actor is the
//! one a real phone of that user and device would write with) and the
//! principal its device token authenticates as, so what the seed uploads
//! passes the same checks, scope and rules as a real phone's sync.

use crate::DemoError;
use automerge::{AutoCommit, ChangeHash};
use redline_admin::DeviceToken;
use redline_api::merge::apply_upload;
use redline_api::state::AppState;
use redline_domain::doc::DocKind;
use redline_domain::people::Identity;
use redline_domain::sync::wire::{DocUpload, UploadStatus};
use redline_storage::Principal;

pub struct Phone {
    pub identity: Identity,
    pub principal: Principal,
}

impl Phone {
    /// The phone of `user_id`, enrolled with the seed's `tokens`.
    pub async fn of(state: &AppState, tokens: &[DeviceToken], user_id: &str) -> Result<Phone, DemoError> {
        let token = tokens.iter().find(|t| t.user_id == user_id).ok_or_else(|| DemoError::Setup(format!("no device for {user_id}")))?;
        let principal = state
            .storage
            .principal(&redline_admin::tokens::token_hash(&token.token), redline_domain::time::now_millis())
            .await?
            .ok_or_else(|| DemoError::Setup(format!("the token of {user_id} does not authenticate")))?;
        let identity = Identity {
            user_id: principal.user_id.clone(),
            name: principal.name.clone(),
            role: principal.role,
            device_id: principal.device_id.clone(),
        };
        Ok(Phone { identity, principal })
    }

    /// Sends the changes of `doc` made since `before` (all of them for a new
    /// document) through the server's merge, as this phone's sync would.
    pub async fn upload(
        &self,
        state: &AppState,
        id: &str,
        kind: DocKind,
        doc: &mut AutoCommit,
        before: &[ChangeHash],
    ) -> Result<(), DemoError> {
        let up = DocUpload::since(id, kind, doc, before);
        let result = apply_upload(state, &self.principal, &up).await.map_err(|e| DemoError::Server(e.to_string()))?;
        match result.status {
            UploadStatus::Accepted => Ok(()),
            UploadStatus::Rejected { reason } => Err(DemoError::Refused { doc: id.to_string(), reason }),
        }
    }
}
