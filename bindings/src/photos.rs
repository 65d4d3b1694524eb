//! Camera photos through the core's capture pipeline: decode (bounded),
//! turn upright, downscale, burn in the watermark, re-encode, make a
//! thumbnail, store both; evidence for hazard transitions; the photo cache
//! budget; and the font the watermark is drawn with.
//!
//! Capture is CPU-bound (a few hundred ms and tens of MB for a 12 MP photo),
//! so `capture_photo` and `capture_evidence` are `async`: they run on the
//! library runtime's blocking pool and never on the caller's thread, which
//! may be a UI thread. At most [`CAPTURE_AT_ONCE`] run at a time, because
//! each holds a decoded full-size image; a burst of shots queues instead of
//! multiplying peak memory.

use crate::errors::{FfiResult, RedlineError, guard};
use crate::records::hazard::{Hazard, HazardAction};
use crate::records::photos::{CaptureOptions, PhotoOwner, PhotoRef};
use crate::runtime;
use crate::store::RedlineStore;
use redline_device::photo;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Captures processed at once, whatever the number of callers.
pub const CAPTURE_AT_ONCE: usize = 2;
static CAPTURE_PERMITS: Semaphore = Semaphore::const_new(CAPTURE_AT_ONCE);

/// A font for the watermark, parsed once and shared by every photo. Fonts
/// are not bundled: pass the phone's CJK system font (Android
/// `/system/fonts/NotoSansCJK-Regular.ttc`, iOS the PingFang file or bytes
/// the app loaded) or any .ttf/.otf/.ttc (face 0 of a collection is used).
#[derive(uniffi::Object)]
pub struct WatermarkFont {
    font: photo::WatermarkFont,
}

#[uniffi::export]
impl WatermarkFont {
    /// Loads a font file. `InvalidInput` if it cannot be read, is not a
    /// font, or has no digits (a symbol font picked by mistake); `photo` is
    /// `Font` for the last two.
    #[uniffi::constructor]
    pub fn from_file(path: String) -> FfiResult<Arc<WatermarkFont>> {
        guard("watermark_font_from_file", || {
            let font = photo::WatermarkFont::from_file(&path).map_err(redline_device::Error::from)?;
            Ok(Arc::new(WatermarkFont { font }))
        })
    }

    /// Parses font bytes the app already has in memory; errors as for
    /// `from_file`.
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> FfiResult<Arc<WatermarkFont>> {
        guard("watermark_font_from_bytes", || {
            let font = photo::WatermarkFont::from_bytes(bytes).map_err(redline_device::Error::from)?;
            Ok(Arc::new(WatermarkFont { font }))
        })
    }

    /// Whether the font has a glyph for every character of `text`: check
    /// that the font found on the phone covers Chinese (site names) before
    /// relying on it.
    pub fn covers(&self, text: String) -> bool {
        self.font.covers(&text)
    }
}

#[uniffi::export]
impl RedlineStore {
    /// Sets the font watermarks are drawn with, for every later capture.
    /// Until one is set, a capture with `watermark = true` fails with
    /// `InvalidInput`.
    pub fn set_watermark_font(&self, font: Arc<WatermarkFont>) {
        self.core.set_watermark_font(font.font.clone());
    }

    /// Takes a camera photo (JPEG or PNG bytes; convert HEIC with the
    /// platform codec first) for an answer or a finding of an inspection:
    /// processed as `options` say, watermarked with the inspection's site and
    /// code, stored durably with its thumbnail, and recorded on the
    /// inspection. Time and place come from the photo's EXIF when present.
    /// A file that is not a usable image is `InvalidInput` with `photo`
    /// saying why (`PhotoProblem`: not an image, unsupported format,
    /// truncated, damaged, too large, ...).
    pub async fn capture_photo(
        self: Arc<Self>,
        inspection_id: String,
        owner: PhotoOwner,
        camera_bytes: Vec<u8>,
        options: CaptureOptions,
    ) -> FfiResult<PhotoRef> {
        let permit = capture_turn().await?;
        runtime::blocking("capture_photo", move || {
            // Held by the work itself: if the caller gives up waiting, the
            // slot stays taken until the processing really ends.
            let _permit = permit;
            let photo = self.core.capture_photo(&inspection_id, owner.into(), &camera_bytes, &options.into())?;
            Ok(photo.into())
        })
        .await
    }

