//! Fixture builders for the photo pipeline tests: JPEG/PNG encoding, a
//! tiny EXIF (TIFF) writer, PNG chunks with CRC, a deflate "bomb", and a
//! photo-like texture. Everything is generated, so no binary test files are
//! committed, and the EXIF writer is independent of the parser under test.

use image::{ImageFormat, Rgb, RgbImage};

pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(img.as_raw(), img.width() as u16, img.height() as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

pub fn decode(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).unwrap().to_rgb8()
}

/// A photo-like texture: gradients plus deterministic noise, so JPEG has
/// real detail to code and differences are not hidden by flat colour.
pub fn textured(w: u32, h: u32) -> RgbImage {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = (seed % 41) as i32 - 20;
        let r = (x * 200 / w) as i32 + 30 + n;
        let g = (y * 180 / h) as i32 + 40 + n;
        let b = ((x + y) * 120 / (w + h)) as i32 + 90 + n;
        Rgb([r.clamp(0, 255) as u8, g.clamp(0, 255) as u8, b.clamp(0, 255) as u8])
    })
}

/// A minimal little-endian TIFF/EXIF block: IFD0 with the given entries
/// plus optional EXIF and GPS sub-IFDs (pointers added here).
pub struct Entry {
    pub tag: u16,
    pub kind: u16,
    pub count: u32,
    pub data: Vec<u8>,
}

pub fn short(tag: u16, v: u16) -> Entry {
    Entry { tag, kind: 3, count: 1, data: v.to_le_bytes().to_vec() }
}
pub fn ascii(tag: u16, s: &str) -> Entry {
    let mut data = s.as_bytes().to_vec();
    data.push(0);
    Entry { tag, kind: 2, count: data.len() as u32, data }
}
pub fn rationals(tag: u16, parts: &[(u32, u32)]) -> Entry {
    let data = parts.iter().flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()].concat()).collect();
    Entry { tag, kind: 5, count: parts.len() as u32, data }
}

pub fn ifd_size(entries: &[Entry]) -> u32 {
    let extra: usize = entries.iter().filter(|e| e.data.len() > 4).map(|e| e.data.len().next_multiple_of(2)).sum();
    (2 + 12 * entries.len() + 4 + extra) as u32
}

pub fn write_ifd(out: &mut Vec<u8>, mut entries: Vec<Entry>) {
    entries.sort_by_key(|e| e.tag);
    let start = out.len() as u32;
    let mut data_at = start + 2 + 12 * entries.len() as u32 + 4;
    let mut data = Vec::new();
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for e in &entries {
        out.extend_from_slice(&e.tag.to_le_bytes());
        out.extend_from_slice(&e.kind.to_le_bytes());
        out.extend_from_slice(&e.count.to_le_bytes());
        if e.data.len() <= 4 {
            let mut v = e.data.clone();
            v.resize(4, 0);
            out.extend_from_slice(&v);
        } else {
            out.extend_from_slice(&data_at.to_le_bytes());
            data.extend_from_slice(&e.data);
            if e.data.len() % 2 == 1 {
                data.push(0);
            }
            data_at += e.data.len().next_multiple_of(2) as u32;
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    out.extend_from_slice(&data);
}

pub fn tiff(mut ifd0: Vec<Entry>, exif: Vec<Entry>, gps: Vec<Entry>) -> Vec<u8> {
    let pointers = usize::from(!exif.is_empty()) + usize::from(!gps.is_empty());
    let ifd0_size = ifd_size(&ifd0) + 12 * pointers as u32;
    let exif_at = 8 + ifd0_size;
    let gps_at = exif_at + if exif.is_empty() { 0 } else { ifd_size(&exif) };
    if !exif.is_empty() {
        ifd0.push(Entry { tag: 0x8769, kind: 4, count: 1, data: exif_at.to_le_bytes().to_vec() });
    }
    if !gps.is_empty() {
        ifd0.push(Entry { tag: 0x8825, kind: 4, count: 1, data: gps_at.to_le_bytes().to_vec() });
    }
    let mut out = b"II*\0\x08\0\0\0".to_vec();
    write_ifd(&mut out, ifd0);
    if !exif.is_empty() {
        write_ifd(&mut out, exif);
    }
    if !gps.is_empty() {
        write_ifd(&mut out, gps);
    }
    out
}

/// Inserts an APP1 "Exif" segment right after SOI, as cameras do.
pub fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let len = (2 + 6 + tiff.len()) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

pub fn encode_png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png).unwrap();
    out
}

/// A zlib stream inflating to `1 + 258 * matches` zero bytes, written with
/// the fixed Huffman code (13 bits per 258 bytes, ~160:1).
pub fn zlib_bomb(matches: usize) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let (mut acc, mut n) = (0u64, 0u32);
    let mut put = |out: &mut Vec<u8>, code: u32, len: u32, huffman: bool| {
        // Huffman codes go most significant bit first, other fields LSB first.
        let v = if huffman { code.reverse_bits() >> (32 - len) } else { code };
        acc |= u64::from(v) << n;
        n += len;
        while n >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            n -= 8;
        }
    };
    put(&mut out, 1, 1, false); // final block
    put(&mut out, 1, 2, false); // fixed Huffman
    put(&mut out, 0x30, 8, true); // literal 0
    for _ in 0..matches {
        put(&mut out, 0xC5, 8, true); // length 258
        put(&mut out, 0, 5, true); // distance 1
    }
    put(&mut out, 0, 7, true); // end of block
    put(&mut out, 0, 7, false); // flush the last byte
    let total = 1 + 258 * matches as u64;
    out.extend_from_slice(&((total % 65521) as u32 * 65536 + 1).to_be_bytes()); // adler32 of zeros
    out
}

/// A PNG with a zTXt chunk whose text inflates to `matches * 258` bytes.
pub fn png_with_text_bomb(matches: usize) -> (Vec<u8>, usize) {
    let png = encode_png(&textured(64, 48));
    let mut data = b"Comment\0\0".to_vec(); // keyword, NUL, compression method 0
    data.extend_from_slice(&zlib_bomb(matches));
    let chunk = png_chunk(b"zTXt", &data);
    let mut out = png[..33].to_vec(); // signature + IHDR
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[33..]);
    (out, data.len())
}
