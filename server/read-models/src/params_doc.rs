//! The filters' rules as OpenAPI schemas: what [`crate::filter`] accepts,
//! stated in the document so a client (and the schemathesis run of the test
//! command) knows which values are taken before it sends one. Each schema
//! here says no more and no less than the parser checks: every value it
//! allows parses, and every value it refuses gets a 400 naming its field.
//! An empty value is the same as leaving the filter out, so every schema
//! allows it.
//!
//! The code lists are built here from the domain's codes; the patterns are
//! written out in `filter`'s `#[param]` attributes (utoipa keeps a field's
//! doc comment only there), and a test holds them to the constants below.

use redline_domain::code::Code;
use redline_domain::hazard::{HazardState, ListingLevel};
use redline_domain::inspection::{Grade, InspectionKind, InspectionStatus};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// Text without NUL (no backend stores one; see `filter::text`).
pub const NO_NUL: &str = "^[^\\u0000]*$";

/// A day `YYYY-MM-DD` in ASCII digits, years 1900 to 9999, or empty. Days
/// past a month's end (`2026-02-30`) match and are refused (400).
pub const DAY: &str = "^((19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$";

/// A page cursor as the previous page's `next` gave it: unix milliseconds
/// in ASCII digits, `~`, the last row's id; or empty.
pub const CURSOR: &str = "^([0-9]+~[^\\u0000]*)?$";

fn one_of(codes: impl Iterator<Item = &'static str>, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(std::iter::once("").chain(codes)))
        .description(Some(description))
        .build()
}

fn codes<T: Code>() -> impl Iterator<Item = &'static str> {
    T::ALL.iter().map(|v| v.code())
}

pub fn kind() -> Object {
    one_of(codes::<InspectionKind>(), "Inspection kind.")
}

pub fn found_on_kind() -> Object {
    one_of(codes::<InspectionKind>(), "Kind of the inspection that found it.")
}

pub fn status() -> Object {
    one_of(codes::<InspectionStatus>(), "draft or submitted.")
}

pub fn grade() -> Object {
    one_of(codes::<Grade>(), "general or major.")
}

pub fn state() -> Object {
    one_of(codes::<HazardState>(), "Hazard state.")
}

pub fn listed() -> Object {
    one_of(std::iter::once("any").chain(codes::<ListingLevel>()), "county, city or province: listed at that level; `any`: listed at all.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{HazardParams, InspectionParams, MAX_LIMIT, MAX_NEEDLE, OverviewParams};
    use utoipa::IntoParams;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    /// The written-out patterns and bounds are the constants, on every list.
    #[test]
    fn attributes_state_the_constants() {
        let all = [InspectionParams::into_params(|| None), HazardParams::into_params(|| None), OverviewParams::into_params(|| None)];
        for p in all.iter().flatten() {
            let Some(RefOr::T(Schema::Object(o))) = &p.schema else { panic!("{}: not inline", p.name) };
            let pattern = o.pattern.as_deref();
            match p.name.as_str() {
                "from" | "to" => assert_eq!(pattern, Some(DAY), "{}", p.name),
                "after" => assert_eq!(pattern, Some(CURSOR)),
                "q" => assert_eq!((pattern, o.max_length), (Some(NO_NUL), Some(MAX_NEEDLE))),
                "limit" => {
                    let bounds = serde_json::to_value((&o.minimum, &o.maximum)).unwrap();
                    assert_eq!(bounds, serde_json::json!([1, MAX_LIMIT]));
                }
                "area" | "site" | "inspector" | "template" => assert_eq!(pattern, Some(NO_NUL), "{}", p.name),
                "overdue" | "open" => {}
                _ => assert!(o.enum_values.is_some(), "{}: neither a pattern nor a code list", p.name),
            }
        }
    }

    /// Every code a schema lists parses; the enums cannot drift apart.
    #[test]
    fn listed_codes_parse() {
        let values = |o: Object| o.enum_values.unwrap().into_iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>();
        for kind in values(kind()) {
            InspectionParams { kind: Some(kind), ..Default::default() }.parse().unwrap();
        }
        for status in values(status()) {
            InspectionParams { status: Some(status), ..Default::default() }.parse().unwrap();
        }
        for grade in values(grade()) {
            HazardParams { grade: Some(grade), ..Default::default() }.parse().unwrap();
        }
        for state in values(state()) {
            HazardParams { state: Some(state), ..Default::default() }.parse().unwrap();
        }
        for listed in values(listed()) {
            HazardParams { listed: Some(listed), ..Default::default() }.parse().unwrap();
        }
    }
}
