//! Every way a request can fail, mapped to HTTP once, here. Bodies are CBOR
//! `ErrorBody { code, message }` so a device reads them like any response.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use redline_admin::PublishError;
use redline_domain::sync::wire::{self, ErrorBody};
use redline_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid device token")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    /// The device's token was revoked by an administrator (the user left,
    /// or the phone was lost): nothing is accepted from it any more.
    #[error("this device's access was withdrawn by an administrator; nothing was accepted")]
    Revoked,
    /// Also what a caller gets for anything outside its scope, so it cannot
    /// tell a hidden thing from a missing one.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("unsupported protocol version {0}; this server speaks {1}")]
    UnsupportedProtocol(u32, u32),
    #[error("{0}")]
    Conflict(String),
    #[error("request body too large: {0}")]
    TooLarge(String),
    #[error("unsupported Content-Encoding {0:?}; send the body plain or gzip")]
    UnsupportedEncoding(String),
    #[error("too many requests; slow down")]
    RateLimited,
    #[error("at most {0} requests at once per device; send the next when one is answered")]
    TooManyInFlight(usize),
    /// The server's disk is full; nothing of the request was kept. The
    /// device keeps its changes and tries again later.
    #[error("the server's storage is full; nothing was kept, try again later")]
    StorageFull(String),
    /// The request (its body) did not arrive in time.
    #[error("{0}; send it again")]
    Timeout(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Revoked => (StatusCode::FORBIDDEN, "revoked"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::UnsupportedProtocol(..) => (StatusCode::BAD_REQUEST, "unsupported_protocol"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedEncoding(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::RateLimited | ApiError::TooManyInFlight(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Timeout(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::StorageFull(_) => (StatusCode::INSUFFICIENT_STORAGE, "storage_full"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl ApiError {
    /// A request body that could not be read. axum's own rejection is plain
    /// text, which a device cannot decode; this is the CBOR error every
    /// other failure is, with `payload_too_large` and the limit when the body
    /// is over it.
    pub fn body(rejection: axum::extract::rejection::BytesRejection, limit: usize) -> ApiError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(limit)
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    }

    /// A body, declared or sent, over a route's limit.
    pub fn too_large(limit: usize) -> ApiError {
        ApiError::TooLarge(format!("the body is over the {limit}-byte limit of this route"))
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(_) => ApiError::NotFound,
            StorageError::Duplicate(d) => ApiError::Conflict(d),
            StorageError::Full(detail) => ApiError::StorageFull(detail),
            // The whole chain goes to the log; the client sees `internal`.
            other => ApiError::Internal(error_chain(&other)),
        }
    }
}

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Invalid(e) => ApiError::BadRequest(e.to_string()),
            e @ PublishError::AlreadyPublished { .. } => ApiError::Conflict(e.to_string()),
            PublishError::Storage(e) => e.into(),
        }
    }
}

impl From<redline_plans::PlanError> for ApiError {
    fn from(e: redline_plans::PlanError) -> Self {
        use redline_plans::PlanError;
        match e {
            PlanError::Invalid(m) => ApiError::BadRequest(m),
            PlanError::NotFound => ApiError::NotFound,
            e @ PlanError::NotAllowed => ApiError::Forbidden(e.to_string()),
            PlanError::Storage(e) => e.into(),
        }
    }
}

/// An error and every source under it, for the log.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        // Wrappers often print their source already; say each cause once.
        let more = s.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cur = s.source();
    }
    text
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "request failed"),
            ApiError::StorageFull(detail) => tracing::error!(%detail, "storage full: request refused"),
            _ => {}
        }
        let body = wire::encode(&ErrorBody { code: code.into(), message: self.to_string() });
        (status, [(header::CONTENT_TYPE, wire::CONTENT_TYPE)], body).into_response()
    }
}
