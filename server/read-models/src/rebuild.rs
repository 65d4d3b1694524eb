//! Refilling the read models from the stored documents: after an upgrade
//! that adds them, or when the derivation changed. Documents are replayed
//! in id order, a page per transaction; each document's rows are replaced
//! whole, so a reader meanwhile sees every document either as before or as
//! rebuilt, never half of one.

use crate::derive::{self, Place};
use crate::reader::Cells;
use crate::tables;
use crate::templates::TemplateBook;
use redline_domain::doc::DocKind;
use redline_storage::sql::Sql;
use redline_storage::{Storage, StorageError, StorageResult};

/// Documents replayed per transaction.
const PAGE: i64 = 200;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rebuilt {
    pub documents: u64,
    /// Documents that could not be read, with the reason; their rows are
    /// removed rather than left stale.
    pub unreadable: Vec<(String, String)>,
}

pub async fn rebuild(storage: &dyn Storage, book: &TemplateBook) -> StorageResult<Rebuilt> {
    let d = storage.dialect();
    let mut out = Rebuilt::default();
    let mut after = String::new();
    loop {
        let mut page = Sql::new(d);
        page.push("SELECT id, kind, site_id, area, snapshot FROM documents WHERE id > ").bind(after.as_str());
        page.push(" ORDER BY id LIMIT ").bind(PAGE);
        let rows = storage.query(page).await?;
        let Some(last) = rows.last() else { break };
        after = Cells::new(last).text()?;
        let mut stmts = vec![];
        for r in &rows {
            let mut c = Cells::new(r);
            let (id, kind, site_id, area, snapshot) = (c.text()?, c.text()?, c.text()?, c.text()?, c.bytes()?);
            let kind = DocKind::parse(&kind).ok_or_else(|| StorageError::Corrupt(format!("document {id}: kind {kind:?}")))?;
            match derive::from_snapshot(d, &id, kind, &snapshot, Place { site_id: &site_id, area: &area }, book) {
                Ok(s) => stmts.extend(s),
                Err(reason) => {
                    stmts.extend(derive::forget(d, &id));
                    out.unreadable.push((id.clone(), reason));
                }
            }
            out.documents += 1;
        }
        storage.execute(stmts).await?;
    }
    // Rows of no stored document (none should exist) go too.
    let orphans = tables::ALL
        .iter()
        .map(|t| {
            let mut s = Sql::new(d);
            s.push(&format!("DELETE FROM {} WHERE doc_id NOT IN (SELECT id FROM documents)", t.name));
            s
        })
        .collect();
    storage.execute(orphans).await?;
    Ok(out)
}

/// On start-up: when the read models hold nothing but documents exist (a
/// database upgraded to a version with read models), fill them; otherwise
/// leave them alone. `None` when nothing was done.
pub async fn fill_if_empty(storage: &dyn Storage, book: &TemplateBook) -> StorageResult<Option<Rebuilt>> {
    let d = storage.dialect();
    let mut probe = Sql::new(d);
    probe.push("SELECT (SELECT COUNT(*) FROM rm_inspections) + (SELECT COUNT(*) FROM rm_hazards), (SELECT COUNT(*) FROM documents)");
    let rows = storage.query(probe).await?;
    let mut c = Cells::new(rows.first().ok_or_else(|| StorageError::Corrupt("no count".into()))?);
    let (rows_held, documents) = (c.int()?, c.int()?);
    if rows_held > 0 || documents == 0 {
        return Ok(None);
    }
    Ok(Some(rebuild(storage, book).await?))
}
