//! Open conflicts on the inspection and hazard pages — every value of a
//! field two people wrote at once, with its author — and settling one on an
//! inspection: the supervisor picks a value, and the domain's
//! `resolve_conflict` writes it again, after all the competing ones, by the
//! supervisor's own actor; the change goes through the server's merge
//! (`actions::change_document`), so the rules that judge a phone's change
//! judge it, and the phones receive it on their next sync.

use crate::actions::change_document;
use crate::context::{Ctx, Page, WebError, check_csrf};
use crate::i18n::Texts;
use crate::pages::urlencode;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use redline_api::state::AppState;
use redline_domain::doc::{DocKind, InspectionDoc};
use redline_domain::inspection::{Answer, AnswerValue, FieldPath, RecordMap};
use redline_domain::time::now_millis;
use redline_read_models::export::china_time;
use redline_read_models::views::ConflictRow;

/// One of a conflict's values: as stored (what the form sends back), as
/// shown, and who wrote it.
pub struct ValueLine {
    pub raw: String,
    pub shown: String,
    pub by: String,
}

pub struct ConflictLine {
    pub path: String,
    pub values: Vec<ValueLine>,
}

/// An answer's value as a person reads it; any other value as stored.
fn shown(t: &Texts, path: &str, raw: &str) -> String {
    let is_answer = matches!(path.parse::<FieldPath>(), Ok(FieldPath::Entry { map: RecordMap::Answers, .. }));
    let Some(a) = is_answer.then(|| serde_json::from_str::<Answer>(raw).ok()).flatten() else {
        return raw.to_string();
    };
    let value = match &a.value {
        AnswerValue::Pass => t.s("result.passed").to_string(),
        AnswerValue::Fail => t.s("result.failed").to_string(),
        AnswerValue::NotApplicable => t.s("result.notapplicable").to_string(),
        AnswerValue::Number(n) => n.to_string(),
        AnswerValue::Text(s) => s.clone(),
        AnswerValue::Date(d) => d.to_string(),
        AnswerValue::Choice(c) => c.join(", "),
    };
    let note = a.note.as_deref().filter(|n| !n.is_empty()).map(|n| format!(" · {n}")).unwrap_or_default();
    format!("{value}{note} ({})", china_time(a.at))
}

pub fn conflict_lines(t: &Texts, rows: &[ConflictRow]) -> Vec<ConflictLine> {
    rows.iter()
        .map(|c| {
            let values: Vec<serde_json::Value> = serde_json::from_str(&c.values).unwrap_or_default();
            ConflictLine {
                path: c.path.clone(),
                values: values
                    .iter()
                    .map(|v| {
                        let raw = v["value"].as_str().unwrap_or("").to_string();
                        let by = v["by"]["name"].as_str().unwrap_or("?").to_string();
                        ValueLine { shown: shown(t, &c.path, &raw), raw, by }
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Debug, serde::Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub path: String,
    /// The chosen value, exactly as the conflict lists it.
    #[serde(default)]
    pub value: String,
}

/// Settles a conflict of an inspection with the chosen value. Officials
/// only (the page shows the forms to them only); out of scope is not found.
pub async fn resolve(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(form): Form<ResolveForm>) -> Response {
    let lang = ctx.lang();
    let done = async {
        check_csrf(&ctx, &form.csrf)?;
        if !ctx.session.role.is_official() {
            return Err(WebError::Forbidden);
        }
        let Ok(path) = form.path.parse::<FieldPath>() else {
            return Ok(Err(format!("unknown path {:?}", form.path)));
        };
        let chosen = form.value;
        change_document(&state, &ctx, &id, DocKind::Inspection, move |id, identity, doc| {
            let mut inspection = InspectionDoc::from_automerge(id, doc);
            inspection.resolve_conflict(identity, &path, &chosen, now_millis()).map_err(|e| e.to_string())?;
            Ok(inspection.into_automerge())
        })
        .await
    };
    let back = |q: String| Redirect::to(&format!("/inspections/{}?{q}", urlencode(&id))).into_response();
    match done.await {
        Ok(Ok(())) => back("resolved=1".into()),
        Ok(Err(why)) => back(format!("refused={}", urlencode(&why))),
        Err(e) => Page(Err(e), lang).into_response(),
    }
}
