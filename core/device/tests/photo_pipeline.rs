//! The photo capture pipeline end to end: orientation, sizes, 4:2:0 output,
//! the watermark (Chinese included), EXIF time and GPS, and hostile inputs.
//! Every fixture is generated (`photo_fixtures`; no binary files committed);
//! the CJK font is Debian's fonts-wqy-microhei, installed by
//! scripts/test-all.sh.

#![cfg(feature = "photos")]

use std::time::{Duration, Instant};

use image::{ImageFormat, Rgb, RgbImage};
use redline_device::ErrorKind;
use redline_device::photo::{PhotoError, PhotoOptions, Watermark, WatermarkFont, band_rect, process};
use redline_device::site::GeoPoint;

mod photo_fixtures;
use photo_fixtures::*;

const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// The test font, or `None` (with a message) on a developer machine that
/// lacks it; in CI a missing font is a failure, not a skip.
fn cjk_font() -> Option<WatermarkFont> {
    if !std::path::Path::new(CJK_FONT).exists() {
        if std::env::var_os("CI").is_some() {
            panic!("{CJK_FONT} is missing: scripts/test-all.sh installs fonts-wqy-microhei");
        }
        eprintln!("skipping: {CJK_FONT} is missing (apt-get install fonts-wqy-microhei)");
        return None;
    }
    Some(WatermarkFont::from_file(CJK_FONT).expect("the test font loads"))
}

fn opts() -> PhotoOptions {
    PhotoOptions::default()
}

fn watermark(font: &WatermarkFont, site: &str) -> Watermark {
    Watermark {
        time: 1_772_692_200_000,
        location: Some(GeoPoint { lat: 30.2741, lon: 120.1551 }),
        site_name: site.into(),
        inspector_name: "王建国".into(),
        inspection_code: "HZ-XH-0412".into(),
        font: font.clone(),
    }
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> f64 {
    let (mut sum, mut n) = (0u64, 0u64);
    for y in y0..y1 {
        for x in x0..x1 {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            for c in 0..3 {
                sum += u64::from(p[c].abs_diff(q[c]));
            }
            n += 3;
        }
    }
    sum as f64 / n.max(1) as f64
}

// ------------------------------------------------------------- orientation

const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 40];
const BLUE: [u8; 3] = [30, 40, 220];
const GREY: [u8; 3] = [128, 128, 128];

/// Upright reference, 96 x 64: red top-left, green top-right, blue
/// bottom-left, grey bottom-right. Four distinct corners identify each of
/// the 8 rotations/flips uniquely.
fn upright() -> RgbImage {
    RgbImage::from_fn(96, 64, |x, y| {
        Rgb(match (x < 48, y < 32) {
            (true, true) => RED,
            (false, true) => GREEN,
            (true, false) => BLUE,
            (false, false) => GREY,
        })
    })
}

/// How a camera stores the upright picture `u` for EXIF orientation `o`,
/// written from the EXIF definitions ("row 0 is the visual right side, column
/// 0 the visual top" for 6, ...), independently of the code under test.
fn stored_for(u: &RgbImage, o: u16) -> RgbImage {
    let (w, h) = u.dimensions();
    let at = |row: u32, col: u32| *u.get_pixel(col, row);
    match o {
        1 => RgbImage::from_fn(w, h, |c, r| at(r, c)),
        2 => RgbImage::from_fn(w, h, |c, r| at(r, w - 1 - c)),
        3 => RgbImage::from_fn(w, h, |c, r| at(h - 1 - r, w - 1 - c)),
        4 => RgbImage::from_fn(w, h, |c, r| at(h - 1 - r, c)),
        // Stored rows are the upright columns: h wide, w tall.
        5 => RgbImage::from_fn(h, w, &at), // at(row = c, col = r)
        6 => RgbImage::from_fn(h, w, |c, r| at(c, w - 1 - r)),
        7 => RgbImage::from_fn(h, w, |c, r| at(h - 1 - c, w - 1 - r)),
        8 => RgbImage::from_fn(h, w, |c, r| at(h - 1 - c, r)),
        _ => unreachable!(),
    }
}

