//! Writes the generated district into a backend: the derived inserts (one
//! per table and document) are regrouped per table across a batch of
//! inspections into multi-row statements (`Sql::insert_rows`, under both
//! backends' parameter limits) and committed a batch at a time, so 2
//! million rows take a minute rather than an hour of round trips.

use crate::make::{self, Generator, INSPECTIONS};
use redline_storage::Storage;
use redline_storage::sql::{Dialect, Sql, Value};
use std::collections::BTreeMap;

/// Inspections per transaction.
const BATCH: usize = 500;

/// Rows waiting per table: its columns and the rows' values.
#[derive(Default)]
struct Batcher {
    tables: BTreeMap<String, (Vec<String>, Vec<Vec<Value>>)>,
}

impl Batcher {
    /// Takes the rows of one of derive's `INSERT INTO t (cols) VALUES (...), (...)`.
    fn add(&mut self, s: Sql) {
        let (head, _) = s.text.split_once(" VALUES ").expect("derive writes INSERT ... VALUES");
        let table = head.split_whitespace().nth(2).expect("table").to_string();
        let (_, cols) = head.split_once('(').expect("a column list");
        let cols: Vec<String> = cols.trim_end_matches(')').split(", ").map(str::to_string).collect();
        let width = cols.len();
        let e = self.tables.entry(table).or_insert_with(|| (cols, vec![]));
        e.1.extend(s.params.chunks(width).map(<[Value]>::to_vec));
    }

    /// Multi-row statements for everything waiting.
    fn drain(&mut self, d: Dialect) -> Vec<Sql> {
        let mut out = vec![];
        for (table, (cols, rows)) in std::mem::take(&mut self.tables) {
            let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
            out.extend(Sql::insert_rows(d, &table, &cols, rows));
        }
        out
    }
}

/// What was written.
pub struct Loaded {
    pub inspections: usize,
    pub hazards: usize,
}

/// Seeds users, sites and the whole district's rows into `storage`.
pub async fn load(storage: &dyn Storage, seed: u64, now: i64) -> Loaded {
    for s in make::sites() {
        storage.put_site(&s).await.expect("site");
    }
    for u in make::users() {
        storage.put_user(&u).await.expect("user");
    }
    let d = storage.dialect();
    let mut g = Generator::new(seed, now);
    let mut b = Batcher::default();
    for n in 0..INSPECTIONS {
        for s in g.inspection(n, d) {
            b.add(s);
        }
        if (n + 1) % BATCH == 0 || n + 1 == INSPECTIONS {
            storage.execute(b.drain(d)).await.expect("write district rows");
        }
    }
    Loaded { inspections: INSPECTIONS, hazards: g.hazards }
}
