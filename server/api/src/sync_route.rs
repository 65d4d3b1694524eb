//! `POST /v1/sync`: one request carries a device's uploads for many
//! documents and asks for the next page of its downloads.

use crate::error::ApiError;
use crate::state::AppState;
use crate::{feed, merge};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use redline_domain::sync::wire::{self, Colleague, PROTOCOL_VERSION, ReferenceData, SyncRequest, SyncResponse, TaskList};
use redline_storage::Principal;

pub async fn sync(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let body = body.map_err(|e| ApiError::body(e, state.limits.sync_body))?;
    let body = crate::inflate::body(&headers, body, state.limits.sync_body).await?;
    let req: SyncRequest = wire::decode(&body).map_err(ApiError::BadRequest)?;
    if req.protocol != PROTOCOL_VERSION {
        return Err(ApiError::UnsupportedProtocol(req.protocol, PROTOCOL_VERSION));
    }
    if req.uploads.len() > state.limits.docs_per_request {
        return Err(ApiError::TooLarge(format!("at most {} documents per request", state.limits.docs_per_request)));
    }
    let mut results = Vec::with_capacity(req.uploads.len());
    let mut budget = state.limits.page_bytes;
    for up in &req.uploads {
        let r = merge::apply_upload(&state, &who, up).await?;
        budget = budget.saturating_sub(r.missing.len());
        results.push(r);
    }
    let page = feed::page(&state, &who, &req.cursor, budget.max(64 << 10)).await?;
    let version = format!("{}:{}", state.storage.reference_counter().await?, who.scope.fingerprint());
    let reference = if req.reference_version != version {
        let people = state
            .storage
            .users()
            .await?
            .into_iter()
            .filter(|u| u.scope.overlaps(&who.scope))
            .map(|u| Colleague { user_id: u.id, name: u.name, role: u.role })
            .collect();
        Some(ReferenceData {
            version,
            sites: state.storage.sites_in(&who.scope).await?,
            templates: state.storage.templates().await?,
            people,
        })
    } else {
        None
    };
    let tasks = task_list(&state, &who, &req.tasks_version).await?;
    let resp =
        SyncResponse { protocol: PROTOCOL_VERSION, results, docs: page.docs, cursor: page.cursor, more: page.more, reference, tasks };
    Ok(crate::inflate::cbor_response(&headers, wire::encode(&resp)).await)
}

/// The caller's task list, when the version it holds is not today's.
async fn task_list(state: &AppState, who: &Principal, held: &str) -> Result<Option<TaskList>, ApiError> {
    let today = state.clock.today();
    let version = redline_plans::device::version(state.storage.as_ref(), who, today).await?;
    if version == held {
        return Ok(None);
    }
    let tasks = redline_plans::device::tasks_for(state.storage.as_ref(), who, today).await?;
    Ok(Some(TaskList { version, tasks }))
}
