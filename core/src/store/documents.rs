//! Persisting automerge documents: snapshot + appended changes, a small
//! cache of loaded documents, and the write path every edit goes through.

use crate::error::{Error, Result};
use automerge::AutoCommit;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::VecDeque;

/// After this many appended changes a document is re-snapshotted in the
/// same transaction, which bounds both load time and file growth.
pub const COMPACT_AFTER: i64 = 64;

/// Loaded documents kept in memory: answering item after item must not
/// reload the inspection each time. Small, because phones are.
const CACHE_SIZE: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Inspection,
    Hazard,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Inspection => "inspection",
            DocKind::Hazard => "hazard",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        match s {
            "inspection" => Some(DocKind::Inspection),
            "hazard" => Some(DocKind::Hazard),
            _ => None,
        }
    }
}

#[derive(Default)]
pub struct DocCache {
    entries: VecDeque<(String, AutoCommit)>,
}

impl DocCache {
    /// Removes and returns the cached document; the caller puts it back once
    /// its edit is durable. A failed edit simply never puts it back, so the
    /// cache can never hold state the database does not.
    pub fn take(&mut self, id: &str) -> Option<AutoCommit> {
        let pos = self.entries.iter().position(|(k, _)| k == id)?;
        self.entries.remove(pos).map(|(_, d)| d)
    }

    pub fn put(&mut self, id: String, doc: AutoCommit) {
        self.entries.push_front((id, doc));
        self.entries.truncate(CACHE_SIZE);
    }
}

/// Reads a document from the database: snapshot, then the appended changes.
pub fn load(conn: &Connection, id: &str) -> Result<Option<(DocKind, AutoCommit)>> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row("SELECT kind, snapshot FROM documents WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((kind, snapshot)) = row else { return Ok(None) };
    let kind = DocKind::parse(&kind).ok_or_else(|| corrupt(id, format!("unknown kind {kind}")))?;
    let mut doc = AutoCommit::load(&snapshot).map_err(|e| corrupt(id, e.to_string()))?;
    let mut stmt = conn.prepare_cached("SELECT bytes FROM document_changes WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let bytes: Vec<u8> = r.get(0)?;
        doc.load_incremental(&bytes).map_err(|e| corrupt(id, e.to_string()))?;
    }
    // Everything loaded is already stored: start the incremental cursor here.
    let _ = doc.save_incremental();
    Ok(Some((kind, doc)))
}

fn corrupt(id: &str, detail: String) -> Error {
    Error::CorruptDocument { id: id.to_string(), detail }
}

/// Inserts a new document as its first snapshot.
pub fn insert(tx: &Transaction<'_>, id: &str, kind: DocKind, doc: &mut AutoCommit, now: i64) -> Result<()> {
    let snapshot = doc.save();
    let inserted = tx.execute(
        "INSERT INTO documents (id, kind, snapshot, change_count, updated_at) VALUES (?1, ?2, ?3, 0, ?4)
         ON CONFLICT (id) DO NOTHING",
        params![id, kind.as_str(), snapshot, now],
    )?;
    if inserted == 0 {
        return Err(Error::InvalidInput(format!("document {id} already exists")));
    }
    Ok(())
}

/// Appends the document's changes since its last save; compacts when the
/// change log has grown long. Returns whether anything was written.
pub fn append(tx: &Transaction<'_>, id: &str, doc: &mut AutoCommit, now: i64) -> Result<bool> {
    let bytes = doc.save_incremental();
    if bytes.is_empty() {
        return Ok(false);
    }
    let count: i64 = tx.query_row(
        "UPDATE documents SET change_count = change_count + 1, updated_at = ?2 WHERE id = ?1 RETURNING change_count",
        params![id, now],
        |r| r.get(0),
    )?;
    if count >= COMPACT_AFTER {
        tx.execute("DELETE FROM document_changes WHERE doc_id = ?1", [id])?;
        tx.execute("UPDATE documents SET snapshot = ?2, change_count = 0 WHERE id = ?1", params![id, doc.save()])?;
    } else {
        tx.execute("INSERT INTO document_changes (doc_id, seq, bytes) VALUES (?1, ?2, ?3)", params![id, count, bytes])?;
    }
    Ok(true)
}

/// The saved size of a document (snapshot plus pending changes), in bytes.
pub fn stored_size(conn: &Connection, id: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT length(snapshot) + COALESCE((SELECT SUM(length(bytes)) FROM document_changes WHERE doc_id = ?1), 0)
         FROM documents WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}
