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
    // What is stored is known by its heads from here on (see [`append`]),
    // not by automerge's save cursor: marking the cursor would re-encode
    // every change just loaded.
    let mut doc = AutoCommit::load(&bytes).map_err(|e| corrupt(id, e.to_string()))?;
    if !doc.get_missing_deps(&[]).is_empty() {
        return Err(corrupt(id, "appended changes are missing".into()));
    }
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
    insert_snapshot(tx, id, kind, &doc.save(), &doc.get_heads(), now, origin)
}

/// Inserts a new document from `snapshot`, bytes that load strictly into
/// a document whose heads are `heads` (a document as the server sent it
/// is kept as it came, not encoded again).
pub fn insert_snapshot(
    tx: &Transaction<'_>,
    id: &str,
    kind: DocKind,
    snapshot: &[u8],
    heads: &[automerge::ChangeHash],
    now: i64,
    origin: Origin,
) -> Result<()> {
    // A document from the server starts in sync; a local one needs upload.
    let (local_version, synced_heads) = match origin {
        Origin::Local => (1, String::new()),
        Origin::Server => (0, heads_text(heads)),
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

/// Appends the document's changes since `stored`, the heads of what the
/// database holds of it (the document as loaded, before the edit or the
/// merge); compacts when the change log has grown long. Returns whether
/// anything was written.
pub fn append(
    tx: &Transaction<'_>,
    id: &str,
    doc: &mut AutoCommit,
    stored: &[automerge::ChangeHash],
    now: i64,
    origin: Origin,
) -> Result<bool> {
    let bytes = doc.save_after(stored);
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

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::super::test_support::*;
    use super::*;
    use crate::inspection::{AnswerValue, InspectionKind};

    /// The stored snapshot of `id` and its appended changes, oldest first.
    fn stored(store: &Store, id: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
        let w = store.writer();
        let snapshot = w.conn.query_row("SELECT snapshot FROM documents WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        let mut stmt = w.conn.prepare("SELECT bytes FROM document_changes WHERE doc_id = ?1 ORDER BY seq").unwrap();
        let changes = stmt.query_map([id], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
        (snapshot, changes)
    }

    #[test]
    fn an_edit_of_a_document_loaded_from_the_file_appends_only_that_edit() {
        let dir = tempfile::tempdir().unwrap();
        let (id, me) = {
            let store = store_in(dir.path());
            let i = store.start_inspection("site-1", InspectionKind::RoutinePatrol, TEMPLATE).unwrap();
            for item in ["H01", "H02", "H03"] {
                store.answer(&i.id, item, AnswerValue::Pass, None).unwrap();
            }
            (i.id, store.identity().clone())
        };
        // Opened again: nothing is cached, the edit loads the document.
        let store = Store::open(dir.path().join("phone.db"), me).unwrap();
        let (snapshot, before) = stored(&store, &id);
        let mut held = snapshot.clone();
        before.iter().for_each(|c| held.extend_from_slice(c));
        let held = AutoCommit::load(&held).unwrap().get_heads();
        store.answer(&id, "H04", AnswerValue::Pass, None).unwrap();

        let (again, after) = stored(&store, &id);
        assert_eq!((again, &after[..before.len()]), (snapshot, &before[..]), "what was stored stays as it was");
        assert_eq!(after.len(), before.len() + 1, "one row for the edit");
        let mut doc = load_kind(&store.writer().conn, &id, DocKind::Inspection).unwrap();
        assert_eq!(doc.get_changes(&held).len(), 1, "the new row holds the one new change, not the document again");
        let mut rebuilt = AutoCommit::new();
        rebuilt.load_incremental(after.last().unwrap()).unwrap();
        assert_eq!(rebuilt.get_missing_deps(&[]), held, "it follows exactly what was stored");
        assert_eq!(crate::doc::InspectionDoc::read_from(&id, &doc).unwrap().answers.len(), 4);
    }
}
