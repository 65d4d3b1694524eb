//! Checklist templates: the versioned, data-driven description of what an
//! inspector checks at a site.
//!
//! A template is plain data (JSON, format in `core/domain/templates/README.md`) so a
//! region can publish its own without a new app build. Every inspection
//! records the template id and version it was answered against, so a new
//! template version never rewrites old answers.

mod builtin;
mod validate;

pub use builtin::{builtin_template, builtin_templates};
pub use validate::TemplateError;

use serde::{Deserialize, Serialize};

/// Text in both languages the apps show. Chinese is the working language;
/// English serves reviewers and tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

/// The regulation an item rests on. `confirmed = false` marks a citation whose
/// exact article could not be verified, so the app can say so instead of
/// presenting it as settled law.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LegalBasis {
    pub zh: String,
    pub en: String,
    #[serde(default = "yes")]
    pub confirmed: bool,
}

fn yes() -> bool {
    true
}

/// How much a failed item weighs in the outcome (food licensing practice:
/// 关键项 / 重点项 / 一般项).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    Critical,
    Key,
    General,
}

/// Whether failing the item is a major hazard (重大事故隐患) under an official
/// determination standard. `Probable` covers standards whose item texts are
/// not confirmed: the app suggests the major grade, the inspector decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MajorHazard {
    Yes,
    Probable,
    No,
}

/// One option of a choice question. `fails` marks the options that count as
/// a failed item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub id: String,
    pub zh: String,
    pub en: String,
    #[serde(default)]
    pub fails: bool,
}

/// What kind of answer an item takes, with the rule that makes it fail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerType {
    /// 符合 / 不符合 / 合理缺项.
    PassFail,
    /// A reading with a unit; outside `[min, max]` counts as failed.
    Number {
        unit: String,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    /// Free text; never fails by itself.
    Text,
    /// A calendar date (YYYY-MM-DD). With `expiry`, a date before the day of
    /// the inspection counts as failed (an expired certificate).
    Date {
        #[serde(default)]
        expiry: bool,
    },
    /// One (or with `multiple`, several) of the listed options.
    Choice {
        options: Vec<ChoiceOption>,
        #[serde(default)]
        multiple: bool,
    },
}

/// Show an item or section only when an earlier item's answer matches, so a
/// checklist can ask "does the site run a boiler?" before boiler items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// The item whose answer decides.
    pub item: String,
    /// The answer values (`pass`, `fail`, `na`, or choice option ids) that
    /// make the dependent item visible.
    pub any_of: Vec<String>,
}

/// One line of a checklist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable across template versions; answers are keyed by it.
    pub id: String,
    pub text: Bilingual,
    pub basis: LegalBasis,
    pub importance: Importance,
    pub major_hazard: MajorHazard,
    pub answer: AnswerType,
    /// A failed answer needs at least one photo before submit.
    #[serde(default)]
    pub photo_on_fail: bool,
    #[serde(default)]
    pub show_if: Option<Condition>,
    /// Short guidance for the inspector on how to check.
    #[serde(default)]
    pub guidance: Option<Bilingual>,
}

/// A group of items, optionally conditional as a whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: Bilingual,
    #[serde(default)]
    pub show_if: Option<Condition>,
    pub items: Vec<ChecklistItem>,
}

/// How an inspection's answers turn into an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoringRule {
    /// Work-safety: pass when nothing failed, otherwise hazards found; a
    /// failed major-hazard item makes it a major hazard.
    WorkSafety,
    /// Food licensing site check: pass / basically pass (must fix) / fail by
    /// counts of failed critical, key and general items.
    FoodLicensing,
}

/// Which kind of site a template is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteCategory {
    HazardousChemicals,
    Fireworks,
    FireworksRetail,
    SpecialEquipment,
    Food,
    ThreePlacesThreeEnterprises,
}

/// A checklist, versioned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    pub version: u32,
    pub title: Bilingual,
    pub category: SiteCategory,
    pub scoring: ScoringRule,
    /// Sources of the whole checklist, shown on its cover.
    #[serde(default)]
    pub sources: Vec<LegalBasis>,
    pub sections: Vec<Section>,
}

impl Template {
    /// Parses and validates a template; a bad one is refused with the item and
    /// field at fault.
    pub fn from_json(json: &str) -> Result<Template, TemplateError> {
        let template: Template = serde_json::from_str(json).map_err(|e| TemplateError::Parse(e.to_string()))?;
        template.validate()?;
        Ok(template)
    }

    /// Every item with the section that holds it, in checklist order.
    pub fn items(&self) -> impl Iterator<Item = (&Section, &ChecklistItem)> {
        self.sections.iter().flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    pub fn item(&self, id: &str) -> Option<&ChecklistItem> {
        self.items().map(|(_, i)| i).find(|i| i.id == id)
    }

    /// The section holding item `id`.
    pub fn section_of(&self, id: &str) -> Option<&Section> {
        self.items().find(|(_, i)| i.id == id).map(|(s, _)| s)
    }
}
