//! Reads an untrusted file's container structure before any decoder sees it.
//!
//! Why not leave this to the decoders: the `image` crate learns dimensions
//! only by building a decoder, its JPEG decoder runs in lenient mode (a
//! truncated JPEG decodes "successfully" with a grey bottom), and the PNG
//! decoder keeps every metadata chunk in memory and inflates an ICC profile
//! eagerly (a decompression bomb hides there as well as in text chunks).
//! Walking the segments/chunks here is a linear scan with no allocation
//! (except a sanitised PNG copy, below) and lets us answer with a precise
//! error: not an image, unsupported, truncated, too large, limit exceeded.
//!
//! It also hands the EXIF block to `meta` so the file is walked only once.

use std::borrow::Cow;

use super::PhotoError;

/// Metadata chunks larger than this are refused. Real photos carry a few
/// KB (EXIF in JPEG cannot exceed 64 KB); anything bigger is padding or an
/// attack, and the PNG decoder would copy it into memory.
pub(crate) const MAX_METADATA_CHUNK: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Jpeg,
    Png,
}

/// What the header says, checked for structure.
pub(crate) struct Probed<'a> {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// The bytes to hand to the decoder: the input, or for PNG a copy
    /// without the ancillary chunks the pipeline has no use for.
    pub data: Cow<'a, [u8]>,
    /// The raw EXIF (TIFF) block, if the file has one.
    pub exif: Option<Cow<'a, [u8]>>,
}

pub(crate) fn probe(bytes: &[u8]) -> Result<Probed<'_>, PhotoError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return probe_jpeg(bytes);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return probe_png(bytes);
    }
    Err(match sniff_other(bytes) {
        Some(name) => PhotoError::Unsupported(name.into()),
        None => PhotoError::NotAnImage,
    })
}

/// Names the image formats we recognise but do not take, so the app can
/// tell "convert it first" apart from "this is not a picture".
fn sniff_other(b: &[u8]) -> Option<&'static str> {
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return match &b[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                Some("HEIC/HEIF (convert to JPEG in the app before processing)")
            }
            b"avif" | b"avis" => Some("AVIF"),
            _ => None,
        };
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some("GIF")
    } else if b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" {
        Some("WebP")
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if b.starts_with(b"BM") && b.len() >= 26 {
        Some("BMP")
    } else if b.starts_with(&[0xFF, 0xD8]) {
        // SOI without a following marker: a JPEG cut after two bytes.
        Some("JPEG without any segment")
    } else {
        None
    }
}

fn truncated(what: &str) -> PhotoError {
    PhotoError::Truncated(what.to_string())
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Walks the JPEG marker segments up to the end of the first image (EOI).
/// Data after EOI (Samsung trailers, MPF depth maps) is ignored.
fn probe_jpeg(b: &[u8]) -> Result<Probed<'_>, PhotoError> {
    let mut frame: Option<(u32, u32)> = None;
    let mut exif = None;
    let mut seen_scan = false;
    let mut i = 2;
    loop {
        if i >= b.len() {
            return Err(truncated("the JPEG ends before its end marker"));
        }
        if b[i] != 0xFF {
            return Err(PhotoError::Decode(format!("JPEG: no marker at offset {i}")));
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1; // fill bytes
        }
        let Some(&code) = b.get(i) else {
            return Err(truncated("the JPEG ends inside a marker"));
        };
        i += 1;
        match code {
            0xD9 if seen_scan => break,
            0xD9 => return Err(PhotoError::Decode("JPEG without image data".into())),
            0xD8 => {
                return Err(PhotoError::Decode("JPEG: start marker inside the image".into()));
            }
            0x01 | 0xD0..=0xD7 => continue, // stand-alone markers
            _ => {}
        }
        if i + 2 > b.len() {
            return Err(truncated("the JPEG ends inside a segment header"));
        }
        let len = usize::from(be16(b, i));
        if len < 2 {
            return Err(PhotoError::Decode(format!("JPEG: segment length {len}")));
        }
        let end = i + len;
        if end > b.len() {
            return Err(truncated("the JPEG ends inside a segment"));
        }
        let payload = &b[i + 2..end];
        match code {
            // SOF0-SOF2: baseline, extended and progressive Huffman, the
            // ones the decoder has and cameras write.
            0xC0..=0xC2 if frame.is_none() => {
                if payload.len() < 6 {
                    return Err(PhotoError::Decode("JPEG: short frame header".into()));
                }
                let (h, w) = (be16(payload, 1), be16(payload, 3));
                if h == 0 {
                    return Err(PhotoError::Unsupported("JPEG with height defined later (DNL)".into()));
                }
                // Refused here, not after the walk: a forged header alone
                // must already get the precise answer.
                super::check_dimensions(u32::from(w), u32::from(h))?;
                frame = Some((u32::from(w), u32::from(h)));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(PhotoError::Unsupported(format!("lossless, hierarchical or arithmetic-coded JPEG (SOF{})", code - 0xC0)));
            }
            0xE1 if exif.is_none() && payload.starts_with(b"Exif\0\0") => exif = Some(Cow::Borrowed(&payload[6..])),
            0xDA => {
                if frame.is_none() {
                    return Err(PhotoError::Decode("JPEG: scan before frame header".into()));
                }
                seen_scan = true;
                i = skip_entropy_data(b, end)?;
                continue;
            }
            _ => {}
        }
        i = end;
    }
    let (width, height) = frame.expect("a scan was seen, so was a frame");
    Ok(Probed { format: Format::Jpeg, width, height, data: Cow::Borrowed(b), exif })
}

