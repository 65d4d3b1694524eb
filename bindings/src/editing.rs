//! The write side of [`RedlineStore`]: starting and joining inspections,
//! answering, findings, photos as given, signatures, submit, amendments,
//! conflict resolution and hazard transitions. Camera capture (processed
//! photos, evidence) is in `photos.rs`.
//!
//! Each call is one durable transaction in the core; when it returns the
//! edit survives a crash, and listeners have been told. The rules (who may
//! edit what, when a submit is complete) are the core's: these methods only
//! convert records and errors.

use crate::errors::{FfiResult, guard};
use crate::records::hazard::{Hazard, HazardAction};
use crate::records::inspection::{AnswerValue, FindingPatch, InspectionHeader, InspectionKind, NewFinding, SignerRole};
use crate::records::inspection_detail::Inspection;
use crate::records::photos::{PhotoMeta, PhotoOwner, PhotoRef};
use crate::records::reference::GeoPoint;
use crate::store::RedlineStore;

#[uniffi::export]
impl RedlineStore {
    /// Starts an inspection of `site_id` against the newest version of
    /// checklist `template_id`.
    pub fn start_inspection(&self, site_id: String, kind: InspectionKind, template_id: String) -> FfiResult<Inspection> {
        guard("start_inspection", || Ok(self.core.start_inspection(&site_id, kind.into(), &template_id)?.into()))
    }

    /// Joins an inspection a co-inspector started, from its id and header
    /// (shared by QR code while both are offline); the two merge on sync.
    pub fn join_inspection(&self, inspection_id: String, header: InspectionHeader) -> FfiResult<Inspection> {
        guard("join_inspection", || Ok(self.core.join_inspection(&inspection_id, &header.into())?.into()))
    }

    /// Answers checklist item `item_id` (replacing an earlier answer). The
    /// value must fit the item's answer type.
    #[uniffi::method(default(note = None))]
    pub fn answer(&self, inspection_id: String, item_id: String, value: AnswerValue, note: Option<String>) -> FfiResult<()> {
        guard("answer", || Ok(self.core.answer(&inspection_id, &item_id, value.try_into()?, note)?))
    }

    /// Records a finding; returns its id.
    pub fn add_finding(&self, inspection_id: String, finding: NewFinding) -> FfiResult<String> {
        guard("add_finding", || Ok(self.core.add_finding(&inspection_id, finding.try_into()?)?))
    }

    /// Changes fields of a finding of a draft.
    pub fn edit_finding(&self, inspection_id: String, finding_id: String, patch: FindingPatch) -> FfiResult<()> {
        guard("edit_finding", || Ok(self.core.edit_finding(&inspection_id, &finding_id, &patch.try_into()?)?))
    }

    /// Stores photo `bytes` durably and attaches them to `owner` (an answer
    /// or a finding) of the inspection.
    pub fn attach_photo(&self, inspection_id: String, owner: PhotoOwner, bytes: Vec<u8>, meta: PhotoMeta) -> FfiResult<PhotoRef> {
        guard("attach_photo", || Ok(self.core.attach_photo(&inspection_id, owner.into(), &bytes, meta.into())?.into()))
    }

    /// Signs the inspection with a signature drawn on the phone (`image`:
    /// PNG or JPEG bytes).
    pub fn sign(&self, inspection_id: String, signer_name: String, role: SignerRole, image: Vec<u8>) -> FfiResult<()> {
        guard("sign", || Ok(self.core.sign(&inspection_id, &signer_name, role.into(), &image)?))
    }

    /// Records where the inspection took place.
    pub fn set_location(&self, inspection_id: String, location: GeoPoint) -> FfiResult<()> {
        guard("set_location", || Ok(self.core.set_location(&inspection_id, location.into())?))
    }

    /// Submits the inspection and registers a hazard for every finding.
    /// Refused with `InvalidInput` naming what is missing (unanswered
    /// items, failures without a finding or photo). Returns the ids of the
    /// hazards registered.
    pub fn submit(&self, inspection_id: String) -> FfiResult<Vec<String>> {
        guard("submit", || Ok(self.core.submit(&inspection_id)?))
    }

    /// Changes an answer of a submitted inspection; `reason` is kept in its
    /// history.
    #[uniffi::method(default(note = None))]
    pub fn amend_answer(
        &self,
        inspection_id: String,
        item_id: String,
        value: AnswerValue,
        reason: String,
        note: Option<String>,
    ) -> FfiResult<()> {
        guard("amend_answer", || Ok(self.core.amend_answer(&inspection_id, &item_id, value.try_into()?, note, &reason)?))
    }

    /// Changes a finding of a submitted inspection; `reason` is kept in its
    /// history.
    pub fn amend_finding(&self, inspection_id: String, finding_id: String, patch: FindingPatch, reason: String) -> FfiResult<()> {
        guard("amend_finding", || Ok(self.core.amend_finding(&inspection_id, &finding_id, &patch.try_into()?, &reason)?))
    }

    /// Settles a conflict at `path` by keeping `chosen`, one of the
    /// conflict's values passed back unchanged.
    pub fn resolve_conflict(&self, inspection_id: String, path: String, chosen: String) -> FfiResult<()> {
        guard("resolve_conflict", || Ok(self.core.resolve_conflict(&inspection_id, &path, &chosen)?))
    }

    /// Makes a lifecycle transition on a hazard, storing the `evidence`
    /// photos first, as they are (camera photos go through
    /// `capture_evidence` and `transition_with_photos` instead). Returns the
    /// hazard as it now stands. A transition the rules refuse comes back as
    /// `NotAllowed` (role) or `InvalidInput` (state, missing evidence, bad
    /// date) with the reason.
    #[uniffi::method(default(note = "", evidence = []))]
    pub fn transition(&self, hazard_id: String, action: HazardAction, note: String, evidence: Vec<Vec<u8>>) -> FfiResult<Hazard> {
        guard("transition", || {
            // Bytes stored as they are, stamped "now" and unplaced: the
            // pipeline that reads EXIF is `capture_evidence`.
            let evidence: Vec<_> = evidence.into_iter().map(|bytes| (bytes, redline_device::store::PhotoMeta::default())).collect();
            Ok(self.core.transition(&hazard_id, action.try_into()?, &note, &evidence)?.into())
        })
    }
}
