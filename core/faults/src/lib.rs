//! A disk that fails on purpose, for tests of what survives it: a SQLite
//! VFS shim, installed as the default VFS so the code under test opens its
//! databases exactly as it does in production, that can
//!
//! - **lose power**: hold every write (and truncation) of the database, its
//!   WAL and its journal in memory until that file is synced, as a disk's
//!   write cache does, and at a chosen operation keep a random part of
//!   what was not synced (whole writes or their first sectors, in any
//!   order) and kill the process. What was synced is on disk; nothing else
//!   can be relied on — the promise behind "acknowledged only after the
//!   commit is durable";
//! - **fail**: answer reads, writes or syncs with an I/O error, or writes
//!   with "disk full", from a chosen operation on, until healed.
//!
//! Operations are counted across all files: every write, truncation and
//! sync is one (reads are not: they change nothing on disk).
//!
//! Beside it, [`SmallDisk`]: a real file system of a few megabytes (a
//! tmpfs) for tests that fill a disk up for real.
//!
//! What it cannot simulate: files written without SQLite (the photo files
//! go through the file system directly, so a cut leaves them as a kill
//! does), and a directory entry lost because its directory was not synced.

mod pending;
mod small_disk;
mod vfs;

pub use small_disk::SmallDisk;

use std::sync::{Mutex, MutexGuard, OnceLock};

/// Which operations a [`fail`] applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ops {
    pub reads: bool,
    pub writes: bool,
    pub syncs: bool,
}

impl Ops {
    pub const READS: Ops = Ops { reads: true, writes: false, syncs: false };
    pub const WRITES: Ops = Ops { reads: false, writes: true, syncs: false };
    pub const SYNCS: Ops = Ops { reads: false, writes: false, syncs: true };
    pub const ALL: Ops = Ops { reads: true, writes: true, syncs: true };
}

/// The error a failing operation returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// `EIO`: SQLite's `IOERR_READ`, `IOERR_WRITE`, `IOERR_FSYNC`.
    Io,
    /// `ENOSPC` on writes (`SQLITE_FULL`); reads and syncs still work.
    Full,
}

#[derive(Default)]
struct Plan {
    hold_unsynced: bool,
    cut_at: Option<u64>,
    failing: Option<(u64, Ops, Failure)>,
    ops: u64,
    rng: u64,
}

fn plan() -> MutexGuard<'static, Plan> {
    static PLAN: OnceLock<Mutex<Plan>> = OnceLock::new();
    PLAN.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner())
}

/// Makes the faulty VFS the process's default (once; later calls do
/// nothing). Until a plan is set it passes everything through.
pub fn install() {
    vfs::install();
}

/// From now on, writes stay in memory until their file is synced; power
/// fails at operation `at` (counted from the start of the process), keeping
/// a part of what was not synced chosen by `seed`, and the process dies
/// with SIGKILL.
pub fn power_cut_at(at: u64, seed: u64) {
    install();
    let mut p = plan();
    p.hold_unsynced = true;
    p.cut_at = Some(at);
    p.rng = seed | 1;
}

/// Operations of kind `ops` fail with `failure` from the `after`-th
/// operation from now on (0: the next one), until [`heal`].
pub fn fail(ops: Ops, failure: Failure, after: u64) {
    install();
    let mut p = plan();
    let from = p.ops + after;
    p.failing = Some((from, ops, failure));
}

/// No more failures.
pub fn heal() {
    plan().failing = None;
}

/// Writes, truncations and syncs so far in this process.
pub fn operations() -> u64 {
    plan().ops
}

/// What the VFS does with one operation.
enum Verdict {
    Go,
    Fail(Failure),
    Cut,
}

/// Counts an operation (unless it is a read) and decides its fate.
fn verdict(is_read: bool, is_sync: bool) -> Verdict {
    let mut p = plan();
    if !is_read {
        p.ops += 1;
        if p.cut_at.is_some_and(|at| p.ops >= at) {
            return Verdict::Cut;
        }
    }
    if let Some((from, ops, failure)) = p.failing {
        let applies = if is_read {
            ops.reads
        } else if is_sync {
            ops.syncs
        } else {
            ops.writes
        };
        let applies = applies && !(failure == Failure::Full && (is_read || is_sync));
        if applies && p.ops >= from {
            return Verdict::Fail(failure);
        }
    }
    Verdict::Go
}

fn holding() -> bool {
    plan().hold_unsynced
}

/// SplitMix64 step on the plan's generator: which unsynced writes survive.
fn coin(n: u64) -> u64 {
    let mut p = plan();
    p.rng = p.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = p.rng;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % n.max(1)
}
