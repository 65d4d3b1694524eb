//! Camera photos into the store: the capture pipeline (`crate::photo`) run
//! with the inspection's watermark, both the photo and its thumbnail kept
//! as content-addressed blobs, and a cache budget that may evict full
//! photos the server already holds — never one still waiting for upload.

use super::Store;
use crate::blob::BlobHash;
use crate::error::{Error, Result};
use crate::inspection::{PhotoOwner, PhotoRef};
use crate::photo::{PhotoOptions, ProcessedPhoto, Watermark, WatermarkFont, process};
use crate::site::GeoPoint;
use crate::time::now_millis;

/// How a camera photo is processed before it is stored.
#[derive(Clone, Debug)]
pub struct CaptureOptions {
    /// Long edge of the stored photo (default 2048).
    pub max_edge: u32,
    /// JPEG quality (default 80).
    pub quality: u8,
    /// Burn in time, place, site, inspector and inspection code.
    pub watermark: bool,
    /// The phone's position at capture, used when the photo has no GPS EXIF.
    pub location: Option<GeoPoint>,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        let d = PhotoOptions::default();
        CaptureOptions { max_edge: d.max_edge, quality: d.quality, watermark: true, location: None }
    }
}

/// What the watermark says besides time and place.
pub(crate) struct WatermarkText {
    pub site_name: String,
    pub code: String,
}

impl Store {
    /// The font watermarks are drawn with: the platform's CJK system font
    /// on a phone, any TTF/OTF/TTC file elsewhere.
    pub fn set_watermark_font(&self, font: WatermarkFont) {
        *self.font.lock().unwrap_or_else(|p| p.into_inner()) = Some(font);
    }

    /// Runs the capture pipeline; CPU-bound, call it off the UI thread.
    pub(crate) fn process_capture(&self, camera: &[u8], opts: &CaptureOptions, text: &WatermarkText) -> Result<ProcessedPhoto> {
        let mut options = PhotoOptions { max_edge: opts.max_edge, quality: opts.quality, ..PhotoOptions::default() };
        // Time and place come from the photo's EXIF when it has them, so a
        // photo attached later still shows when and where it was taken.
        let (taken_at, gps) = crate::photo::metadata(camera)?;
        if opts.watermark {
            let font = self.font.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let font = font.ok_or_else(|| Error::InvalidInput("a watermark needs a font: call set_watermark_font first".into()))?;
            options.watermark = Some(Watermark {
                time: taken_at.unwrap_or_else(now_millis),
                location: gps.or(opts.location),
                site_name: text.site_name.clone(),
                inspector_name: self.identity.name.clone(),
                inspection_code: text.code.clone(),
                font,
            });
        }
        let mut processed = process(camera, &options)?;
        processed.location = processed.location.or(opts.location);
        Ok(processed)
    }

    /// Stores a processed photo and its thumbnail; returns the reference
    /// the document will hold.
    pub(crate) fn store_processed(&self, p: &ProcessedPhoto, owner: PhotoOwner) -> Result<PhotoRef> {
        let hash = self.blobs.put(&p.jpeg)?.to_string();
        let thumb = self.blobs.put(&p.thumbnail)?.to_string();
        self.record_blob(&hash, p.jpeg.len(), "photo", false)?;
        self.record_blob(&thumb, p.thumbnail.len(), "thumbnail", false)?;
        let now = now_millis();
        Ok(PhotoRef {
            hash,
            thumb_hash: Some(thumb),
            owner,
            size: p.jpeg.len() as u64,
            width: p.width,
            height: p.height,
            taken_at: p.taken_at.unwrap_or(now),
            location: p.location,
            by: self.identity.person(),
        })
    }

    /// Takes a camera photo for an answer or finding of an inspection:
    /// processed, watermarked with the inspection's site and code, stored
    /// durably, then recorded on the inspection.
    pub fn capture_photo(&self, inspection_id: &str, owner: PhotoOwner, camera: &[u8], opts: &CaptureOptions) -> Result<PhotoRef> {
        let header = self.inspection(inspection_id)?.header;
        let text = WatermarkText { site_name: header.site_name, code: short_code(inspection_id) };
        let processed = self.process_capture(camera, opts, &text)?;
        let photo = self.store_processed(&processed, owner)?;
        self.record_photo(inspection_id, &photo)?;
        Ok(photo)
    }

    /// Processes camera photos as evidence for a hazard transition.
    pub fn capture_evidence(&self, hazard_id: &str, camera: &[u8], opts: &CaptureOptions) -> Result<PhotoRef> {
        let header = self.hazard(hazard_id)?.header;
        let text = WatermarkText { site_name: header.site_name, code: short_code(&header.inspection_id) };
        let processed = self.process_capture(camera, opts, &text)?;
        self.store_processed(&processed, PhotoOwner::Transition(String::new()))
    }

    /// Deletes the files of full photos the server already holds, least
    /// recently stored first, until the photos kept on the phone fit in
    /// `budget` bytes. Thumbnails, signatures and photos not yet uploaded
    /// are never evicted. Returns how many were evicted.
    pub fn evict_photos(&self, budget: u64) -> Result<u32> {
        let evicted = self.mark_evicted(budget)?;
        // The rows first, in one transaction; the files after, outside the
        // store's locks so no edit or sync waits for the flash. A crash
        // between the two leaves files the store believes gone, which a
        // later fetch simply replaces.
        for hash in &evicted {
            self.blobs.remove(hash)?;
        }
        Ok(evicted.len() as u32)
    }

    /// Chooses the photos to evict, least recently used first, and marks
    /// them absent.
    fn mark_evicted(&self, budget: u64) -> Result<Vec<BlobHash>> {
        let mut w = self.writer();
        let tx = w.conn.transaction()?;
        let kept: i64 = tx.query_row("SELECT COALESCE(SUM(size), 0) FROM blobs WHERE role = 'photo' AND present = 1", [], |r| r.get(0))?;
        let mut over = kept - budget as i64;
        let candidates: Vec<(String, i64)> = tx
            .prepare("SELECT hash, size FROM blobs WHERE role = 'photo' AND present = 1 AND uploaded = 1 ORDER BY last_used, created_at")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut evicted = vec![];
        for (hash, size) in candidates {
            if over <= 0 {
                break;
            }
            tx.execute("UPDATE blobs SET present = 0 WHERE hash = ?1", [&hash])?;
            evicted.push(super::parse_hash(&hash)?);
            over -= size;
        }
        tx.commit()?;
        Ok(evicted)
    }

    /// Those of `referenced` (thumbnail hashes) not on the phone, each once.
    pub fn missing_thumbnails(&self, referenced: &[String]) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        referenced
            .iter()
            .filter(|t| seen.insert(t.as_str()) && !BlobHash::parse(t).is_some_and(|h| self.blobs.contains(&h)))
            .cloned()
            .collect()
    }
}

/// The inspection's short code on watermarks: enough to find the record.
pub fn short_code(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect::<String>().to_uppercase()
}
