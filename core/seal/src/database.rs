//! A store's files on disk, sealed: which of them say what, and the steps
//! that take a store written in clear to a sealed one.
//!
//! The key file (`<db>.key`) decides: without it the store has never been
//! sealed, and whatever is there (database, WAL) is in clear; with it the
//! database is sealed, unless its header is still SQLite's clear one — a
//! migration that was killed before its last step, which is then done
//! again with the data key already in the key file.
//!
//! Migration, each step durable before the next:
//! 1. `VACUUM INTO <db>.sealing` through the sealed VFS (the copy includes
//!    what was still in the clear WAL), synced;
//! 2. the key file written (atomically);
//! 3. the clear WAL and shared-memory files removed (the clear connection
//!    closed cleanly, so they are already gone), `<db>.sealing` renamed
//!    over `<db>`, the directory synced.
//!
//! A kill before 2 leaves the clear store as it was (and a stale copy that
//! the next attempt replaces); a kill after 2 leaves a key file and a clear
//! database, so the next open with the same key starts again at 1.

use crate::key::{self, AppKey, DataKey};
use crate::page::{PAGE_SIZE, PageCipher, RESERVE};
use crate::vfs::{self, Registration};
use crate::{BlobSeal, SealError};
use rusqlite::{Connection, OpenFlags, ffi};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The steps of a migration, each durable before the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Copied,
    KeyWritten,
    ClearSideRemoved,
    Renamed,
}

#[cfg(test)]
thread_local! {
    /// A test stops a migration after this step, as a kill there would.
    static STOP_AFTER: std::cell::Cell<Option<Step>> = const { std::cell::Cell::new(None) };
}

/// Marks a step done (where a test may cut the migration short).
fn reached(step: Step) -> Result<(), SealError> {
    #[cfg(test)]
    if STOP_AFTER.with(|s| s.get()) == Some(step) {
        return Err(SealError::Io(std::io::Error::other(format!("stopped after {step:?}"))));
    }
    let _ = step;
    Ok(())
}

