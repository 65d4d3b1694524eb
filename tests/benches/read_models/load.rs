//! Writes the generated district into a backend: the derived single-row
//! inserts are regrouped per table into multi-row statements (a few hundred
//! rows each, well under both backends' parameter limits) and committed a
//! batch of inspections at a time, so 2 million rows take a minute rather
//! than an hour of round trips.

use crate::make::{self, Generator, INSPECTIONS};
use redline_storage::Storage;
use redline_storage::sql::{Dialect, Sql, Value};
use std::collections::BTreeMap;

/// Bound parameters per statement (SQLite allows 32,766, PostgreSQL 65,535).
const PARAMS: usize = 30_000;
/// Inspections per transaction.
const BATCH: usize = 500;

/// Rows waiting per table: the statement's head and the rows' values.
#[derive(Default)]
struct Batcher {
    tables: BTreeMap<String, (String, Vec<Vec<Value>>)>,
    width: BTreeMap<String, usize>,
}

impl Batcher {
    /// Takes the rows of one of derive's `INSERT ... VALUES (...), (...)`.
    fn add(&mut self, s: Sql) {
        let (head, _) = s.text.split_once(" VALUES ").expect("derive writes INSERT ... VALUES");
        let table = head.split_whitespace().nth(2).expect("table").to_string();
        let width = head.matches(',').count() + 1;
        self.width.insert(table.clone(), width);
        let e = self.tables.entry(table).or_insert_with(|| (head.to_string(), vec![]));
        e.1.extend(s.params.chunks(width).map(<[Value]>::to_vec));
    }

    /// Multi-row statements for everything waiting.
    fn drain(&mut self, d: Dialect) -> Vec<Sql> {
        let mut out = vec![];
        for (table, (head, rows)) in std::mem::take(&mut self.tables) {
            let per = (PARAMS / self.width[&table]).max(1);
            for chunk in rows.chunks(per) {
                let mut s = Sql::new(d);
                s.push(&head).push(" VALUES ");
                for (r, row) in chunk.iter().enumerate() {
                    s.push(if r == 0 { "(" } else { ", (" });
                    for (k, v) in row.iter().enumerate() {
                        if k > 0 {
                            s.push(", ");
                        }
                        s.bind(v.clone());
                    }
                    s.push(")");
                }
                out.push(s);
            }
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
