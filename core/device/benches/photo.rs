//! Benchmark of the photo capture pipeline against Pillow, with honest
//! memory figures: every measurement is a fresh child process, and its
//! peak RSS is read from `wait4` (the kernel's `ru_maxrss` for that one
//! child), so allocator caches and earlier runs cannot flatter a number.
//!
//! Run it through `scripts/bench-photo.sh`, which installs Pillow into a
//! venv and passes its interpreter in `REDLINE_BENCH_PYTHON`. Rows:
//!
//! - `ours`: `photo::process` (decode -> 2048 px + 320 px thumbnail ->
//!   JPEG q80 4:2:0), no watermark: the like-for-like comparison;
//! - `ours + watermark`: the same with the five-line watermark (the font,
//!   wqy-microhei, is loaded before the clock starts, as an app loads it
//!   once, but its memory is counted);
//! - `Pillow`: open, honour EXIF orientation, LANCZOS to 2048, LANCZOS
//!   thumbnail 320 from that, save both at quality 80, subsampling 4:2:0;
//! - two baselines, a process that only reads the file (Rust, Python with
//!   PIL imported), to show how much of the peak is the runtime itself.
//!
//! Times run from reading the file to having both JPEGs in memory
//! (process start-up and imports excluded), as wall time and as the
//! process's CPU time; the CPU time is the steadier figure on a machine
//! shared with other work. Runs are interleaved so that all rows see the
//! same machine conditions.
//!
//! The input is generated (no binary in the repository): 4000 x 3000 with
//! gradients, multi-octave value noise, hard edges and grain, encoded 4:2:0
//! at the quality that brings it nearest 4 MB, with EXIF like a phone's.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use redline_device::photo::{PhotoOptions, Watermark, WatermarkFont, process};
use redline_device::site::GeoPoint;

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
const WIDTH: u32 = 4000;
const HEIGHT: u32 = 3000;

const PILLOW: &str = r#"
import io, sys, time
from PIL import Image, ImageOps, features
import PIL
path, mode = sys.argv[1], sys.argv[2]
if mode == "version":
    print(PIL.__version__, features.version("libjpeg_turbo") or "libjpeg")
    sys.exit(0)
t0, c0 = time.perf_counter_ns(), time.process_time_ns()
with open(path, "rb") as f:
    data = f.read()
if mode == "read":
    print(time.perf_counter_ns() - t0, time.process_time_ns() - c0, len(data), 0)
    sys.exit(0)
im = Image.open(io.BytesIO(data))
if im.getexif().get(0x0112, 1) != 1:
    im = ImageOps.exif_transpose(im)
if im.mode != "RGB":
    im = im.convert("RGB")
w, h = im.size
s = 2048 / max(w, h)
main = im.resize((round(w * s), round(h * s)), Image.LANCZOS) if s < 1 else im
del im
tw, th = main.size
t = 320 / max(tw, th)
thumb = main.resize((round(tw * t), round(th * t)), Image.LANCZOS)
a, b = io.BytesIO(), io.BytesIO()
main.save(a, "JPEG", quality=80, subsampling=2)
thumb.save(b, "JPEG", quality=80, subsampling=2)
print(time.perf_counter_ns() - t0, time.process_time_ns() - c0, a.tell(), b.tell())
"#;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        return child(&args[i + 1], Path::new(&args[i + 2]));
    }
    if let Some(i) = args.iter().position(|a| a == "--generate") {
        let t = Instant::now();
        let (jpeg, q) = fixture();
        std::fs::write(&args[i + 1], &jpeg).unwrap();
        eprintln!("generated {} ({} bytes, q{q}) in {:.1} s", args[i + 1], jpeg.len(), t.elapsed().as_secs_f64());
        return;
    }
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .or_else(|| std::env::var("REDLINE_BENCH_RUNS").ok()?.parse().ok())
        .unwrap_or(15usize);
    parent(runs);
}

