//! Every error the API answers carries the documented CBOR body
//! `{ code, message }`, including the ones no handler wrote: axum's own
//! extractor rejections (a bad query string, malformed JSON, a missing
//! content type) and router answers (405 with an empty body). Handlers map
//! their errors through `ApiError` once; this layer catches what bypasses
//! it, keeping the status and headers and replacing only the body.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use redline_domain::sync::wire::{self, ErrorBody};

/// The longest plain-text rejection carried over into the message.
const MESSAGE_LIMIT: usize = 4 << 10;

/// The stable code of an error status (the table in docs/protocol.md).
pub fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "rate_limited",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "bad_request",
    }
}

pub async fn cbor_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_cbor = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == wire::CONTENT_TYPE.as_bytes());
    if !(status.is_client_error() || status.is_server_error()) || is_cbor {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MESSAGE_LIMIT).await {
        Ok(b) if !b.is_empty() => String::from_utf8_lossy(&b).into_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let body = wire::encode(&ErrorBody { code: code_of(status).into(), message: text });
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(wire::CONTENT_TYPE));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
