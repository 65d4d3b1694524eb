//! From one merged document to its read-model rows: the statements that
//! replace everything the read models held of it. Run by the backend in the
//! same transaction as the document's commit, so no reader ever sees a
//! document without its rows, or rows of a version that was not committed.
//!
//! Every derived field comes from the shared domain (`listing`, scoring,
//! the hazard fold), so "outcome", "open" and "major" mean what the phone
//! shows. Overdue is not stored: queries compute it from state and deadline.

use crate::tables::{self, Table};
use crate::templates::TemplateBook;
use redline_domain::doc::DocKind;
use redline_domain::hazard::Hazard;
use redline_domain::inspection::{Inspection, PhotoOwner, PhotoRef};
use redline_domain::listing::{HazardListing, InspectionListing, hazard_search_text, inspection_search_text};
use redline_domain::people::Person;
use redline_domain::site::GeoPoint;
use redline_storage::sql::{Dialect, Sql, Value};

/// Where the document lives, as the server recorded it at creation.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub site_id: &'a str,
    pub area: &'a str,
}

/// The statements removing every row of document `id`: one per table on
/// SQLite (in-process, cheap), one statement for all on PostgreSQL (each
/// statement there is a round trip inside the commit's transaction).
pub fn forget(d: Dialect, id: &str) -> Vec<Sql> {
    if d == Dialect::Postgres {
        let mut s = Sql::new(d);
        s.push("WITH ");
        let ph = s.placeholder(id);
        let parts: Vec<String> =
            tables::ALL.iter().enumerate().map(|(n, t)| format!("d{n} AS (DELETE FROM {} WHERE doc_id = {ph})", t.name)).collect();
        s.push(&parts.join(", ")).push(" SELECT 1");
        return vec![s];
    }
    tables::ALL
        .iter()
        .map(|t| {
            let mut s = Sql::new(d);
            s.push(&format!("DELETE FROM {} WHERE doc_id = ", t.name)).bind(id);
            s
        })
        .collect()
}

/// A serde enum's text code (`"critical"`, `"enterprise"`).
pub fn code_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|j| j.as_str().map(str::to_string)).unwrap_or_default()
}

fn lat(p: Option<&GeoPoint>) -> Value {
    Value::Real(p.map(|p| p.lat))
}

fn lon(p: Option<&GeoPoint>) -> Value {
    Value::Real(p.map(|p| p.lon))
}

/// Rows of one document being collected per table, each tagged with its
/// place; [`Rows::finish`] turns them into the forget statements and one
/// multi-row INSERT per table.
struct Rows<'a> {
    d: Dialect,
    id: &'a str,
    place: Place<'a>,
    tables: Vec<(&'static Table, Vec<Vec<Value>>)>,
    /// (user, part) already in the people table for this document.
    people: std::collections::BTreeSet<(String, String)>,
}

impl<'a> Rows<'a> {
    fn new(d: Dialect, id: &'a str, place: Place<'a>) -> Rows<'a> {
        Rows { d, id, place, tables: vec![], people: Default::default() }
    }

    /// One row of `table`: `doc_id`, then `values` in the table's column
    /// order after it, then `site_id` and `area` when the table has them.
    fn add(&mut self, table: &'static Table, values: Vec<Value>) {
        let mut all = vec![Value::from(self.id)];
        all.extend(values);
        if table.placed {
            all.push(self.place.site_id.into());
            all.push(self.place.area.into());
        }
        match self.tables.iter_mut().find(|(t, _)| t.name == table.name) {
            Some((_, rows)) => rows.push(all),
            None => self.tables.push((table, vec![all])),
        }
    }

    /// A person may act on a document many times; the people table keeps
    /// one row per (document, person, part).
    fn person(&mut self, who: &Person, part: &str) {
        if self.people.insert((who.user_id.clone(), part.to_string())) {
            self.add(&tables::PEOPLE, vec![who.user_id.clone().into(), who.name.clone().into(), part.into()]);
        }
    }

    fn finish(self) -> Vec<Sql> {
        let mut out = forget(self.d, self.id);
        for (table, rows) in self.tables {
            out.extend(Sql::insert_rows(self.d, table.name, &table.columns(), rows));
        }
        out
    }

    fn photo(&mut self, key: &str, p: &PhotoRef) {
        let (owner_kind, owner_id) = match &p.owner {
            PhotoOwner::Answer(i) => ("answer", i),
            PhotoOwner::Finding(i) => ("finding", i),
            PhotoOwner::Transition(i) => ("transition", i),
        };
        self.add(
            &tables::PHOTOS,
            vec![
                key.into(),
                p.hash.clone().into(),
                p.thumb_hash.clone().into(),
                owner_kind.into(),
                owner_id.clone().into(),
                p.taken_at.into(),
                lat(p.location.as_ref()),
                lon(p.location.as_ref()),
                p.by.user_id.clone().into(),
                p.by.name.clone().into(),
                p.width.into(),
                p.height.into(),
                (p.size as i64).into(),
            ],
        );
    }

    fn conflicts(&mut self, kind: DocKind, conflicts: &[redline_domain::inspection::Conflict]) {
        for c in conflicts {
            let values = serde_json::to_string(&c.values).unwrap_or_default();
            self.add(&tables::CONFLICTS, vec![c.path.to_string().into(), kind.as_str().into(), values.into()]);
        }
    }
}

