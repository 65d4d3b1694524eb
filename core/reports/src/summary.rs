//! An area's period summary for the dashboard to print: the overview's
//! figures, its charts as bars, the overdue hazards and the look-back
//! outcomes. The caller (the server, from its read models) passes the
//! figures already labelled in the document's language.

use crate::layout::{BODY, Layout, SMALL, WIDTH};
use crate::texts::T;
use crate::{Lang, ReportError, ReportFont};

#[derive(Clone, Debug, Default)]
pub struct SummaryRow {
    pub site: String,
    pub description: String,
    pub grade: String,
    pub deadline: String,
}

#[derive(Clone, Debug, Default)]
pub struct PeriodSummary {
    /// The area as the reader names it (a district, a community).
    pub area: String,
    pub from: String,
    pub to: String,
    /// Headline numbers: inspections, open hazards, overdue, listed...
    pub figures: Vec<(String, i64)>,
    /// Charts: a title and its labelled values.
    pub charts: Vec<(String, Vec<(String, i64)>)>,
    pub overdue: Vec<SummaryRow>,
    /// Look-back outcomes, labelled (still fixed, relapsed, newly found).
    pub look_back: Vec<(String, i64)>,
}

pub fn render(s: &PeriodSummary, lang: Lang, font: &ReportFont) -> Result<Vec<u8>, ReportError> {
    let t = T(lang);
    let mut l = Layout::new(font);
    let title = t.s("summary.title");
    crate::document::title(&mut l, title, "");
    l.fields(&[(t.s("summary.area").into(), s.area.clone()), (t.s("summary.period").into(), format!("{} {} {}", s.from, t.s("to"), s.to))]);
    l.heading(t.s("summary.figures"));
    let half = WIDTH / 2.0;
    let rows: Vec<Vec<String>> = s.figures.iter().map(|(k, v)| vec![k.clone(), v.to_string()]).collect();
    for r in &rows {
        l.row(&[half, half], r, BODY, false);
    }
    for (chart, values) in &s.charts {
        l.heading(chart);
        l.bars(values);
    }
    l.heading(t.s("summary.look_back"));
    l.bars(&s.look_back);
    l.heading(t.s("summary.overdue"));
    if s.overdue.is_empty() {
        l.paragraph(BODY, 0.0, t.s("none"));
    } else {
        let widths = [120.0, WIDTH - 120.0 - 90.0 - 80.0, 90.0, 80.0];
        let header = [t.s("f.site"), t.s("c.problem"), t.s("c.grade"), t.s("c.deadline")].map(String::from);
        let rows: Vec<Vec<String>> =
            s.overdue.iter().map(|r| vec![r.site.clone(), r.description.clone(), r.grade.clone(), r.deadline.clone()]).collect();
        l.table(&widths, &header, &rows, SMALL);
    }
    crate::document::finish(l, font, t, title)
}
