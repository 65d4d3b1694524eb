//! The whole inspection as one record (what the inspection screen shows)
//! and its score summary (what still blocks submit). Kept apart from the
//! parts in `inspection.rs` because these two only ever flow out of the
//! store, assembled from the core's read model.

use super::inspection::{Amendment, Answer, Conflict, Finding, InspectionHeader, InspectionStatus, Signature};
use super::mirror_enum;
use super::photos::PhotoRef;
use super::reference::{GeoPoint, Person};
use redline_device::inspection as core;
use std::collections::HashMap;

/// An inspection in full.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Inspection {
    /// Its id (a UUID).
    pub id: String,
    /// What the visit is about.
    pub header: InspectionHeader,
    /// Everyone who worked on it.
    pub inspectors: Vec<Person>,
    /// Where it took place, if recorded.
    pub location: Option<GeoPoint>,
    /// When it was submitted (ms since the epoch).
    pub finished_at: Option<i64>,
    /// Draft or submitted.
    pub status: InspectionStatus,
    /// Who submitted it.
    pub submitted_by: Option<Person>,
    /// Answers keyed by checklist item id.
    pub answers: HashMap<String, Answer>,
    /// Findings, oldest first.
    pub findings: Vec<Finding>,
    /// Signatures, oldest first.
    pub signatures: Vec<Signature>,
    /// Photos of answers and findings, oldest first.
    pub photos: Vec<PhotoRef>,
    /// Changes made after submit, in order.
    pub amendments: Vec<Amendment>,
    /// Fields two people set concurrently; empty when all agree.
    pub conflicts: Vec<Conflict>,
}

impl From<core::Inspection> for Inspection {
    fn from(i: core::Inspection) -> Inspection {
        // The core keys findings, signatures and photos by id; a screen
        // lists them in the order they were made.
        let mut findings: Vec<Finding> = i
            .findings
            .into_values()
            .map(|f| Finding {
                id: f.id,
                item_id: f.item_id,
                description: f.description,
                grade: f.grade.into(),
                location: f.location.map(Into::into),
                deadline: f.deadline.map(|d| d.to_string()),
                responsible: f.responsible,
                by: f.by.into(),
                at: f.at,
            })
            .collect();
        findings.sort_by_key(|f| f.at);
        let mut signatures: Vec<Signature> = i
            .signatures
            .into_values()
            .map(|s| Signature { signer_name: s.signer_name, role: s.role.into(), image_hash: s.image_hash, by: s.by.into(), at: s.at })
            .collect();
        signatures.sort_by_key(|s| s.at);
        let mut photos: Vec<PhotoRef> = i.photos.into_values().map(Into::into).collect();
        photos.sort_by_key(|p| p.taken_at);
        Inspection {
            id: i.id,
            header: i.header.into(),
            inspectors: i.inspectors.into_iter().map(Into::into).collect(),
            location: i.location.map(Into::into),
            finished_at: i.finished_at,
            status: i.status.into(),
            submitted_by: i.submitted_by.map(Into::into),
            answers: i
                .answers
                .into_iter()
                .map(|(item, a)| (item, Answer { value: a.value.into(), note: a.note, by: a.by.into(), at: a.at }))
                .collect(),
            findings,
            signatures,
            photos,
            amendments: i
                .amendments
                .into_iter()
                .map(|a| Amendment { id: a.id, reason: a.reason, target: a.target.to_string(), by: a.by.into(), at: a.at })
                .collect(),
            conflicts: i.conflicts.into_iter().map(Into::into).collect(),
        }
    }
}

/// The outcome of an inspection under its template's scoring rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Outcome {
    /// Nothing failed.
    Pass,
    /// Food licensing: minor failures only, must fix.
    BasicallyPass,
    /// Food licensing: too many or critical failures.
    Fail,
    /// Work safety: general hazards found.
    HazardsFound,
    /// A major hazard was found.
    MajorHazard,
}
mirror_enum!(Outcome <=> core::Outcome { Pass, BasicallyPass, Fail, HazardsFound, MajorHazard });

/// Failed items counted by importance.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FailedByImportance {
    /// 关键项.
    pub critical: u32,
    /// 重点项.
    pub key: u32,
    /// 一般项.
    pub general: u32,
}

/// Score, counts and what still blocks submit.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionSummary {
    /// Items visible under the current answers.
    pub visible: u32,
    /// Of those, answered.
    pub answered: u32,
    /// Passed.
    pub passed: u32,
    /// Failed.
    pub failed: u32,
    /// Not applicable.
    pub not_applicable: u32,
    /// Failed items by importance.
    pub failed_by_importance: FailedByImportance,
    /// Failed items that are major hazards by determination standard.
    pub major_hazard_items: Vec<String>,
    /// Findings graded major.
    pub major_findings: u32,
    /// Visible items not yet answered, in checklist order (blocks submit).
    pub unanswered: Vec<String>,
    /// Failed items that need a photo and have none (blocks submit).
    pub missing_photos: Vec<String>,
    /// Failed items without a finding (blocks submit).
    pub failed_without_finding: Vec<String>,
    /// passed / (passed + failed) as 0-100; 100 when nothing was judged.
    pub score_percent: f64,
    /// The outcome so far.
    pub outcome: Outcome,
}

impl From<core::Summary> for InspectionSummary {
    fn from(s: core::Summary) -> InspectionSummary {
        InspectionSummary {
            visible: s.visible,
            answered: s.answered,
            passed: s.passed,
            failed: s.failed,
            not_applicable: s.not_applicable,
            failed_by_importance: FailedByImportance {
                critical: s.failed_by_importance.critical,
                key: s.failed_by_importance.key,
                general: s.failed_by_importance.general,
            },
            major_hazard_items: s.major_hazard_items,
            major_findings: s.major_findings,
            unanswered: s.unanswered,
            missing_photos: s.missing_photos,
            failed_without_finding: s.failed_without_finding,
            score_percent: s.score_percent,
            outcome: s.outcome.into(),
        }
    }
}