/// Replaces the rows of an inspection. `book` scores it; an inspection
/// on a checklist the server does not know is listed without an outcome.
pub fn inspection(d: Dialect, i: &Inspection, place: Place<'_>, book: &TemplateBook) -> Vec<Sql> {
    let template = book.get(&i.header.template_id, i.header.template_version);
    let summary = template.map(|t| i.summary(t));
    let listing = InspectionListing::of(i, summary.as_ref());
    let mut rows = Rows::new(d, &i.id, place);
    let h = &i.header;
    let failed_by = summary.as_ref().map(|s| s.failed_by_importance.clone()).unwrap_or_default();
    let search = format!("{}\n{}", h.site_name, inspection_search_text(i)).to_lowercase();
    rows.add(
        &tables::INSPECTIONS,
        vec![
            h.site_name.clone().into(),
            h.kind.as_str().into(),
            h.template_id.clone().into(),
            h.template_version.into(),
            listing.status.as_str().into(),
            h.started_at.into(),
            Value::Int(i.finished_at),
            listing.day.to_string().into(),
            h.created_by.user_id.clone().into(),
            h.created_by.name.clone().into(),
            Value::Text(i.submitted_by.as_ref().map(|p| p.name.clone())),
            i.inspectors.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、").into(),
            Value::Text(listing.outcome.map(|o| o.as_str().to_string())),
            Value::Real(summary.as_ref().map(|s| s.score_percent)),
            listing.visible.into(),
            listing.answered.into(),
            summary.as_ref().map_or(0, |s| s.passed).into(),
            listing.failed.into(),
            summary.as_ref().map_or(0, |s| s.not_applicable).into(),
            failed_by.critical.into(),
            failed_by.key.into(),
            failed_by.general.into(),
            listing.major.into(),
            (i.findings.len() as i64).into(),
            (i.photos.len() as i64).into(),
            listing.conflicts.into(),
            lat(i.location.as_ref()),
            lon(i.location.as_ref()),
            search.into(),
        ],
    );
    if let Some(task_id) = &h.task_id {
        let submitted = listing.status == redline_domain::inspection::InspectionStatus::Submitted;
        let done_at = i.finished_at.filter(|_| submitted);
        rows.add(
            &tables::TASK_WORK,
            vec![
                task_id.clone().into(),
                listing.status.as_str().into(),
                Value::Int(done_at),
                Value::Text(done_at.map(|t| redline_domain::time::Date::in_china(t).to_string())),
                h.created_by.user_id.clone().into(),
                h.created_by.name.clone().into(),
            ],
        );
    }
    rows.person(&h.created_by, "creator");
    for p in i.inspectors.iter().filter(|p| p.user_id != h.created_by.user_id) {
        rows.person(p, "inspector");
    }
    for (item_id, a) in &i.answers {
        let item = template.and_then(|t| t.item(item_id));
        let section = template.and_then(|t| t.section_of(item_id));
        let result = item.map(|it| format!("{:?}", a.value.result_for(it, listing.day)).to_lowercase());
        rows.add(
            &tables::ANSWERS,
            vec![
                item_id.clone().into(),
                Value::Text(section.map(|s| s.id.clone())),
                serde_json::to_string(&a.value).unwrap_or_default().into(),
                Value::Text(result),
                Value::Text(item.map(|it| code_of(&it.importance))),
                Value::Text(item.map(|it| code_of(&it.major_hazard))),
                a.note.clone().into(),
                a.by.user_id.clone().into(),
                a.by.name.clone().into(),
                a.at.into(),
            ],
        );
    }
    for f in i.findings.values() {
        rows.add(
            &tables::FINDINGS,
            vec![
                f.id.clone().into(),
                f.item_id.clone().into(),
                f.description.clone().into(),
                f.grade.as_str().into(),
                Value::Text(f.deadline.map(|d| d.to_string())),
                f.responsible.clone().into(),
                f.by.user_id.clone().into(),
                f.by.name.clone().into(),
                f.at.into(),
                lat(f.location.as_ref()),
                lon(f.location.as_ref()),
            ],
        );
    }
    for (key, s) in &i.signatures {
        rows.add(
            &tables::SIGNATURES,
            vec![
                key.clone().into(),
                s.signer_name.clone().into(),
                code_of(&s.role).into(),
                s.image_hash.clone().into(),
                s.by.user_id.clone().into(),
                s.by.name.clone().into(),
                s.at.into(),
            ],
        );
    }
    for (key, p) in &i.photos {
        rows.photo(key, p);
    }
    rows.conflicts(DocKind::Inspection, &i.conflicts);
    rows.finish()
}