/// This process's CPU time (user + system), in ns.
fn cpu_nanos() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid pointer to a timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// One measured run, in this (fresh) process. Prints
/// `wall_ns cpu_ns jpeg_len thumb_len`.
fn child(mode: &str, input: &Path) {
    let mut opts = PhotoOptions::default();
    if mode == "ours-wm" {
        let font = WatermarkFont::from_file(FONT).expect("font (scripts/bench-photo.sh installs it)");
        opts.watermark = Some(Watermark {
            time: 1_772_692_215_000,
            location: Some(GeoPoint { lat: 30.2741, lon: 120.1551 }),
            site_name: "杭州市西湖区某化工有限公司 危化品仓库".into(),
            inspector_name: "王建国".into(),
            inspection_code: "HZ-XH-2026-0412".into(),
            font,
        });
    }
    let (started, cpu) = (Instant::now(), cpu_nanos());
    let bytes = std::fs::read(input).unwrap();
    if mode == "read" {
        let (wall, cpu) = (started.elapsed().as_nanos(), cpu_nanos() - cpu);
        println!("{wall} {cpu} {} 0", bytes.len());
        return;
    }
    let out = process(&bytes, &opts).unwrap();
    let (wall, cpu) = (started.elapsed().as_nanos(), cpu_nanos() - cpu);
    println!("{wall} {cpu} {} {}", out.jpeg.len(), out.thumbnail.len());
    if let Ok(dir) = std::env::var("REDLINE_BENCH_KEEP") {
        std::fs::write(Path::new(&dir).join(format!("{mode}.jpg")), &out.jpeg).unwrap();
        std::fs::write(Path::new(&dir).join(format!("{mode}-thumb.jpg")), &out.thumbnail).unwrap();
    }
}

struct Sample {
    nanos: u64,
    cpu: u64,
    max_rss_kb: u64,
    jpeg: u64,
    thumb: u64,
}

