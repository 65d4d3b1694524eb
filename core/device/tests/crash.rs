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

use redline_device::inspection::{AnswerValue, InspectionKind, InspectionStatus, PhotoOwner};
use redline_device::people::{Identity, Role};
use redline_device::store::{COMPACT_AFTER, InspectionQuery, PhotoMeta, Store};
use redline_device::template::AnswerType;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const ENV_DB: &str = "REDLINE_CRASH_CHILD_DB";
const ENV_ROUND: &str = "REDLINE_CRASH_CHILD_ROUND";
/// Set for an encrypted store: the number of the key that opens it.
const ENV_KEY: &str = "REDLINE_CRASH_CHILD_KEY";
const SEALED_ROUNDS: u64 = 80;
const ROUNDS: u64 = 200;
/// Acknowledgements after which a round's child is killed: 0..=MAX_ACKS.
const MAX_ACKS: u64 = 12;
/// Sequence numbers are `round * SEQ_PER_ROUND + n`, increasing across
/// rounds, so "this or a later edit" can be checked.
const SEQ_PER_ROUND: u64 = 1_000_000;
const NEW_INSPECTION_EVERY: u64 = 40;

/// SplitMix64: small, seedable, good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn who() -> Identity {
    // One phone across all rounds: the same device and user, so the
    // automerge actor continues its sequence after every restart.
    Identity {
        user_id: "crash-inspector".into(),
        name: "崩溃测试".into(),
        role: Role::Inspector,
        device_id: "c7a5e3b1-0d2f-4e6a-9b8c-1f2e3d4c5b6a".into(),
    }
}

