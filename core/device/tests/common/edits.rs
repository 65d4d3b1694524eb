//! The editing loop the crash and power-loss tests run in a child process
//! (this test binary re-executed), and what the parent checks afterwards:
//! every acknowledged edit there, the index agreeing with the documents,
//! every photo verifying against its hash.

use redline_device::inspection::{AnswerValue, InspectionKind, InspectionStatus, PhotoOwner};
use redline_device::people::{Identity, Role};
use redline_device::store::{InspectionQuery, PhotoMeta, Store};
use redline_device::template::AnswerType;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

/// Sequence numbers are `round * SEQ_PER_ROUND + n`, increasing across
/// rounds, so "this or a later edit" can be checked.
pub const SEQ_PER_ROUND: u64 = 1_000_000;
pub const NEW_INSPECTION_EVERY: u64 = 40;

/// SplitMix64: small, seedable, good enough to pick edits.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn who() -> Identity {
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
pub fn photo_bytes(tag: u64) -> Vec<u8> {
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
pub fn key(n: u64) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..8].copy_from_slice(&n.to_le_bytes());
    k[8..].fill(0xa5);
    k
}

pub fn open_store(db: &Path, key_number: Option<u64>) -> redline_device::Result<Store> {
    match key_number {
        Some(n) => Store::open_encrypted(db, who(), &key(n)),
        None => Store::open(db, who()),
    }
}

pub fn seq_of(text: &str, prefix: &str) -> u64 {
    text.strip_prefix(prefix).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{text:?} is not {prefix}<seq>"))
}

/// Edits `store` until the process is stopped (bounded only as a safety
/// net), calling `ack` after each edit that returned Ok. `round` seeds the
/// choices; on an encrypted store (`key_number`) the key changes now and
/// then.
pub fn edit_until_stopped(store: &Store, round: u64, mut key_number: Option<u64>, ack: &dyn Fn(String)) {
    let mut rng = Rng(round.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xDEAD_BEEF);
    // Carry on with the newest draft, or start the first one.
    let drafts =
        store.inspections(&InspectionQuery { status: Some(InspectionStatus::Draft), limit: Some(1), ..Default::default() }).unwrap();
    let mut current = drafts.first().map(|i| i.id.clone());
    let mut findings: Vec<String> = match &current {
        Some(id) => store.inspection(id).unwrap().findings.into_keys().collect(),
        None => vec![],
    };

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

/// Everything acknowledged so far, as the parent must find it.
#[derive(Default)]
pub struct Acked {
    pub inspections: Vec<String>,
    /// (inspection, item) -> newest acknowledged note seq.
    pub answers: BTreeMap<(String, String), u64>,
    /// (inspection, finding) -> newest acknowledged description seq.
    pub findings: BTreeMap<(String, String), u64>,
    /// (inspection, hash) -> photo seq (its bytes).
    pub photos: BTreeMap<(String, String), u64>,
    /// Acknowledged edits per inspection.
    pub edits: BTreeMap<String, u64>,
    /// The newest acknowledged key number.
    pub key: Option<u64>,
}

impl Acked {
    pub fn record(&mut self, line: &str) {
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
    pub fn check(&self, store: &Store) {
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
pub fn check_index(store: &Store) -> usize {
    let rows = store.inspections(&InspectionQuery { limit: Some(100_000), ..Default::default() }).unwrap();
    for row in &rows {
        let s = store.summary(&row.id).unwrap_or_else(|e| panic!("{}: {e}", row.id));
        assert_eq!((row.answered, row.visible, row.failed), (s.answered, s.visible, s.failed), "index row of {}", row.id);
    }
    rows.len()
}

pub fn seed(var: &str) -> u64 {
    match std::env::var(var) {
        Ok(s) => s.parse().unwrap_or_else(|_| panic!("{var} is a number")),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    }
}

/// A child's run: what it acknowledged, how it ended, whether we killed it.
pub struct ChildRun {
    pub acks: Vec<String>,
    pub status: ExitStatus,
    pub killed: bool,
}

/// Runs the ignored test `child` of this binary with `env`, reading its
/// `ACK ...` lines; kills it once it has printed `kill_after` of them
/// (`None`: it is expected to die by itself). Every acknowledgement printed
/// is returned, also those not yet read when the trigger was pulled; a
/// line cut short by the death was never acknowledged.
pub fn run_child(child: &str, env: &[(&str, String)], kill_after: Option<u64>, stderr_path: &Path) -> ChildRun {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new(exe);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut process = command
        .args(["--ignored", "--exact", child, "--nocapture", "--test-threads=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr_path).unwrap())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(process.stdout.take().unwrap());
    let mut acks = vec![];
    let mut killed = false;
    let mut line = String::new();
    loop {
        if Some(acks.len() as u64) == kill_after && !killed {
            process.kill().unwrap();
            killed = true;
        }
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 || !line.ends_with('\n') {
            break;
        }
        // The test harness may print its own text before ours on a line.
        if let Some(at) = line.find("ACK ") {
            acks.push(line[at + 4..].trim_end().to_string());
        }
    }
    let status = process.wait().unwrap();
    ChildRun { acks, status, killed }
}

/// The `ack` a child prints with: one line per acknowledged edit, flushed
/// before the next edit starts.
pub fn print_ack(line: String) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ACK {line}").unwrap();
    out.flush().unwrap();
}

/// No edit half-present in the index tables: every inspection and hazard
/// document has its list row and every list row its document (read from
/// the file itself, so a row the store's queries would skip is seen too).
pub fn check_rows_match_documents(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    for (kind, index) in [("inspection", "inspection_index"), ("hazard", "hazard_index")] {
        let orphans: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {index} i WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = i.id)"), [], |r| {
                r.get(0)
            })
            .unwrap();
        let unlisted: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM documents d WHERE d.kind = ?1 AND NOT EXISTS (SELECT 1 FROM {index} i WHERE i.id = d.id)"),
                [kind],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!((orphans, unlisted), (0, 0), "{index}: rows without documents, documents without rows");
    }
}
