//! Peak memory of the capture pipeline on the largest photos phones make:
//! a 50 MP baseline JPEG (8160 x 6120, what 50 MP phone cameras write) is
//! processed in a fresh child process whose peak resident memory (VmHWM)
//! must stay under 80 MB — a low-end Android phone kills an app that takes
//! much more — and so must the largest progressive JPEG accepted (12 MP);
//! the everyday 12 MP baseline photo must stay under 48 MB.
//! A larger progressive JPEG, or a PNG over its budget, is refused before
//! any pixel buffer exists.
//!
//! The child is this test binary re-run with `REDLINE_PHOTO_CHILD` naming
//! the file; it prints its peak after the photo is processed.

use image::ImageEncoder;
use redline_photo::{PhotoError, PhotoOptions, process};
use std::process::Command;

const ENV_CHILD: &str = "REDLINE_PHOTO_CHILD";

fn textured(w: u32, h: u32) -> Vec<u8> {
    // Gradients plus hashed grain: compresses like a photo, not like a flat card.
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let grain = ((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 24) as u8 / 4;
            out.extend_from_slice(&[(x * 255 / w) as u8 ^ grain, (y * 255 / h) as u8 ^ grain, ((x + y) % 256) as u8]);
        }
    }
    out
}

fn peak_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).unwrap().parse().unwrap()
}

#[test]
#[ignore = "child process of the peak memory tests"]
fn photo_child() {
    let Ok(path) = std::env::var(ENV_CHILD) else { return };
    let bytes = std::fs::read(path).unwrap();
    let out = process(&bytes, &PhotoOptions::default()).unwrap();
    println!("PEAK {} {}x{}", peak_kb(), out.width, out.height);
}

fn jpeg(w: u32, h: u32, progressive: bool) -> Vec<u8> {
    let mut jpeg = vec![];
    let mut enc = jpeg_encoder::Encoder::new(&mut jpeg, 88);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    enc.set_progressive(progressive);
    enc.encode(&textured(w, h), w as u16, h as u16, jpeg_encoder::ColorType::Rgb).unwrap();
    jpeg
}

/// Peak resident MB of a fresh process storing `jpeg`, and the size stored.
fn peak_mb(jpeg: &[u8]) -> (f64, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.jpg");
    std::fs::write(&path, jpeg).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "photo_child", "--nocapture", "--test-threads=1"])
        .env(ENV_CHILD, &path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find_map(|l| l.split("PEAK ").nth(1)).unwrap_or_else(|| {
        panic!("the child said {text:?} {}", String::from_utf8_lossy(&out.stderr));
    });
    let mut parts = line.split_whitespace();
    (parts.next().unwrap().parse::<f64>().unwrap() / 1024.0, parts.next().unwrap().to_string())
}

#[test]
fn the_largest_photos_the_limits_accept_stay_under_80_mb() {
    // The common case has the tighter bound: a 12 MP baseline photo.
    for (what, w, h, progressive, bound) in [
        ("12 MP baseline", 4000, 3000, false, 48.0),
        ("50 MP baseline", 8160, 6120, false, 80.0),
        ("12 MP progressive", 4032, 3024, true, 80.0),
    ] {
        let jpeg = jpeg(w, h, progressive);
        let (peak, stored) = peak_mb(&jpeg);
        println!("{what} JPEG of {:.1} MB: peak {peak:.1} MB, stored {stored}", jpeg.len() as f64 / 1e6);
        assert_eq!(stored, format!("2048x{}", 2048 * h / w), "{what}: stored at the usual size");
        assert!(peak < bound, "{what}: peak {peak:.1} MB (at most {bound} MB)");
    }
}

#[test]
fn a_larger_progressive_jpeg_or_a_huge_png_is_refused_before_decoding() {
    let (w, h) = (4608u32, 3456u32); // 16 MP
    let mut jpeg = vec![];
    let mut enc = jpeg_encoder::Encoder::new(&mut jpeg, 80);
    enc.set_progressive(true);
    enc.encode(&vec![128u8; (w * h * 3) as usize], w as u16, h as u16, jpeg_encoder::ColorType::Rgb).unwrap();
    let err = process(&jpeg, &PhotoOptions::default()).unwrap_err();
    assert!(matches!(err, PhotoError::LimitExceeded(ref m) if m.contains("progressive")), "{err:?}");
    let mut png = vec![];
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&vec![200u8; 5000 * 4000 * 3], 5000, 4000, image::ExtendedColorType::Rgb8)
        .unwrap();
    let err = process(&png, &PhotoOptions::default()).unwrap_err();
    assert!(matches!(err, PhotoError::LimitExceeded(ref m) if m.contains("PNG")), "{err:?}");
}
