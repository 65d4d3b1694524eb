//! Bodies compressed both ways. Requests sent compressed
//! (`Content-Encoding: gzip` or `zstd`): a phone on a slow mobile link sends
//! its change chunks in a sixth of the bytes; sync responses compressed for
//! a client that accepts it (`Accept-Encoding`: zstd preferred, then gzip).
//! The
//! client's compression is not trusted: inflating stops one byte past the
//! route's limit, so a bomb costs at most the limit of work and memory and
//! is refused with 413, like an uncompressed body over the limit. Inflating
//! runs on the blocking pool, not on an async worker.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::io::{Read, Write};

/// Whether the client lists `name` in `Accept-Encoding` (and not with q=0).
fn accepts(headers: &HeaderMap, name: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|e| {
            let mut parts = e.split(';').map(str::trim);
            let named = parts.next().is_some_and(|n| n.eq_ignore_ascii_case(name));
            let refused = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
            named && !refused
        })
    })
}

/// A CBOR response, compressed when the client accepts zstd or gzip and it
/// is worth it (1 KB or more).
pub async fn cbor_response(headers: &HeaderMap, body: Vec<u8>) -> Response {
    let content_type = [(header::CONTENT_TYPE, HeaderValue::from_static(redline_domain::sync::wire::CONTENT_TYPE))];
    let encoding = if accepts(headers, "zstd") {
        "zstd"
    } else if accepts(headers, "gzip") {
        "gzip"
    } else {
        return (content_type, body).into_response();
    };
    if body.len() < 1024 {
        return (content_type, body).into_response();
    }
    let packed = tokio::task::spawn_blocking(move || match encoding {
        "zstd" => Ok(ruzstd::encoding::compress_to_vec(&body[..], ruzstd::encoding::CompressionLevel::Fastest)),
        _ => {
            let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::fast());
            e.write_all(&body).and_then(|()| e.finish()).map_err(|_| body)
        }
    })
    .await;
    match packed {
        Ok(Ok(packed)) => (content_type, [(header::CONTENT_ENCODING, encoding), (header::VARY, "accept-encoding")], packed).into_response(),
        Ok(Err(body)) => (content_type, body).into_response(),
        Err(e) => ApiError::Internal(format!("compressing a response: {e}")).into_response(),
    }
}

/// The body as the route reads it: inflated when it came gzip- or
/// zstd-compressed, as it is when it came plain.
pub async fn body(headers: &HeaderMap, body: Bytes, limit: usize) -> Result<Bytes, ApiError> {
    match headers.get(header::CONTENT_ENCODING).map(|v| v.as_bytes().to_ascii_lowercase()) {
        None => Ok(body),
        Some(e) if e == b"identity" => Ok(body),
        Some(e) if e == b"gzip" => inflate_off_worker(move || gunzip(&body, limit)).await,
        Some(e) if e == b"zstd" => inflate_off_worker(move || unzstd(&body, limit)).await,
        Some(e) => Err(ApiError::UnsupportedEncoding(String::from_utf8_lossy(&e).into_owned())),
    }
}

async fn inflate_off_worker(f: impl FnOnce() -> Result<Bytes, ApiError> + Send + 'static) -> Result<Bytes, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::Internal(format!("inflating a body: {e}")))?
}

fn over_limit(limit: usize) -> ApiError {
    ApiError::TooLarge(format!("the body inflates to more than the {limit}-byte limit of this route"))
}

/// Decodes the zstd frames of `data`, refusing it once more than `limit`
/// bytes come out. The decoder's window is bounded by the limit too, so a
/// frame that declares a huge window is refused before it allocates one.
fn unzstd(data: &[u8], limit: usize) -> Result<Bytes, ApiError> {
    let bad = |e: &dyn std::fmt::Display| ApiError::BadRequest(format!("the zstd body does not decode: {e}"));
    let mut decoder = ruzstd::decoding::FrameDecoder::new();
    decoder.set_max_window_size((limit as u64).max(1 << 20));
    let (mut input, mut out) = (data, Vec::new());
    while !input.is_empty() {
        let room = (limit + 1 - out.len()) as u64;
        let frame = ruzstd::decoding::StreamingDecoder::new_with_decoder(&mut input, &mut decoder).map_err(|e| bad(&e))?;
        frame.take(room).read_to_end(&mut out).map_err(|e| bad(&e))?;
        if out.len() > limit {
            return Err(over_limit(limit));
        }
    }
    Ok(out.into())
}

/// Inflates `data`, refusing it once more than `limit` bytes come out.
fn gunzip(data: &[u8], limit: usize) -> Result<Bytes, ApiError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| ApiError::BadRequest(format!("the gzip body does not inflate: {e}")))?;
    if out.len() > limit {
        return Err(over_limit(limit));
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_body_inflates_within_the_limit_and_a_bomb_stops_at_it() {
        assert_eq!(&gunzip(&gzip(b"a sync request"), 100).unwrap()[..], b"a sync request");
        // 64 MiB of zeros in about 64 KB: refused after 1 MiB of output.
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 100 << 10);
        assert!(matches!(gunzip(&bomb, 1 << 20), Err(ApiError::TooLarge(_))));
        assert!(matches!(gunzip(b"not gzip at all", 1 << 20), Err(ApiError::BadRequest(_))));
        let mut cut = gzip(b"a sync request that is cut short");
        cut.truncate(cut.len() - 6);
        assert!(matches!(gunzip(&cut, 1 << 20), Err(ApiError::BadRequest(_))));
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
    }

    #[test]
    fn a_zstd_body_decodes_within_the_limit_and_a_bomb_stops_at_it() {
        assert_eq!(&unzstd(&zstd(b"a sync request"), 100).unwrap()[..], b"a sync request");
        // Two frames one after the other are one body.
        let two = [zstd(b"first half, "), zstd(b"second half")].concat();
        assert_eq!(&unzstd(&two, 100).unwrap()[..], b"first half, second half");
        let bomb = zstd(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 100 << 10, "{}", bomb.len());
        assert!(matches!(unzstd(&bomb, 1 << 20), Err(ApiError::TooLarge(_))));
        assert!(matches!(unzstd(b"not zstd at all", 1 << 20), Err(ApiError::BadRequest(_))));
        let mut cut = zstd(b"a sync request that is cut short, long enough to need a block");
        cut.truncate(cut.len() - 6);
        assert!(matches!(unzstd(&cut, 1 << 20), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            h
        };
        assert!(accepts(&with("gzip, zstd"), "zstd") && accepts(&with("gzip, zstd"), "gzip"));
        assert!(accepts(&with("GZIP;q=0.5"), "gzip"));
        assert!(!accepts(&with("gzip;q=0, br"), "gzip"));
        assert!(!accepts(&with("gzip;q=0.0"), "gzip"));
        assert!(!accepts(&with("br"), "gzip"));
    }
}
