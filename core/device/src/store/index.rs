//! Keeps the index tables in step with the documents. Called inside the
//! transaction of every document write, so a list never disagrees with the
//! documents it summarises. The fields come from the domain's `listing`,
//! the one derivation the server's read models are to share.

use super::columns::StoredOutcome;
use crate::doc::DocKind;
use crate::error::Result;
use crate::hazard::Hazard;
use crate::inspection::{Inspection, Summary};
use crate::listing::{HazardListing, InspectionListing, hazard_search_text, inspection_search_text};
use redline_sqlite::{Coded, DateText};
use rusqlite::{OptionalExtension, Transaction, params};

pub fn put_inspection(tx: &Transaction<'_>, i: &Inspection, summary: Option<&Summary>, now: i64) -> Result<()> {
    let h = &i.header;
    let l = InspectionListing::of(i, summary);
    let ids: Vec<&str> = i.inspectors.iter().map(|p| p.user_id.as_str()).collect();
    let inspector_ids = format!(",{},", ids.join(","));
    let body = inspection_search_text(i);
    let search = search_digest(tx, "inspection_index", &i.id, &h.site_name, &body)?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO inspection_index (id, site_id, site_name, kind, template_id, template_version, status,
            created_by, inspector_ids, started_at, started_day, finished_at, answered, visible, failed, major, outcome,
            conflicts, updated_at, search_digest, task_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        i.id,
        h.site_id,
        h.site_name,
        Coded(h.kind),
        h.template_id,
        h.template_version,
        Coded(l.status),
        h.created_by.user_id,
        inspector_ids,
        h.started_at,
        DateText(l.day),
        i.finished_at,
        l.answered,
        l.visible,
        l.failed,
        l.major,
        StoredOutcome(l.outcome),
        l.conflicts,
        now,
        search.digest,
        h.task_id
    ])?;
    write_search(tx, &i.id, DocKind::Inspection, &h.site_name, &body, &search)
}

pub fn put_hazard(tx: &Transaction<'_>, hz: &Hazard, now: i64) -> Result<()> {
    let h = &hz.header;
    let l = HazardListing::of(hz);
    let body = hazard_search_text(hz);
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
        Coded(l.grade),
        Coded(l.state),
        l.open,
        l.deadline.map(DateText),
        l.listed.map(Coded),
        l.pending_extension,
        h.found_at,
        now,
        search.digest
    ])?;
    write_search(tx, &hz.id, DocKind::Hazard, &h.site_name, &body, &search)
}

/// The search row of a document, derived from its id so that replacing it
/// is a rowid lookup rather than a scan of the full-text table.
pub(super) fn search_rowid(id: &str) -> i64 {
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

fn write_search(tx: &Transaction<'_>, id: &str, kind: DocKind, title: &str, body: &str, text: &SearchText) -> Result<()> {
    if !text.changed {
        return Ok(());
    }
    let rowid = search_rowid(id);
    tx.prepare_cached("DELETE FROM search_text WHERE rowid = ?1")?.execute([rowid])?;
    tx.prepare_cached("INSERT INTO search_text (rowid, doc_id, kind, title, body) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![
        rowid,
        id,
        Coded(kind),
        title,
        body
    ])?;
    Ok(())
}
