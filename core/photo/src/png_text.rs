//! EXIF that ImageMagick (and tools built on it) keep in a PNG text chunk,
//! `Raw profile type exif`, instead of PNG's own `eXIf` chunk: a phone
//! photo converted or edited with them carries its orientation (and time
//! and place) only there. The chunk's text is `\nexif\n   <length>\n`
//! followed by the bytes in hex over several lines; in a `zTXt` chunk it
//! is zlib-compressed first.
//!
//! Bounded like every other metadata: the chunk is at most
//! `MAX_METADATA_CHUNK` bytes (checked by `probe`), it inflates to at most
//! [`MAX_TEXT`] bytes (a bomb stops there, as an absent profile), and the
//! hex must agree with the declared length.

/// The most a compressed profile may inflate to: hex of a 64 KB EXIF block
/// with its line breaks.
const MAX_TEXT: usize = 160 * 1024;
const KEYWORDS: [&[u8]; 2] = [b"Raw profile type exif", b"Raw profile type APP1"];

/// The EXIF (TIFF) block in a `tEXt` or `zTXt` chunk's data, if it holds
/// ImageMagick's raw EXIF profile; `None` for any other text or anything
/// malformed (text chunks are never a reason to refuse a photo).
pub(crate) fn exif_in_text_chunk(kind: &[u8; 4], data: &[u8]) -> Option<Vec<u8>> {
    let nul = data.iter().position(|&b| b == 0)?;
    if !KEYWORDS.contains(&&data[..nul]) {
        return None;
    }
    let text = match kind {
        b"tEXt" => data[nul + 1..].to_vec(),
        // Compression method 0 (zlib), then the stream.
        b"zTXt" if data.get(nul + 1) == Some(&0) => {
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&data[nul + 2..], MAX_TEXT).ok()?
        }
        _ => return None,
    };
    let block = parse_profile(&text)?;
    Some(block.strip_prefix(b"Exif\0\0").map(<[u8]>::to_vec).unwrap_or(block))
}

/// `\n<name>\n <length>\n<hex>`: the bytes, if the hex has that length.
fn parse_profile(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?;
    let mut parts = text.split_ascii_whitespace();
    let _name = parts.next()?;
    let length: usize = parts.next()?.parse().ok()?;
    let hex: String = parts.collect();
    if hex.len() != 2 * length {
        return None;
    }
    (0..length).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(keyword: &[u8], text: &str) -> Vec<u8> {
        let mut data = keyword.to_vec();
        data.push(0);
        data.extend_from_slice(text.as_bytes());
        data
    }

    #[test]
    fn the_raw_profile_is_read_from_text_and_compressed_text() {
        let text = "\nexif\n      10\n457869660000\n4d4d002a\n";
        assert_eq!(exif_in_text_chunk(b"tEXt", &chunk(b"Raw profile type exif", text)), Some(b"MM\0*".to_vec()));
        let mut z = b"Raw profile type exif\0\0".to_vec();
        z.extend(miniz_oxide::deflate::compress_to_vec_zlib(text.as_bytes(), 6));
        assert_eq!(exif_in_text_chunk(b"zTXt", &z), Some(b"MM\0*".to_vec()));
    }

    #[test]
    fn other_text_or_a_wrong_length_is_no_profile() {
        assert_eq!(exif_in_text_chunk(b"tEXt", &chunk(b"Comment", "\nexif\n 2\n4d4d\n")), None);
        assert_eq!(exif_in_text_chunk(b"tEXt", &chunk(b"Raw profile type exif", "\nexif\n 3\n4d4d\n")), None);
        assert_eq!(exif_in_text_chunk(b"tEXt", &chunk(b"Raw profile type exif", "\nexif\n 2\nzz4d\n")), None);
        let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![b'0'; 4 * MAX_TEXT], 9);
        let mut z = b"Raw profile type exif\0\0".to_vec();
        z.extend(bomb);
        assert_eq!(exif_in_text_chunk(b"zTXt", &z), None, "inflating stops at the bound");
    }
}
