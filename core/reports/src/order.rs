//! 责令限期整改指令书 and 整改复查意见书: the order handed to the party
//! (number, the hazards with the legal basis of each item and its
//! deadline, the requirement to report back, the issuing office,
//! signatures and date) and, later, the re-check opinion on each of its
//! hazards (rectified or not, the after-photos, the reviewer's opinion and
//! signature).

use crate::document::{self, photo};
use crate::layout::{BODY, Layout, SMALL, SignatureBlock, WIDTH};
use crate::texts::T;
use crate::{Facts, Issuer, Lang, ReportError, ReportFont};
use redline_domain::hazard::{Action, Hazard};
use redline_domain::inspection::SignerRole;
use redline_domain::time::Date;

/// The order's hazards, in the order they were found.
fn hazards<'a>(facts: &'a Facts<'_>) -> Vec<&'a Hazard> {
    let mut hz: Vec<&Hazard> = facts.hazards.iter().collect();
    hz.sort_by(|a, b| a.header.found_at.cmp(&b.header.found_at).then(a.id.cmp(&b.id)));
    hz
}

fn basis(facts: &Facts<'_>, t: T, h: &Hazard) -> String {
    let item = h.header.item_id.as_deref().and_then(|id| facts.template.and_then(|tp| tp.item(id)));
    item.map(|it| t.pick(&it.basis.zh, &it.basis.en).to_string()).unwrap_or_default()
}

fn office_block(issuer: &Issuer, t: T, day: Date) -> SignatureBlock {
    SignatureBlock { label: format!("{}{}", issuer.office, t.s("sig.office")), name: String::new(), date: t.date(day), image: None }
}

pub fn render_order(facts: &Facts<'_>, issuer: &Issuer, lang: Lang, font: &ReportFont) -> Result<Vec<u8>, ReportError> {
    let t = T(lang);
    let found = hazards(facts);
    if found.is_empty() {
        return Err(ReportError::NotApplicable("the inspection found no hazards: there is nothing to order".into()));
    }
    let mut l = Layout::new(font);
    let title = t.s("order.title");
    document::title(&mut l, title, &issuer.order_number);
    l.paragraph(BODY + 0.5, 0.0, &format!("{}：", facts.inspection.header.site_name));
    l.paragraph(BODY, 21.0, t.s("order.found"));
    let widths = [36.0, WIDTH - 36.0 - 150.0 - 80.0, 150.0, 80.0];
    let header = [t.s("c.no"), t.s("c.problem"), t.s("c.basis"), t.s("c.deadline")].map(String::from);
    let rows: Vec<Vec<String>> = found
        .iter()
        .enumerate()
        .map(|(n, h)| {
            let deadline = h.status.deadline.map(|d| t.date(d)).unwrap_or_default();
            let problem = format!("{}（{}）", h.header.description, t.grade(h.status.grade));
            vec![(n + 1).to_string(), problem, basis(facts, t, h), deadline]
        })
        .collect();
    l.table(&widths, &header, &rows, SMALL);
    l.gap(6.0);
    l.paragraph(BODY, 21.0, t.s("order.demand"));
    if let Some(latest) = found.iter().filter_map(|h| h.status.deadline).max() {
        l.paragraph(BODY, 21.0, &format!("{}：{}", t.s("order.latest"), t.date(latest)));
    }
    l.paragraph(BODY, 21.0, t.s("order.report"));
    l.gap(10.0);
    let day = Date::in_china(facts.inspection.finished_at.unwrap_or(facts.inspection.header.started_at));
    let mut blocks = document::signatures(facts, t, SignerRole::Inspector, t.s("sig.inspector"));
    blocks.extend(document::signatures(facts, t, SignerRole::Enterprise, t.s("sig.enterprise")));
    blocks.push(office_block(issuer, t, day));
    l.signatures(&blocks);
    document::finish(l, font, t, title)
}

pub fn render_recheck(facts: &Facts<'_>, issuer: &Issuer, lang: Lang, font: &ReportFont) -> Result<Vec<u8>, ReportError> {
    let t = T(lang);
    let found = hazards(facts);
    let rechecks: Vec<_> = found
        .iter()
        .filter_map(|h| h.transitions.iter().rev().find(|tr| matches!(tr.action, Action::Recheck { .. })).map(|tr| (*h, tr)))
        .collect();
    if rechecks.is_empty() {
        return Err(ReportError::NotApplicable("no hazard of this inspection has been re-checked yet".into()));
    }
    let mut l = Layout::new(font);
    let title = t.s("recheck.title");
    document::title(&mut l, title, &issuer.recheck_number);
    l.paragraph(BODY + 0.5, 0.0, &format!("{}：", facts.inspection.header.site_name));
    l.paragraph(BODY, 21.0, t.s("recheck.intro"));
    if !issuer.order_number.is_empty() {
        l.paragraph(BODY, 21.0, &format!("{}：{}", t.s("recheck.of"), issuer.order_number));
    }
    let widths = [36.0, WIDTH - 36.0 - 70.0 - 130.0 - 80.0, 70.0, 130.0, 80.0];
    let header = [t.s("c.no"), t.s("c.problem"), t.s("c.state"), t.s("c.opinion"), t.s("c.reviewer")].map(String::from);
    let rows: Vec<Vec<String>> = found
        .iter()
        .enumerate()
        .map(|(n, h)| {
            let done = rechecks.iter().find(|(x, _)| x.id == h.id).map(|(_, tr)| tr);
            let opinion = done.map(|tr| tr.note.clone()).unwrap_or_default();
            let reviewer = done.map(|tr| format!("{} {}", tr.by.name, t.date(Date::in_china(tr.at)))).unwrap_or_default();
            vec![(n + 1).to_string(), h.header.description.clone(), t.rectified(h.status.state).into(), opinion, reviewer]
        })
        .collect();
    l.table(&widths, &header, &rows, SMALL);
    let mut pictures = vec![];
    for (n, h) in found.iter().enumerate() {
        let fixes = h.transitions.iter().filter(|tr| matches!(tr.action, Action::ReportFix));
        for hash in fixes.flat_map(|tr| tr.evidence.iter()) {
            if let Some(p) = h.photos.get(hash) {
                pictures.extend(photo(facts, p, format!("{} · {}", n + 1, t.time(p.taken_at))));
            }
        }
    }
    if !pictures.is_empty() {
        l.heading(t.s("recheck.after"));
        l.photos(&pictures);
    }
    l.gap(10.0);
    let last = rechecks.iter().map(|(_, tr)| tr.at).max().unwrap_or_default();
    let reviewers: Vec<SignatureBlock> = rechecks
        .iter()
        .map(|(_, tr)| (tr.by.name.clone(), tr.at))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .map(|(name, at)| SignatureBlock { label: t.s("sig.reviewer").into(), name, date: t.date(Date::in_china(at)), image: None })
        .collect();
    let mut blocks = reviewers;
    blocks.push(office_block(issuer, t, Date::in_china(last)));
    l.signatures(&blocks);
    document::finish(l, font, t, title)
}
