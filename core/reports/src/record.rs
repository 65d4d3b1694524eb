//! 现场检查记录, the on-site inspection record: the party, when, who
//! inspected (with certificate numbers), the kind and checklist, every
//! answer by section, the findings with their photos, and the signatures
//! of the inspectors and the party's representative.

use crate::document::{self, photo};
use crate::layout::{BODY, Layout, SMALL, WIDTH};
use crate::texts::T;
use crate::{Facts, Lang, ReportError, ReportFont};
use redline_domain::inspection::{AnswerValue, PhotoOwner, SignerRole};
use redline_domain::template::{AnswerType, ChecklistItem};

/// An answer as the form shows it: the reading, date, text or chosen
/// options (by their labels when the checklist is known), and the result.
fn value_text(t: T, item: Option<&ChecklistItem>, v: &AnswerValue, result: Option<redline_domain::inspection::ItemResult>) -> String {
    let label = |id: &str| match item.map(|i| &i.answer) {
        Some(AnswerType::Choice { options, .. }) => {
            options.iter().find(|o| o.id == id).map_or(id.to_string(), |o| t.pick(&o.zh, &o.en).to_string())
        }
        _ => id.to_string(),
    };
    let shown = match v {
        AnswerValue::Number(n) => Some(format!("{n}")),
        AnswerValue::Date(d) => Some(t.date(*d)),
        AnswerValue::Text(s) => Some(s.clone()),
        AnswerValue::Choice(options) => Some(options.iter().map(|o| label(o)).collect::<Vec<_>>().join("、")),
        _ => None,
    };
    match (shown, result) {
        (Some(s), Some(r)) => format!("{s}（{}）", t.result(r)),
        (Some(s), None) => s,
        (None, Some(r)) => t.result(r).to_string(),
        (None, None) => String::new(),
    }
}

pub fn render(facts: &Facts<'_>, lang: Lang, font: &ReportFont) -> Result<Vec<u8>, ReportError> {
    let t = T(lang);
    let i = facts.inspection;
    let h = &i.header;
    let mut l = Layout::new(font);
    let title = t.s("record.title");
    document::title(&mut l, title, "");
    let mut fields = document::party(facts, t);
    let until = i.finished_at.map(|f| format!(" {} {}", t.s("to"), t.time(f))).unwrap_or_default();
    fields.push((t.s("f.time").into(), format!("{}{until}", t.time(h.started_at))));
    fields.push((t.s("f.inspectors").into(), document::inspectors(facts)));
    fields.push((t.s("f.kind").into(), t.kind(h.kind).into()));
    let checklist = facts.template.map_or(h.template_id.clone(), |tp| format!("{} v{}", t.pick(&tp.title.zh, &tp.title.en), tp.version));
    fields.push((t.s("f.checklist").into(), checklist));
    if let Some(tp) = facts.template {
        let s = i.summary(tp);
        fields.push((t.s("f.outcome").into(), format!("{}（{} / {}）", t.outcome(s.outcome), s.passed, s.answered)));
    }
    fields.push((t.s("f.record_no").into(), i.id.clone()));
    l.fields(&fields);

    l.heading(t.s("s.answers"));
    let widths = [46.0, WIDTH - 46.0 - 110.0 - 90.0, 110.0, 90.0];
    let header = [t.s("c.no"), t.s("c.item"), t.s("c.result"), t.s("c.note")].map(String::from);
    let day = i.day();
    match facts.template {
        Some(tp) => {
            for section in &tp.sections {
                let rows: Vec<Vec<String>> = section
                    .items
                    .iter()
                    .filter_map(|item| {
                        let a = i.answers.get(&item.id)?;
                        let result = a.value.result_for(item, day);
                        let text = t.pick(&item.text.zh, &item.text.en).to_string();
                        Some(vec![
                            item.id.clone(),
                            text,
                            value_text(t, Some(item), &a.value, Some(result)),
                            a.note.clone().unwrap_or_default(),
                        ])
                    })
                    .collect();
                if !rows.is_empty() {
                    l.gap(4.0);
                    l.text_at(crate::layout::MARGIN_X, BODY, t.pick(&section.title.zh, &section.title.en));
                    l.table(&widths, &header, &rows, SMALL);
                }
            }
        }
        None => {
            let rows: Vec<Vec<String>> = i
                .answers
                .iter()
                .map(|(id, a)| vec![id.clone(), String::new(), value_text(t, None, &a.value, None), a.note.clone().unwrap_or_default()])
                .collect();
            l.table(&widths, &header, &rows, SMALL);
        }
    }

    l.heading(t.s("s.findings"));
    if i.findings.is_empty() {
        l.paragraph(BODY, 0.0, t.s("none"));
    } else {
        let widths = [36.0, WIDTH - 36.0 - 90.0 - 80.0 - 80.0, 90.0, 80.0, 80.0];
        let header = [t.s("c.no"), t.s("c.problem"), t.s("c.grade"), t.s("c.deadline"), t.s("c.responsible")].map(String::from);
        let mut findings: Vec<_> = i.findings.values().collect();
        findings.sort_by_key(|f| f.at);
        let rows: Vec<Vec<String>> = findings
            .iter()
            .enumerate()
            .map(|(n, f)| {
                let deadline = f.deadline.map(|d| t.date(d)).unwrap_or_default();
                vec![
                    (n + 1).to_string(),
                    f.description.clone(),
                    t.grade(f.grade).into(),
                    deadline,
                    f.responsible.clone().unwrap_or_default(),
                ]
            })
            .collect();
        l.table(&widths, &header, &rows, SMALL);
        let mut pictures = vec![];
        for (n, f) in findings.iter().enumerate() {
            for p in i.photos.values().filter(|p| p.owner == PhotoOwner::Finding(f.id.clone())) {
                pictures.extend(photo(facts, p, format!("{} · {}", n + 1, t.time(p.taken_at))));
            }
        }
        for p in i.photos.values().filter(|p| matches!(&p.owner, PhotoOwner::Answer(_))) {
            if let PhotoOwner::Answer(item) = &p.owner {
                pictures.extend(photo(facts, p, format!("{item} · {}", t.time(p.taken_at))));
            }
        }
        if !pictures.is_empty() {
            l.heading(t.s("s.photos"));
            l.photos(&pictures);
        }
    }

    l.heading(t.s("s.signatures"));
    let mut blocks = document::signatures(facts, t, SignerRole::Inspector, t.s("sig.inspector"));
    blocks.extend(document::signatures(facts, t, SignerRole::Enterprise, t.s("sig.enterprise")));
    l.signatures(&blocks);
    document::finish(l, font, t, title)
}
