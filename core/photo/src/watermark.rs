//! The watermark burned into stored photos: a semi-transparent dark band at
//! the bottom left with white lines for time, coordinates, site, inspector
//! and inspection code.
//!
//! Chinese inspection practice expects this on the picture itself (the
//! "watermark camera" habit): a photo forwarded on its own through a chat
//! app, printed into a rectification notice or shown at a hearing still
//! says when and where it was taken and by whom. Burning it into the pixels
//! is the point; the same facts are also kept as data in the document.
//!
//! Text is drawn with skrifa's glyph outlines rasterised to coverage
//! (`glyph.rs`) and alpha-blended. Fonts are not bundled: a CJK font is 5-20 MB, and every
//! phone already has one. The app passes the system font (Android:
//! `/system/fonts/NotoSansCJK-Regular.ttc`; iOS: the PingFang file, or font
//! bytes it loaded) or any .ttf/.otf/.ttc file; face 0 of a collection is
//! used. A font file is memory-mapped once per process and shared by every
//! store and photo: only the pages of the tables and glyphs drawn are read
//! into memory, not the whole 20 MB of Android's CJK font.
//!
//! Sizes follow the image: a line is about 1/40 of the long edge (51 px on
//! a 2048 px photo), readable on a phone screen without covering the
//! evidence, and smaller where the photo is small: the text is made to fit
//! the width and the band to stay within 40% of the height, so on a 128 px
//! picture the coordinates are whole and most of it still shows. Only a
//! line too long for any legible size (a pasted paragraph as the site's
//! name) ends with "…".

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, GlyphId, MetadataProvider};

use super::{PhotoError, Rgb8};
use crate::glyph::Scaled;
use redline_domain::site::GeoPoint;
use redline_domain::time::{Date, Millis};

/// A font for watermarks, checked once and cheap to clone.
#[derive(Clone)]
pub struct WatermarkFont(Arc<FontBytes>);

/// Where a font's bytes live: a mapping kept for the life of the process,
/// or bytes the app passed.
enum FontBytes {
    Mapped(&'static memmap2::Mmap),
    Owned(Vec<u8>),
}

/// Font files mapped so far in this process, by canonical path.
fn mapped() -> &'static Mutex<HashMap<PathBuf, WatermarkFont>> {
    static MAPPED: OnceLock<Mutex<HashMap<PathBuf, WatermarkFont>>> = OnceLock::new();
    MAPPED.get_or_init(Default::default)
}

impl WatermarkFont {
    /// Maps a .ttf, .otf or .ttc file (face 0 of a collection) into
    /// memory, once per process: a path loaded before gives the same font.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PhotoError> {
        let path = path.as_ref();
        let unreadable = |e: std::io::Error| PhotoError::Font(format!("cannot read {}: {e}", path.display()));
        let canonical = std::fs::canonicalize(path).map_err(unreadable)?;
        let mut cache = mapped().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(font) = cache.get(&canonical) {
            return Ok(font.clone());
        }
        let file = std::fs::File::open(&canonical).map_err(unreadable)?;
        // Safety: a font file is a read-only system or app file; the
        // mapping is kept for the life of the process (cached, never
        // unmapped), as the font borrowing it is.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(unreadable)?;
        check(&map)?;
        let font = WatermarkFont(Arc::new(FontBytes::Mapped(Box::leak(Box::new(map)))));
        cache.insert(canonical, font.clone());
        Ok(font)
    }

    /// Takes font bytes (.ttf, .otf, or .ttc with face 0).
    pub fn from_bytes(data: Vec<u8>) -> Result<Self, PhotoError> {
        check(&data)?;
        Ok(WatermarkFont(Arc::new(FontBytes::Owned(data))))
    }

    fn bytes(&self) -> &[u8] {
        match &*self.0 {
            FontBytes::Mapped(map) => map,
            FontBytes::Owned(data) => data,
        }
    }

    /// Face 0, read from the bytes (only the table directory: cheap). The
    /// bytes were checked when the font was made, so this is `None` only
    /// for bytes that never became a `WatermarkFont`.
    fn face(&self) -> Option<FontRef<'_>> {
        FontRef::from_index(self.bytes(), 0).ok()
    }

    /// Whether every character of `text` has a glyph: lets the app check
    /// that the font it found covers Chinese before relying on it.
    pub fn covers(&self, text: &str) -> bool {
        let Some(face) = self.face() else { return false };
        let map = face.charmap();
        text.chars().filter(|c| !c.is_whitespace()).all(|c| map.map(c).is_some_and(|g| g != GlyphId::NOTDEF))
    }
}

