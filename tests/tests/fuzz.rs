//! The parsers that face untrusted bytes, fuzzed: sync requests and
//! responses (CBOR), the change-chunk splitter, checklist template JSON,
//! the photo header probe, decoder and EXIF reader, and the site CSV
//! import. Each must return a value or a typed error for any input — never
//! panic, never hang.
//!
//! No coverage-guided fuzzer builds on the stable toolchain here
//! (cargo-fuzz needs nightly's sanitizer flags), so this is a seeded
//! mutation fuzzer in the test harness: each target starts from its corpus
//! in `tests/fuzz/<target>/` (realistic inputs written by
//! `write_fuzz_seeds`, plus every input that once broke a parser, named
//! `regress-*`), replays all of it, then runs a fixed number of mutants
//! (bit flips, interesting bytes and lengths, inserted, deleted, repeated
//! and spliced runs). A panic fails the test with the target, the seed and
//! the input's path: copy it to the corpus as `regress-<what>` with the fix.
//!
//! `REDLINE_FUZZ_SEED` replays a run; `REDLINE_FUZZ_INPUTS` sets the mutants
//! per target (default 100,000).

use redline_domain::sync::chunks::split_changes;
use redline_domain::sync::wire::{DocUpload, SyncRequest, SyncResponse, decode, encode, heads_from_hex};
use redline_domain::template::Template;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

struct Target {
    name: &'static str,
    run: fn(&[u8]),
}

const TARGETS: &[Target] = &[
    Target { name: "sync_request", run: sync_request },
    Target { name: "sync_response", run: sync_response },
    Target { name: "change_chunks", run: change_chunks },
    Target { name: "template_json", run: template_json },
    Target { name: "photo", run: photo },
    Target { name: "site_csv", run: site_csv },
];

/// What the server does with a request body before touching storage.
fn sync_request(bytes: &[u8]) {
    if let Ok(req) = decode::<SyncRequest>(bytes) {
        for upload in &req.uploads {
            let _ = heads_from_hex(&upload.heads);
            let _ = split_changes(&upload.changes, 10_000);
        }
    }
}

/// What the phone reads of a response before applying it.
fn sync_response(bytes: &[u8]) {
    if let Ok(resp) = decode::<SyncResponse>(bytes) {
        for result in &resp.results {
            let _ = heads_from_hex(&result.heads);
            let _ = split_changes(&result.missing, 10_000);
        }
        for doc in &resp.docs {
            let _ = split_changes(&doc.bytes, 10_000);
        }
    }
}

fn change_chunks(bytes: &[u8]) {
    let _ = split_changes(bytes, 10_000);
}

fn template_json(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = Template::from_json(text);
    }
}

/// The probe, decoder and EXIF reader, as a captured photo meets them
/// (a small target size: the decoding, not the resizing, is under test).
fn photo(bytes: &[u8]) {
    use redline_device::photo::{PhotoOptions, metadata, process};
    let _ = metadata(bytes);
    let _ = process(bytes, &PhotoOptions { max_edge: 64, thumb_edge: 16, ..Default::default() });
}

fn site_csv(bytes: &[u8]) {
    let _ = redline_admin::sites::parse_sites_csv(&String::from_utf8_lossy(bytes));
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes parsers trip over: edges of signed and unsigned widths, CBOR's
/// "indefinite" and big-length heads, JSON and CSV structure.
const INTERESTING: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x1b, 0x9f, 0xbf, 0x5f, 0x7b, b'"', b',', b'\n', b'{', b'[', 0xd8, 0xe0];

/// One to four mutations of `input`, sometimes spliced with `other`.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(8) {
            0 if len > 0 => {
                let at = rng.below(len);
                input[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                input[at] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                input.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                input.drain(at..at + n);
            }
            4 if len > 0 => {
                // A run repeated: long strings, deep nesting, many items.
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(32));
                let run = input[at..at + n].to_vec();
                for _ in 0..1 + rng.below(64) {
                    input.splice(at..at, run.iter().copied());
                }
            }
            5 if len >= 4 => {
                // A length or count field made huge.
                let at = rng.below(len - 3);
                let v = [u32::MAX, 0x7fff_ffff, 0x8000_0000, 0x0100_0000][rng.below(4)];
                input[at..at + 4].copy_from_slice(&v.to_be_bytes());
            }
            6 if !other.is_empty() => {
                let from = rng.below(other.len());
                let n = 1 + rng.below((other.len() - from).min(256));
                let at = rng.below(len + 1);
                input.splice(at..at, other[from..from + n].iter().copied());
            }
            _ if len > 1 => input.truncate(rng.below(len)),
            _ => input.push(rng.next() as u8),
        }
    }
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(target)
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("the corpus of {target}: {e} (run write_fuzz_seeds)"))
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

