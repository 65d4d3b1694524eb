//! Setting a document on A4 pages: titles, wrapped paragraphs, label/value
//! tables, ruled tables, photos and signature blocks, with a new page
//! whenever the next block would not fit. The result is a list of pages of
//! simple items that `draw` writes as PDF, so layout and output can be
//! tested apart.

use crate::font::ReportFont;

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN_X: f32 = 56.0;
pub const TOP: f32 = 62.0;
pub const BOTTOM: f32 = PAGE_H - 64.0;
pub const WIDTH: f32 = PAGE_W - 2.0 * MARGIN_X;

pub const BODY: f32 = 10.5;
pub const SMALL: f32 = 9.0;
const PAD: f32 = 4.0;

#[derive(Clone, Debug)]
pub enum Item {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<(u8, u8, u8)>,
        stroke: bool,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    /// A JPEG or PNG (read once, when the picture was made), drawn into
    /// the box.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: krilla::image::Image,
    },
}

/// A picture for [`Layout::photos`]: the image, its pixel size and caption.
pub struct Picture {
    pub image: krilla::image::Image,
    pub width: u32,
    pub height: u32,
    pub caption: String,
}

/// One signature block: the role's label, the signer, when, and the
/// signature picture if it can be shown.
pub struct SignatureBlock {
    pub label: String,
    pub name: String,
    pub date: String,
    pub image: Option<Picture>,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Closing punctuation a line must not start with.
fn closes(c: char) -> bool {
    "，。、；：？！）》」』】,.;:?!)".contains(c)
}

pub struct Layout<'f> {
    font: &'f ReportFont,
    pub pages: Vec<Vec<Item>>,
    y: f32,
}