/// Runs `cmd` to completion and returns what it printed and its own peak RSS.
// Clippy cannot see that `wait4` below reaps the child.
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> Sample {
    let mut child = cmd.stdout(Stdio::piped()).spawn().expect("spawn");
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let mut status = 0;
    // SAFETY: plain FFI call with valid pointers; the pid is our child,
    // reaped here (std never waits on it afterwards).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert!(pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child failed: {out}");
    let f: Vec<u64> = out.split_whitespace().map(|v| v.parse().unwrap()).collect();
    Sample { nanos: f[0], cpu: f[1], max_rss_kb: usage.ru_maxrss as u64, jpeg: f[2], thumb: f[3] }
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// A row of the table: its name and how to start one measured run.
type Row<'a> = (&'static str, Box<dyn Fn() -> Command + 'a>);

fn parent(runs: usize) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("photo-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("photo-12mp.jpg");
    let me = std::env::current_exe().unwrap();
    if !input.exists() {
        // In a child: the parent must stay small. A child's ru_maxrss
        // counts the parent's resident pages it was spawned (vforked) from,
        // so a parent that had held the 36 MB fixture would inflate every
        // measurement; the baseline rows show what remains (~2 MB).
        let ok = Command::new(&me).arg("--generate").arg(&input).status().unwrap().success();
        assert!(ok, "generating the fixture failed");
    }
    let size = std::fs::metadata(&input).unwrap().len();
    let script = dir.join("pillow_bench.py");
    std::fs::write(&script, PILLOW).unwrap();
    let python = std::env::var("REDLINE_BENCH_PYTHON").ok().filter(|p| Path::new(p).exists());

    let ours = |mode: &str| {
        let mut c = Command::new(&me);
        c.args(["--child", mode]).arg(&input);
        c
    };
    let pillow = |mode: &str| {
        let mut c = Command::new(python.as_deref().unwrap());
        c.arg(&script).arg(&input).arg(mode);
        c
    };
    let mut rows: Vec<Row<'_>> = vec![
        ("ours", Box::new(move || ours("ours"))),
        ("ours + watermark", Box::new(move || ours("ours-wm"))),
        ("baseline: Rust, read file only", Box::new(move || ours("read"))),
    ];
    if python.is_some() {
        rows.push(("Pillow", Box::new(move || pillow("full"))));
        rows.push(("baseline: Python + PIL, read only", Box::new(move || pillow("read"))));
        let v = Command::new(python.as_deref().unwrap()).arg(&script).arg(&input).arg("version").output().unwrap();
        println!("Pillow {}", String::from_utf8_lossy(&v.stdout).trim());
    } else {
        println!("Pillow: not measured (set REDLINE_BENCH_PYTHON; scripts/bench-photo.sh does)");
    }
    println!("input: {} x {} JPEG, {:.2} MB; {runs} runs per row, each in a fresh process", WIDTH, HEIGHT, size as f64 / 1e6);

    // Warm the page cache and the binaries once, unmeasured.
    for (_, cmd) in &rows {
        measure(&mut cmd());
    }
    let mut samples: Vec<Vec<Sample>> = rows.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (i, (_, cmd)) in rows.iter().enumerate() {
            samples[i].push(measure(&mut cmd()));
        }
    }

    println!("\n| pipeline | median wall | min-max wall | median CPU | median peak RSS | max peak RSS | photo | thumbnail |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut medians = Vec::new();
    for ((name, _), s) in rows.iter().zip(&samples) {
        let t = median(s.iter().map(|x| x.nanos).collect());
        let (lo, hi) = (s.iter().map(|x| x.nanos).min().unwrap(), s.iter().map(|x| x.nanos).max().unwrap());
        let cpu = median(s.iter().map(|x| x.cpu).collect());
        let rss = median(s.iter().map(|x| x.max_rss_kb).collect());
        let rss_max = s.iter().map(|x| x.max_rss_kb).max().unwrap();
        println!(
            "| {name} | {:.0} ms | {:.0}-{:.0} ms | {:.0} ms | {:.1} MB | {:.1} MB | {} KB | {} KB |",
            t as f64 / 1e6,
            lo as f64 / 1e6,
            hi as f64 / 1e6,
            cpu as f64 / 1e6,
            rss as f64 / 1024.0,
            rss_max as f64 / 1024.0,
            s[0].jpeg / 1024,
            s[0].thumb / 1024
        );
        medians.push((*name, t, cpu, rss_max));
    }
    let get = |n: &str| medians.iter().find(|m| m.0 == n).map(|m| (m.1 as f64, m.2 as f64, m.3 as f64 / 1024.0));
    if let (Some(o), Some(w), Some(p)) = (get("ours"), get("ours + watermark"), get("Pillow")) {
        println!("\nours / Pillow, median wall time: {:.2}x without watermark, {:.2}x with (goal <= 0.60x)", o.0 / p.0, w.0 / p.0);
        println!("ours / Pillow, median CPU time:  {:.2}x without watermark, {:.2}x with", o.1 / p.1, w.1 / p.1);
    }
    if let (Some(o), Some(w)) = (get("ours"), get("ours + watermark")) {
        println!("peak RSS, worst run: ours {:.1} MB, with watermark {:.1} MB (goal < 80 MB)", o.2, w.2);
    }
}

// ------------------------------------------------------------------ fixture

fn hash(x: i32, y: i32, seed: u32) -> f32 {
    let mut h = (x as u32).wrapping_mul(0x8DA6_B343) ^ (y as u32).wrapping_mul(0xD816_3841) ^ seed.wrapping_mul(0xCB1A_B31F);
    h ^= h >> 13;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 16;
    (h & 0xFFFF) as f32 / 65535.0
}

fn value_noise(x: f32, y: f32, seed: u32) -> f32 {
    let (xi, yi) = (x.floor() as i32, y.floor() as i32);
    let (fx, fy) = (x - xi as f32, y - yi as f32);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let top = hash(xi, yi, seed) * (1.0 - sx) + hash(xi + 1, yi, seed) * sx;
    let bottom = hash(xi, yi + 1, seed) * (1.0 - sx) + hash(xi + 1, yi + 1, seed) * sx;
    top * (1.0 - sy) + bottom * sy
}

