//! An acknowledged edit survives the app being killed at any moment.
//!
//! Phones kill apps without warning (low memory, a swipe, a flat battery),
//! and the store promises that once an edit call has returned Ok it is on
//! disk, with its index rows and photo files, and the store reopens cleanly.
//! A child process (this test binary re-executed, running the ignored
//! `crash_child`) edits a store and prints one line per acknowledged edit;
//! the parent reads the lines, SIGKILLs the child after a random number of
//! acknowledgements (while it is in the middle of its next edit: a SQLite
//! transaction, a compaction or a photo write), reopens the store and checks
//! that every acknowledged edit is there, the index agrees with the
//! documents, every photo verifies against its hash, and SQLite's integrity
//! check passes. The store is reused across rounds so it grows and its
//! documents pass through compaction many times.
//!
//! The same runs on an encrypted store, whose child also changes the key
//! now and then (`REKEY`): after each kill the store opens with the key of
//! the last acknowledged change or, if a change was under way, the next
//! one — exactly one of the two — and holds everything acknowledged.
//!
//! No sleeps: the kill is driven by the acknowledgements the parent reads.
//! The seed is printed; set `REDLINE_CRASH_SEED` to replay the same choices
//! (the exact kill points depend on timing, which is the point).

mod common;

use common::edits::{Acked, Rng, check_index, edit_until_stopped, open_store, print_ack, run_child, seed, who};
use redline_device::store::{COMPACT_AFTER, Store};
use std::path::Path;

const ENV_DB: &str = "REDLINE_CRASH_CHILD_DB";
const ENV_ROUND: &str = "REDLINE_CRASH_CHILD_ROUND";
/// Set for an encrypted store: the number of the key that opens it.
const ENV_KEY: &str = "REDLINE_CRASH_CHILD_KEY";
const SEALED_ROUNDS: u64 = 80;
const ROUNDS: u64 = 200;
/// Acknowledgements after which a round's child is killed: 0..=MAX_ACKS.
const MAX_ACKS: u64 = 12;

/// Edits the store named by `REDLINE_CRASH_CHILD_DB` until killed, printing
/// `ACK ...` after each edit that returned Ok. Does nothing when run without
/// it (e.g. by `cargo test -- --ignored`).
#[test]
#[ignore = "child process of acknowledged_edits_survive_sigkill"]
fn crash_child() {
    let Ok(db) = std::env::var(ENV_DB) else { return };
    let round: u64 = std::env::var(ENV_ROUND).unwrap().parse().unwrap();
    let key_number: Option<u64> = std::env::var(ENV_KEY).ok().map(|k| k.parse().unwrap());
    let store = open_store(Path::new(&db), key_number).expect("the store reopens after a crash");
    edit_until_stopped(&store, round, key_number, &print_ack);
}

/// Runs one child until it has acknowledged `kill_after` edits and kills
/// it; returns every acknowledgement it printed.
fn run_killed_child(db: &Path, round: u64, kill_after: u64, stderr_path: &Path, key_number: Option<u64>) -> Vec<String> {
    let mut env = vec![(ENV_DB, db.display().to_string()), (ENV_ROUND, round.to_string())];
    if let Some(n) = key_number {
        env.push((ENV_KEY, n.to_string()));
    }
    let run = run_child("crash_child", &env, Some(kill_after), stderr_path);
    if !run.killed {
        panic!(
            "round {round}: the child stopped by itself after {} acknowledgements ({}):\n{}",
            run.acks.len(),
            run.status,
            std::fs::read_to_string(stderr_path).unwrap_or_default()
        );
    }
    run.acks
}

#[test]
fn acknowledged_edits_survive_sigkill() {
    survive_kills(ROUNDS, None);
}

#[test]
fn acknowledged_edits_and_key_changes_survive_sigkill_on_an_encrypted_store() {
    survive_kills(SEALED_ROUNDS, Some(1));
}

/// After a kill, the key that opens the store: the last acknowledged one,
/// or the next if a change was under way. Never both, never neither.
fn reopen(db: &Path, acked: Option<u64>, round: u64) -> (Store, Option<u64>) {
    let Some(n) = acked else {
        return (Store::open(db, who()).unwrap_or_else(|e| panic!("round {round}: reopening after the kill: {e}")), None);
    };
    match (open_store(db, Some(n)), open_store(db, Some(n + 1))) {
        (Ok(store), Err(e)) if e.kind() == redline_device::ErrorKind::WrongKey => (store, Some(n)),
        (Err(e), Ok(store)) if e.kind() == redline_device::ErrorKind::WrongKey => (store, Some(n + 1)),
        (a, b) => panic!("round {round}: key {n} gave {:?}, key {} gave {:?}", a.err(), n + 1, b.err()),
    }
}

fn survive_kills(rounds: u64, first_key: Option<u64>) {
    let seed = seed("REDLINE_CRASH_SEED");
    println!("REDLINE_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    let stderr_path = dir.path().join("child-stderr.txt");
    let store = open_store(&db, first_key).unwrap();
    store.put_sites(&[common::site("site-1", "西湖化工仓库"), common::site("site-2", "文三路烟花店")]).unwrap();
    drop(store);

    let mut all = Acked { key: first_key, ..Default::default() };
    let mut key_number = first_key;
    let (mut total_acks, mut overran, mut rekeys_in_flight) = (0, 0, 0);
    for round in 0..rounds {
        let kill_after = rng.below(MAX_ACKS + 1);
        let acks = run_killed_child(&db, round, kill_after, &stderr_path, key_number);
        assert!(acks.len() as u64 >= kill_after, "round {round}");
        if acks.len() as u64 > kill_after {
            overran += 1;
        }
        total_acks += acks.len();
        let mut this_round = Acked::default();
        for a in &acks {
            this_round.record(a);
            all.record(a);
        }
        let (store, opened_with) = reopen(&db, all.key, round);
        if opened_with != all.key {
            rekeys_in_flight += 1;
            all.key = opened_with;
        }
        key_number = opened_with;
        store.check_integrity().unwrap_or_else(|e| panic!("round {round}: {e}"));
        this_round.check(&store);
        // A photo write cut short leaves a temporary file; reopening clears it.
        let leftovers = std::fs::read_dir(dir.path().join("phone.blobs").join("tmp")).unwrap().count();
        assert_eq!(leftovers, 0, "round {round}: temporaries left after reopening");
    }

    let store = open_store(&db, key_number).unwrap();
    store.check_integrity().unwrap();
    all.check(&store);
    let inspections = check_index(&store);
    println!(
        "{rounds} rounds, {total_acks} acknowledged edits ({overran} rounds printed more before dying), \
         {inspections} inspections, {} photos, key now {key_number:?} ({rekeys_in_flight} kills during a key change)",
        all.photos.len()
    );
    assert!(total_acks as u64 >= rounds * MAX_ACKS / 4, "the children did work: {total_acks}");
    // Kills landed across compactions, not only between small appends:
    // each inspection gets the edits of ~40 rounds (~240 acknowledged).
    let longest = all.edits.values().max().copied().unwrap_or(0);
    let wanted = if rounds >= ROUNDS { 2 * COMPACT_AFTER as u64 } else { COMPACT_AFTER as u64 };
    assert!(longest >= wanted, "longest document had only {longest} edits");
}