    /// Processes a camera photo as evidence for a transition of hazard
    /// `hazard_id` (watermarked with the hazard's site and inspection code)
    /// and stores it; nothing is recorded on the hazard yet. Pass the
    /// returned references to `transition_with_photos`.
    pub async fn capture_evidence(
        self: Arc<Self>,
        hazard_id: String,
        camera_bytes: Vec<u8>,
        options: CaptureOptions,
    ) -> FfiResult<PhotoRef> {
        let permit = capture_turn().await?;
        runtime::blocking("capture_evidence", move || {
            let _permit = permit;
            Ok(self.core.capture_evidence(&hazard_id, &camera_bytes, &options.into())?.into())
        })
        .await
    }

    /// Makes a lifecycle transition citing photos stored before, e.g. by
    /// `capture_evidence` (their owner becomes the new transition). Returns
    /// the hazard as it now stands; refusals as for `transition`.
    pub fn transition_with_photos(
        &self,
        hazard_id: String,
        action: HazardAction,
        note: String,
        photos: Vec<PhotoRef>,
    ) -> FfiResult<Hazard> {
        guard("transition_with_photos", || {
            let photos: Vec<redline_device::inspection::PhotoRef> = photos.into_iter().map(Into::into).collect();
            Ok(self.core.transition_with_photos(&hazard_id, action.try_into()?, &note, &photos)?.into())
        })
    }

    /// Frees space: deletes full photos the server already holds, least
    /// recently used first, until the full photos kept on the phone fit in
    /// `budget_bytes`. Thumbnails, signatures and photos not yet uploaded
    /// are never deleted; a deleted photo comes back through
    /// `SyncSession.fetch_photo`. Returns how many were deleted.
    pub fn evict_photos(&self, budget_bytes: u64) -> FfiResult<u32> {
        guard("evict_photos", || Ok(self.core.evict_photos(budget_bytes)?))
    }

    /// Hashes of photos and signatures the server has not confirmed yet
    /// (oldest first): the next sync uploads them. An empty list means every
    /// picture is safe on the server.
    pub fn blobs_to_upload(&self) -> FfiResult<Vec<String>> {
        guard("blobs_to_upload", || Ok(self.core.blobs_to_upload()?))
    }
}

/// Waits for a capture slot (see [`CAPTURE_AT_ONCE`]).
async fn capture_turn() -> FfiResult<tokio::sync::SemaphorePermit<'static>> {
    CAPTURE_PERMITS.acquire().await.map_err(|e| RedlineError::Internal { detail: format!("capture queue closed: {e}") })
}

/// Test hook (absent from app builds): a `width` x `height` JPEG of a colour
/// gradient, standing in for a camera photo so binding tests can run the
/// real capture pipeline without shipping image files. Sides are 1-4096.
#[cfg(feature = "test-hooks")]
#[uniffi::export]
pub fn debug_sample_jpeg(width: u32, height: u32) -> FfiResult<Vec<u8>> {
    use image::codecs::jpeg::JpegEncoder;
    guard("debug_sample_jpeg", || {
        if !(1..=4096).contains(&width) || !(1..=4096).contains(&height) {
            return Err(RedlineError::invalid(format!("{width} x {height}: sides must be 1-4096 px")));
        }
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128]));
        let mut out = vec![];
        img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
            .map_err(|e| RedlineError::Internal { detail: format!("encoding the sample: {e}") })?;
        Ok(out)
    })
}

#[cfg(all(test, feature = "test-hooks"))]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_a_jpeg_of_the_asked_size() {
        let jpeg = debug_sample_jpeg(64, 48).unwrap();
        assert_eq!(&jpeg[..2], &[0xff, 0xd8]);
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (64, 48));
        assert!(debug_sample_jpeg(0, 10).is_err());
    }

    #[test]
    fn the_pipeline_says_what_is_wrong_with_a_file() {
        use crate::errors::PhotoProblem;
        let problem = |bytes: &[u8]| match photo::process(bytes, &photo::PhotoOptions::default()) {
            Err(e) => match RedlineError::from(redline_device::Error::from(e)) {
                RedlineError::InvalidInput { photo, .. } => photo,
                other => panic!("expected InvalidInput, got {other:?}"),
            },
            Ok(_) => panic!("processed"),
        };
        let jpeg = debug_sample_jpeg(64, 48).unwrap();
        assert_eq!(problem(b"not a photo"), Some(PhotoProblem::NotAnImage));
        assert_eq!(problem(&jpeg[..jpeg.len() / 2]), Some(PhotoProblem::Truncated));
        assert_eq!(problem(b"GIF89a......"), Some(PhotoProblem::Unsupported));
    }
}
