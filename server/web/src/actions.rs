//! The supervisor's actions on a hazard (order a fix by a date, decide an
//! extension, list and delist, re-check). Each is made exactly as a phone
//! makes it — a validated transition on the hazard's automerge document by
//! the user's own actor (for the dashboard's device id) — and accepted
//! through the server's normal merge path with the same rules, so phones
//! receive it on their next sync like any other device's change. Settling
//! an inspection's conflict (`conflicts`) goes the same way.

use crate::context::{Ctx, Page, WebError, check_csrf};
use crate::pages::urlencode;
use automerge::AutoCommit;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use redline_api::merge::apply_upload;
use redline_api::state::AppState;
use redline_domain::doc::{DocKind, HazardDoc};
use redline_domain::hazard::{Action, ListingLevel};
use redline_domain::people::Identity;
use redline_domain::sync::wire::{DocUpload, UploadStatus};
use redline_domain::time::{Date, now_millis};

#[derive(Debug, serde::Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub csrf: String,
    pub action: String,
    pub deadline: Option<String>,
    pub responsible: Option<String>,
    pub level: Option<String>,
    pub note: Option<String>,
}

/// The domain action a form asks for, or why it cannot be one.
pub fn action_of(f: &ActionForm) -> Result<Action, String> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    Ok(match f.action.as_str() {
        "order" => Action::Order {
            deadline: text(&f.deadline).and_then(|d| Date::parse(&d)).ok_or("a deadline YYYY-MM-DD")?,
            responsible: text(&f.responsible).ok_or("who is responsible")?,
        },
        "grant" => Action::DecideExtension { granted: true },
        "deny" => Action::DecideExtension { granted: false },
        "list" => Action::List { level: text(&f.level).and_then(|l| ListingLevel::parse(&l)).ok_or("a listing level")? },
        "delist" => Action::Delist,
        "accept" => Action::Recheck { accepted: true },
        "reject" => Action::Recheck { accepted: false },
        other => return Err(format!("unknown action {other:?}")),
    })
}

pub async fn act(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(form): Form<ActionForm>) -> Response {
    let lang = ctx.lang();
    if let Err(e) = check_csrf(&ctx, &form.csrf) {
        return Page(Err(e), lang).into_response();
    }
    let back = |q: &str| Redirect::to(&format!("/hazards/{}?{q}", urlencode(&id))).into_response();
    let action = match action_of(&form) {
        Ok(a) => a,
        Err(why) => return back(&format!("refused={}", urlencode(&why))),
    };
    match transition(&state, &ctx, &id, action, form.note.as_deref().unwrap_or("")).await {
        Ok(Ok(())) => back("done=1"),
        Ok(Err(why)) => back(&format!("refused={}", urlencode(&why))),
        Err(e) => Page(Err(e), lang).into_response(),
    }
}

/// Makes the transition and sends it through the merge. `Ok(Err(reason))`
/// when the lifecycle or the rules refuse it.
async fn transition(state: &AppState, ctx: &Ctx, id: &str, action: Action, note: &str) -> Result<Result<(), String>, WebError> {
    let note = note.to_string();
    change_document(state, ctx, id, DocKind::Hazard, move |id, identity, doc| {
        let mut hazard = HazardDoc::from_automerge(id, doc);
        hazard.transition(identity, action, &note, &[], now_millis()).map_err(|e| e.to_string())?;
        Ok(hazard.into_automerge())
    })
    .await
}

/// Changes document `id` of `kind` as a phone would: `edit` makes the
/// change on the stored copy with the user's own actor (for the dashboard's
/// device id), and the new changes go through the server's merge under the
/// same rules as any device's upload. A document of another kind or out of
/// the user's scope is not found. `Ok(Err(reason))` when the domain or the
/// rules refuse the change.
pub async fn change_document<F>(state: &AppState, ctx: &Ctx, id: &str, kind: DocKind, edit: F) -> Result<Result<(), String>, WebError>
where
    F: FnOnce(&str, &Identity, AutoCommit) -> Result<AutoCommit, String> + Send + 'static,
{
    let who = ctx.session.principal();
    let stored = match state.storage.document(id).await? {
        Some(s) if s.kind == kind && who.scope.contains(&s.site_id, &s.area) => s,
        _ => return Err(WebError::NotFound),
    };
    let identity = Identity { user_id: who.user_id.clone(), name: who.name.clone(), role: who.role, device_id: who.device_id.clone() };
    let id_owned = id.to_string();
    // Loading and changing a document is CPU work: on the blocking pool.
    let made = tokio::task::spawn_blocking(move || -> Result<Result<DocUpload, String>, WebError> {
        let mut doc = AutoCommit::load(&stored.snapshot).map_err(|e| WebError::Internal(format!("stored document: {e}")))?;
        doc.set_actor(identity.actor());
        let before = doc.get_heads();
        let mut doc = match edit(&id_owned, &identity, doc) {
            Ok(doc) => doc,
            Err(refused) => return Ok(Err(refused)),
        };
        Ok(Ok(DocUpload::since(&id_owned, kind, &mut doc, &before)))
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))??;
    let upload = match made {
        Ok(u) => u,
        Err(refused) => return Ok(Err(refused)),
    };
    let result = apply_upload(state, &who, &upload).await.map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(match result.status {
        UploadStatus::Accepted => Ok(()),
        UploadStatus::Rejected { reason } => Err(reason),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(action: &str) -> ActionForm {
        ActionForm { csrf: String::new(), action: action.into(), deadline: None, responsible: None, level: None, note: None }
    }

    #[test]
    fn forms_become_domain_actions_or_say_what_is_missing() {
        assert!(action_of(&form("order")).unwrap_err().contains("deadline"));
        let mut f = form("order");
        f.deadline = Some("2026-12-31".into());
        f.responsible = Some("店长".into());
        assert_eq!(action_of(&f).unwrap(), Action::Order { deadline: Date::parse("2026-12-31").unwrap(), responsible: "店长".into() });
        assert_eq!(action_of(&form("grant")).unwrap(), Action::DecideExtension { granted: true });
        assert!(action_of(&form("list")).is_err());
        assert!(action_of(&form("explode")).is_err());
    }
}