fn nearest(p: &Rgb<u8>) -> &'static str {
    let named = [("red", RED), ("green", GREEN), ("blue", BLUE), ("grey", GREY)];
    let dist = |c: [u8; 3]| (0..3).map(|i| i32::from(p[i]).abs_diff(i32::from(c[i]))).sum::<u32>();
    named.iter().min_by_key(|(_, c)| dist(*c)).unwrap().0
}

fn corners(img: &RgbImage) -> [&'static str; 4] {
    let (w, h) = img.dimensions();
    let at = |fx: u32, fy: u32| nearest(img.get_pixel(w * fx / 4, h * fy / 4));
    [at(1, 1), at(3, 1), at(1, 3), at(3, 3)]
}

#[test]
fn all_eight_exif_orientations_come_out_upright() {
    let u = upright();
    assert_eq!(corners(&u), ["red", "green", "blue", "grey"]);
    for o in 1..=8u16 {
        let stored = stored_for(&u, o);
        let jpeg = with_exif(&encode_jpeg(&stored, 95), &tiff(vec![short(0x0112, o)], vec![], vec![]));
        // Unscaled, and scaled down (orientation is applied after resizing).
        for max_edge in [2048, 48] {
            let out = process(&jpeg, &PhotoOptions { max_edge, ..opts() }).unwrap();
            let img = decode(&out.jpeg);
            let expect = if max_edge == 48 { (48, 32) } else { (96, 64) };
            assert_eq!((out.width, out.height), expect, "orientation {o}, max_edge {max_edge}");
            assert_eq!(img.dimensions(), expect);
            assert_eq!(corners(&img), ["red", "green", "blue", "grey"], "orientation {o}, max_edge {max_edge}");
            let thumb = decode(&out.thumbnail);
            assert_eq!(corners(&thumb), ["red", "green", "blue", "grey"], "thumbnail, orientation {o}");
        }
    }
}

#[test]
fn orientation_kept_only_in_imagemagicks_png_text_profile_is_applied() {
    // What ImageMagick writes for a photo it converted to PNG: no eXIf
    // chunk, the EXIF as hex in a "Raw profile type exif" text chunk.
    let u = upright();
    let png = encode_png(&stored_for(&u, 6));
    let mut block = b"Exif\0\0".to_vec();
    block.extend(tiff(vec![short(0x0112, 6)], vec![], vec![]));
    let hex: Vec<String> = block.chunks(36).map(|c| c.iter().map(|b| format!("{b:02x}")).collect()).collect();
    let mut text = b"Raw profile type exif\0".to_vec();
    text.extend(format!("\nexif\n{:8}\n{}\n", block.len(), hex.join("\n")).into_bytes());
    // After IHDR (8 bytes of signature, 25 of header chunk).
    let with_profile = [&png[..33], &png_chunk(b"tEXt", &text), &png[33..]].concat();
    let out = process(&with_profile, &opts()).unwrap();
    assert_eq!((out.width, out.height), (96, 64));
    assert_eq!(corners(&decode(&out.jpeg)), ["red", "green", "blue", "grey"]);
    // Without the profile the same pixels stay as stored (on their side).
    let out = process(&png, &opts()).unwrap();
    assert_eq!((out.width, out.height), (64, 96));
}

// ------------------------------------------------------------------- sizes

#[test]
fn long_edge_and_thumbnail_keep_the_aspect_and_small_photos_are_not_upscaled() {
    let cases = [
        ((3000, 2250), (2048, 1536), (320, 240)),
        ((2250, 3000), (1536, 2048), (240, 320)),
        ((800, 600), (800, 600), (320, 240)),
        ((300, 200), (300, 200), (300, 200)),
        ((5000, 20), (2048, 8), (320, 1)),
    ];
    for ((w, h), main, thumb) in cases {
        let out = process(&encode_jpeg(&textured(w, h), 85), &opts()).unwrap();
        assert_eq!((out.width, out.height), main, "{w}x{h}");
        assert_eq!((out.thumb_width, out.thumb_height), thumb, "{w}x{h} thumbnail");
        assert_eq!(decode(&out.jpeg).dimensions(), main);
        assert_eq!(decode(&out.thumbnail).dimensions(), thumb);
    }
}

