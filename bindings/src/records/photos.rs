//! Photos and signatures' bytes live in the store's content-addressed blob
//! folder; what crosses the boundary with them is this metadata: what a
//! photo belongs to, what the camera knew, how a camera photo is processed
//! (`CaptureOptions`), and the stored reference. A `PhotoRef` also travels
//! back in: evidence captured first is cited by a hazard transition.

use super::reference::{GeoPoint, Person};
use redline_device::inspection as core;
use redline_device::store;

/// What a photo belongs to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PhotoOwner {
    /// A checklist item's answer.
    Answer {
        /// The checklist item whose answer it documents.
        item_id: String,
    },
    /// A finding.
    Finding {
        /// The finding it documents.
        finding_id: String,
    },
    /// A hazard transition (evidence).
    Transition {
        /// The hazard transition it is evidence for.
        transition_id: String,
    },
}

impl From<PhotoOwner> for core::PhotoOwner {
    fn from(o: PhotoOwner) -> core::PhotoOwner {
        match o {
            PhotoOwner::Answer { item_id } => core::PhotoOwner::Answer(item_id),
            PhotoOwner::Finding { finding_id } => core::PhotoOwner::Finding(finding_id),
            PhotoOwner::Transition { transition_id } => core::PhotoOwner::Transition(transition_id),
        }
    }
}

impl From<core::PhotoOwner> for PhotoOwner {
    fn from(o: core::PhotoOwner) -> PhotoOwner {
        match o {
            core::PhotoOwner::Answer(item_id) => PhotoOwner::Answer { item_id },
            core::PhotoOwner::Finding(finding_id) => PhotoOwner::Finding { finding_id },
            core::PhotoOwner::Transition(transition_id) => PhotoOwner::Transition { transition_id },
        }
    }
}

/// What the app knows about a photo besides its bytes.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct PhotoMeta {
    /// When it was taken (ms since the epoch); now if absent.
    #[uniffi(default = None)]
    pub taken_at: Option<i64>,
    /// Where it was taken.
    #[uniffi(default = None)]
    pub location: Option<GeoPoint>,
    /// Width in pixels, 0 if unknown.
    #[uniffi(default = 0)]
    pub width: u32,
    /// Height in pixels, 0 if unknown.
    #[uniffi(default = 0)]
    pub height: u32,
}

impl From<PhotoMeta> for store::PhotoMeta {
    fn from(m: PhotoMeta) -> store::PhotoMeta {
        store::PhotoMeta { taken_at: m.taken_at, location: m.location.map(Into::into), width: m.width, height: m.height }
    }
}

/// How a camera photo is processed before it is stored (all fields have
/// defaults: `CaptureOptions()` is what field practice wants).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaptureOptions {
    /// Long edge of the stored photo in pixels; smaller photos keep their
    /// size. 2048 keeps a nameplate legible and a 12 MP photo near 0.5 MB.
    #[uniffi(default = 2048)]
    pub max_edge: u32,
    /// JPEG quality, 1-100.
    #[uniffi(default = 80)]
    pub quality: u8,
    /// Burn in time, place, site, inspector and inspection code (needs a
    /// font: `RedlineStore.set_watermark_font`).
    #[uniffi(default = true)]
    pub watermark: bool,
    /// The phone's position at capture, used when the photo's EXIF has none.
    #[uniffi(default = None)]
    pub location: Option<GeoPoint>,
}

impl Default for CaptureOptions {
    fn default() -> CaptureOptions {
        let core = store::CaptureOptions::default();
        CaptureOptions { max_edge: core.max_edge, quality: core.quality, watermark: core.watermark, location: None }
    }
}

impl From<CaptureOptions> for store::CaptureOptions {
    fn from(o: CaptureOptions) -> store::CaptureOptions {
        store::CaptureOptions { max_edge: o.max_edge, quality: o.quality, watermark: o.watermark, location: o.location.map(Into::into) }
    }
}

/// A stored photo; the bytes are a blob under `hash`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoRef {
    /// SHA-256 of the stored bytes; read them with `RedlineStore.blob`, or
    /// `SyncSession.fetch_photo` on a phone that only has the thumbnail.
    pub hash: String,
    /// Hash of the thumbnail (320 px) made by capture; absent for bytes
    /// attached as they are. Synced down with the document, so list and
    /// detail screens have it offline.
    pub thumb_hash: Option<String>,
    /// What it belongs to.
    pub owner: PhotoOwner,
    /// Size in bytes.
    pub size: u64,
    /// Width in pixels, 0 if unknown.
    pub width: u32,
    /// Height in pixels, 0 if unknown.
    pub height: u32,
    /// When it was taken (ms since the epoch).
    pub taken_at: i64,
    /// Where it was taken.
    pub location: Option<GeoPoint>,
    /// Who took it.
    pub by: Person,
}

impl From<core::PhotoRef> for PhotoRef {
    fn from(p: core::PhotoRef) -> PhotoRef {
        PhotoRef {
            hash: p.hash,
            thumb_hash: p.thumb_hash,
            owner: p.owner.into(),
            size: p.size,
            width: p.width,
            height: p.height,
            taken_at: p.taken_at,
            location: p.location.map(Into::into),
            by: p.by.into(),
        }
    }
}

/// Back to the core, for `RedlineStore.transition_with_photos`: the app
/// passes the references `capture_evidence` returned, unchanged.
impl From<PhotoRef> for core::PhotoRef {
    fn from(p: PhotoRef) -> core::PhotoRef {
        core::PhotoRef {
            hash: p.hash,
            thumb_hash: p.thumb_hash,
            owner: p.owner.into(),
            size: p.size,
            width: p.width,
            height: p.height,
            taken_at: p.taken_at,
            location: p.location.map(Into::into),
            by: p.by.into(),
        }
    }
}