/// Runs `input`; on a panic keeps it where a person can find it.
fn run_one(target: &Target, input: &[u8], seed: u64) {
    if catch_unwind(AssertUnwindSafe(|| (target.run)(input))).is_err() {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{}-{seed}.bin", target.name));
        std::fs::write(&path, input).unwrap();
        panic!("{} panicked on an input (REDLINE_FUZZ_SEED={seed}), kept at {}", target.name, path.display());
    }
}

#[test]
fn parsers_survive_fuzzed_input() {
    let seed = std::env::var("REDLINE_FUZZ_SEED")
        .map(|s| s.parse().expect("REDLINE_FUZZ_SEED is a number"))
        .unwrap_or_else(|_| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64);
    let inputs: usize = std::env::var("REDLINE_FUZZ_INPUTS").map(|s| s.parse().expect("a number")).unwrap_or(100_000);
    println!("REDLINE_FUZZ_SEED={seed}");
    // The harness prints each caught panic; only the first matters.
    std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    for target in TARGETS {
        let corpus = corpus(target.name);
        assert!(!corpus.is_empty(), "{}: empty corpus", target.name);
        for (_, bytes) in &corpus {
            run_one(target, bytes, seed);
        }
        let mut rng = Rng(seed ^ target.name.len() as u64);
        for _ in 0..inputs {
            let (_, parent) = &corpus[rng.below(corpus.len())];
            let (_, other) = &corpus[rng.below(corpus.len())];
            let mut input = parent.clone();
            mutate(&mut rng, &mut input, other);
            run_one(target, &input, seed);
        }
        println!("{}: {} corpus inputs, {inputs} mutants, no panic", target.name, corpus.len());
    }
    let _ = std::panic::take_hook();
}

// ---- the seeds ---------------------------------------------------------------

/// Writes the realistic seed inputs of every target into `tests/fuzz/`
/// (run once by hand after a format changes; the files are kept in the
/// repository): `cargo test -p redline-tests --test fuzz -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes the corpus seeds; run by hand"]
fn write_fuzz_seeds() {
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    let mut doc = automerge::AutoCommit::new();
    {
        use automerge::transaction::Transactable;
        doc.put(automerge::ROOT, "site_name", "文三路烟花店").unwrap();
        doc.put(automerge::ROOT, "answers", 3).unwrap();
    }
    let upload = DocUpload::since("insp-1", redline_domain::doc::DocKind::Inspection, &mut doc, &[]);
    write("change_chunks", "seed-two-changes", &upload.changes);
    let request = SyncRequest {
        protocol: 1,
        cursor: "c1".into(),
        reference_version: "r1".into(),
        uploads: vec![upload],
        tasks_version: String::new(),
    };
    write("sync_request", "seed-one-upload", &encode(&request));
    write("sync_request", "seed-empty", &encode(&SyncRequest::default()));
    write("sync_response", "seed-empty", &encode(&SyncResponse { protocol: 1, cursor: "c2".into(), more: true, ..Default::default() }));
    let response = SyncResponse {
        protocol: 1,
        results: vec![redline_domain::sync::wire::UploadResult {
            doc_id: "insp-1".into(),
            status: redline_domain::sync::wire::UploadStatus::Accepted,
            heads: request.uploads[0].heads.clone(),
            missing: request.uploads[0].changes.clone(),
        }],
        docs: vec![redline_domain::sync::wire::DocData { doc_id: "insp-2".into(), kind: "inspection".into(), bytes: doc.save() }],
        cursor: "c3".into(),
        ..Default::default()
    };
    write("sync_response", "seed-result-and-doc", &encode(&response));
    for name in ["fireworks", "food_safety"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/domain/templates").join(format!("{name}.json"));
        write("template_json", &format!("seed-{name}.json"), &std::fs::read(path).unwrap());
    }
    write(
        "site_csv",
        "seed-two-sites.csv",
        "id,name,address,area,categories,lat,lon,contact_name,contact_phone\n\
         s1,文三路烟花店,杭州市西湖区文三路 1 号,zj/hz/xh/c01,fireworks_retail,30.27,120.15,王经理,13800000000\n\
         s2,\"湖畔化工, 仓库\",,zj/hz/xh/c02,,,,,\n"
            .as_bytes(),
    );
    let img = image::RgbImage::from_fn(24, 16, |x, y| image::Rgb([(x * 10) as u8, (y * 15) as u8, 90]));
    for (name, format) in [("seed-24x16.png", image::ImageFormat::Png), ("seed-24x16.jpg", image::ImageFormat::Jpeg)] {
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        write("photo", name, out.get_ref());
        if format == image::ImageFormat::Jpeg {
            // The same JPEG with an EXIF block: orientation 6 (rotated).
            let tiff: &[u8] = &[b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
            let len = (2 + 6 + tiff.len()) as u16;
            let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe1];
            jpeg.extend_from_slice(&len.to_be_bytes());
            jpeg.extend_from_slice(b"Exif\0\0");
            jpeg.extend_from_slice(tiff);
            jpeg.extend_from_slice(&out.get_ref()[2..]);
            write("photo", "seed-24x16-exif.jpg", &jpeg);
        }
    }
}