/// Returns the offset of the next real marker after entropy-coded data
/// starting at `from`: 0xFF00 is a stuffed byte, 0xFFD0-D7 are restart
/// markers, runs of 0xFF are fill.
fn skip_entropy_data(b: &[u8], from: usize) -> Result<usize, PhotoError> {
    let mut j = from;
    loop {
        let Some(k) = b[j..].iter().position(|&x| x == 0xFF).map(|p| j + p) else {
            return Err(truncated("the image data stops before the JPEG end marker"));
        };
        let Some(&next) = b.get(k + 1) else {
            return Err(truncated("the image data stops before the JPEG end marker"));
        };
        match next {
            0x00 | 0xD0..=0xD7 => j = k + 2,
            0xFF => j = k + 1,
            _ => return Ok(k),
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Chunks the decoder needs for the pixels. Everything else (text, ICC,
/// EXIF, time, animation) is dropped from the copy handed to the decoder,
/// so no metadata can be inflated behind our back.
const PNG_PIXEL_CHUNKS: [&[u8; 4]; 5] = [b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"];

fn probe_png(b: &[u8]) -> Result<Probed<'_>, PhotoError> {
    let mut i = PNG_SIGNATURE.len();
    let mut header: Option<(u32, u32)> = None;
    let mut exif = None;
    let mut own_exif = false;
    // Byte ranges of the chunks to keep; a copy is made only if one is dropped.
    let mut keep: Vec<(usize, usize)> = Vec::new();
    let mut dropped = false;
    let mut saw_idat = false;
    loop {
        if i + 8 > b.len() {
            return Err(truncated("the PNG ends before its IEND chunk"));
        }
        let len = be32(b, i) as usize;
        let kind: [u8; 4] = b[i + 4..i + 8].try_into().expect("4 bytes");
        if len > 0x7FFF_FFFF {
            return Err(PhotoError::Decode("PNG: chunk length over 2^31".into()));
        }
        let data = i + 8;
        // Checked: on 32-bit phones a forged length could wrap around.
        let end = data
            .checked_add(len)
            .and_then(|e| e.checked_add(4)) // + CRC
            .filter(|&e| e <= b.len())
            .ok_or_else(|| truncated("the PNG ends inside a chunk"))?;
        if header.is_none() {
            if &kind != b"IHDR" || len != 13 {
                return Err(PhotoError::Decode("PNG: first chunk is not a header".into()));
            }
            let (w, h) = (be32(b, data), be32(b, data + 4));
            super::check_dimensions(w, h)?;
            header = Some((w, h));
        }
        let is_pixel_chunk = PNG_PIXEL_CHUNKS.iter().any(|k| **k == kind);
        if !is_pixel_chunk && len > MAX_METADATA_CHUNK {
            return Err(PhotoError::LimitExceeded(format!(
                "PNG {} chunk of {len} bytes (at most {MAX_METADATA_CHUNK} for metadata)",
                String::from_utf8_lossy(&kind)
            )));
        }
        if &kind == b"eXIf" && !own_exif {
            // PNG's own chunk wins over a text profile met before it.
            exif = Some(Cow::Borrowed(&b[data..data + len]));
            own_exif = true;
        } else if (&kind == b"tEXt" || &kind == b"zTXt") && exif.is_none() {
            exif = super::png_text::exif_in_text_chunk(&kind, &b[data..data + len]).map(Cow::Owned);
        }
        saw_idat |= &kind == b"IDAT";
        if is_pixel_chunk {
            keep.push((i, end));
        } else if kind[0].is_ascii_uppercase() {
            // An unknown critical chunk changes how pixels are read; the
            // decoder would refuse it too, say so precisely.
            return Err(PhotoError::Unsupported(format!("PNG critical chunk {}", String::from_utf8_lossy(&kind))));
        } else {
            dropped = true;
        }
        i = end;
        if &kind == b"IEND" {
            break;
        }
    }
    if !saw_idat {
        return Err(PhotoError::Decode("PNG without image data".into()));
    }
    let (width, height) = header.expect("the first chunk was checked");
    let data = if dropped {
        let mut out = Vec::with_capacity(keep.iter().map(|(s, e)| e - s).sum::<usize>() + 8);
        out.extend_from_slice(PNG_SIGNATURE);
        for (s, e) in keep {
            out.extend_from_slice(&b[s..e]);
        }
        Cow::Owned(out)
    } else {
        Cow::Borrowed(b)
    };
    Ok(Probed { format: Format::Png, width, height, data, exif })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_data_skips_stuffing_restarts_and_fill() {
        let b = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56, 0xFF, 0xFF, 0xD9];
        assert_eq!(skip_entropy_data(&b, 0).unwrap(), 8);
        assert!(matches!(skip_entropy_data(&b[..7], 0), Err(PhotoError::Truncated(_))));
    }

    #[test]
    fn recognises_formats_it_refuses() {
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic\0\0\0\0");
        assert!(matches!(probe(&heic), Err(PhotoError::Unsupported(s)) if s.starts_with("HEIC")));
        assert!(matches!(probe(b"GIF89a......"), Err(PhotoError::Unsupported(s)) if s == "GIF"));
        assert!(matches!(probe(b"hello, world"), Err(PhotoError::NotAnImage)));
        assert!(matches!(probe(b""), Err(PhotoError::NotAnImage)));
    }
}