fn not_a_font() -> PhotoError {
    PhotoError::Font("not a TrueType/OpenType font or collection".into())
}

/// Every watermark has a date; a font without digits (a symbol or emoji
/// font picked by mistake) would draw only empty boxes. A font without
/// outlines or metrics would draw nothing at all.
fn check(data: &[u8]) -> Result<(), PhotoError> {
    let face = FontRef::from_index(data, 0).map_err(|_| not_a_font())?;
    let zero = face.charmap().map('0').filter(|g| *g != GlyphId::NOTDEF);
    let Some(zero) = zero else {
        return Err(PhotoError::Font("the font has no digits".into()));
    };
    if face.outline_glyphs().get(zero).is_none() || face.metrics(Size::unscaled(), LocationRef::default()).units_per_em == 0 {
        return Err(not_a_font());
    }
    Ok(())
}

impl std::fmt::Debug for WatermarkFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WatermarkFont({} bytes)", self.bytes().len())
    }
}

/// What is written on a photo. Empty strings and a missing location are
/// left out (no blank lines).
#[derive(Clone, Debug)]
pub struct Watermark {
    /// When the photo was taken (shown in China time).
    pub time: Millis,
    pub location: Option<GeoPoint>,
    pub site_name: String,
    pub inspector_name: String,
    /// The inspection's short code, so a loose photo can be traced back.
    pub inspection_code: String,
    pub font: WatermarkFont,
}

impl Watermark {
    /// The lines as drawn, top to bottom.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format_time(self.time)];
        if let Some(p) = self.location {
            lines.push(format_location(p));
        }
        for s in [&self.site_name, &self.inspector_name, &self.inspection_code] {
            // A pasted newline or tab would otherwise draw as a box.
            let s: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            let s = s.trim();
            if !s.is_empty() {
                lines.push(s.to_string());
            }
        }
        lines
    }
}

/// `YYYY-MM-DD HH:MM` in China time (UTC+8, no daylight saving).
pub(crate) fn format_time(ms: Millis) -> String {
    const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;
    let minutes = (ms + CHINA_OFFSET_MS).rem_euclid(86_400_000) / 60_000;
    format!("{} {:02}:{:02}", Date::in_china(ms), minutes / 60, minutes % 60)
}

/// `30.2741°N 120.1551°E`: four decimals is about 10 m, the accuracy of a
/// phone fix.
pub(crate) fn format_location(p: GeoPoint) -> String {
    let ns = if p.lat < 0.0 { 'S' } else { 'N' };
    let ew = if p.lon < 0.0 { 'W' } else { 'E' };
    format!("{:.4}°{ns} {:.4}°{ew}", p.lat.abs(), p.lon.abs())
}

/// Where the band goes on an upright photo, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BandRect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Positions of everything drawn, computed once for the band and the text.
struct Layout {
    band: BandRect,
    /// Text size: the ascent..descent box's height in pixels.
    px: f32,
    /// Per line: glyphs with their pen x offset, and the baseline y.
    lines: Vec<(Vec<(GlyphId, f32)>, f32)>,
    text_x: f32,
}

/// The band a watermark takes on a `width` x `height` photo (`None` when
/// the photo is too narrow for any text).
pub fn band_rect(watermark: &Watermark, width: u32, height: u32) -> Option<BandRect> {
    layout(watermark, width, height).map(|l| l.band)
}

/// The smallest text drawn, in pixels: below it nothing is legible.
const MIN_PX: f32 = 6.0;
/// The most of a photo's height the band may take.
const MAX_BAND_SHARE: f32 = 0.4;

