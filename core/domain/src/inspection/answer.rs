//! Answer values and the rule that turns one into passed / failed for its
//! checklist item.

use crate::template::{AnswerType, ChecklistItem};
use crate::time::Date;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Pass,
    Fail,
    NotApplicable,
    Number(f64),
    Text(String),
    Date(Date),
    /// Chosen option ids.
    Choice(Vec<String>),
}

/// What an answer means for the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemResult {
    Passed,
    Failed,
    NotApplicable,
    /// Text answers count as answered but neither pass nor fail.
    Recorded,
}

impl AnswerValue {
    /// Refuses a value of the wrong shape for the item (a number for a
    /// pass/fail item, an unknown option, a non-finite reading).
    pub fn check_against(&self, item: &ChecklistItem) -> Result<(), String> {
        let ok = match (&item.answer, self) {
            (_, AnswerValue::NotApplicable) => true,
            (AnswerType::PassFail, AnswerValue::Pass | AnswerValue::Fail) => true,
            (AnswerType::Number { .. }, AnswerValue::Number(n)) => {
                if !n.is_finite() {
                    return Err(format!("item {}: a reading must be a finite number", item.id));
                }
                true
            }
            (AnswerType::Text, AnswerValue::Text(_)) => true,
            (AnswerType::Date { .. }, AnswerValue::Date(_)) => true,
            (AnswerType::Choice { options, multiple }, AnswerValue::Choice(chosen)) => {
                if chosen.is_empty() || (!multiple && chosen.len() > 1) {
                    return Err(format!(
                        "item {}: choose {}",
                        item.id,
                        if *multiple { "at least one option" } else { "exactly one option" }
                    ));
                }
                if let Some(bad) = chosen.iter().find(|c| !options.iter().any(|o| &o.id == *c)) {
                    return Err(format!("item {}: {bad:?} is not an option", item.id));
                }
                true
            }
            _ => false,
        };
        if ok { Ok(()) } else { Err(format!("item {}: {} is the wrong kind of answer", item.id, self.kind_name())) }
    }

    /// Passed or failed under the item's rule; `day` is the inspection day
    /// for expiry dates.
    pub fn result_for(&self, item: &ChecklistItem, day: Date) -> ItemResult {
        match (&item.answer, self) {
            (_, AnswerValue::NotApplicable) => ItemResult::NotApplicable,
            (_, AnswerValue::Pass) => ItemResult::Passed,
            (_, AnswerValue::Fail) => ItemResult::Failed,
            (AnswerType::Number { min, max, .. }, AnswerValue::Number(n)) => {
                let low = min.is_some_and(|m| *n < m);
                let high = max.is_some_and(|m| *n > m);
                if low || high { ItemResult::Failed } else { ItemResult::Passed }
            }
            (AnswerType::Date { expiry: true }, AnswerValue::Date(d)) => {
                if *d < day {
                    ItemResult::Failed
                } else {
                    ItemResult::Passed
                }
            }
            (AnswerType::Choice { options, .. }, AnswerValue::Choice(chosen)) => {
                let fails = chosen.iter().any(|c| options.iter().any(|o| &o.id == c && o.fails));
                if fails { ItemResult::Failed } else { ItemResult::Passed }
            }
            _ => ItemResult::Recorded,
        }
    }

    /// The tokens a visibility condition compares against.
    pub fn condition_tokens(&self) -> Vec<&str> {
        match self {
            AnswerValue::Pass => vec!["pass"],
            AnswerValue::Fail => vec!["fail"],
            AnswerValue::NotApplicable => vec!["na"],
            AnswerValue::Choice(c) => c.iter().map(String::as_str).collect(),
            _ => vec![],
        }
    }

    fn kind_name(&self) -> &'static str {
        match self {
            AnswerValue::Pass | AnswerValue::Fail => "pass/fail",
            AnswerValue::NotApplicable => "not applicable",
            AnswerValue::Number(_) => "a number",
            AnswerValue::Text(_) => "text",
            AnswerValue::Date(_) => "a date",
            AnswerValue::Choice(_) => "a choice",
        }
    }
}
