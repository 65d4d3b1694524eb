//! Bodies compressed with gzip both ways. Requests sent compressed
//! (`Content-Encoding: gzip`): a phone on a slow mobile link sends its
//! change chunks in a sixth of the bytes; sync responses compressed for a
//! client that accepts it (`Accept-Encoding: gzip`). The
//! client's compression is not trusted: inflating stops one byte past the
//! route's limit, so a bomb costs at most the limit of work and memory and
//! is refused with 413, like an uncompressed body over the limit. Inflating
//! runs on the blocking pool, not on an async worker.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::io::{Read, Write};

/// A CBOR response, gzip-compressed when the client accepts it and it is
/// worth it (1 KB or more).
pub async fn cbor_response(headers: &HeaderMap, body: Vec<u8>) -> Response {
    let accepts = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|e| e.split(';').next().is_some_and(|name| name.trim().eq_ignore_ascii_case("gzip"))));
    let content_type = [(header::CONTENT_TYPE, HeaderValue::from_static(redline_domain::sync::wire::CONTENT_TYPE))];
    if !accepts || body.len() < 1024 {
        return (content_type, body).into_response();
    }
    let gz = tokio::task::spawn_blocking(move || {
        let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::fast());
        e.write_all(&body).and_then(|()| e.finish()).map_err(|_| body)
    })
    .await;
    match gz {
        Ok(Ok(gz)) => (content_type, [(header::CONTENT_ENCODING, "gzip"), (header::VARY, "accept-encoding")], gz).into_response(),
        Ok(Err(body)) => (content_type, body).into_response(),
        Err(e) => ApiError::Internal(format!("compressing a response: {e}")).into_response(),
    }
}

/// The body as the route reads it: inflated when it came gzip-compressed,
/// as it is when it came plain.
pub async fn body(headers: &HeaderMap, body: Bytes, limit: usize) -> Result<Bytes, ApiError> {
    match headers.get(header::CONTENT_ENCODING).map(|v| v.as_bytes().to_ascii_lowercase()) {
        None => Ok(body),
        Some(e) if e == b"identity" => Ok(body),
        Some(e) if e == b"gzip" => tokio::task::spawn_blocking(move || gunzip(&body, limit))
            .await
            .map_err(|e| ApiError::Internal(format!("inflating a body: {e}")))?,
        Some(e) => Err(ApiError::UnsupportedEncoding(String::from_utf8_lossy(&e).into_owned())),
    }
}

/// Inflates `data`, refusing it once more than `limit` bytes come out.
fn gunzip(data: &[u8], limit: usize) -> Result<Bytes, ApiError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| ApiError::BadRequest(format!("the gzip body does not inflate: {e}")))?;
    if out.len() > limit {
        return Err(ApiError::TooLarge(format!("the body inflates to more than the {limit}-byte limit of this route")));
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
}
