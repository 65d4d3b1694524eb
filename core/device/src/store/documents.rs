//! Persisting automerge documents: snapshot + appended changes, loading
//! them back strictly, and the write path every edit goes through.

pub use crate::doc::DocKind;
use crate::error::{Error, Result};
use automerge::AutoCommit;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// After this many appended changes a document is re-snapshotted in the
/// same transaction, which bounds both load time and file growth.
pub const COMPACT_AFTER: i64 = 64;

/// Reads a document from the database: snapshot, then the appended changes.
pub fn load(conn: &Connection, id: &str) -> Result<Option<(DocKind, AutoCommit)>> {
    let row: Option<(String, Vec<u8>)> =
        conn.query_row("SELECT kind, snapshot FROM documents WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let Some((kind, snapshot)) = row else { return Ok(None) };
    let kind = DocKind::parse(&kind).ok_or_else(|| corrupt(id, format!("unknown kind {kind}")))?;
    // Snapshot and changes are loaded in one strict `load`: `load_incremental`
    // skips a chunk it cannot parse (it is meant for sync, where a retry
    // brings it again), which here would silently show older data and let
    // the next edit reuse the lost change's sequence number.
    let mut bytes = snapshot;
    let mut stmt = conn.prepare_cached("SELECT bytes FROM document_changes WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let change: Vec<u8> = r.get(0)?;
        if change.is_empty() {
            // `append` never writes an empty change.
            return Err(corrupt(id, "an appended change is empty".into()));
        }
        bytes.extend_from_slice(&change);
    }
    let mut doc = AutoCommit::load(&bytes).map_err(|e| corrupt(id, e.to_string()))?;
    if !doc.get_missing_deps(&[]).is_empty() {
        return Err(corrupt(id, "appended changes are missing".into()));
    }
    // Everything loaded is already stored: start the incremental cursor here.
    let _ = doc.save_incremental();
    Ok(Some((kind, doc)))
}

/// Loads document `id` of `kind`; a missing one, or one of another kind,
/// is not found.
pub fn load_kind(conn: &Connection, id: &str, kind: DocKind) -> Result<AutoCommit> {
    match load(conn, id)? {
        Some((k, doc)) if k == kind => Ok(doc),
        _ => Err(missing(id, kind)),
    }
}

/// Refuses a document that cannot be shown: damaged bytes (not even the
/// skeleton reads), or one still arriving from the server (no header yet),
/// which is not there yet.
pub fn check_readable(id: &str, kind: DocKind, doc: &AutoCommit) -> Result<()> {
    if crate::doc::doc_type(doc).as_deref() != Some(kind.as_str()) {
        return Err(corrupt(id, format!("not a readable {} document", kind.as_str())));
    }
    if !crate::doc::has_header(doc) {
        return Err(missing(id, kind));
    }
    Ok(())
}

fn missing(id: &str, kind: DocKind) -> Error {
    Error::NotFound(format!("{} {id}", kind.as_str()))
}

fn corrupt(id: &str, detail: String) -> Error {
    Error::CorruptDocument { id: id.to_string(), detail }
}

/// Inserts a new document as its first snapshot.
pub fn insert(tx: &Transaction<'_>, id: &str, kind: DocKind, doc: &mut AutoCommit, now: i64, origin: Origin) -> Result<()> {
    let snapshot = doc.save();
    // A document from the server starts in sync; a local one needs upload.
    let (local_version, synced_heads) = match origin {
        Origin::Local => (1, String::new()),
        Origin::Server => (0, heads_text(&doc.get_heads())),
    };
    let inserted = tx.execute(
        "INSERT INTO documents (id, kind, snapshot, change_count, updated_at, local_version, synced_heads)
         VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)
         ON CONFLICT (id) DO NOTHING",
        params![id, kind.as_str(), snapshot, now, local_version, synced_heads],
    )?;
    if inserted == 0 {
        return Err(Error::InvalidInput(format!("document {id} already exists")));
    }
    Ok(())
}

/// Whether a write is the user's own edit (to upload) or data that arrived
/// from the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Local,
    Server,
}

/// Appends the document's changes since its last save; compacts when the
/// change log has grown long. Returns whether anything was written.
pub fn append(tx: &Transaction<'_>, id: &str, doc: &mut AutoCommit, now: i64, origin: Origin) -> Result<bool> {
    let bytes = doc.save_incremental();
    append_saved(tx, id, doc, &bytes, now, origin)
}

/// Appends `bytes`, the changes of `doc` not yet stored, already saved out
/// of it; compacts as [`append`] does.
pub fn append_saved(tx: &Transaction<'_>, id: &str, doc: &mut AutoCommit, bytes: &[u8], now: i64, origin: Origin) -> Result<bool> {
    if bytes.is_empty() {
        return Ok(false);
    }
    let count: i64 = tx.query_row(
        "UPDATE documents SET change_count = change_count + 1, updated_at = ?2, local_version = local_version + ?3
         WHERE id = ?1 RETURNING change_count",
        params![id, now, i64::from(origin == Origin::Local)],
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

pub fn heads_text(heads: &[automerge::ChangeHash]) -> String {
    heads.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(" ")
}

pub fn heads_parse(text: &str) -> Vec<automerge::ChangeHash> {
    text.split_whitespace().filter_map(|h| h.parse().ok()).collect()
}