#[test]
fn png_input_with_transparency_lands_on_white() {
    let img = image::RgbaImage::from_fn(64, 48, |x, _| image::Rgba(if x < 32 { [0, 0, 0, 0] } else { [200, 20, 20, 255] }));
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png).unwrap();
    let out = decode(&process(&png, &opts()).unwrap().jpeg);
    assert!(out.get_pixel(8, 24).0.iter().all(|&v| v > 240), "transparent became {:?}", out.get_pixel(8, 24));
    assert_eq!(nearest(out.get_pixel(56, 24)), "red");
}

// ------------------------------------------------------------ JPEG output

/// The (component id, sampling byte) list of the frame header, and whether
/// an APP1 (EXIF/XMP) segment precedes it.
fn frame_info(jpeg: &[u8]) -> (u8, Vec<(u8, u8)>, bool) {
    let mut i = 2;
    let mut app1 = false;
    loop {
        assert_eq!(jpeg[i], 0xFF, "marker expected at {i}");
        let code = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        let seg = &jpeg[i + 4..i + 2 + len];
        app1 |= code == 0xE1;
        if (0xC0..=0xC2).contains(&code) {
            let comps = (0..usize::from(seg[5])).map(|c| (seg[6 + 3 * c], seg[7 + 3 * c])).collect();
            return (code, comps, app1);
        }
        i += 2 + len;
    }
}

#[test]
fn output_is_baseline_420_without_exif() {
    let tiff = tiff(vec![short(0x0112, 1)], vec![ascii(0x9003, "2026:03:05 14:30:15")], vec![]);
    let jpeg = with_exif(&encode_jpeg(&textured(1200, 900), 90), &tiff);
    assert!(frame_info(&jpeg).2, "the fixture has EXIF");
    // 4:2:0 whatever the quality (the encoder's default turns 4:4:4 at 90).
    for quality in [50, 80, 95] {
        let out = process(&jpeg, &PhotoOptions { quality, ..opts() }).unwrap();
        for (what, bytes) in [("photo", &out.jpeg), ("thumbnail", &out.thumbnail)] {
            let (sof, comps, app1) = frame_info(bytes);
            assert_eq!(sof, 0xC0, "{what} is baseline");
            // Y 2x2, Cb and Cr 1x1: 4:2:0.
            assert_eq!(comps.iter().map(|c| c.1).collect::<Vec<_>>(), [0x22, 0x11, 0x11], "{what} q{quality}");
            assert!(!app1, "{what} carries no EXIF");
        }
    }
    let small = process(&jpeg, &PhotoOptions { quality: 50, ..opts() }).unwrap().jpeg.len();
    let large = process(&jpeg, &PhotoOptions { quality: 95, ..opts() }).unwrap().jpeg.len();
    assert!(small < large, "quality is honoured: q50 {small} B, q95 {large} B");
}

// --------------------------------------------------------------- watermark

