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

/// The JSON API's content type; its errors are the same `{ code, message }`.
pub const JSON: &str = "application/json";

pub async fn cbor_errors(request: Request, next: Next) -> Response {
    // The supervisors' JSON API answers errors in JSON, everything else in CBOR.
    let json = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let wanted = if json { JSON } else { wire::CONTENT_TYPE };
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes().to_vec()).unwrap_or_default();
    if !(status.is_client_error() || status.is_server_error()) || content_type == wanted.as_bytes() {
        return response;
    }
    let was_cbor = content_type == wire::CONTENT_TYPE.as_bytes();
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MESSAGE_LIMIT).await.unwrap_or_default();
    let error = match was_cbor.then(|| wire::decode::<ErrorBody>(&bytes).ok()).flatten() {
        Some(e) => e,
        None if !bytes.is_empty() => ErrorBody { code: code_of(status).into(), message: String::from_utf8_lossy(&bytes).into_owned() },
        None => ErrorBody { code: code_of(status).into(), message: status.canonical_reason().unwrap_or("error").to_lowercase() },
    };
    let body = if json {
        serde_json::json!({ "code": error.code, "message": error.message }).to_string().into_bytes()
    } else {
        wire::encode(&error)
    };
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(wanted));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
