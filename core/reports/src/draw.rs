//! Writing laid-out pages as PDF with krilla: text as real text in the
//! embedded font subset (so it can be searched and copied), rules and
//! boxes as paths, photos as their JPEG bytes (no re-encoding), a page
//! number on every page.

use crate::ReportError;
use crate::font::ReportFont;
use crate::layout::{self, Item};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;

fn text(surface: &mut Surface<'_>, font: &ReportFont, x: f32, y: f32, size: f32, s: &str) {
    if s.is_empty() {
        return;
    }
    surface.set_fill(Some(Fill { paint: rgb::Color::new(0, 0, 0).into(), opacity: NormalizedF32::ONE, rule: Default::default() }));
    surface.draw_glyphs(Point::from_xy(x, y), &font.shape(s), font.krilla(), s, size, false);
}

fn rect(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, fill: Option<(u8, u8, u8)>, stroke: bool) {
    let Some(r) = Rect::from_xywh(x, y, w.max(0.1), h.max(0.1)) else { return };
    let mut pb = PathBuilder::new();
    pb.push_rect(r);
    let Some(path) = pb.finish() else { return };
    surface.set_fill(fill.map(|(r, g, b)| Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
    surface.set_stroke(stroke.then(|| Stroke { paint: rgb::Color::new(90, 90, 90).into(), width: 0.6, ..Default::default() }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

fn line(surface: &mut Surface<'_>, x1: f32, y1: f32, x2: f32, y2: f32) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y1);
    pb.line_to(x2, y2);
    let Some(path) = pb.finish() else { return };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke { paint: rgb::Color::new(60, 60, 60).into(), width: 0.7, ..Default::default() }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

/// A picture into its box. (Bytes that are not a JPEG or PNG never become
/// a picture: `document::picture` leaves them out, so the rest prints.)
fn picture(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, image: &Image) {
    if let Some(size) = Size::from_wh(w.max(1.0), h.max(1.0)) {
        surface.push_transform(&Transform::from_translate(x, y));
        surface.draw_image(image.clone(), size);
        surface.pop();
    }
}

/// The pages as a PDF; `footer(n, of)` is each page's number line.
pub fn pdf(font: &ReportFont, title: &str, pages: &[Vec<Item>], footer: impl Fn(usize, usize) -> String) -> Result<Vec<u8>, ReportError> {
    let mut doc = Document::new();
    doc.set_metadata(Metadata::new().title(title.to_string()).creator("Redline".to_string()));
    let settings = PageSettings::from_wh(layout::PAGE_W, layout::PAGE_H).expect("A4 is a page size");
    for (n, items) in pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        for item in items {
            match item {
                Item::Text { x, y, size, text: s } => text(&mut surface, font, *x, *y, *size, s),
                Item::Rect { x, y, w, h, fill, stroke } => rect(&mut surface, *x, *y, *w, *h, *fill, *stroke),
                Item::Line { x1, y1, x2, y2 } => line(&mut surface, *x1, *y1, *x2, *y2),
                Item::Image { x, y, w, h, image } => picture(&mut surface, *x, *y, *w, *h, image),
            }
        }
        let f = footer(n + 1, pages.len());
        let w = font.width(&f, layout::SMALL);
        text(&mut surface, font, (layout::PAGE_W - w) / 2.0, layout::PAGE_H - 34.0, layout::SMALL, &f);
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}