/// Replaces the rows of a hazard: its status (the domain's fold), its
/// timeline and its photos.
pub fn hazard(d: Dialect, h: &Hazard, place: Place<'_>) -> Vec<Sql> {
    let listing = HazardListing::of(h);
    let s = &h.status;
    let hd = &h.header;
    let mut rows = Rows::new(d, &h.id, place);
    let search = format!("{}\n{}", hd.site_name, hazard_search_text(h)).to_lowercase();
    let last_at = h.transitions.iter().map(|t| t.at).max().unwrap_or(hd.found_at).max(hd.found_at);
    rows.add(
        &tables::HAZARDS,
        vec![
            hd.site_name.clone().into(),
            hd.inspection_id.clone().into(),
            hd.finding_id.clone().into(),
            hd.item_id.clone().into(),
            hd.description.clone().into(),
            listing.grade.as_str().into(),
            listing.state.as_str().into(),
            listing.open.into(),
            Value::Text(listing.deadline.map(|d| d.to_string())),
            Value::Text(s.original_deadline.map(|d| d.to_string())),
            s.responsible.clone().into(),
            Value::Text(listing.listed.map(|l| l.as_str().to_string())),
            listing.pending_extension.into(),
            s.look_backs.into(),
            s.relapses.into(),
            hd.found_by.user_id.clone().into(),
            hd.found_by.name.clone().into(),
            hd.found_at.into(),
            Value::Int(s.closed_at),
            last_at.into(),
            lat(hd.location.as_ref()),
            lon(hd.location.as_ref()),
            search.into(),
        ],
    );
    rows.person(&hd.found_by, "finder");
    for (n, t) in h.transitions.iter().enumerate() {
        let detail = serde_json::to_string(&t.action).unwrap_or_default();
        rows.add(
            &tables::TRANSITIONS,
            vec![
                (n as i64).into(),
                t.id.clone().into(),
                t.action.name().into(),
                detail.into(),
                t.by.user_id.clone().into(),
                t.by.name.clone().into(),
                t.role.as_str().into(),
                t.at.into(),
                t.note.clone().into(),
                serde_json::to_string(&t.evidence).unwrap_or_default().into(),
            ],
        );
        if t.by.user_id != hd.found_by.user_id {
            rows.person(&t.by, "transition");
        }
    }
    for (key, p) in &h.photos {
        rows.photo(key, p);
    }
    rows.conflicts(DocKind::Hazard, &h.conflicts);
    rows.finish()
}

/// The statements for a stored document given as automerge bytes (the
/// rebuild's path; the merge has the model at hand already). A document
/// still without its header has no rows yet.
pub fn from_snapshot(
    d: Dialect,
    id: &str,
    kind: DocKind,
    snapshot: &[u8],
    place: Place<'_>,
    book: &TemplateBook,
) -> Result<Vec<Sql>, String> {
    use redline_domain::doc::{HazardDoc, InspectionDoc};
    let doc = automerge::AutoCommit::load(snapshot).map_err(|e| format!("document {id}: {e}"))?;
    if !redline_domain::doc::has_header(&doc) {
        return Ok(forget(d, id));
    }
    match kind {
        DocKind::Inspection => {
            Ok(inspection(d, &InspectionDoc::read_from(id, &doc).map_err(|e| format!("document {id}: {e}"))?, place, book))
        }
        DocKind::Hazard => Ok(hazard(d, &HazardDoc::read_from(id, &doc).map_err(|e| format!("document {id}: {e}"))?, place)),
    }
}
