//! The store's SQLite connections: one writer, behind a mutex, for every
//! edit and every sync apply; and a small pool of read-only connections for
//! lists, search, reference data and reading documents for display.
//!
//! WAL lets readers run while the writer holds a transaction, so a sync
//! applying a large response never makes a list screen wait. Each read
//! statement (or read transaction) sees everything committed before it
//! began: an edit acknowledged to the app is visible to the next read on
//! any connection.
//!
//! A sealed store's connections open its URI through the sealed VFS
//! (`redline-seal`): the same connections, every page sealed on its way to
//! flash.

use super::schema;
use crate::error::Result;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Idle reader connections kept open; more may exist while many threads
/// read at once, and are closed when returned.
const IDLE_READERS: usize = 2;

/// How long a statement waits for a lock before failing. Readers only meet
/// one during WAL recovery or a checkpoint reset; the writer when another
/// process holds the database (never in the app).
const BUSY: Duration = Duration::from_secs(5);

/// Where connections open the database.
#[derive(Clone, Debug)]
pub enum Target {
    /// A database in clear, by path.
    Clear(PathBuf),
    /// A sealed database, by the URI naming its VFS and key.
    Sealed(String),
}

impl Target {
    fn connect(&self, reader: bool) -> Result<Connection> {
        match self {
            Target::Clear(path) if !reader => Ok(Connection::open(path)?),
            Target::Clear(path) => {
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
                Ok(Connection::open_with_flags(path, flags)?)
            }
            Target::Sealed(uri) => {
                let conn = Connection::open_with_flags(uri, redline_seal::database::open_flags(reader))?;
                redline_seal::configure_connection(&conn)?;
                Ok(conn)
            }
        }
    }
}

/// The one writing connection.
pub struct Writer {
    pub conn: Connection,
}

impl Writer {
    /// Opens the database for writing and brings its schema up to date.
    pub fn open(target: &Target) -> Result<Writer> {
        let mut conn = target.connect(false)?;
        schema::prepare(&mut conn)?;
        Ok(Writer { conn })
    }
}

/// Read-only connections, opened on demand and reused.
pub struct Readers {
    target: Target,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Opens the first reader at once, so a damaged or unreadable file is
    /// reported by `Store::open`, not by the first list screen.
    pub fn open(target: &Target) -> Result<Readers> {
        let readers = Readers { target: target.clone(), idle: Mutex::new(vec![]) };
        let first = readers.connect()?;
        readers.lock().push(first);
        Ok(readers)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Connection>> {
        // A connection is either in the list or not; a panic cannot leave
        // the list half-changed.
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn connect(&self) -> Result<Connection> {
        // Read-write flags with `query_only`: a read-only open of a WAL
        // database fails when the -shm file cannot be created, and the
        // writer, not the readers, owns the schema.
        let conn = self.target.connect(true)?;
        conn.pragma_update(None, "query_only", true)?;
        conn.busy_timeout(BUSY)?;
        Ok(conn)
    }

    /// A reader opened for one check and never pooled. FTS5's part of
    /// `PRAGMA integrity_check` trusts the index structure a connection
    /// cached when it last read the index, so on a pooled reader it reports
    /// a checksum mismatch after the writer changed the index (the data is
    /// fine: a new connection finds it consistent).
    pub fn fresh(&self) -> Result<Connection> {
        self.connect()
    }

    /// A reader connection for one call; it goes back to the pool when
    /// dropped.
    pub fn get(&self) -> Result<Reader<'_>> {
        let pooled = self.lock().pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(Reader { conn: Some(conn), pool: self })
    }
}

/// A pooled reader connection.
pub struct Reader<'a> {
    conn: Option<Connection>,
    pool: &'a Readers,
}

impl Reader<'_> {
    /// A read transaction: several statements that must see one snapshot
    /// (a document's snapshot row and its appended changes).
    pub fn snapshot(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::new_unchecked(self, TransactionBehavior::Deferred)?)
    }
}

impl Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self.pool.lock();
            // A connection left inside a transaction (a panic mid-read)
            // would pin an old snapshot: close it instead.
            if idle.len() < IDLE_READERS && conn.is_autocommit() {
                idle.push(conn);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_each_commit_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let target = Target::Clear(path);
        let w = Writer::open(&target).unwrap();
        let readers = Readers::open(&target).unwrap();
        let count = |r: &Reader<'_>| r.query_row("SELECT COUNT(*) FROM sites", [], |row| row.get::<_, i64>(0)).unwrap();
        let r = readers.get().unwrap();
        assert_eq!(count(&r), 0);
        w.conn.execute("INSERT INTO sites (id, name, area, json) VALUES ('s', 'n', 'a', '{}')", []).unwrap();
        assert_eq!(count(&r), 1, "a committed write is visible to the next read");
        assert!(r.execute("DELETE FROM sites", []).is_err(), "readers are query-only");
        drop(r);
        // Two at once: the second is opened on demand; both return to the pool.
        let (a, b) = (readers.get().unwrap(), readers.get().unwrap());
        assert_eq!(count(&a) + count(&b), 2);
        drop((a, b));
        assert_eq!(readers.lock().len(), 2);
    }

    #[test]
    fn a_reader_reads_while_the_writer_holds_a_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let target = Target::Clear(path);
        let mut w = Writer::open(&target).unwrap();
        let readers = Readers::open(&target).unwrap();
        let tx = w.conn.transaction().unwrap();
        tx.execute("INSERT INTO sites (id, name, area, json) VALUES ('s', 'n', 'a', '{}')", []).unwrap();
        let r = readers.get().unwrap();
        let seen: i64 = r.query_row("SELECT COUNT(*) FROM sites", [], |row| row.get(0)).unwrap();
        assert_eq!(seen, 0, "the uncommitted row is not seen, and the read does not wait");
        tx.commit().unwrap();
        let seen: i64 = r.query_row("SELECT COUNT(*) FROM sites", [], |row| row.get(0)).unwrap();
        assert_eq!(seen, 1);
    }
}
