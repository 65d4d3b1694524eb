//! The local database schema and its migrations.
//!
//! `PRAGMA user_version` holds the schema version. Migrations run in order
//! inside one transaction; a database from a newer build is refused rather
//! than guessed at, so an app downgrade can never corrupt data.

use crate::error::{Error, Result};
use redline_sqlite::{MigrateError, Migration};
use rusqlite::Connection;

/// Each entry moves the schema from version `index` to `index + 1`.
const MIGRATIONS: &[Migration] = &[
    // 1: documents, index tables, search, blobs, reference data.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

    -- One automerge document per row: a compacted snapshot plus the changes
    -- appended since, in the same transaction as the edit that made them.
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('inspection', 'hazard')),
        snapshot BLOB NOT NULL,
        change_count INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL,
        -- Sync bookkeeping: heads the server is known to hold (hex, space
        -- separated), and a counter of local edits against the counter the
        -- server last acknowledged; the document needs upload while
        -- local_version > synced_version.
        synced_heads TEXT NOT NULL DEFAULT '',
        local_version INTEGER NOT NULL DEFAULT 0,
        synced_version INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX documents_to_upload ON documents (local_version > synced_version);
    CREATE TABLE document_changes (
        doc_id TEXT NOT NULL REFERENCES documents(id),
        seq INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (doc_id, seq)
    ) WITHOUT ROWID;

    -- What list screens draw, kept in step with the documents so no screen
    -- ever loads documents to draw a list.
    CREATE TABLE inspection_index (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        site_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        template_id TEXT NOT NULL,
        template_version INTEGER NOT NULL,
        status TEXT NOT NULL,
        created_by TEXT NOT NULL,
        inspector_ids TEXT NOT NULL,      -- ',u1,u2,' for LIKE '%,u1,%'
        started_at INTEGER NOT NULL,
        started_day TEXT NOT NULL,        -- YYYY-MM-DD, China time
        finished_at INTEGER,
        answered INTEGER NOT NULL,
        visible INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        major INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        conflicts INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        search_digest TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    CREATE INDEX inspection_by_status ON inspection_index (status, started_at);
    CREATE INDEX inspection_by_site ON inspection_index (site_id, started_at);
    CREATE INDEX inspection_by_day ON inspection_index (started_day);

    CREATE TABLE hazard_index (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        site_name TEXT NOT NULL,
        inspection_id TEXT NOT NULL,
        item_id TEXT,
        description TEXT NOT NULL,
        grade TEXT NOT NULL,
        state TEXT NOT NULL,
        is_open INTEGER NOT NULL,
        deadline TEXT,                     -- YYYY-MM-DD; sorts as a date
        listed TEXT,
        pending_extension INTEGER NOT NULL,
        found_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        search_digest TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    CREATE INDEX hazard_open_by_deadline ON hazard_index (is_open, deadline);
    CREATE INDEX hazard_by_site ON hazard_index (site_id, found_at);

    -- Trigram tokens find Chinese substrings of three or more characters;
    -- shorter queries fall back to LIKE over the same table.
    CREATE VIRTUAL TABLE search_text USING fts5 (
        doc_id UNINDEXED, kind UNINDEXED, title, body, tokenize = 'trigram'
    );

    -- Files in the blob folder. `role` is photo, thumbnail or signature;
    -- an uploaded full photo may be evicted (file deleted, row kept with
    -- present = 0) to keep within the cache budget and fetched again.
    CREATE TABLE blobs (
        hash TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        uploaded INTEGER NOT NULL DEFAULT 0,
        role TEXT NOT NULL DEFAULT 'photo',
        present INTEGER NOT NULL DEFAULT 1,
        last_used INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;

    CREATE TABLE sites (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        area TEXT NOT NULL,
        json TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sites_by_area ON sites (area, name);

    -- Change sets the server refused: kept, listable and exportable, never
    -- replayed automatically and never blocking the rest of the queue.
    CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        changes BLOB NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
    );

    -- Colleagues in the device's area (reference data from the server).
    CREATE TABLE people (
        user_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE templates (
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (id, version)
    ) WITHOUT ROWID;
    "#,
    // 2: plan tasks (reference data: the server's list for this device's
    // user replaces what was here) and the task an inspection was started
    // from, so a task's state is read from the index alone.
    r#"
    ALTER TABLE inspection_index ADD COLUMN task_id TEXT;
    CREATE INDEX inspection_by_task ON inspection_index (task_id, finished_at) WHERE task_id IS NOT NULL;
    CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        plan_id TEXT NOT NULL,
        plan_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        site_id TEXT NOT NULL,
        template_id TEXT NOT NULL,
        starts_on TEXT NOT NULL,          -- YYYY-MM-DD
        due_on TEXT NOT NULL,
        notes TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX tasks_by_due ON tasks (due_on, starts_on);
    "#,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Sets durability pragmas and brings the schema up to date.
pub fn prepare(conn: &mut Connection) -> Result<()> {
    redline_sqlite::durable(conn, std::time::Duration::from_secs(5))?;
    redline_sqlite::migrate(conn, MIGRATIONS).map_err(|e| match e {
        MigrateError::TooNew { found, supported } => Error::SchemaTooNew { found, supported },
        MigrateError::Sqlite(e) => Error::Sqlite(e),
    })?;
    Ok(())
}
