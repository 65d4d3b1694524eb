//! The checklists shipped inside the library, so a phone can inspect on its
//! first day without ever reaching the server. Their sources are the JSON
//! files in `core/domain/templates/`, checked at test time.

use super::Template;
use std::sync::OnceLock;

const SOURCES: &[&str] = &[
    include_str!("../../templates/hazardous_chemicals.json"),
    include_str!("../../templates/fireworks.json"),
    include_str!("../../templates/special_equipment.json"),
    include_str!("../../templates/food_safety.json"),
    include_str!("../../templates/three_places_three_enterprises.json"),
];

/// All built-in templates, parsed once.
pub fn builtin_templates() -> &'static [Template] {
    static PARSED: OnceLock<Vec<Template>> = OnceLock::new();
    PARSED
        .get_or_init(|| SOURCES.iter().map(|json| Template::from_json(json).expect("built-in templates are validated by tests")).collect())
}

pub fn builtin_template(id: &str) -> Option<&'static Template> {
    builtin_templates().iter().find(|t| t.id == id)
}
