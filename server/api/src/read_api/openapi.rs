//! The OpenAPI 3.1 document of the JSON API, generated from the handlers'
//! annotations and the views' types, served at `/api/v1/openapi.json`. The
//! test command runs schemathesis against it on a seeded server
//! (`scripts/test-openapi.sh`), so what it states is held to: every
//! parameter's rules are the parser's, every status an answer can carry is
//! listed, every body matches its schema.
//!
//! One route serves all exports (`/api/v1/export/{file}`), but each dataset
//! takes its own filters, so the document states four operations, one per
//! dataset, each with exactly the filters that export applies.

use axum::Json;
use redline_read_models::filter::{HazardParams, InspectionParams};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Required, path::Operation};
use utoipa::{IntoParams, Modify, OpenApi};

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
    modifiers(&Token, &Exports),
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

/// The route the export handler is annotated with, replaced by one
/// operation per dataset.
const EXPORT_ROUTE: &str = "/api/v1/export/{file}";

/// Filters that exports parse (so a copied list link works) but do not
/// apply: an export is every matching row, not a page.
const PAGING: &[&str] = &["after", "limit"];

struct Exports;

impl Modify for Exports {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(template) = openapi.paths.paths.remove(EXPORT_ROUTE).and_then(|item| item.get) else { return };
        let inspection_filters = InspectionParams::into_params(|| Some(ParameterIn::Query));
        let hazard_filters = HazardParams::into_params(|| Some(ParameterIn::Query));
        for (dataset, what, filters) in [
            ("inspections", "Inspections, one row each", &inspection_filters),
            ("answers", "The answers of the matching inspections, one row per item", &inspection_filters),
            ("findings", "The findings of the matching inspections", &inspection_filters),
            ("hazards", "Hazards, one row each", &hazard_filters),
        ] {
            let operation = export_operation(&template, dataset, what, filters);
            openapi
                .paths
                .paths
                .insert(format!("/api/v1/export/{dataset}.{{format}}"), PathItem::new(utoipa::openapi::HttpMethod::Get, operation));
        }
    }
}

fn export_operation(template: &Operation, dataset: &str, what: &str, filters: &[Parameter]) -> Operation {
    let mut operation = template.clone();
    operation.operation_id = Some(format!("export_{dataset}"));
    operation.summary = Some(format!("{what}, as CSV or XLSX"));
    let format = ParameterBuilder::new()
        .name("format")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some("csv (UTF-8 with a byte-order mark) or xlsx"))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["csv", "xlsx"]))))
        .build();
    let mut parameters = vec![format];
    // The handler's own (`lang`), then the dataset's filters.
    parameters.extend(template.parameters.iter().flatten().filter(|p| p.parameter_in == ParameterIn::Query).cloned());
    parameters.extend(filters.iter().filter(|p| !PAGING.contains(&p.name.as_str())).cloned());
    operation.parameters = Some(parameters);
    operation
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_export_lists_exactly_its_filters() {
        let doc = ApiDoc::openapi();
        assert!(!doc.paths.paths.contains_key(EXPORT_ROUTE));
        let names = |path: &str| -> Vec<String> {
            let op = doc.paths.paths[path].get.as_ref().unwrap_or_else(|| panic!("{path}"));
            op.parameters.iter().flatten().map(|p| p.name.clone()).collect()
        };
        let answers = names("/api/v1/export/answers.{format}");
        assert!(answers.iter().any(|n| n == "status") && !answers.iter().any(|n| n == "grade"), "{answers:?}");
        let hazards = names("/api/v1/export/hazards.{format}");
        assert!(hazards.iter().any(|n| n == "grade") && !hazards.iter().any(|n| n == "status"), "{hazards:?}");
        for n in ["format", "lang", "q", "from"] {
            assert!(hazards.iter().any(|h| h == n), "{n}");
        }
        assert!(!hazards.iter().any(|n| PAGING.contains(&n.as_str())), "{hazards:?}");
    }
}
