//! Enforcement documents printed on the phone, offline: [`ReportFont`]
//! (the app's Chinese font, loaded once and kept) and
//! `RedlineStore::render_document`, the record, order or re-check of an
//! inspection as PDF bytes, ready for the system print dialog or a
//! portable printer.

use crate::errors::{FfiResult, RedlineError, guard};
use crate::store::RedlineStore;
use std::sync::Arc;

/// A font for documents: a .ttf, .otf or .ttc (face 0) with Chinese glyphs.
#[derive(uniffi::Object)]
pub struct ReportFont {
    font: redline_device::reports::ReportFont,
}

#[uniffi::export]
impl ReportFont {
    /// Loads the font file at `path`.
    #[uniffi::constructor]
    pub fn from_file(path: String) -> FfiResult<Arc<ReportFont>> {
        guard("report_font", || {
            let bytes = std::fs::read(&path).map_err(|e| RedlineError::invalid(format!("font {path}: {e}")))?;
            Self::load(bytes)
        })
    }

    /// Loads font bytes the app holds (e.g. from its assets).
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> FfiResult<Arc<ReportFont>> {
        guard("report_font", || Self::load(bytes))
    }
}

impl ReportFont {
    fn load(bytes: Vec<u8>) -> FfiResult<Arc<ReportFont>> {
        let font = redline_device::reports::ReportFont::from_bytes(bytes).map_err(redline_device::Error::from)?;
        Ok(Arc::new(ReportFont { font }))
    }
}

/// Which document of an inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PrintedDocument {
    /// 现场检查记录: what was checked, found and signed on site.
    InspectionRecord,
    /// 责令限期整改指令书: the hazards, their legal basis and deadlines.
    RectificationOrder,
    /// 整改复查意见书: each hazard of the order, rectified or not.
    RecheckOpinion,
}

/// The language a document is worded in (the data stays as recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DocumentLanguage {
    Chinese,
    English,
}

#[uniffi::export]
impl RedlineStore {
    /// Renders `document` for the inspection `id` (or the inspection a
    /// hazard `id` was found in) as PDF bytes, offline, in `font`.
    /// `office` is the issuing office the documents name. An order gets a
    /// number once (this device's sequence for the year) and keeps it.
    /// Errors: `NotFound` (no such inspection on this phone),
    /// `InvalidInput` (no font, or one without Chinese glyphs),
    /// `NotAllowed` (the document does not apply yet, e.g. an order for
    /// an inspection that found no hazards).
    #[uniffi::method(default(font = None))]
    pub fn render_document(
        &self,
        id: String,
        document: PrintedDocument,
        office: String,
        language: DocumentLanguage,
        font: Option<Arc<ReportFont>>,
    ) -> FfiResult<Vec<u8>> {
        guard("render_document", || {
            let font = font.ok_or_else(|| RedlineError::invalid("no font: pass the app's Chinese font (ReportFont)"))?;
            let kind = match document {
                PrintedDocument::InspectionRecord => redline_device::reports::DocumentKind::InspectionRecord,
                PrintedDocument::RectificationOrder => redline_device::reports::DocumentKind::RectificationOrder,
                PrintedDocument::RecheckOpinion => redline_device::reports::DocumentKind::RecheckOpinion,
            };
            let lang = match language {
                DocumentLanguage::Chinese => redline_device::reports::Lang::Zh,
                DocumentLanguage::English => redline_device::reports::Lang::En,
            };
            Ok(self.core.render_document(&id, kind, lang, &office, &font.font)?)
        })
    }
}