#[test]
fn watermark_darkens_a_band_at_the_bottom_left_and_nothing_else() {
    let Some(font) = cjk_font() else { return };
    let jpeg = encode_jpeg(&textured(1200, 900), 90);
    let plain = process(&jpeg, &opts()).unwrap();
    let wm = watermark(&font, "杭州市西湖区某化工仓库 (Warehouse 3)");
    let marked = process(&jpeg, &PhotoOptions { watermark: Some(wm.clone()), ..opts() }).unwrap();
    let (a, b) = (decode(&plain.jpeg), decode(&marked.jpeg));

    let band = band_rect(&wm, 1200, 900).expect("room for a band");
    // Text 1/40 of the long edge: 30 px lines, 5 lines, bottom left.
    assert!(band.x < 40 && band.y + band.height > 860, "bottom left: {band:?}");
    assert!(band.height >= 5 * 30 && band.height < 300, "{band:?}");
    assert!(band.width > 300 && band.width < 1200, "{band:?}");
    let (x1, y1) = (band.x + band.width, band.y + band.height);
    let inside = mean_abs_diff(&a, &b, band.x, band.y, x1, y1);
    assert!(inside > 25.0, "the band changes the pixels: mean difference {inside:.1}");

    // Outside the band (and 16 px of JPEG blocks around it) the two photos
    // are the same pixels re-encoded the same way.
    let m = 16;
    let above = mean_abs_diff(&a, &b, 0, 0, 1200, band.y.saturating_sub(m));
    let right = mean_abs_diff(&a, &b, (x1 + m).min(1200), 0, 1200, 900);
    assert!(above < 0.5 && right < 0.5, "outside the band: {above:.2} above, {right:.2} right");

    // The band is dark and the text light: both show in the pixels.
    let band_px: Vec<u8> = (band.y..y1).flat_map(|y| (band.x..x1).map(move |x| (x, y))).map(|(x, y)| b.get_pixel(x, y)[1]).collect();
    let bright = band_px.iter().filter(|&&v| v > 200).count() as f64 / band_px.len() as f64;
    assert!(bright > 0.02 && bright < 0.5, "white text covers {:.1}% of the band", bright * 100.0);

    // The thumbnail is made from the watermarked photo.
    let (ta, tb) = (decode(&plain.thumbnail), decode(&marked.thumbnail));
    let s = 320.0 / 1200.0;
    let t = |v: u32| (f64::from(v) * s) as u32;
    let thumb_inside = mean_abs_diff(&ta, &tb, t(band.x), t(band.y), t(x1), t(y1).min(240));
    assert!(thumb_inside > 15.0, "thumbnail band difference {thumb_inside:.1}");
}

#[test]
fn chinese_text_renders_real_glyphs() {
    let Some(font) = cjk_font() else { return };
    assert!(font.covers("杭州市西湖区危化品仓库王建国"), "the test font has the CJK glyphs");
    let jpeg = encode_jpeg(&textured(1200, 900), 90);
    let run = |site: &str| {
        let wm = watermark(&font, site);
        let out = process(&jpeg, &PhotoOptions { watermark: Some(wm.clone()), ..opts() }).unwrap();
        (decode(&out.jpeg), band_rect(&wm, 1200, 900).unwrap())
    };
    let (empty, empty_band) = run("");
    let (chinese, band) = run("杭州市西湖区危化品仓库");
    let (other, other_band) = run("宁波市北仑区烟花爆竹店");
    assert!(band.height > empty_band.height, "the site line adds a line");
    assert_eq!(band, other_band, "same length, same band");
    // The site line is the third of five lines in the band.
    let line = band.height / 5;
    let (y0, y1) = (band.y + 2 * line, band.y + 3 * line);
    let (x0, x1) = (band.x, band.x + band.width);
    let vs_empty = mean_abs_diff(&chinese, &empty, x0, y0, x1, y1);
    assert!(vs_empty > 20.0, "Chinese site name vs none: {vs_empty:.1}");
    // Different characters draw different pixels: real glyphs, not the same
    // "missing glyph" box eleven times.
    let vs_other = mean_abs_diff(&chinese, &other, x0, y0, x1, y1);
    assert!(vs_other > 8.0, "two different Chinese names: {vs_other:.1}");
}

// ------------------------------------------------------------------- EXIF

fn gps(lat: (u32, u32, u32), ns: &str, lon: (u32, u32, u32), ew: &str) -> Vec<Entry> {
    vec![
        ascii(0x0001, ns),
        rationals(0x0002, &[(lat.0, 1), (lat.1, 1), (lat.2, 100)]),
        ascii(0x0003, ew),
        rationals(0x0004, &[(lon.0, 1), (lon.1, 1), (lon.2, 100)]),
    ]
}