/// The key file of the store at `db`.
pub fn slot_path(db: &Path) -> PathBuf {
    sibling(db, ".key")
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether the store at `db` is sealed (it has a key file).
pub fn is_sealed(db: &Path) -> bool {
    slot_path(db).exists()
}

/// An open sealed store's keys: the URI its connections use, and the seal
/// for its blob files.
pub struct SealedDatabase {
    path: PathBuf,
    data: DataKey,
    registration: Registration,
}

impl SealedDatabase {
    /// Opens the store at `db` with the app's key: unlocks its key file
    /// (`WrongKey` if it is another key), creates one for a new store, and
    /// seals a store written in clear.
    pub fn open(db: &Path, app: &AppKey) -> Result<SealedDatabase, SealError> {
        let slot = slot_path(db);
        let (data, clear) = if slot.exists() {
            (key::unlock(&slot, app)?, has_clear_header(db)?)
        } else if has_content(db)? {
            (DataKey::random()?, true)
        } else {
            (key::create(&slot, app)?, false)
        };
        let registration = vfs::register(PageCipher::new(data.page_key().bytes()))?;
        let sealed = SealedDatabase { path: db.to_path_buf(), data, registration };
        if clear {
            sealed.migrate(app)?;
        }
        Ok(sealed)
    }

    /// The URI a connection opens the database with (with
    /// `SQLITE_OPEN_URI`); then [`configure_connection`].
    pub fn uri(&self) -> String {
        self.registration.uri(&self.path)
    }

    /// The seal of the store's photo and signature files.
    pub fn blob_seal(&self) -> BlobSeal {
        BlobSeal::new(&self.data.blob_key())
    }

    /// Wraps the data key with a new app key; the old one stops opening
    /// the store once this returns. Atomic: killed during it, the store
    /// opens with exactly one of the two keys.
    pub fn rekey(&self, new: &AppKey) -> Result<(), SealError> {
        key::write_slot(&slot_path(&self.path), &self.data, new)
    }

    fn migrate(&self, app: &AppKey) -> Result<(), SealError> {
        let copy = sibling(&self.path, ".sealing");
        for stale in [copy.clone(), sibling(&copy, "-journal"), sibling(&copy, "-wal")] {
            remove_if_present(&stale)?;
        }
        {
            let clear = Connection::open(&self.path)?;
            clear.pragma_update(None, "temp_store", "MEMORY")?;
            let page_size: i64 = clear.pragma_query_value(None, "page_size", |r| r.get(0))?;
            if page_size != PAGE_SIZE as i64 {
                return Err(SealError::Corrupt(format!("the store has {page_size}-byte pages; sealing needs {PAGE_SIZE}")));
            }
            set_reserve(&clear)?;
            clear.execute("VACUUM INTO ?1", [self.registration.uri(&copy)])?;
            // Closing checkpoints the clear WAL and removes it.
            clear.close().map_err(|(_, e)| e)?;
        }
        File::open(&copy)?.sync_all()?;
        reached(Step::Copied)?;
        let slot = slot_path(&self.path);
        if !slot.exists() {
            key::write_slot(&slot, &self.data, app)?;
        }
        reached(Step::KeyWritten)?;
        for clear_side in [sibling(&self.path, "-wal"), sibling(&self.path, "-shm"), sibling(&self.path, "-journal")] {
            remove_if_present(&clear_side)?;
        }
        reached(Step::ClearSideRemoved)?;
        fs::rename(&copy, &self.path)?;
        key::sync_dir(&self.path)?;
        reached(Step::Renamed)
    }
}

/// Settings every sealed connection needs: temporary data in memory (the
/// VFS refuses temporary files), and for a new database the page size and
/// the reserved bytes the seal lives in. Call before anything else.
pub fn configure_connection(conn: &Connection) -> Result<(), SealError> {
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    let pages: i64 = conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
    if pages == 0 {
        conn.pragma_update(None, "page_size", PAGE_SIZE as i64)?;
        set_reserve(conn)?;
    }
    Ok(())
}

/// Flags for a sealed connection (the URI names the VFS and the key).
pub fn open_flags(read_only_pool: bool) -> OpenFlags {
    let base = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if read_only_pool { base } else { base | OpenFlags::SQLITE_OPEN_CREATE }
}

fn set_reserve(conn: &Connection) -> Result<(), SealError> {
    let mut n = RESERVE as std::ffi::c_int;
    // The reserved bytes of the next pages SQLite lays out (a new
    // database, or the copy VACUUM INTO makes).
    let rc = unsafe { ffi::sqlite3_file_control(conn.handle(), c"main".as_ptr(), ffi::SQLITE_FCNTL_RESERVE_BYTES, (&raw mut n).cast()) };
    if rc != ffi::SQLITE_OK {
        return Err(SealError::Io(std::io::Error::other(format!("reserving page bytes failed ({rc})"))));
    }
    Ok(())
}

/// Whether the database file starts with SQLite's clear header.
fn has_clear_header(db: &Path) -> Result<bool, SealError> {
    let mut head = [0u8; 16];
    match File::open(db) {
        Ok(mut f) => Ok(f.read_exact(&mut head).is_ok() && &head == b"SQLite format 3\0"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether anything of a database is on disk (its file or its WAL).
fn has_content(db: &Path) -> Result<bool, SealError> {
    for file in [db.to_path_buf(), sibling(db, "-wal")] {
        match fs::metadata(&file) {
            Ok(m) if m.len() > 0 => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(false)
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clear_store(db: &Path, rows: usize) {
        let conn = Connection::open(db).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE notes (body TEXT);").unwrap();
        for i in 0..rows {
            conn.execute("INSERT INTO notes VALUES (?1)", [format!("clear-marker {i}")]).unwrap();
        }
    }

    fn rows(sealed: &SealedDatabase) -> i64 {
        let conn = Connection::open_with_flags(sealed.uri(), open_flags(false)).unwrap();
        configure_connection(&conn).unwrap();
        conn.query_row("SELECT COUNT(*) FROM notes", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_migration_stopped_after_any_step_is_finished_by_the_next_open() {
        for step in [Step::Copied, Step::KeyWritten, Step::ClearSideRemoved, Step::Renamed] {
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("store.db");
            clear_store(&db, 200);
            let app = AppKey::new(&[4; 32]).unwrap();
            STOP_AFTER.with(|s| s.set(Some(step)));
            assert!(SealedDatabase::open(&db, &app).is_err(), "{step:?}");
            STOP_AFTER.with(|s| s.set(None));
            // Whatever the step, the rows are there: in clear, or sealed.
            let sealed = SealedDatabase::open(&db, &app).unwrap_or_else(|e| panic!("{step:?}: {e}"));
            assert_eq!(rows(&sealed), 200, "{step:?}");
            drop(sealed);
            for entry in fs::read_dir(dir.path()).unwrap() {
                let path = entry.unwrap().path();
                let bytes = fs::read(&path).unwrap();
                assert!(!bytes.windows(12).any(|w| w == b"clear-marker"), "{step:?}: {} in clear", path.display());
            }
            assert!(!sibling(&db, ".sealing").exists(), "{step:?}");
            if step != Step::Copied {
                let other = AppKey::new(&[5; 32]).unwrap();
                assert!(matches!(SealedDatabase::open(&db, &other), Err(SealError::WrongKey)), "{step:?}");
            }
        }
    }
}
