//! The supervisors' read-only JSON API, `/api/v1/...`: lists, details, the
//! overview, sites and people from the read models, and exports. Every
//! answer is scoped exactly as sync is (the caller's areas and sites), and
//! what is out of scope is "not found" like what does not exist: the same
//! query runs either way and finds no row.
//!
//! Handlers only parse, call [`Reader`], and wrap; errors are `ApiError`
//! (JSON bodies for this prefix, see `uniform`). The OpenAPI document is
//! generated from these handlers' annotations (`openapi`).

pub mod export;
pub mod openapi;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use redline_read_models::Reader;
use redline_read_models::filter::{FilterError, HazardParams, InspectionParams, OverviewParams};
use redline_read_models::views::*;
use redline_storage::Principal;

impl From<FilterError> for ApiError {
    fn from(e: FilterError) -> ApiError {
        ApiError::BadRequest(e.to_string())
    }
}

fn reader<'a>(state: &'a AppState, who: &'a Principal) -> Reader<'a> {
    Reader { storage: state.storage.as_ref(), scope: &who.scope, today: state.clock.today() }
}

/// The JSON error body of every failed request under `/api/`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorJson {
    /// bad_request, unauthorized, not_found, rate_limited, internal...
    pub code: String,
    pub message: String,
}

#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections", params(InspectionParams),
    responses((status = 200, body = InspectionPage), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson),
        (status = 429, body = ErrorJson)),
    security(("token" = [])))]
pub async fn inspections(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<InspectionParams>,
) -> Result<Json<InspectionPage>, ApiError> {
    let q = p.parse()?;
    Ok(Json(reader(&state, &who).inspections(&q).await?))
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = String, Path)),
    responses((status = 200, body = InspectionDetail), (status = 400, description = "An id that is not UTF-8 once decoded", body = ErrorJson),
        (status = 401, body = ErrorJson), (status = 404, body = ErrorJson),
        (status = 429, body = ErrorJson)),
    security(("token" = [])))]
pub async fn inspection(State(state): State<AppState>, who: Principal, Path(id): Path<String>) -> Result<Json<InspectionDetail>, ApiError> {
    reader(&state, &who).inspection(&id).await?.map(Json).ok_or(ApiError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/hazards", tag = "hazards", params(HazardParams),
    responses((status = 200, body = HazardPage), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson),
        (status = 429, body = ErrorJson)),
    security(("token" = [])))]
pub async fn hazards(State(state): State<AppState>, who: Principal, Query(p): Query<HazardParams>) -> Result<Json<HazardPage>, ApiError> {
    let q = p.parse()?;
    Ok(Json(reader(&state, &who).hazards(&q).await?))
}

#[utoipa::path(get, path = "/api/v1/hazards/{id}", tag = "hazards", params(("id" = String, Path)),
    responses((status = 200, body = HazardDetail), (status = 400, description = "An id that is not UTF-8 once decoded", body = ErrorJson),
        (status = 401, body = ErrorJson), (status = 404, body = ErrorJson),
        (status = 429, body = ErrorJson)),
    security(("token" = [])))]
pub async fn hazard(State(state): State<AppState>, who: Principal, Path(id): Path<String>) -> Result<Json<HazardDetail>, ApiError> {
    reader(&state, &who).hazard(&id).await?.map(Json).ok_or(ApiError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/sites", tag = "sites",
    responses((status = 200, body = Vec<SiteRow>), (status = 401, body = ErrorJson), (status = 429, body = ErrorJson)),
    security(("token" = [])))]
pub async fn sites(State(state): State<AppState>, who: Principal) -> Result<Json<Vec<SiteRow>>, ApiError> {
    Ok(Json(reader(&state, &who).sites().await?))
}

#[utoipa::path(get, path = "/api/v1/people", tag = "people",
    responses((status = 200, body = Vec<PersonRow>), (status = 401, body = ErrorJson), (status = 429, body = ErrorJson)),
    security(("token" = [])))]
pub async fn people(State(state): State<AppState>, who: Principal) -> Result<Json<Vec<PersonRow>>, ApiError> {
    Ok(Json(reader(&state, &who).people().await?))
}

#[utoipa::path(get, path = "/api/v1/overview", tag = "overview", params(OverviewParams),
    responses((status = 200, body = Overview), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson),
        (status = 429, body = ErrorJson)),
    security(("token" = [])))]
pub async fn overview(State(state): State<AppState>, who: Principal, Query(p): Query<OverviewParams>) -> Result<Json<Overview>, ApiError> {
    let q = p.parse(state.clock.today())?;
    Ok(Json(reader(&state, &who).overview(&q).await?))
}