#[test]
fn exif_capture_time_and_gps_are_returned() {
    let img = encode_jpeg(&textured(320, 240), 85);
    // 30°16'26.76"N 120°9'18.36"E, West Lake; no offset: China time.
    let t = tiff(
        vec![short(0x0112, 1), ascii(0x010F, "Xiaomi")],
        vec![ascii(0x9003, "2026:03:05 14:30:15"), ascii(0x9291, "250")],
        gps((30, 16, 2676), "N", (120, 9, 1836), "E"),
    );
    let bytes = with_exif(&img, &t);
    let out = process(&bytes, &opts()).unwrap();
    // The header-only reader the store uses for the watermark agrees.
    assert_eq!(redline_device::photo::metadata(&bytes).unwrap(), (out.taken_at, out.location));
    assert_eq!(out.taken_at, Some(1_772_692_215_250), "14:30:15.25 China time = 06:30:15.25 UTC");
    let p = out.location.expect("GPS read");
    assert!((p.lat - 30.2741).abs() < 1e-4 && (p.lon - 120.1551).abs() < 1e-4, "{p:?}");

    // An explicit offset wins; south and west are negative.
    let t = tiff(vec![], vec![ascii(0x9003, "2026:03:05 06:30:15"), ascii(0x9011, "+00:00")], gps((33, 52, 0), "S", (70, 30, 0), "W"));
    let out = process(&with_exif(&img, &t), &opts()).unwrap();
    assert_eq!(out.taken_at, Some(1_772_692_215_000));
    let p = out.location.unwrap();
    assert!((p.lat + 33.8667).abs() < 1e-3 && (p.lon + 70.5).abs() < 1e-9, "{p:?}");

    // No EXIF, a blank date, a 0/0 fix, a zero denominator: nothing, no error.
    assert_eq!(process(&img, &opts()).unwrap().taken_at, None);
    let t = tiff(vec![], vec![ascii(0x9003, "    :  :     :  :  ")], gps((0, 0, 0), "N", (0, 0, 0), "E"));
    let out = process(&with_exif(&img, &t), &opts()).unwrap();
    assert_eq!((out.taken_at, out.location), (None, None));
    let t = tiff(vec![], vec![], vec![ascii(1, "N"), rationals(2, &[(30, 0), (1, 1), (1, 1)]), ascii(3, "E"), rationals(4, &[(120, 1)])]);
    assert_eq!(process(&with_exif(&img, &t), &opts()).unwrap().location, None);
}

// ------------------------------------------------------------- bad inputs

/// Runs `process` and checks it answers quickly (these are all refused from
/// headers; a debug build allows some slack).
fn refused(bytes: &[u8]) -> PhotoError {
    let started = Instant::now();
    let err = process(bytes, &opts()).expect_err("must be refused");
    assert!(started.elapsed() < Duration::from_secs(2), "{err:?} took {:?}", started.elapsed());
    err
}

#[test]
fn truncated_jpegs_and_pngs_are_truncated() {
    let jpeg = encode_jpeg(&textured(640, 480), 85);
    for cut in [jpeg.len() * 6 / 10, jpeg.len() - 2, 300, 40, 3] {
        let err = refused(&jpeg[..cut]);
        assert!(matches!(err, PhotoError::Truncated(_)), "cut at {cut}: {err:?}");
    }
    let png = encode_png(&textured(640, 480));
    let err = refused(&png[..png.len() / 2]);
    assert!(matches!(err, PhotoError::Truncated(_)), "{err:?}");
}

#[test]
fn damaged_picture_data_after_intact_headers_is_refused_not_stored_grey() {
    // Headers, tables and the first rows intact; garbage from 40% of the
    // compressed data on (a bad sector, a broken copy). Recovering, the
    // decoder would paint the rest flat grey: evidence that is not.
    let jpeg = encode_jpeg(&textured(640, 480), 85);
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).expect("a scan");
    let start = sos + (jpeg.len() - sos) * 4 / 10;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for seed in 0..20u64 {
        let mut damaged = jpeg.clone();
        state ^= seed.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        for b in &mut damaged[start..jpeg.len() - 2] {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Never 0xFF: the markers stay intact, only the coded data is bad.
            *b = (state % 255) as u8;
        }
        let err = refused(&damaged);
        assert!(matches!(err, PhotoError::Decode(_)), "seed {seed}: {err:?}");
        assert_eq!(redline_device::Error::from(err).kind(), ErrorKind::InvalidInput);
    }
}

