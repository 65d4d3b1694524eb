//! The dashboard's print buttons: an inspection's record, order and
//! re-check, and an area's period summary, as PDF from the same renderer
//! the phones use (`redline-reports`). The inspection is read from its
//! stored document (scope first: out of scope is the same "not found" as
//! missing), its hazards from theirs, photos as the thumbnails phones
//! uploaded; numbers come from `print_numbers`. Rendering runs on the
//! blocking pool.

use crate::context::{Ctx, Page, WebError};
use crate::i18n::{Lang as WebLang, Texts};
use crate::login::WebConfig;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use redline_api::state::AppState;
use redline_domain::blob::BlobHash;
use redline_domain::doc::{DocKind, HazardDoc, InspectionDoc};
use redline_domain::hazard::Hazard;
use redline_reports::{DocumentKind, Facts, Lang, PeriodSummary, ReportFont, SummaryRow};
use redline_storage::sql::Sql;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Default, serde::Deserialize)]
pub struct PrintParams {
    /// `en` for the English rendering; Chinese otherwise.
    pub lang: Option<String>,
}

fn lang_of(p: &PrintParams) -> Lang {
    if p.lang.as_deref() == Some("en") { Lang::En } else { Lang::Zh }
}

fn font(web: &WebConfig) -> Result<ReportFont, WebError> {
    web.report_font.clone().ok_or_else(|| WebError::Unavailable("no font for documents is configured (--report-font)".into()))
}

fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    let disposition = format!("inline; filename=\"{name}.pdf\"");
    ([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

impl From<redline_reports::ReportError> for WebError {
    fn from(e: redline_reports::ReportError) -> WebError {
        match e {
            redline_reports::ReportError::NotApplicable(m) => WebError::BadRequest(m),
            other => WebError::Internal(other.to_string()),
        }
    }
}

/// The inspection `id` and its hazards, if the caller may see it.
async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<(redline_domain::inspection::Inspection, Vec<Hazard>), WebError> {
    if id.contains('\0') {
        return Err(WebError::NotFound);
    }
    let stored = state.storage.document(id).await?.ok_or(WebError::NotFound)?;
    if stored.kind != DocKind::Inspection || !ctx.session.scope.contains(&stored.site_id, &stored.area) {
        return Err(WebError::NotFound);
    }
    let inspection = InspectionDoc::load(id, &stored.snapshot).and_then(|d| d.read()).map_err(|e| WebError::Internal(e.to_string()))?;
    let mut q = Sql::new(state.storage.dialect());
    q.push("SELECT doc_id FROM rm_hazards WHERE inspection_id = ").bind(id).push(" ORDER BY found_at, doc_id");
    let mut hazards = vec![];
    for row in state.storage.query(q).await? {
        let Some(hid) = row.first().and_then(|v| v.text()) else { continue };
        if let Some(doc) = state.storage.document(hid).await? {
            hazards.push(HazardDoc::load(hid, &doc.snapshot).and_then(|d| d.read()).map_err(|e| WebError::Internal(e.to_string()))?);
        }
    }
    Ok((inspection, hazards))
}

/// The photos (thumbnails first) and signatures the documents show.
async fn blobs(state: &AppState, i: &redline_domain::inspection::Inspection, hazards: &[Hazard]) -> HashMap<String, Vec<u8>> {
    let photos = i.photos.values().chain(hazards.iter().flat_map(|h| h.photos.values()));
    let mut wanted: Vec<String> = photos.map(|p| p.thumb_hash.clone().unwrap_or_else(|| p.hash.clone())).collect();
    wanted.extend(i.signatures.values().map(|s| s.image_hash.clone()));
    let mut out = HashMap::new();
    for h in wanted {
        if let Some(hash) = BlobHash::parse(&h)
            && let Ok(Some(bytes)) = state.blobs.get(&hash).await
        {
            out.insert(h, bytes);
        }
    }
    out
}

async fn document(
    state: AppState,
    ctx: Ctx,
    web: Arc<WebConfig>,
    id: String,
    kind: DocumentKind,
    p: PrintParams,
) -> Result<Response, WebError> {
    let font = font(&web)?;
    let (inspection, hazards) = load(&state, &ctx, &id).await?;
    let h = &inspection.header;
    let book = state
        .read_models
        .book_with(state.storage.as_ref(), &h.template_id, h.template_version)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let site = state.storage.site(&h.site_id).await?;
    let issuer = crate::print_numbers::issuer(state.storage.as_ref(), &web.office, &id, kind).await?;
    let blobs = blobs(&state, &inspection, &hazards).await;
    let lang = lang_of(&p);
    let bytes = tokio::task::spawn_blocking(move || {
        let certificates = BTreeMap::new();
        let lookup = |hash: &str| blobs.get(hash).cloned();
        let template = book.get(&inspection.header.template_id, inspection.header.template_version);
        let facts = Facts {
            inspection: &inspection,
            template,
            site: site.as_ref(),
            hazards: &hazards,
            certificates: &certificates,
            blobs: &lookup,
        };
        redline_reports::render(kind, &facts, &issuer, lang, &font)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))??;
    Ok(pdf(bytes, &format!("{}-{id}", kind.code())))
}

macro_rules! document_route {
    ($name:ident, $kind:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            ctx: Ctx,
            Extension(web): Extension<Arc<WebConfig>>,
            Path(id): Path<String>,
            Query(p): Query<PrintParams>,
        ) -> Page {
            let lang = ctx.lang();
            Page(document(state, ctx, web, id, $kind, p).await, lang)
        }
    };
}

document_route!(record, DocumentKind::InspectionRecord);
document_route!(order, DocumentKind::RectificationOrder);
document_route!(recheck, DocumentKind::RecheckOpinion);

/// Open hazards in scope (and `area`) by the category of the checklist
/// they were found with, labelled.
async fn open_by_category(state: &AppState, ctx: &Ctx, area: &Option<String>) -> Result<Vec<(String, i64)>, WebError> {
    let mut s = Sql::new(state.storage.dialect());
    s.push("SELECT i.template_id, i.template_version, COUNT(*) FROM rm_hazards h JOIN rm_inspections i ON i.doc_id = h.inspection_id WHERE h.open = 1 AND ");
    s.scope(&ctx.session.scope, "h");
    if let Some(a) = area {
        s.push(" AND ").scope(&redline_storage::Scope { areas: vec![a.clone()], sites: vec![] }, "h");
    }
    s.push(" GROUP BY i.template_id, i.template_version");
    let book = state.read_models.book();
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for row in state.storage.query(s).await? {
        let (Some(id), Some(version), Some(n)) = (row[0].text(), row[1].int(), row[2].int()) else { continue };
        let template = book.get(id, version as u32).or_else(|| redline_domain::template::builtin_template(id));
        let code = template.map(|t| redline_read_models::derive::code_of(&t.category)).unwrap_or_else(|| id.to_string());
        *out.entry(ctx.t.code("category", &code)).or_default() += n;
    }
    Ok(out.into_iter().collect())
}

/// `/reports/summary.pdf`: the overview's period and area, printed.
pub async fn summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Extension(web): Extension<Arc<WebConfig>>,
    Query(p): Query<redline_read_models::filter::OverviewParams>,
) -> Page {
    let lang = ctx.lang();
    let page = async {
        let font = font(&web)?;
        let q = p.parse(state.clock.today())?;
        let reader = crate::pages::reader(&state, &ctx);
        let o = reader.overview(&q).await?;
        let overdue = reader
            .hazards(&redline_read_models::filter::HazardQuery {
                area: q.area.clone(),
                overdue: Some(true),
                limit: 200,
                ..Default::default()
            })
            .await?;
        let by_category = open_by_category(&state, &ctx, &q.area).await?;
        let t = Texts { lang: ctx.lang() };
        let labelled =
            |prefix: &str, c: &[redline_read_models::views::Count]| c.iter().map(|c| (t.code(prefix, &c.key), c.count)).collect::<Vec<_>>();
        let s = PeriodSummary {
            area: o.area.clone().unwrap_or_else(|| t.s("overview.all_areas").into()),
            from: o.from.clone(),
            to: o.to.clone(),
            figures: vec![
                (t.s("overview.inspections").into(), o.inspections),
                (t.s("overview.overdue").into(), o.overdue),
                (t.s("overview.listed").into(), o.listed),
            ],
            charts: vec![
                (t.s("overview.by_kind").into(), labelled("kind", &o.inspections_by_kind)),
                (t.s("overview.by_area").into(), o.inspections_by_area.iter().map(|c| (c.key.clone(), c.count)).collect()),
                (t.s("overview.open_by_grade").into(), labelled("grade", &o.open_by_grade)),
                (t.s("print.open_by_category").into(), by_category),
                (t.s("overview.open_by_age").into(), o.open_by_age.iter().map(|c| (c.key.clone(), c.count)).collect()),
                (t.s("overview.risk").into(), labelled("risk", &o.sites_by_risk)),
            ],
            overdue: overdue
                .items
                .iter()
                .map(|h| SummaryRow {
                    site: h.site_name.clone(),
                    description: h.description.clone(),
                    grade: t.code("grade", &h.grade),
                    deadline: h.deadline.clone().unwrap_or_default(),
                })
                .collect(),
            look_back: vec![
                (t.s("overview.fixed").into(), o.look_back.fixed),
                (t.s("overview.not_fixed").into(), o.look_back.not_fixed),
                (t.s("overview.new").into(), o.look_back.new),
            ],
        };
        let report_lang = if ctx.lang() == WebLang::En { Lang::En } else { Lang::Zh };
        let bytes = tokio::task::spawn_blocking(move || redline_reports::render_summary(&s, report_lang, &font))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))??;
        Ok(pdf(bytes, &format!("summary-{}-{}", o.from, o.to)))
    };
    Page(page.await, lang)
}
