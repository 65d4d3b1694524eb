//! Glyphs for the watermark: a face's metrics at a text size, and one
//! glyph's outline (read with skrifa, the font reader printing already
//! links) turned into coverage by ab_glyph_rasterizer's accumulator.
//!
//! Kept apart from the watermark's layout: this file knows fonts and
//! pixels, the layout knows lines and bands.

use ab_glyph_rasterizer::{Point, Rasterizer, point};
use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlineGlyphCollection, OutlinePen};
use skrifa::{FontRef, GlyphId, MetadataProvider};

/// A face measured at a text size. `px` is the height of the
/// ascent..descent box in pixels (what a line of text takes before
/// spacing), converted once to pixels per em.
pub(crate) struct Scaled<'a> {
    size: Size,
    pub ascent: f32,
    /// Below the baseline: negative.
    pub descent: f32,
    advances: skrifa::metrics::GlyphMetrics<'a>,
    charmap: skrifa::charmap::Charmap<'a>,
    outlines: OutlineGlyphCollection<'a>,
}

impl<'a> Scaled<'a> {
    pub fn new(face: &FontRef<'a>, px: f32) -> Self {
        let unscaled = face.metrics(Size::unscaled(), LocationRef::default());
        let box_units = (unscaled.ascent - unscaled.descent).max(1.0);
        let size = Size::new(px * f32::from(unscaled.units_per_em.max(1)) / box_units);
        let m = face.metrics(size, LocationRef::default());
        Scaled {
            size,
            ascent: m.ascent,
            descent: m.descent,
            advances: face.glyph_metrics(size, LocationRef::default()),
            charmap: face.charmap(),
            outlines: face.outline_glyphs(),
        }
    }

    pub fn glyph_id(&self, c: char) -> GlyphId {
        self.charmap.map(c).unwrap_or(GlyphId::NOTDEF)
    }

    pub fn h_advance(&self, id: GlyphId) -> f32 {
        self.advances.advance_width(id).unwrap_or(0.0)
    }

    /// Draws glyph `id` with its origin at (`x`, `baseline`), calling
    /// `plot(x, y, coverage)` for each pixel of its box (coordinates may
    /// fall outside the image; the caller clips). Glyphs without an
    /// outline (spaces) draw nothing, and so does an outline reaching far
    /// outside the em (a broken or hostile font): its box is not allocated.
    pub fn draw(&self, id: GlyphId, x: f32, baseline: f32, mut plot: impl FnMut(i64, i64, f32)) {
        let Some(glyph) = self.outlines.get(id) else {
            return;
        };
        let mut path = Path::new(x, baseline);
        if glyph.draw(DrawSettings::unhinted(self.size, LocationRef::default()), &mut path).is_err() {
            return;
        }
        path.close();
        let Some((min, max)) = path.bounds else {
            return;
        };
        let (x0, y0) = (min.x.floor(), min.y.floor());
        let (w, h) = (max.x.ceil() - x0, max.y.ceil() - y0);
        let limit = 4.0 * self.size.ppem().unwrap_or(0.0) + 4.0;
        if !(w >= 1.0 && h >= 1.0 && w <= limit && h <= limit) {
            return;
        }
        let mut raster = Rasterizer::new(w as usize, h as usize);
        let at = |p: Point| point(p.x - x0, p.y - y0);
        for seg in &path.segments {
            match *seg {
                Segment::Line(a, b) => raster.draw_line(at(a), at(b)),
                Segment::Quad(a, c, b) => raster.draw_quad(at(a), at(c), at(b)),
                Segment::Cubic(a, c0, c1, b) => raster.draw_cubic(at(a), at(c0), at(c1), at(b)),
            }
        }
        raster.for_each_pixel_2d(|gx, gy, coverage| plot(x0 as i64 + i64::from(gx), y0 as i64 + i64::from(gy), coverage));
    }
}

enum Segment {
    Line(Point, Point),
    Quad(Point, Point, Point),
    Cubic(Point, Point, Point, Point),
}

/// An outline in image pixels (y down), every contour closed, with the
/// box of all its points (control points too: a little large, never small).
struct Path {
    origin: (f32, f32),
    segments: Vec<Segment>,
    start: Point,
    at: Point,
    open: bool,
    bounds: Option<(Point, Point)>,
}

impl Path {
    fn new(x: f32, baseline: f32) -> Self {
        let zero = point(0.0, 0.0);
        Path { origin: (x, baseline), segments: Vec::new(), start: zero, at: zero, open: false, bounds: None }
    }

    /// Font space (y up, from the origin) to image space, growing the box.
    fn map(&mut self, x: f32, y: f32) -> Point {
        let p = point(self.origin.0 + x, self.origin.1 - y);
        let (min, max) = self.bounds.get_or_insert((p, p));
        (min.x, min.y) = (min.x.min(p.x), min.y.min(p.y));
        (max.x, max.y) = (max.x.max(p.x), max.y.max(p.y));
        p
    }

    fn push(&mut self, segment: Segment, to: Point) {
        self.segments.push(segment);
        self.at = to;
    }
}

impl OutlinePen for Path {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close();
        let p = self.map(x, y);
        (self.start, self.at, self.open) = (p, p, true);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.map(x, y);
        self.push(Segment::Line(self.at, p), p);
    }

    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        let c = self.map(cx0, cy0);
        let p = self.map(x, y);
        self.push(Segment::Quad(self.at, c, p), p);
    }

    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        let c0 = self.map(cx0, cy0);
        let c1 = self.map(cx1, cy1);
        let p = self.map(x, y);
        self.push(Segment::Cubic(self.at, c0, c1, p), p);
    }

    /// Coverage is accumulated per contour: an unclosed one would smear
    /// to the right edge, so every contour is closed with a line.
    fn close(&mut self) {
        if self.open && self.at != self.start {
            self.push(Segment::Line(self.at, self.start), self.start);
        }
        self.open = false;
    }
}
