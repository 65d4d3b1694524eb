//! The OpenAPI 3.1 document of the JSON API, generated from the handlers'
//! annotations and the views' types, served at `/api/v1/openapi.json`. The
//! test command runs schemathesis against it on a seeded server.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Redline supervisors' API", description = "Read-only access to inspections, hazards, sites and people in the caller's scope, and their exports."),
    paths(
        super::inspections,
        super::inspection,
        super::hazards,
        super::hazard,
        super::sites,
        super::people,
        super::overview,
        super::export::export,
    ),
    modifiers(&Token),
)]
pub struct ApiDoc;

/// Device tokens (as for sync) are sent as `Authorization: Bearer <token>`.
struct Token;

impl Modify for Token {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
