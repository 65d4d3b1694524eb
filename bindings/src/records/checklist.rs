//! Checklists (templates) as the app's screens need them: a picker row per
//! template, and the full checklist for the answering screen: sections,
//! items in both languages, the regulation each rests on, how much a failure
//! weighs, and what kind of answer each takes.
//!
//! Read-only: templates come built in or from the server, never from the app.

use super::mirror_enum;
use super::reference::SiteCategory;
use redline_device::store;
use redline_device::template as core;

/// A template as a picker lists it (the newest version of each).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TemplateInfo {
    /// Stable id, e.g. `hazardous_chemicals`.
    pub id: String,
    /// Version; an inspection records the version it was answered against.
    pub version: u32,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
    /// Number of items.
    pub items: u32,
}

impl From<store::TemplateInfo> for TemplateInfo {
    fn from(t: store::TemplateInfo) -> TemplateInfo {
        TemplateInfo { id: t.id, version: t.version, title_zh: t.title_zh, title_en: t.title_en, items: t.items }
    }
}

/// The regulation an item rests on.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LegalBasis {
    /// Citation in Chinese.
    pub zh: String,
    /// Citation in English.
    pub en: String,
    /// False when the exact article could not be verified: show the
    /// citation as unconfirmed rather than as settled law.
    pub confirmed: bool,
}

impl From<core::LegalBasis> for LegalBasis {
    fn from(b: core::LegalBasis) -> LegalBasis {
        LegalBasis { zh: b.zh, en: b.en, confirmed: b.confirmed }
    }
}

/// How much a failed item weighs (关键项 / 重点项 / 一般项).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Importance {
    /// 关键项.
    Critical,
    /// 重点项.
    Key,
    /// 一般项.
    General,
}
mirror_enum!(Importance <=> core::Importance { Critical, Key, General });

/// Whether failing the item is a major hazard (重大事故隐患) by an official
/// determination standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MajorHazard {
    /// Failing it is a major hazard.
    Yes,
    /// Probably: suggest the major grade, the inspector decides.
    Probable,
    /// Not a major hazard by itself.
    No,
}
mirror_enum!(MajorHazard <=> core::MajorHazard { Yes, Probable, No });

/// One option of a choice item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChoiceOption {
    /// Id to answer with.
    pub id: String,
    /// Label in Chinese.
    pub zh: String,
    /// Label in English.
    pub en: String,
    /// Choosing it fails the item.
    pub fails: bool,
}

/// What kind of answer an item takes, with the rule that makes it fail.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerType {
    /// 符合 / 不符合 / 合理缺项: answer Pass, Fail or NotApplicable.
    PassFail,
    /// A reading in `unit`; outside `[min, max]` fails.
    Number {
        /// Unit of the reading, e.g. `MPa`, `m`, `℃`.
        unit: String,
        /// Lowest passing reading, if bounded below.
        min: Option<f64>,
        /// Highest passing reading, if bounded above.
        max: Option<f64>,
    },
    /// Free text; never fails by itself.
    Text,
    /// A date (YYYY-MM-DD); with `expiry`, a date before the inspection day
    /// fails (an expired certificate).
    Date {
        /// A date before the inspection day fails the item.
        expiry: bool,
    },
    /// One option, or several when `multiple`.
    Choice {
        /// The options, in order.
        options: Vec<ChoiceOption>,
        /// Several options may be chosen.
        multiple: bool,
    },
}

impl From<core::AnswerType> for AnswerType {
    fn from(a: core::AnswerType) -> AnswerType {
        match a {
            core::AnswerType::PassFail => AnswerType::PassFail,
            core::AnswerType::Number { unit, min, max } => AnswerType::Number { unit, min, max },
            core::AnswerType::Text => AnswerType::Text,
            core::AnswerType::Date { expiry } => AnswerType::Date { expiry },
            core::AnswerType::Choice { options, multiple } => AnswerType::Choice {
                options: options.into_iter().map(|o| ChoiceOption { id: o.id, zh: o.zh, en: o.en, fails: o.fails }).collect(),
                multiple,
            },
        }
    }
}