/// Fractal noise in about 0..1: large soft shapes down to pixel detail.
fn fbm(x: f32, y: f32, octaves: u32, seed: u32) -> f32 {
    let (mut sum, mut amp, mut freq, mut norm) = (0.0, 0.5, 1.0 / 400.0, 0.0);
    for o in 0..octaves {
        sum += amp * value_noise(x * freq, y * freq, seed + o);
        norm += amp;
        amp *= 0.55;
        freq *= 2.0;
    }
    sum / norm
}

/// A 12 MP "site photo" and its JPEG at the quality nearest 4 MB.
fn fixture() -> (Vec<u8>, u8) {
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let mut rgb = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f32, y as f32);
            // Sky-to-floor gradient, textured surfaces, tinted patches.
            let base = 0.35 + 0.35 * (1.0 - yf / h as f32);
            let tex = fbm(xf, yf, 8, 7) - 0.5;
            let tint = fbm(xf, yf, 3, 99) - 0.5;
            let mut l = base + 0.55 * tex;
            // Hard edges: shelving, a door frame, pipes.
            if (x / 500) % 2 == 0 && (y % 600) < 40 {
                l *= 0.35;
            }
            if (1400..1480).contains(&x) || (2600..2620).contains(&x) {
                l = 0.85 - 0.2 * tex;
            }
            if ((x + 2 * y) % 900) < 12 {
                l *= 0.5;
            }
            let grain = hash(x as i32, y as i32, 3) - 0.5;
            let px = &mut rgb[(y * w + x) * 3..][..3];
            for (c, v) in px.iter_mut().enumerate() {
                let t = [0.25, 0.0, -0.25][c] * tint;
                *v = ((l + t + 0.06 * grain) * 255.0).clamp(0.0, 255.0) as u8;
            }
        }
    }
    let encode = |q: u8| {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, q);
        enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        enc.add_exif_metadata(&phone_exif()).unwrap();
        enc.encode(&rgb, WIDTH as u16, HEIGHT as u16, jpeg_encoder::ColorType::Rgb).unwrap();
        out
    };
    let target = 4_000_000i64;
    let (mut lo, mut hi) = (70u8, 98u8);
    let mut best = (encode(hi), hi);
    while lo <= hi {
        let q = (lo + hi) / 2;
        let jpeg = encode(q);
        if (jpeg.len() as i64 - target).abs() < (best.0.len() as i64 - target).abs() {
            best = (jpeg.clone(), q);
        }
        if (jpeg.len() as i64) < target { lo = q + 1 } else { hi = q - 1 }
    }
    best
}

/// EXIF as a phone writes it (orientation 1, capture time, GPS), little
/// endian, so the pipeline's EXIF reading is part of the measured work.
fn phone_exif() -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    // Layout: header 8 | IFD0 (3 entries) @8 = 42 bytes | EXIF IFD (1) @50 = 18
    // | GPS IFD (4) @68 = 54 | date @122 (20) | lat @142 (24) | lon @166 (24).
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    t.extend_from_slice(&3u16.to_le_bytes());
    entry(&mut t, 0x0112, 3, 1, 1);
    entry(&mut t, 0x8769, 4, 1, 50);
    entry(&mut t, 0x8825, 4, 1, 68);
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&1u16.to_le_bytes());
    entry(&mut t, 0x9003, 2, 20, 122);
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut t, 1, 2, 2, u32::from(b'N'));
    entry(&mut t, 2, 5, 3, 142);
    entry(&mut t, 3, 2, 2, u32::from(b'E'));
    entry(&mut t, 4, 5, 3, 166);
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(b"2026:03:05 14:30:15\0");
    for (n, d) in [(30, 1), (16, 1), (2676, 100), (120, 1), (9, 1), (1836, 100)] {
        t.extend_from_slice(&(n as u32).to_le_bytes());
        t.extend_from_slice(&(d as u32).to_le_bytes());
    }
    t
}
