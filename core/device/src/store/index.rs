//! Keeps the index tables in step with the documents. Called inside the
//! transaction of every document write, so a list never disagrees with the
//! documents it summarises.

use crate::error::Result;
use crate::hazard::Hazard;
use crate::inspection::{Inspection, InspectionStatus, Summary};
use crate::time::Date;
use rusqlite::{OptionalExtension, Transaction, params};

pub fn put_inspection(tx: &Transaction<'_>, i: &Inspection, summary: Option<&Summary>, now: i64) -> Result<()> {
    let h = &i.header;
    let ids: Vec<&str> = i.inspectors.iter().map(|p| p.user_id.as_str()).collect();
    let inspector_ids = format!(",{},", ids.join(","));
    let status = match i.status {
        InspectionStatus::Draft => "draft",
        InspectionStatus::Submitted => "submitted",
    };
    let (visible, answered, failed, major, outcome) = match summary {
        Some(s) => (
            s.visible,
            s.answered,
            s.failed,
            s.major_hazard_items.len() as u32 + s.major_findings,
            serde_json::to_value(s.outcome).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        ),
        None => (0, i.answers.len() as u32, 0, 0, "unknown".to_string()),
    };
    let mut body = String::new();
    for a in i.answers.values() {
        if let Some(n) = &a.note {
            body.push_str(n);
            body.push('\n');
        }
    }
    for f in i.findings.values() {
        body.push_str(&f.description);
        body.push('\n');
        if let Some(r) = &f.responsible {
            body.push_str(r);
            body.push('\n');
        }
    }
    let search = search_digest(tx, "inspection_index", &i.id, &h.site_name, &body)?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO inspection_index (id, site_id, site_name, kind, template_id, template_version, status,
            created_by, inspector_ids, started_at, started_day, finished_at, answered, visible, failed, major, outcome,
            conflicts, updated_at, search_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        i.id,
        h.site_id,
        h.site_name,
        h.kind.as_str(),
        h.template_id,
        h.template_version,
        status,
        h.created_by.user_id,
        inspector_ids,
        h.started_at,
        Date::in_china(h.started_at).to_string(),
        i.finished_at,
        answered,
        visible,
        failed,
        major,
        outcome,
        i.conflicts.len() as i64,
        now,
        search.digest
    ])?;
    write_search(tx, &i.id, "inspection", &h.site_name, &body, &search)
}

pub fn put_hazard(tx: &Transaction<'_>, hz: &Hazard, now: i64) -> Result<()> {
    let h = &hz.header;
    let s = &hz.status;
    let mut body = h.description.clone();
    for t in &hz.transitions {
        if !t.note.is_empty() {
            body.push('\n');
            body.push_str(&t.note);
        }
    }
    let search = search_digest(tx, "hazard_index", &hz.id, &h.site_name, &body)?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO hazard_index (id, site_id, site_name, inspection_id, item_id, description, grade, state,
            is_open, deadline, listed, pending_extension, found_at, updated_at, search_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        hz.id,
        h.site_id,
        h.site_name,
        h.inspection_id,
        h.item_id,
        h.description,
        s.grade.as_str(),
        s.state.as_str(),
        s.is_open(),
        s.deadline.map(|d| d.to_string()),
        s.listed.map(|l| serde_json::to_value(l).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()),
        s.pending_extension.is_some(),
        h.found_at,
        now,
        search.digest
    ])?;
    write_search(tx, &hz.id, "hazard", &h.site_name, &body, &search)
}

/// The search row of a document, derived from its id so that replacing it
/// is a rowid lookup rather than a scan of the full-text table.
fn search_rowid(id: &str) -> i64 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(id.as_bytes());
    i64::from_le_bytes(d[..8].try_into().expect("8 bytes")) & i64::MAX
}

/// A document's searchable text, by digest, and whether the index holds
/// another. Most edits (a pass, a photo) change no searchable text, and
/// re-tokenising every note into trigrams on each of them would dominate the
/// cost of answering an item.
struct SearchText {
    digest: String,
    changed: bool,
}

fn search_digest(tx: &Transaction<'_>, table: &str, id: &str, title: &str, body: &str) -> Result<SearchText> {
    use sha2::Digest;
    let digest = hex::encode(&sha2::Sha256::digest(format!("{title}\u{0}{body}").as_bytes())[..12]);
    let old: Option<String> =
        tx.prepare_cached(&format!("SELECT search_digest FROM {table} WHERE id = ?1"))?.query_row([id], |r| r.get(0)).optional()?;
    let changed = old.as_deref() != Some(digest.as_str());
    Ok(SearchText { digest, changed })
}

fn write_search(tx: &Transaction<'_>, id: &str, kind: &str, title: &str, body: &str, text: &SearchText) -> Result<()> {
    if !text.changed {
        return Ok(());
    }
    let rowid = search_rowid(id);
    tx.prepare_cached("DELETE FROM search_text WHERE rowid = ?1")?.execute([rowid])?;
    tx.prepare_cached("INSERT INTO search_text (rowid, doc_id, kind, title, body) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![rowid, id, kind, title, body])?;
    Ok(())
}