/// Show an item or section only when an earlier item's answer matches.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ShowIf {
    /// The item whose answer decides.
    pub item_id: String,
    /// Answers (`pass`, `fail`, `na`, or option ids) that make it visible.
    pub any_of: Vec<String>,
}

impl From<core::Condition> for ShowIf {
    fn from(c: core::Condition) -> ShowIf {
        ShowIf { item_id: c.item, any_of: c.any_of }
    }
}

/// One line of a checklist.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistItem {
    /// Stable across template versions; answers are keyed by it.
    pub id: String,
    /// The question in Chinese.
    pub text_zh: String,
    /// The question in English.
    pub text_en: String,
    /// The regulation it rests on.
    pub basis: LegalBasis,
    /// How much a failure weighs.
    pub importance: Importance,
    /// Whether failing it is a major hazard.
    pub major_hazard: MajorHazard,
    /// What kind of answer it takes.
    pub answer_type: AnswerType,
    /// A failed answer needs at least one photo before submit.
    pub photo_on_fail: bool,
    /// Shown only when this holds.
    pub show_if: Option<ShowIf>,
    /// How to check, in Chinese.
    pub guidance_zh: Option<String>,
    /// How to check, in English.
    pub guidance_en: Option<String>,
}

impl From<core::ChecklistItem> for ChecklistItem {
    fn from(i: core::ChecklistItem) -> ChecklistItem {
        let (guidance_zh, guidance_en) = match i.guidance {
            Some(g) => (Some(g.zh), Some(g.en)),
            None => (None, None),
        };
        ChecklistItem {
            id: i.id,
            text_zh: i.text.zh,
            text_en: i.text.en,
            basis: i.basis.into(),
            importance: i.importance.into(),
            major_hazard: i.major_hazard.into(),
            answer_type: i.answer.into(),
            photo_on_fail: i.photo_on_fail,
            show_if: i.show_if.map(Into::into),
            guidance_zh,
            guidance_en,
        }
    }
}

/// A group of items, optionally conditional as a whole.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistSection {
    /// Stable id.
    pub id: String,
    /// Heading in Chinese.
    pub title_zh: String,
    /// Heading in English.
    pub title_en: String,
    /// Shown only when this holds.
    pub show_if: Option<ShowIf>,
    /// Its items, in order.
    pub items: Vec<ChecklistItem>,
}

/// How answers become an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScoringRule {
    /// Work safety: pass when nothing failed; a failed major-hazard item
    /// makes it a major hazard.
    WorkSafety,
    /// Food licensing: pass / basically pass / fail by failed item counts.
    FoodLicensing,
}
mirror_enum!(ScoringRule <=> core::ScoringRule { WorkSafety, FoodLicensing });

/// A whole checklist, for the answering screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Checklist {
    /// Template id.
    pub id: String,
    /// Template version.
    pub version: u32,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
    /// Which kind of site it is for.
    pub category: SiteCategory,
    /// How answers become an outcome.
    pub scoring: ScoringRule,
    /// Sources of the whole checklist, for its cover.
    pub sources: Vec<LegalBasis>,
    /// Sections in order.
    pub sections: Vec<ChecklistSection>,
}

impl From<core::Template> for Checklist {
    fn from(t: core::Template) -> Checklist {
        Checklist {
            id: t.id,
            version: t.version,
            title_zh: t.title.zh,
            title_en: t.title.en,
            category: t.category.into(),
            scoring: t.scoring.into(),
            sources: t.sources.into_iter().map(Into::into).collect(),
            sections: t
                .sections
                .into_iter()
                .map(|s| ChecklistSection {
                    id: s.id,
                    title_zh: s.title.zh,
                    title_en: s.title.en,
                    show_if: s.show_if.map(Into::into),
                    items: s.items.into_iter().map(Into::into).collect(),
                })
                .collect(),
        }
    }
}
