//! Structural checks on a template, so a region's malformed checklist is
//! refused at load time with the item and field at fault instead of
//! misbehaving in the field.

use super::{AnswerType, Condition, Template};
use std::collections::HashMap;

/// Why a template was refused. `item` is the item (or section) id at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error("template is not valid JSON for the template format: {0}")]
    Parse(String),
    #[error("template {field}: {reason}")]
    Template { field: &'static str, reason: String },
    #[error("item {item}, field {field}: {reason}")]
    Item { item: String, field: &'static str, reason: String },
}

fn item_err(item: &str, field: &'static str, reason: impl Into<String>) -> TemplateError {
    TemplateError::Item { item: item.to_string(), field, reason: reason.into() }
}

/// Answer values a condition may name for an item of this type.
fn condition_values(answer: &AnswerType) -> Option<Vec<String>> {
    match answer {
        AnswerType::PassFail => Some(vec!["pass".into(), "fail".into(), "na".into()]),
        AnswerType::Choice { options, .. } => Some(options.iter().map(|o| o.id.clone()).collect()),
        _ => None,
    }
}

impl Template {
    pub(crate) fn validate(&self) -> Result<(), TemplateError> {
        if !is_identifier(&self.id) {
            return Err(TemplateError::Template { field: "id", reason: format!("{:?} is not a valid id", self.id) });
        }
        if self.version == 0 {
            return Err(TemplateError::Template { field: "version", reason: "must be at least 1".into() });
        }
        if self.sections.is_empty() {
            return Err(TemplateError::Template { field: "sections", reason: "a template needs at least one section".into() });
        }
        // Items seen so far: conditions may only look back, which keeps the
        // visibility rule acyclic and lets the app evaluate it top to bottom.
        let mut seen: HashMap<&str, &AnswerType> = HashMap::new();
        let mut section_ids = std::collections::HashSet::new();
        for section in &self.sections {
            if !section_ids.insert(section.id.as_str()) {
                return Err(item_err(&section.id, "id", "duplicate section id"));
            }
            if section.items.is_empty() {
                return Err(item_err(&section.id, "items", "a section needs at least one item"));
            }
            if let Some(cond) = &section.show_if {
                check_condition(&section.id, cond, &seen)?;
            }
            for item in &section.items {
                if !is_identifier(&item.id) {
                    return Err(item_err(&item.id, "id", "ids are ASCII letters, digits, '_' or '-'"));
                }
                if seen.contains_key(item.id.as_str()) {
                    return Err(item_err(&item.id, "id", "duplicate item id"));
                }
                if item.text.zh.trim().is_empty() || item.text.en.trim().is_empty() {
                    return Err(item_err(&item.id, "text", "both zh and en text are required"));
                }
                if item.basis.zh.trim().is_empty() && item.basis.en.trim().is_empty() {
                    return Err(item_err(&item.id, "basis", "an item needs its legal basis"));
                }
                check_answer(&item.id, &item.answer)?;
                if let Some(cond) = &item.show_if {
                    check_condition(&item.id, cond, &seen)?;
                }
                seen.insert(item.id.as_str(), &item.answer);
            }
        }
        Ok(())
    }
}

fn check_answer(id: &str, answer: &AnswerType) -> Result<(), TemplateError> {
    match answer {
        AnswerType::Number { unit, min, max } => {
            if unit.trim().is_empty() {
                return Err(item_err(id, "answer.unit", "a number needs its unit"));
            }
            for bound in [min, max].into_iter().flatten() {
                if !bound.is_finite() {
                    return Err(item_err(id, "answer.min/max", "bounds must be finite numbers"));
                }
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                return Err(item_err(id, "answer.min", format!("min {lo} is above max {hi}")));
            }
        }
        AnswerType::Choice { options, .. } => {
            if options.len() < 2 {
                return Err(item_err(id, "answer.options", "a choice needs at least two options"));
            }
            let mut ids = std::collections::HashSet::new();
            for o in options {
                if !is_identifier(&o.id) || !ids.insert(o.id.as_str()) {
                    return Err(item_err(id, "answer.options", format!("option id {:?} is invalid or repeated", o.id)));
                }
            }
        }
        AnswerType::PassFail | AnswerType::Text | AnswerType::Date { .. } => {}
    }
    Ok(())
}

fn check_condition(id: &str, cond: &Condition, seen: &HashMap<&str, &AnswerType>) -> Result<(), TemplateError> {
    let Some(answer) = seen.get(cond.item.as_str()) else {
        return Err(item_err(id, "show_if.item", format!("{:?} is not an earlier item", cond.item)));
    };
    let Some(allowed) = condition_values(answer) else {
        return Err(item_err(id, "show_if.item", format!("{:?} is not a pass/fail or choice item", cond.item)));
    };
    if cond.any_of.is_empty() {
        return Err(item_err(id, "show_if.any_of", "names no answer"));
    }
    if let Some(bad) = cond.any_of.iter().find(|v| !allowed.contains(v)) {
        return Err(item_err(id, "show_if.any_of", format!("{bad:?} is not an answer of {:?}", cond.item)));
    }
    Ok(())
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
