//! SQLite as both the phone store and the server's embedded backend use it,
//! written once: the durability pragmas, numbered migrations recorded in
//! `PRAGMA user_version`, [`Coded`], which stores any typed state of the
//! domain (a [`Code`]) as its text code and refuses unknown codes on read,
//! and [`DateText`], a calendar date as `YYYY-MM-DD` text.

use redline_domain::code::Code;
use redline_domain::time::Date;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, Transaction};
use std::time::Duration;

/// Opens `conn` for durable use: WAL (readers never wait for the writer),
/// `synchronous = FULL` (the WAL is synced on every commit, so an
/// acknowledged write survives power loss, not just a crash), foreign keys
/// on, and a busy timeout for the moments a second connection holds the
/// write lock.
pub fn durable(conn: &Connection, busy: Duration) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(busy)
}

/// One step of a schema: the SQL that moves it from version `n - 1` to `n`,
/// where `n` is its position in the list plus one.
pub type Migration = &'static str;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("the database was written by a newer version (schema {found}, this build knows up to {supported})")]
    TooNew { found: i64, supported: i64 },
    #[error("migrating the database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The schema version recorded in the database (0 for a new one).
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the schema up to `migrations.len()`, all pending steps in one
/// transaction: a crash mid-way leaves the database exactly as it was. A
/// database from a newer build is refused rather than guessed at, so a
/// downgrade can never corrupt data. Returns the version found.
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<i64, MigrateError> {
    migrate_with(conn, migrations, |_, _| Ok(()))
}

/// [`migrate`], calling `after_step(tx, version)` inside the transaction
/// once each step's SQL has run (for steps that need code, such as
/// back-filling rows).
pub fn migrate_with(
    conn: &mut Connection,
    migrations: &[Migration],
    mut after_step: impl FnMut(&Transaction<'_>, i64) -> rusqlite::Result<()>,
) -> Result<i64, MigrateError> {
    let supported = migrations.len() as i64;
    let found = version(conn)?;
    if found > supported {
        return Err(MigrateError::TooNew { found, supported });
    }
    if found < supported {
        let tx = conn.transaction()?;
        for (i, sql) in migrations.iter().enumerate().skip(found as usize) {
            tx.execute_batch(sql)?;
            after_step(&tx, i as i64 + 1)?;
        }
        tx.pragma_update(None, "user_version", supported)?;
        tx.commit()?;
    }
    Ok(found)
}

/// A typed state stored as its text code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coded<T>(pub T);

impl<T: Code> ToSql for Coded<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.code()))
    }
}

impl<T: Code> FromSql for Coded<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        T::from_code(s).map(Coded).ok_or_else(|| FromSqlError::Other(format!("unknown {} {s:?}", T::WHAT).into()))
    }
}

/// A calendar date stored as `YYYY-MM-DD` text, which orders as the dates
/// do (so `deadline < ?` compares days); anything else is refused on read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateText(pub Date);

impl ToSql for DateText {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.to_string()))
    }
}

impl FromSql for DateText {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        Date::parse(s).map(DateText).ok_or_else(|| FromSqlError::Other(format!("{s:?} is not a date (YYYY-MM-DD)").into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redline_domain::hazard::HazardState;

    const STEPS: &[Migration] = &["CREATE TABLE a (x TEXT);", "ALTER TABLE a ADD COLUMN y TEXT;"];

    #[test]
    fn migrations_run_once_in_order_and_a_newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Connection::open(dir.path().join("db")).unwrap();
        assert_eq!(migrate(&mut c, &STEPS[..1]).unwrap(), 0);
        assert_eq!(migrate(&mut c, STEPS).unwrap(), 1);
        assert_eq!(migrate(&mut c, STEPS).unwrap(), 2);
        c.execute("INSERT INTO a (x, y) VALUES ('1', '2')", []).unwrap();
        assert!(matches!(migrate(&mut c, &STEPS[..1]), Err(MigrateError::TooNew { found: 2, supported: 1 })));
    }

    #[test]
    fn a_failing_step_leaves_the_database_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Connection::open(dir.path().join("db")).unwrap();
        migrate(&mut c, &STEPS[..1]).unwrap();
        let broken: &[Migration] = &[STEPS[0], STEPS[1], "CREATE TABLE a (x TEXT);"];
        assert!(migrate(&mut c, broken).is_err());
        assert_eq!(version(&c).unwrap(), 1);
        // Step 2 was rolled back with the failing step 3.
        assert!(c.execute("INSERT INTO a (x, y) VALUES ('1', '2')", []).is_err());
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        let c = Connection::open_in_memory().unwrap();
        let back: Coded<HazardState> = c.query_row("SELECT ?1", [Coded(HazardState::FixReported)], |r| r.get(0)).unwrap();
        assert_eq!(back.0, HazardState::FixReported);
        let bad: rusqlite::Result<Coded<HazardState>> = c.query_row("SELECT 'melted'", [], |r| r.get(0));
        assert!(bad.unwrap_err().to_string().contains("unknown hazard state"));
    }

    #[test]
    fn dates_are_stored_as_iso_text_and_read_back() {
        let c = Connection::open_in_memory().unwrap();
        let day = Date::parse("2026-03-09").unwrap();
        let text: String = c.query_row("SELECT ?1", [DateText(day)], |r| r.get(0)).unwrap();
        assert_eq!(text, "2026-03-09");
        let back: Option<DateText> = c.query_row("SELECT '2026-03-09'", [], |r| r.get(0)).unwrap();
        assert_eq!(back, Some(DateText(day)));
        let none: Option<DateText> = c.query_row("SELECT NULL", [], |r| r.get(0)).unwrap();
        assert_eq!(none, None);
        let earlier: bool = c.query_row("SELECT ?1 < ?2", [DateText(day), DateText(day.add_days(1))], |r| r.get(0)).unwrap();
        assert!(earlier);
        let bad: rusqlite::Result<DateText> = c.query_row("SELECT '9 March'", [], |r| r.get(0));
        assert!(bad.unwrap_err().to_string().contains("is not a date"));
    }
}