/// The text size for a `width` x `height` photo: 1/40 of the long edge,
/// smaller if the lines (each measured at 100 px, widths scale linearly)
/// would not fit the width, or the band would take too much of the height.
fn text_px(face: &FontRef<'_>, lines: &[String], width: u32, height: u32) -> f32 {
    let font = Scaled::new(face, 100.0);
    // Lines of absurd length are cut, not fitted: they must not shrink the
    // time and coordinates to nothing.
    let widest = lines.iter().map(|l| shape_line(&font, l, 100.0 * 60.0).1 / 100.0).fold(0.0, f32::max);
    let by_edge = width.max(height) as f32 / 40.0;
    // Text plus margin and padding on both sides: (widest + 2) * px.
    let by_width = width as f32 / (widest + 2.0);
    // Lines at 1.25 px each, padding (0.5 px) twice and the margin (0.5 px).
    let by_height = MAX_BAND_SHARE * height as f32 / (1.25 * lines.len() as f32 + 1.5);
    by_edge.min(by_width).min(by_height).max(MIN_PX).floor()
}

fn layout(wm: &Watermark, width: u32, height: u32) -> Option<Layout> {
    let face = wm.font.face()?;
    let texts = wm.lines();
    let px = text_px(&face, &texts, width, height);
    let font = Scaled::new(&face, px);
    let line_h = (px * 1.25).round();
    let pad = (px * 0.5).round();
    let margin = (px * 0.5).round();
    let max_text_w = width as f32 - 2.0 * (margin + pad);
    if max_text_w < px {
        return None;
    }
    let mut lines = Vec::new();
    let mut text_w: f32 = 0.0;
    for text in texts {
        let (glyphs, w) = shape_line(&font, &text, max_text_w);
        text_w = text_w.max(w);
        lines.push(glyphs);
    }
    let band_w = (text_w + 2.0 * pad).ceil() as u32;
    let band_h = (lines.len() as f32 * line_h + 2.0 * pad) as u32;
    let band_y = (height as f32 - margin - band_h as f32).max(0.0) as u32;
    let band = BandRect { x: margin as u32, y: band_y, width: band_w, height: band_h.min(height - band_y) };
    // Centre the glyphs' ascent..descent box in each line.
    let first_baseline = band_y as f32 + pad + (line_h - (font.ascent - font.descent)) / 2.0 + font.ascent;
    let lines = lines.into_iter().enumerate().map(|(i, g)| (g, first_baseline + i as f32 * line_h)).collect();
    Some(Layout { band, px, lines, text_x: margin + pad })
}

/// Glyph ids and pen positions for `text`, cut with an ellipsis to fit
/// `max_w`. Returns the glyphs and the line's width. One pass, stopping at
/// the first glyph that overflows, so a pasted megabyte of text costs no
/// more than a line's worth. Advances only, no kerning: the lines are
/// Chinese, digits and short codes, which CJK fonts do not kern.
fn shape_line(font: &Scaled<'_>, text: &str, max_w: f32) -> (Vec<(GlyphId, f32)>, f32) {
    let ellipsis = font.glyph_id('…');
    let ellipsis_w = font.h_advance(ellipsis);
    let mut out = Vec::new();
    let mut x = 0.0;
    // The longest prefix that still leaves room for "…", and its width.
    let (mut fits, mut fits_w) = (0, 0.0);
    for c in text.chars() {
        let id = font.glyph_id(c);
        let end = x + font.h_advance(id);
        if end > max_w {
            out.truncate(fits);
            out.push((ellipsis, fits_w));
            return (out, fits_w + ellipsis_w);
        }
        out.push((id, x));
        x = end;
        if x + ellipsis_w <= max_w {
            (fits, fits_w) = (out.len(), x);
        }
    }
    (out, x)
}

