//! One inspection and one hazard, whole, and the photos they show. A
//! document or photo out of the user's scope is "not found", the same page
//! as one that does not exist.

use crate::conflicts::{ConflictLine, conflict_lines};
use crate::context::{Ctx, Page, WebError, html};
use crate::i18n::Texts;
use crate::pages::{Frame, HazardLine, reader};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use redline_api::state::AppState;
use redline_domain::blob::BlobHash;
use redline_read_models::export::china_time;
use redline_read_models::views::{FindingRow, PhotoRow, SignatureRow, TransitionRow};

pub struct AnswerLine {
    pub item: String,
    pub section: String,
    pub result: String,
    pub failed: bool,
    pub note: String,
    pub by: String,
    pub at: String,
}

pub struct ChangeLine {
    pub at: String,
    pub who: String,
    pub device: String,
    pub operations: i64,
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct InspectionPage {
    f: Frame,
    t: Texts,
    id: String,
    title: String,
    kind: String,
    day: String,
    inspectors: String,
    outcome: String,
    score: String,
    answers: Vec<AnswerLine>,
    findings: Vec<FindingRow>,
    photos: Vec<PhotoRow>,
    signatures: Vec<SignatureRow>,
    conflicts: Vec<ConflictLine>,
    hazards: Vec<HazardLine>,
    history: Vec<ChangeLine>,
    message: Option<String>,
    /// Officials get a form to settle each conflict.
    official: bool,
}

#[derive(serde::Deserialize)]
pub struct InspectionNotice {
    resolved: Option<u8>,
    refused: Option<String>,
}

pub async fn inspection(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, Query(n): Query<InspectionNotice>) -> Page {
    let lang = ctx.lang();
    let page = async {
        let d = reader(&state, &ctx).inspection(&id).await?.ok_or(WebError::NotFound)?;
        let t = ctx.t;
        let message = match (n.resolved, n.refused) {
            (_, Some(r)) => Some(format!("{}: {r}", t.s("hazard.refused"))),
            (Some(_), None) => Some(t.s("inspection.resolved").to_string()),
            _ => None,
        };
        let i = &d.inspection;
        let answers = d
            .answers
            .iter()
            .map(|a| AnswerLine {
                item: a.item_id.clone(),
                section: a.section_id.clone().unwrap_or_default(),
                result: a.result.as_deref().map(|r| t.code("result", r)).unwrap_or_else(|| a.value.clone()),
                failed: a.result.as_deref() == Some("failed"),
                note: a.note.clone().unwrap_or_default(),
                by: a.by_name.clone(),
                at: china_time(a.at),
            })
            .collect();
        html(InspectionPage {
            f: Frame::of(&ctx),
            t,
            id: i.id.clone(),
            title: i.site_name.clone(),
            kind: t.code("kind", &i.kind),
            day: i.day.clone(),
            inspectors: if i.inspector_names.is_empty() { i.created_by_name.clone() } else { i.inspector_names.clone() },
            outcome: i.outcome.as_deref().map(|o| t.code("outcome", o)).unwrap_or_default(),
            score: i.score.map(|s| format!("{s:.0}")).unwrap_or_default(),
            answers,
            findings: d.findings.clone(),
            photos: d.photos.clone(),
            signatures: d.signatures.clone(),
            conflicts: conflict_lines(&t, &d.conflicts),
            hazards: d.hazards.iter().map(|h| HazardLine::of(&t, h)).collect(),
            message,
            official: ctx.session.role.is_official(),
            history: d
                .history
                .iter()
                .map(|c| ChangeLine {
                    at: china_time(c.at),
                    who: c.user_name.clone().unwrap_or_default(),
                    device: c.device_id.clone(),
                    operations: c.operations,
                })
                .collect(),
        })
    };
    Page(page.await, lang)
}

pub struct StepLine {
    pub action: String,
    pub by: String,
    pub at: String,
    pub note: String,
    pub evidence: Vec<String>,
}

fn steps(t: &Texts, timeline: &[TransitionRow]) -> Vec<StepLine> {
    timeline
        .iter()
        .map(|s| StepLine {
            action: t.code("action", &s.action),
            by: s.by_name.clone(),
            at: china_time(s.at),
            note: s.note.clone(),
            evidence: serde_json::from_str(&s.evidence).unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "hazard.html")]
struct HazardPage {
    f: Frame,
    t: Texts,
    h: HazardLine,
    inspection_id: String,
    responsible: String,
    pending_extension: bool,
    timeline: Vec<StepLine>,
    photos: Vec<PhotoRow>,
    conflicts: Vec<ConflictLine>,
    message: Option<String>,
    supervisor: bool,
}

#[derive(serde::Deserialize)]
pub struct Notice {
    done: Option<u8>,
    refused: Option<String>,
}

pub async fn hazard(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, Query(n): Query<Notice>) -> Page {
    let lang = ctx.lang();
    let page = async {
        let d = reader(&state, &ctx).hazard(&id).await?.ok_or(WebError::NotFound)?;
        let t = ctx.t;
        let message = match (n.done, n.refused) {
            (_, Some(r)) => Some(format!("{}: {r}", t.s("hazard.refused"))),
            (Some(_), None) => Some(t.s("hazard.done").to_string()),
            _ => None,
        };
        html(HazardPage {
            f: Frame::of(&ctx),
            t,
            h: HazardLine::of(&t, &d.hazard),
            inspection_id: d.hazard.inspection_id.clone(),
            responsible: d.hazard.responsible.clone().unwrap_or_default(),
            pending_extension: d.hazard.pending_extension,
            timeline: steps(&t, &d.timeline),
            photos: d.photos.clone(),
            conflicts: conflict_lines(&t, &d.conflicts),
            message,
            supervisor: ctx.session.role.is_official(),
        })
    };
    Page(page.await, lang)
}

/// A photo or signature image, only through a document in the user's scope.
pub async fn photo(State(state): State<AppState>, ctx: Ctx, Path(hash): Path<String>) -> Page {
    let lang = ctx.lang();
    let page = async {
        let hash = BlobHash::parse(&hash).ok_or(WebError::NotFound)?;
        if !state.storage.blob_in_scope(&hash, &ctx.session.scope).await? {
            return Err(WebError::NotFound);
        }
        let bytes = state.blobs.get(&hash).await.map_err(|e| WebError::Internal(e.to_string()))?.ok_or(WebError::NotFound)?;
        let kind = if bytes.starts_with(b"\x89PNG") { "image/png" } else { "image/jpeg" };
        Ok(([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "private, max-age=86400")], bytes).into_response())
    };
    Page(page.await, lang)
}