#[test]
fn things_that_are_not_images_are_named() {
    assert_eq!(refused(b""), PhotoError::NotAnImage);
    assert_eq!(refused(b"<!DOCTYPE html><html><body>404 Not Found</body></html>"), PhotoError::NotAnImage);
    assert_eq!(refused(&[0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0]), PhotoError::NotAnImage); // a zip
    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    assert!(matches!(refused(&heic), PhotoError::Unsupported(s) if s.contains("HEIC")));
    // The app maps every photo error to "the file cannot be used".
    let e: redline_device::Error = PhotoError::NotAnImage.into();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn headers_claiming_huge_images_are_refused_before_decoding() {
    // PNG, 100,000 x 100,000: a header and a few bytes of data.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(b"IDAT", &zlib_bomb(10)));
    png.extend(png_chunk(b"IEND", b""));
    assert_eq!(refused(&png), PhotoError::TooLarge { width: 100_000, height: 100_000 });
    assert_eq!(refused(&png[..33]), PhotoError::TooLarge { width: 100_000, height: 100_000 }, "header alone");

    // JPEG can say at most 65,535; patch a real frame header to 60,000 x 60,000,
    // and to 9,000 x 9,000 (each side fine, 81 MP too many).
    let jpeg = encode_jpeg(&textured(64, 48), 85);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    for (side, err) in [(60_000u16, (60_000, 60_000)), (9_000, (9_000, 9_000))] {
        let mut forged = jpeg.clone();
        forged[sof + 5..sof + 7].copy_from_slice(&side.to_be_bytes());
        forged[sof + 7..sof + 9].copy_from_slice(&side.to_be_bytes());
        assert_eq!(refused(&forged), PhotoError::TooLarge { width: err.0, height: err.1 });
    }
}

#[test]
fn png_text_bomb_is_refused_and_a_smaller_one_is_never_inflated() {
    // ~1.3 MB of zTXt that would inflate to ~200 MB.
    let (bomb, compressed) = png_with_text_bomb(800_000);
    assert!(compressed > 1 << 20);
    assert!(matches!(refused(&bomb), PhotoError::LimitExceeded(s) if s.contains("zTXt")));

    // ~160 KB inflating to ~25 MB: under the metadata cap, so accepted, and
    // dropped before decoding, so it costs nothing and takes no time.
    let (small, _) = png_with_text_bomb(100_000);
    let started = Instant::now();
    let out = process(&small, &opts()).unwrap();
    assert_eq!((out.width, out.height), (64, 48));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn watermark_fonts_load_from_collections_and_refuse_junk() {
    let Some(font) = cjk_font() else { return };
    let bytes = std::fs::read(CJK_FONT).unwrap();
    assert!(bytes.starts_with(b"ttcf"), "the test font is a collection");
    assert!(WatermarkFont::from_bytes(bytes).unwrap().covers("安全检查 2026"));
    assert!(font.covers("隐患"));
    assert!(matches!(WatermarkFont::from_bytes(vec![0; 100]), Err(PhotoError::Font(_))));
    assert!(matches!(WatermarkFont::from_file("/nonexistent.ttf"), Err(PhotoError::Font(_))));
}

#[test]
fn corrupted_files_never_panic() {
    // Deterministic mutations of small valid files: byte flips, cuts and
    // splices anywhere, including inside headers, EXIF and chunk lengths.
    let exif = tiff(vec![short(0x0112, 6)], vec![ascii(0x9003, "2026:03:05 14:30:15")], gps((30, 16, 2676), "N", (120, 9, 1836), "E"));
    let seeds = [with_exif(&encode_jpeg(&textured(64, 48), 85), &exif), encode_png(&textured(64, 48))];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut refused) = (0, 0);
    for seed in &seeds {
        for _ in 0..300 {
            let mut b = seed.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % b.len();
                match next() % 3 {
                    0 => b[at] = next() as u8,
                    1 => b.truncate(at.max(1)),
                    _ => b.insert(at, next() as u8),
                }
            }
            match process(&b, &opts()) {
                Ok(out) => {
                    assert!(out.width <= 64 && out.height <= 64);
                    ok += 1;
                }
                Err(_) => refused += 1,
            }
        }
    }
    assert!(ok > 0 && refused > 0, "{ok} processed, {refused} refused");
}