/// The bytes of photo `tag`: sizes from a few bytes to 48 KiB.
fn photo_bytes(tag: u64) -> Vec<u8> {
    let len = 16 + (tag.wrapping_mul(2_654_435_761) % (48 * 1024)) as usize;
    let mut out = Vec::with_capacity(len);
    let mut r = Rng(tag);
    while out.len() < len {
        out.extend_from_slice(&r.next().to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Key number `n` of the encrypted runs.
fn key(n: u64) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..8].copy_from_slice(&n.to_le_bytes());
    k[8..].fill(0xa5);
    k
}

fn open_store(db: &Path, key_number: Option<u64>) -> redline_device::Result<Store> {
    match key_number {
        Some(n) => Store::open_encrypted(db, who(), &key(n)),
        None => Store::open(db, who()),
    }
}

fn seq_of(text: &str, prefix: &str) -> u64 {
    text.strip_prefix(prefix).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{text:?} is not {prefix}<seq>"))
}

// ---- the child -------------------------------------------------------------

/// Edits the store named by `REDLINE_CRASH_CHILD_DB` until killed, printing
/// `ACK ...` after each edit that returned Ok. Does nothing when run without
/// it (e.g. by `cargo test -- --ignored`).
#[test]
#[ignore = "child process of acknowledged_edits_survive_sigkill"]
fn crash_child() {
    let Ok(db) = std::env::var(ENV_DB) else { return };
    let round: u64 = std::env::var(ENV_ROUND).unwrap().parse().unwrap();
    let mut rng = Rng(round.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xDEAD_BEEF);
    let mut key_number: Option<u64> = std::env::var(ENV_KEY).ok().map(|k| k.parse().unwrap());
    let store = open_store(Path::new(&db), key_number).expect("the store reopens after a crash");
    let stdout = std::io::stdout();
    let ack = |line: String| {
        let mut out = stdout.lock();
        writeln!(out, "ACK {line}").unwrap();
        out.flush().unwrap();
    };

    // Carry on with the newest draft, or start the first one.
    let drafts =
        store.inspections(&InspectionQuery { status: Some(InspectionStatus::Draft), limit: Some(1), ..Default::default() }).unwrap();
    let mut current = drafts.first().map(|i| i.id.clone());
    let mut findings: Vec<String> = match &current {
        Some(id) => store.inspection(id).unwrap().findings.into_keys().collect(),
        None => vec![],
    };

    // Bounded only as a safety net: the parent kills the child long before.
    for n in 0..100_000u64 {
        let seq = round * SEQ_PER_ROUND + n;
        let roll = rng.below(100);
        // A new inspection every NEW_INSPECTION_EVERY rounds (~240 edits),
        // so documents get long enough to be compacted again and again.
        let start_new = n == 0 && round.is_multiple_of(NEW_INSPECTION_EVERY);
        let id = match &current {
            Some(id) if !start_new => id.clone(),
            _ => {
                let template = if rng.below(2) == 0 { "hazardous_chemicals" } else { "food_safety" };
                let site = if rng.below(2) == 0 { "site-1" } else { "site-2" };
                let i = store.start_inspection(site, InspectionKind::RoutinePatrol, template).unwrap();
                ack(format!("START {}", i.id));
                current = Some(i.id.clone());
                findings.clear();
                continue;
            }
        };
        let template = {
            let i = store.inspection(&id).unwrap();
            store.template(&i.header.template_id, Some(i.header.template_version)).unwrap()
        };
        let items: Vec<_> = template.items().map(|(_, i)| i.clone()).collect();
        match roll {
            // Encrypted runs: now and then a new key.
            95..=99 if key_number.is_some() => {
                let next = key_number.unwrap() + 1;
                store.rekey(&key(next)).unwrap();
                key_number = Some(next);
                ack(format!("REKEY {next} {seq}"));
            }
            // Answers with notes: the bulk of an inspection, and what
            // drives documents through compaction.
            0..=59 => {
                let item = &items[rng.below(items.len() as u64) as usize];
                let value = match &item.answer {
                    AnswerType::Number { .. } => AnswerValue::Number(rng.below(100) as f64 / 4.0),
                    _ => [AnswerValue::Pass, AnswerValue::Fail, AnswerValue::NotApplicable][rng.below(3) as usize].clone(),
                };
                store.answer(&id, &item.id, value, Some(format!("n{seq}"))).unwrap();
                ack(format!("ANSWER {id} {} {seq}", item.id));
            }
            60..=74 => {
                let f = store
                    .add_finding(
                        &id,
                        redline_device::doc::NewFinding {
                            item_id: None,
                            description: format!("d{seq}"),
                            grade: redline_device::inspection::Grade::General,
                            location: None,
                            deadline: None,
                            responsible: Some("王经理".into()),
                        },
                    )
                    .unwrap();
                ack(format!("FINDING {id} {f} {seq}"));
                findings.push(f);
            }
            75..=84 if !findings.is_empty() => {
                let f = &findings[rng.below(findings.len() as u64) as usize];
                let patch = redline_device::inspection::FindingPatch { description: Some(format!("d{seq}")), ..Default::default() };
                store.edit_finding(&id, f, &patch).unwrap();
                ack(format!("FINDING {id} {f} {seq}"));
            }
            _ => {
                let item = &items[rng.below(items.len() as u64) as usize];
                let owner = match findings.len() {
                    0 => PhotoOwner::Answer(item.id.clone()),
                    len => PhotoOwner::Finding(findings[rng.below(len as u64) as usize].clone()),
                };
                let p = store.attach_photo(&id, owner, &photo_bytes(seq), PhotoMeta::default()).unwrap();
                ack(format!("PHOTO {id} {} {seq}", p.hash));
            }
        }
    }
}

// ---- the parent ------------------------------------------------------------

/// Everything acknowledged so far, as the parent must find it.
#[derive(Default)]
struct Acked {
    inspections: Vec<String>,
    /// (inspection, item) -> newest acknowledged note seq.
    answers: BTreeMap<(String, String), u64>,
    /// (inspection, finding) -> newest acknowledged description seq.
    findings: BTreeMap<(String, String), u64>,
    /// (inspection, hash) -> photo seq (its bytes).
    photos: BTreeMap<(String, String), u64>,
    /// Acknowledged edits per inspection.
    edits: BTreeMap<String, u64>,
    /// The newest acknowledged key number.
    key: Option<u64>,
}

impl Acked {
    fn record(&mut self, line: &str) {
        let parts: Vec<&str> = line.split(' ').collect();
        let seq = || parts.last().unwrap().parse::<u64>().unwrap();
        if parts[0] == "REKEY" {
            self.key = Some(parts[1].parse().unwrap());
            return;
        }
        *self.edits.entry(parts[1].to_string()).or_default() += 1;
        match parts[0] {
            "START" => self.inspections.push(parts[1].to_string()),
            "ANSWER" => {
                self.answers.insert((parts[1].into(), parts[2].into()), seq());
            }
            "FINDING" => {
                self.findings.insert((parts[1].into(), parts[2].into()), seq());
            }
            "PHOTO" => {
                self.photos.insert((parts[1].into(), parts[2].into()), seq());
            }
            other => panic!("unknown acknowledgement {other}: {line}"),
        }
    }

    /// Checks that `store` holds everything acknowledged (or something
    /// written later, for a field edited again).
    fn check(&self, store: &Store) {
        for id in &self.inspections {
            store.inspection(id).unwrap_or_else(|e| panic!("acknowledged inspection {id}: {e}"));
        }
        let mut loaded = BTreeMap::new();
        let mut inspection =
            |id: &str| loaded.entry(id.to_string()).or_insert_with(|| store.inspection(id).unwrap_or_else(|e| panic!("{id}: {e}"))).clone();
        for ((id, item), seq) in &self.answers {
            let i = inspection(id);
            let a = i.answers.get(item).unwrap_or_else(|| panic!("acknowledged answer {id}/{item} missing"));
            let stored = seq_of(a.note.as_deref().unwrap_or(""), "n");
            assert!(stored >= *seq, "{id}/{item}: acknowledged n{seq}, found n{stored}");
        }
        for ((id, f), seq) in &self.findings {
            let i = inspection(id);
            let finding = i.findings.get(f).unwrap_or_else(|| panic!("acknowledged finding {id}/{f} missing"));
            let stored = seq_of(&finding.description, "d");
            assert!(stored >= *seq, "{id}/{f}: acknowledged d{seq}, found d{stored}");
        }
        for ((id, hash), seq) in &self.photos {
            let i = inspection(id);
            assert!(i.photos.contains_key(hash), "acknowledged photo {hash} missing from {id}");
            let bytes = store.blob(hash).unwrap_or_else(|e| panic!("photo {hash}: {e}"));
            assert_eq!(bytes, photo_bytes(*seq), "photo {hash}");
        }
    }
}

/// Every document loads and its list row agrees with it (both are written
/// in one transaction, so a crash cannot leave them apart).
fn check_index(store: &Store) -> usize {
    let rows = store.inspections(&InspectionQuery { limit: Some(100_000), ..Default::default() }).unwrap();
    for row in &rows {
        let s = store.summary(&row.id).unwrap_or_else(|e| panic!("{}: {e}", row.id));
        assert_eq!((row.answered, row.visible, row.failed), (s.answered, s.visible, s.failed), "index row of {}", row.id);
    }
    rows.len()
}

fn seed() -> u64 {
    match std::env::var("REDLINE_CRASH_SEED") {
        Ok(s) => s.parse().expect("REDLINE_CRASH_SEED is a number"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    }
}

/// Runs one child until it has acknowledged `kill_after` edits, kills it,
/// and returns every acknowledgement it printed (also those the parent had
/// not read when it pulled the trigger).
fn run_child(db: &Path, round: u64, kill_after: u64, stderr_path: &Path, key_number: Option<u64>) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new(exe);
    if let Some(n) = key_number {
        command.env(ENV_KEY, n.to_string());
    }
    let mut child = command
        .args(["--ignored", "--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(ENV_DB, db)
        .env(ENV_ROUND, round.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr_path).unwrap())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut acks = vec![];
    let mut killed = false;
    let mut line = String::new();
    loop {
        if acks.len() as u64 == kill_after && !killed {
            child.kill().unwrap();
            killed = true;
        }
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        // A line cut by the kill was never fully printed: not acknowledged.
        if !line.ends_with('\n') {
            break;
        }
        // The test harness may print its own text before ours on a line.
        if let Some(at) = line.find("ACK ") {
            acks.push(line[at + 4..].trim_end().to_string());
        }
    }
    let status = child.wait().unwrap();
    if !killed {
        panic!(
            "round {round}: the child stopped by itself after {} acknowledgements ({status}):\n{}",
            acks.len(),
            std::fs::read_to_string(stderr_path).unwrap_or_default()
        );
    }
    acks
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
    let seed = seed();
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
        let acks = run_child(&db, round, kill_after, &stderr_path, key_number);
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