/// Darkens the band and draws the lines onto `img`.
pub(crate) fn burn(img: &mut Rgb8, wm: &Watermark) {
    let Some(layout) = layout(wm, img.width, img.height) else {
        return;
    };
    let stride = img.width as usize * 3;
    let b = layout.band;
    let x_end = (b.x + b.width).min(img.width) as usize;
    let y_end = (b.y + b.height).min(img.height) as usize;
    for y in b.y as usize..y_end {
        let row = &mut img.data[y * stride..(y + 1) * stride];
        for v in &mut row[b.x as usize * 3..x_end * 3] {
            // Black at ~55% opacity: text stays readable over a white
            // wall, and what is under the band still shows through.
            *v = ((u32::from(*v) * 115) >> 8) as u8;
        }
    }
    let Some(face) = wm.font.face() else {
        return;
    };
    let font = Scaled::new(&face, layout.px);
    for (glyphs, baseline) in &layout.lines {
        for &(id, x) in glyphs {
            font.draw(id, layout.text_x + x, *baseline, |px, py, coverage| {
                if px < 0 || py < 0 || px >= i64::from(img.width) || py >= i64::from(img.height) {
                    return;
                }
                let a = (coverage.clamp(0.0, 1.0) * 256.0) as u32;
                let i = py as usize * stride + px as usize * 3;
                for v in &mut img.data[i..i + 3] {
                    // White over the pixel with the glyph's coverage.
                    *v = ((u32::from(*v) * (256 - a) + 255 * a) >> 8) as u8;
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_and_place_read_as_in_china() {
        // 2026-03-05 06:30 UTC is 14:30 in China.
        assert_eq!(format_time(1_772_692_200_000), "2026-03-05 14:30");
        // 16:00 UTC is already the next day in China.
        assert_eq!(format_time(1_772_726_400_000), "2026-03-06 00:00");
        assert_eq!(format_location(GeoPoint { lat: 30.27412, lon: 120.15512 }), "30.2741°N 120.1551°E");
        assert_eq!(format_location(GeoPoint { lat: -33.8688, lon: -70.5 }), "33.8688°S 70.5000°W");
    }

    #[test]
    fn long_lines_end_with_an_ellipsis_within_the_width() {
        let Ok(font) = WatermarkFont::from_file("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc") else {
            return; // the integration tests insist on the font; this one may skip
        };
        let face = font.face().unwrap();
        let scaled = Scaled::new(&face, 20.0);
        let (glyphs, w) = shape_line(&scaled, "短", 200.0);
        assert_eq!((glyphs.len(), w), (1, scaled.h_advance(scaled.glyph_id('短'))));
        let long = "杭州市西湖区".repeat(200_000);
        let (glyphs, w) = shape_line(&scaled, &long, 200.0);
        assert!(w <= 200.0 && w > 150.0, "{w}");
        assert_eq!(glyphs.last().unwrap().0, scaled.glyph_id('…'));
        assert!(glyphs.len() < 12);
    }

    #[test]
    fn on_small_photos_the_band_shrinks_and_no_line_is_cut() {
        let Ok(font) = WatermarkFont::from_file("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc") else {
            return; // the integration tests insist on the font; this one may skip
        };
        let wm = Watermark {
            time: 1_772_692_200_000,
            location: Some(GeoPoint { lat: 30.27412, lon: 120.15512 }),
            site_name: "湘家荡烟花爆竹经营部".into(),
            inspector_name: "张检查员".into(),
            inspection_code: "3F9A2C1B".into(),
            font: font.clone(),
        };
        let ellipsis = Scaled::new(&font.face().unwrap(), 20.0).glyph_id('…');
        for (w, h) in [(128, 96), (96, 128), (200, 150), (640, 480), (2048, 1536), (4000, 3000)] {
            let l = layout(&wm, w, h).unwrap_or_else(|| panic!("{w}x{h}: no band"));
            // At the smallest legible size five lines need ~45 px: on a
            // photo under 120 px high that is up to half of it.
            let share = if h < 120 { 0.5 } else { MAX_BAND_SHARE };
            assert!(l.band.height as f32 <= share * h as f32 + 1.0, "{w}x{h}: band {:?}", l.band);
            assert!(l.band.x + l.band.width <= w, "{w}x{h}: band {:?} wider than the photo", l.band);
            for (glyphs, _) in &l.lines {
                assert!(glyphs.iter().all(|(g, _)| *g != ellipsis), "{w}x{h}: a line was cut");
            }
        }
        // Large photos keep the size readable at arm's length: 1/40 of the long edge.
        assert_eq!(layout(&wm, 2048, 1536).unwrap().px, 51.0);
    }

    #[test]
    fn garbage_is_not_a_font() {
        assert!(matches!(WatermarkFont::from_bytes(b"not a font".to_vec()), Err(PhotoError::Font(_))));
        assert!(matches!(WatermarkFont::from_file("/nonexistent/font.ttf"), Err(PhotoError::Font(_))));
    }
}