impl<'f> Layout<'f> {
    pub fn new(font: &'f ReportFont) -> Layout<'f> {
        Layout { font, pages: vec![vec![]], y: TOP }
    }

    fn push(&mut self, item: Item) {
        self.pages.last_mut().expect("a page").push(item);
    }

    /// Starts a new page unless `h` more fits on this one.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.pages.push(vec![]);
            self.y = TOP;
        }
    }

    pub fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// `text` broken into lines no wider than `width` at `size`: at spaces,
    /// around Chinese characters (not before closing punctuation), and at
    /// line breaks; a word longer than the line is cut.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = vec![];
        for para in text.split('\n') {
            let chars: Vec<char> = para.chars().collect();
            let adv = self.font.advances(para, size);
            let (mut start, mut w, mut brk) = (0usize, 0f32, None::<usize>);
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                if i > start && (c == ' ' || ((is_cjk(c) || is_cjk(chars[i - 1])) && !closes(c))) {
                    brk = Some(i);
                }
                if w + adv[i] > width && i > start {
                    let cut = brk.filter(|b| *b > start).unwrap_or(i);
                    lines.push(chars[start..cut].iter().collect::<String>().trim_end().to_string());
                    start = if chars.get(cut) == Some(&' ') { cut + 1 } else { cut };
                    i = i.max(start);
                    w = adv[start..i].iter().sum();
                    brk = None;
                    continue;
                }
                w += adv[i];
                i += 1;
            }
            lines.push(chars[start..].iter().collect::<String>());
        }
        lines
    }

    fn line_h(size: f32) -> f32 {
        size * 1.45
    }

    /// A line of text at `x` (no wrapping), advancing the cursor.
    pub fn text_at(&mut self, x: f32, size: f32, text: &str) {
        self.ensure(Self::line_h(size));
        self.y += Self::line_h(size);
        self.push(Item::Text { x, y: self.y - size * 0.35, size, text: text.into() });
    }

    pub fn centered(&mut self, size: f32, text: &str) {
        let w = self.font.width(text, size);
        self.text_at(MARGIN_X + (WIDTH - w).max(0.0) / 2.0, size, text);
    }

    /// A paragraph over the full width, indented by `indent`.
    pub fn paragraph(&mut self, size: f32, indent: f32, text: &str) {
        for line in self.wrap(text, size, WIDTH - indent) {
            self.text_at(MARGIN_X + indent, size, &line);
        }
    }

    pub fn heading(&mut self, text: &str) {
        self.ensure(40.0);
        self.gap(6.0);
        self.text_at(MARGIN_X, 12.5, text);
        let y = self.y + 2.0;
        self.push(Item::Line { x1: MARGIN_X, y1: y, x2: MARGIN_X + WIDTH, y2: y });
        self.gap(5.0);
    }

    /// One ruled row of cells (`widths` in points, summing to the width),
    /// each wrapped; `shade` greys the row (a header).
    pub fn row(&mut self, widths: &[f32], cells: &[String], size: f32, shade: bool) {
        let wrapped: Vec<Vec<String>> = cells.iter().zip(widths).map(|(c, w)| self.wrap(c, size, w - 2.0 * PAD)).collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let h = lines as f32 * Self::line_h(size) + 2.0 * PAD;
        self.ensure(h);
        let top = self.y;
        let mut x = MARGIN_X;
        for (cell, w) in wrapped.iter().zip(widths) {
            let fill = shade.then_some((238, 238, 238));
            self.push(Item::Rect { x, y: top, w: *w, h, fill, stroke: true });
            for (n, line) in cell.iter().enumerate() {
                let base = top + PAD + (n as f32 + 1.0) * Self::line_h(size) - size * 0.35;
                self.push(Item::Text { x: x + PAD, y: base, size, text: line.clone() });
            }
            x += w;
        }
        self.y = top + h;
    }

    /// A table: a shaded header row (repeated after a page break is left to
    /// the reader's eye: rows carry their own rules) and the rows.
    pub fn table(&mut self, widths: &[f32], header: &[String], rows: &[Vec<String>], size: f32) {
        let first_h = Self::line_h(size) * 2.0 + 4.0 * PAD;
        self.ensure(first_h * 2.0);
        self.row(widths, header, size, true);
        for r in rows {
            self.row(widths, r, size, false);
        }
    }

    /// Label / value pairs as a two-column table.
    pub fn fields(&mut self, pairs: &[(String, String)]) {
        let widths = [110.0, WIDTH - 110.0];
        for (k, v) in pairs {
            self.row(&widths, &[k.clone(), v.clone()], BODY, false);
        }
    }

    /// Photos three to a row, each scaled into its cell, captioned.
    pub fn photos(&mut self, pictures: &[Picture]) {
        let cell_w = WIDTH / 3.0;
        let (box_w, box_h) = (cell_w - 10.0, 118.0);
        for chunk in pictures.chunks(3) {
            self.ensure(box_h + 22.0);
            let top = self.y + 4.0;
            for (n, p) in chunk.iter().enumerate() {
                let scale = (box_w / p.width.max(1) as f32).min(box_h / p.height.max(1) as f32);
                let (w, h) = (p.width as f32 * scale, p.height as f32 * scale);
                let x = MARGIN_X + n as f32 * cell_w;
                self.push(Item::Image { x, y: top, w, h, image: p.image.clone() });
                let caption = self.wrap(&p.caption, SMALL, box_w).into_iter().next().unwrap_or_default();
                self.push(Item::Text { x, y: top + box_h + 12.0, size: SMALL, text: caption });
            }
            self.y = top + box_h + 18.0;
        }
    }

    /// A horizontal bar chart: one labelled bar per value, scaled to the
    /// largest, the value written after it.
    pub fn bars(&mut self, values: &[(String, i64)]) {
        let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f32;
        let (label_w, bar_h) = (130.0, 11.0);
        for (label, v) in values {
            self.ensure(bar_h + 6.0);
            let top = self.y + 3.0;
            let label = self.wrap(label, SMALL, label_w - 6.0).into_iter().next().unwrap_or_default();
            self.push(Item::Text { x: MARGIN_X, y: top + bar_h - 2.0, size: SMALL, text: label });
            let w = (WIDTH - label_w - 50.0) * (*v as f32 / max);
            self.push(Item::Rect { x: MARGIN_X + label_w, y: top, w: w.max(0.5), h: bar_h, fill: Some((192, 57, 43)), stroke: false });
            self.push(Item::Text { x: MARGIN_X + label_w + w + 6.0, y: top + bar_h - 2.0, size: SMALL, text: v.to_string() });
            self.y = top + bar_h + 3.0;
        }
    }

    /// Signature blocks side by side, two to a row.
    pub fn signatures(&mut self, blocks: &[SignatureBlock]) {
        let cell_w = WIDTH / 2.0;
        for chunk in blocks.chunks(2) {
            self.ensure(96.0);
            let top = self.y + 8.0;
            for (n, b) in chunk.iter().enumerate() {
                let x = MARGIN_X + n as f32 * cell_w;
                self.push(Item::Text { x, y: top + 12.0, size: BODY, text: b.label.clone() });
                if let Some(p) = &b.image {
                    let scale = (150.0 / p.width.max(1) as f32).min(44.0 / p.height.max(1) as f32);
                    let (w, h) = (p.width as f32 * scale, p.height as f32 * scale);
                    self.push(Item::Image { x: x + 8.0, y: top + 18.0, w, h, image: p.image.clone() });
                }
                self.push(Item::Line { x1: x, y1: top + 64.0, x2: x + cell_w - 24.0, y2: top + 64.0 });
                self.push(Item::Text { x, y: top + 78.0, size: SMALL, text: format!("{}  {}", b.name, b.date) });
            }
            self.y = top + 86.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Option<ReportFont> {
        let bytes = std::fs::read(crate::tests::FONT).ok()?;
        Some(ReportFont::from_bytes(bytes).unwrap())
    }

    #[test]
    fn lines_break_around_chinese_and_at_spaces_within_the_width() {
        let Some(f) = font() else { return };
        let l = Layout::new(&f);
        let text = "危化品仓库地面有泄漏痕迹，未及时清理，现场未设置警示标志。The store keeps no ledger of deliveries";
        let lines = l.wrap(text, BODY, 120.0);
        assert!(lines.len() > 3, "{lines:?}");
        for line in &lines {
            assert!(f.width(line, BODY) <= 120.0 + 0.01, "{line:?} is too wide");
            assert!(!line.starts_with('，') && !line.starts_with('。'), "{line:?} starts with closing punctuation");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""), "nothing lost");
        assert!(
            lines.iter().any(|l| l.ends_with("ledger") || l.ends_with("of") || l.ends_with("deliveries")),
            "Latin breaks at spaces: {lines:?}"
        );
    }

    #[test]
    fn a_long_table_flows_onto_new_pages() {
        let Some(f) = font() else { return };
        let mut l = Layout::new(&f);
        let rows: Vec<Vec<String>> = (0..120).map(|i| vec![format!("H{i:02}"), "检查内容".repeat(i % 5 + 1)]).collect();
        l.table(&[60.0, WIDTH - 60.0], &["编号".into(), "内容".into()], &rows, BODY);
        assert!(l.pages.len() >= 3);
        for page in &l.pages {
            for item in page {
                if let Item::Rect { y, h, .. } = item {
                    assert!(*y + *h <= BOTTOM + 0.01, "a row runs off the page");
                }
            }
        }
    }
}
