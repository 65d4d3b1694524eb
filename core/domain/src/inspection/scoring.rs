//! Turns answers into a summary and an outcome under the template's scoring
//! rule. A failed item that an official determination standard names is a
//! major hazard whatever the score says.

use super::{AnswerValue, Grade, Inspection, ItemResult};
use crate::template::{Condition, Importance, MajorHazard, ScoringRule, Template};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing failed.
    Pass,
    /// Food licensing: minor failures only, must fix (within 10 working days).
    BasicallyPass,
    /// Food licensing: too many or critical failures.
    Fail,
    /// Work safety: general hazards found.
    HazardsFound,
    /// A major hazard was found.
    MajorHazard,
}

crate::codes!(Outcome, "outcome", {
    Pass => "pass",
    BasicallyPass => "basically_pass",
    Fail => "fail",
    HazardsFound => "hazards_found",
    MajorHazard => "major_hazard",
});

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FailedByImportance {
    pub critical: u32,
    pub key: u32,
    pub general: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Items visible under the current answers.
    pub visible: u32,
    pub answered: u32,
    pub passed: u32,
    pub failed: u32,
    pub not_applicable: u32,
    pub failed_by_importance: FailedByImportance,
    /// Failed items that are major hazards by determination standard.
    pub major_hazard_items: Vec<String>,
    /// Findings graded major.
    pub major_findings: u32,
    /// Visible items not yet answered, in checklist order.
    pub unanswered: Vec<String>,
    /// Failed items whose template asks for a photo but have none.
    pub missing_photos: Vec<String>,
    /// Failed items with no finding recorded against them.
    pub failed_without_finding: Vec<String>,
    /// passed / (passed + failed), 0-100; 100 when nothing was judged.
    pub score_percent: f64,
    pub outcome: Outcome,
}

/// Whether `cond` holds under the answers given so far.
fn holds(cond: &Option<Condition>, values: &BTreeMap<&str, &AnswerValue>) -> bool {
    match cond {
        None => true,
        Some(c) => values.get(c.item.as_str()).is_some_and(|v| v.condition_tokens().iter().any(|t| c.any_of.iter().any(|a| a == t))),
    }
}

impl Template {
    /// Item ids visible under these answers, in checklist order.
    ///
    /// Evaluated top to bottom, and a condition only sees the answers of
    /// items that are themselves visible: an answer left on an item that a
    /// later correction hid (answers are never deleted) must not keep the
    /// items that depend on it visible, counted, or blocking submit.
    pub fn visible_items<'a>(&'a self, values: &BTreeMap<&str, &AnswerValue>) -> Vec<&'a crate::template::ChecklistItem> {
        let mut shown: BTreeMap<&str, &AnswerValue> = BTreeMap::new();
        let mut out = vec![];
        for section in &self.sections {
            if !holds(&section.show_if, &shown) {
                continue;
            }
            for item in &section.items {
                if holds(&item.show_if, &shown) {
                    if let Some(v) = values.get(item.id.as_str()) {
                        shown.insert(item.id.as_str(), v);
                    }
                    out.push(item);
                }
            }
        }
        out
    }
}

impl Inspection {
    pub fn summary(&self, template: &Template) -> Summary {
        let values: BTreeMap<&str, &AnswerValue> = self.answers.iter().map(|(k, a)| (k.as_str(), &a.value)).collect();
        let day = self.day();
        let mut s = Summary {
            visible: 0,
            answered: 0,
            passed: 0,
            failed: 0,
            not_applicable: 0,
            failed_by_importance: FailedByImportance::default(),
            major_hazard_items: vec![],
            major_findings: self.findings.values().filter(|f| f.grade == Grade::Major).count() as u32,
            unanswered: vec![],
            missing_photos: vec![],
            failed_without_finding: vec![],
            score_percent: 100.0,
            outcome: Outcome::Pass,
        };
        for item in template.visible_items(&values) {
            s.visible += 1;
            let Some(value) = values.get(item.id.as_str()) else {
                s.unanswered.push(item.id.clone());
                continue;
            };
            s.answered += 1;
            match value.result_for(item, day) {
                ItemResult::Passed => s.passed += 1,
                ItemResult::NotApplicable => s.not_applicable += 1,
                ItemResult::Recorded => {}
                ItemResult::Failed => {
                    s.failed += 1;
                    match item.importance {
                        Importance::Critical => s.failed_by_importance.critical += 1,
                        Importance::Key => s.failed_by_importance.key += 1,
                        Importance::General => s.failed_by_importance.general += 1,
                    }
                    if item.major_hazard == MajorHazard::Yes {
                        s.major_hazard_items.push(item.id.clone());
                    }
                    let findings: Vec<&str> =
                        self.findings.values().filter(|f| f.item_id.as_deref() == Some(item.id.as_str())).map(|f| f.id.as_str()).collect();
                    if findings.is_empty() {
                        s.failed_without_finding.push(item.id.clone());
                    }
                    if item.photo_on_fail {
                        let on_answer = self.photos_of(&super::PhotoOwner::Answer(item.id.clone())).next().is_some();
                        let on_finding = self
                            .photos
                            .values()
                            .any(|p| matches!(&p.owner, super::PhotoOwner::Finding(f) if findings.contains(&f.as_str())));
                        if !on_answer && !on_finding {
                            s.missing_photos.push(item.id.clone());
                        }
                    }
                }
            }
        }
        if s.passed + s.failed > 0 {
            s.score_percent = f64::from(s.passed) * 100.0 / f64::from(s.passed + s.failed);
        }
        s.outcome = outcome(template.scoring, &s);
        s
    }
}

fn outcome(rule: ScoringRule, s: &Summary) -> Outcome {
    if !s.major_hazard_items.is_empty() || s.major_findings > 0 {
        return Outcome::MajorHazard;
    }
    if s.failed == 0 {
        return Outcome::Pass;
    }
    match rule {
        ScoringRule::WorkSafety => Outcome::HazardsFound,
        ScoringRule::FoodLicensing => {
            let f = &s.failed_by_importance;
            if f.critical == 0 && f.key <= 2 && f.general <= 4 { Outcome::BasicallyPass } else { Outcome::Fail }
        }
    }
}
