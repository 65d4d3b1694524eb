//! Enforcement documents and period summaries as PDF: the on-site
//! inspection record (现场检查记录), the order to rectify within a time
//! limit (责令限期整改指令书), the re-check opinion (整改复查意见书) and an
//! area's period summary. One renderer for two places: the phone (offline,
//! through `redline-device` and the bindings, with the font the app
//! supplies) and the server (the dashboard's print buttons). No HTTP, no
//! database: callers pass the domain's inspection and hazards, the photos
//! as reduced copies, and the issuing office's number.
//!
//! Chinese text is set in the supplied font, embedded as a subset of the
//! glyphs used; the same documents render in English from the same data.

mod document;
mod draw;
pub mod font;
mod layout;
mod order;
mod record;
mod summary;
mod texts;

pub use font::ReportFont;
pub use summary::{PeriodSummary, SummaryRow};

use redline_domain::hazard::Hazard;
use redline_domain::inspection::Inspection;
use redline_domain::site::Site;
use redline_domain::template::Template;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// Which document of an inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// 现场检查记录: everything seen and signed on site.
    InspectionRecord,
    /// 责令限期整改指令书: the hazards found, their legal basis and deadline.
    RectificationOrder,
    /// 整改复查意见书: for each hazard of the order, rectified or not.
    RecheckOpinion,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::InspectionRecord => "record",
            DocumentKind::RectificationOrder => "order",
            DocumentKind::RecheckOpinion => "recheck",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        [DocumentKind::InspectionRecord, DocumentKind::RectificationOrder, DocumentKind::RecheckOpinion].into_iter().find(|k| k.code() == s)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The bytes given as the font are not a usable font.
    #[error("font: {0}")]
    BadFont(String),
    /// The document does not apply yet, e.g. an order for an inspection
    /// that found no hazards; the message says why.
    #[error("{0}")]
    NotApplicable(String),
    #[error("writing the PDF: {0}")]
    Pdf(String),
}

/// Who issues the documents and under which numbers: the office's name
/// (the seal line) and the numbers of this inspection's order and
/// re-check (`南湖应急责改〔2026〕12号`), allocated by the caller.
#[derive(Clone, Debug, Default)]
pub struct Issuer {
    pub office: String,
    pub order_number: String,
    pub recheck_number: String,
}

/// What the documents of one inspection are made from.
pub struct Facts<'a> {
    pub inspection: &'a Inspection,
    /// The checklist it was answered against (`None`: answers are listed
    /// by item id only).
    pub template: Option<&'a Template>,
    pub site: Option<&'a Site>,
    /// The hazards its findings registered.
    pub hazards: &'a [Hazard],
    /// Enforcement certificate numbers by user id, where known.
    pub certificates: &'a BTreeMap<String, String>,
    /// Bytes of a photo or signature by hash (reduced copies: thumbnails
    /// are asked for first), `None` when not at hand.
    pub blobs: &'a dyn Fn(&str) -> Option<Vec<u8>>,
}

/// Renders one document of an inspection.
pub fn render(kind: DocumentKind, facts: &Facts<'_>, issuer: &Issuer, lang: Lang, font: &ReportFont) -> Result<Vec<u8>, ReportError> {
    match kind {
        DocumentKind::InspectionRecord => record::render(facts, lang, font),
        DocumentKind::RectificationOrder => order::render_order(facts, issuer, lang, font),
        DocumentKind::RecheckOpinion => order::render_recheck(facts, issuer, lang, font),
    }
}

/// Renders an area's period summary.
pub fn render_summary(s: &PeriodSummary, lang: Lang, font: &ReportFont) -> Result<Vec<u8>, ReportError> {
    summary::render(s, lang, font)
}

#[cfg(test)]
pub(crate) mod tests {
    /// Debian's WenQuanYi Micro Hei (fonts-wqy-microhei); tests that need
    /// it return early without it, except under CI.
    pub const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

    #[test]
    fn junk_is_not_a_font() {
        assert!(matches!(crate::ReportFont::from_bytes(b"not a font".to_vec()), Err(crate::ReportError::BadFont(_))));
    }
}
