//! The font a document is set in, as the app (or the server's
//! configuration) supplies it: a TrueType/OpenType file or collection with
//! Chinese glyphs. Glyph ids and advances are read with skrifa; krilla
//! embeds only the glyphs used (a subset).

use crate::ReportError;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A loaded font; cheap to clone and share between renders.
#[derive(Clone)]
pub struct ReportFont {
    data: Arc<Vec<u8>>,
    index: u32,
    font: Font,
    /// Per character: glyph id and advance as a share of the em.
    metrics: Arc<Mutex<HashMap<char, (u32, f32)>>>,
}

impl std::fmt::Debug for ReportFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReportFont({} bytes, face {})", self.data.len(), self.index)
    }
}

impl ReportFont {
    /// Face 0 of the bytes (.ttf, .otf, or a .ttc collection). Refused
    /// when they are not a font or have no Chinese glyphs.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<ReportFont, ReportError> {
        let data = Arc::new(bytes);
        let index = 0;
        {
            let f = skrifa::FontRef::from_index(&data, index).map_err(|e| ReportError::BadFont(e.to_string()))?;
            if f.charmap().map('检').is_none() || f.charmap().map('A').is_none() {
                return Err(ReportError::BadFont("the font has no Chinese glyphs".into()));
            }
        }
        let font = Font::new(data.clone().into(), index).ok_or_else(|| ReportError::BadFont("unreadable font".into()))?;
        Ok(ReportFont { data, index, font, metrics: Default::default() })
    }

    pub(crate) fn krilla(&self) -> Font {
        self.font.clone()
    }

    /// Glyph id and advance (share of the em) of each character.
    fn glyphs_of(&self, text: &str) -> Vec<(u32, f32)> {
        let mut cache = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        let missing: Vec<char> = text.chars().filter(|c| !cache.contains_key(c)).collect();
        if !missing.is_empty() {
            // Parsed once per call that meets new characters; the bytes
            // were checked in `from_bytes`.
            if let Ok(f) = skrifa::FontRef::from_index(&self.data, self.index) {
                let upem = f.metrics(Size::unscaled(), LocationRef::default()).units_per_em.max(1) as f32;
                let advances = f.glyph_metrics(Size::unscaled(), LocationRef::default());
                let map = f.charmap();
                for c in missing {
                    let gid = map.map(c).unwrap_or_default();
                    let adv = advances.advance_width(gid).unwrap_or(upem / 2.0) / upem;
                    cache.insert(c, (gid.to_u32(), adv));
                }
            }
        }
        text.chars().map(|c| cache.get(&c).copied().unwrap_or((0, 0.5))).collect()
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs_of(text).iter().map(|(_, a)| a * size).sum()
    }

    /// Advance of each character at `size`.
    pub(crate) fn advances(&self, text: &str, size: f32) -> Vec<f32> {
        self.glyphs_of(text).iter().map(|(_, a)| a * size).collect()
    }

    /// The glyphs krilla draws for `text` (one per character: the scripts
    /// used here need no shaping).
    pub(crate) fn shape(&self, text: &str) -> Vec<KrillaGlyph> {
        let glyphs = self.glyphs_of(text);
        text.char_indices()
            .zip(glyphs)
            .map(|((at, c), (gid, adv))| KrillaGlyph {
                glyph_id: GlyphId::new(gid),
                text_range: at..at + c.len_utf8(),
                x_advance: adv,
                x_offset: 0.0,
                y_offset: 0.0,
                y_advance: 0.0,
                location: None,
            })
            .collect()
    }
}
