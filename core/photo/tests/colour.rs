//! A photo in Display P3 (an iPhone's default) comes out in sRGB: the
//! profile is built here byte by byte from the ICC specification (a v4
//! matrix/curve display profile with Display P3's D50-adapted colorants and
//! the sRGB curve), embedded in a JPEG as cameras do (APP2
//! `ICC_PROFILE`), and the expected sRGB values are computed here from the
//! same matrices, independently of the code under test.

use redline_photo::{PhotoOptions, process};

/// Display P3 colorants, adapted to D50 (as in Apple's profile).
const P3: [[f64; 3]; 3] = [[0.51512, 0.24120, -0.00105], [0.29198, 0.69225, 0.04189], [0.15710, 0.06657, 0.78407]];
/// sRGB colorants, adapted to D50.
const SRGB: [[f64; 3]; 3] = [[0.43607, 0.22249, 0.01392], [0.38515, 0.71687, 0.09708], [0.14307, 0.06061, 0.71410]];

fn s15(v: f64) -> [u8; 4] {
    ((v * 65536.0).round() as i32).to_be_bytes()
}

fn xyz_tag(v: [f64; 3]) -> Vec<u8> {
    let mut t = b"XYZ \0\0\0\0".to_vec();
    for c in v {
        t.extend(s15(c));
    }
    t
}

/// The sRGB curve as an ICC parametric curve (function type 3).
fn srgb_curve() -> Vec<u8> {
    let mut t = b"para\0\0\0\0\0\x03\0\0".to_vec();
    for v in [2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045] {
        t.extend(s15(v));
    }
    t
}

fn display_p3_profile() -> Vec<u8> {
    let tags: Vec<([u8; 4], Vec<u8>)> = vec![
        (*b"wtpt", xyz_tag([0.9642, 1.0, 0.8249])),
        (*b"rXYZ", xyz_tag(P3[0])),
        (*b"gXYZ", xyz_tag(P3[1])),
        (*b"bXYZ", xyz_tag(P3[2])),
        (*b"rTRC", srgb_curve()),
        (*b"gTRC", srgb_curve()),
        (*b"bTRC", srgb_curve()),
    ];
    let mut header = vec![0u8; 128];
    header[8..12].copy_from_slice(&[4, 0x20, 0, 0]); // version 4.2
    header[12..16].copy_from_slice(b"mntr");
    header[16..20].copy_from_slice(b"RGB ");
    header[20..24].copy_from_slice(b"XYZ ");
    header[36..40].copy_from_slice(b"acsp");
    for (i, v) in [0.9642, 1.0, 0.8249].into_iter().enumerate() {
        header[68 + 4 * i..72 + 4 * i].copy_from_slice(&s15(v));
    }
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    let mut data = vec![];
    let mut offset = 128 + 4 + 12 * tags.len();
    for (sig, body) in &tags {
        table.extend(sig);
        table.extend((offset as u32).to_be_bytes());
        table.extend((body.len() as u32).to_be_bytes());
        data.extend(body);
        while data.len() % 4 != 0 {
            data.push(0);
        }
        offset = 128 + 4 + 12 * tags.len() + data.len();
    }
    let mut profile = [header, table, data].concat();
    let len = profile.len() as u32;
    profile[0..4].copy_from_slice(&len.to_be_bytes());
    profile
}

fn flat_jpeg(rgb: [u8; 3], icc: Option<&[u8]>) -> Vec<u8> {
    let (w, h) = (64u32, 48u32);
    let pixels: Vec<u8> = rgb.iter().copied().cycle().take((w * h * 3) as usize).collect();
    let mut jpeg = vec![];
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95).encode(&pixels, w, h, image::ExtendedColorType::Rgb8).unwrap();
    let Some(icc) = icc else { return jpeg };
    let mut app2 = vec![0xFF, 0xE2];
    app2.extend(((2 + 12 + 2 + icc.len()) as u16).to_be_bytes());
    app2.extend(b"ICC_PROFILE\0\x01\x01");
    app2.extend(icc);
    [&jpeg[..2], &app2, &jpeg[2..]].concat()
}

fn mean_rgb(jpeg: &[u8]) -> [f64; 3] {
    let img = image::load_from_memory(jpeg).unwrap().to_rgb8();
    let mut sum = [0.0; 3];
    for p in img.pixels() {
        for c in 0..3 {
            sum[c] += f64::from(p[c]);
        }
    }
    sum.map(|s| s / f64::from(img.width() * img.height()))
}

fn invert(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let c = |a: usize, b: usize, x: usize, y: usize| m[a][b] * m[x][y] - m[a][y] * m[x][b];
    [
        [c(1, 1, 2, 2) / det, -c(0, 1, 2, 2) / det, c(0, 1, 1, 2) / det],
        [-c(1, 0, 2, 2) / det, c(0, 0, 2, 2) / det, -c(0, 0, 1, 2) / det],
        [c(1, 0, 2, 1) / det, -c(0, 0, 2, 1) / det, c(0, 0, 1, 1) / det],
    ]
}

/// P3 values as sRGB values, from the colorants (rows: the XYZ of each primary).
fn expected(p3: [u8; 3]) -> [f64; 3] {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    let enc = |v: f64| {
        let v = v.clamp(0.0, 1.0);
        255.0 * if v <= 0.0031308 { v * 12.92 } else { 1.055 * v.powf(1.0 / 2.4) - 0.055 }
    };
    let l = p3.map(lin);
    let xyz: [f64; 3] = std::array::from_fn(|k| (0..3).map(|i| l[i] * P3[i][k]).sum());
    let inv = invert(SRGB);
    // xyz = Σ_i s_i * SRGB[i] → s = xyz · inv(SRGB)
    std::array::from_fn(|i| enc((0..3).map(|k| xyz[k] * inv[k][i]).sum()))
}

#[test]
fn a_display_p3_photo_comes_out_in_srgb() {
    let colour = [200, 90, 60];
    let want = expected(colour);
    assert!((want[0] - 200.0).abs() > 8.0, "the test colour must move: {want:?}");
    let profile = display_p3_profile();
    let out = process(&flat_jpeg(colour, Some(&profile)), &PhotoOptions::default()).unwrap();
    let got = mean_rgb(&out.jpeg);
    for c in 0..3 {
        assert!((got[c] - want[c]).abs() <= 3.0, "channel {c}: got {got:?}, want {want:?}");
    }
    // Without a profile the same pixels are taken as sRGB, unchanged.
    let plain = mean_rgb(&process(&flat_jpeg(colour, None), &PhotoOptions::default()).unwrap().jpeg);
    for c in 0..3 {
        assert!((plain[c] - f64::from(colour[c])).abs() <= 3.0, "{plain:?}");
    }
}
