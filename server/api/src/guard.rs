//! What a slow or greedy client may hold, bounded per request and per
//! device. axum reads a body until it has it all: a request declaring 5 GB
//! and sending 100 bytes, or a body dripped a byte a minute, held its
//! connection, its task and its device's turn for as long as the client
//! liked. Here:
//!
//! - [`body_limit`]: a declared `Content-Length` over the route's limit is
//!   refused (413) before a byte of the body is read; otherwise the body is
//!   read whole, within [`Limits::body_timeout`] (408 past it) and within
//!   the limit (413 when a chunked body runs over), and handed on in memory.
//! - [`device`]: the token is checked once, before the route, and each
//!   device has at most [`Limits::in_flight_per_device`] requests in flight
//!   (429 past it). The [`Principal`] it found is what the handlers extract.
//!
//! The connection-level bounds (header deadline, connections per address)
//! are in `redline-server`'s `serve`, which uses the same [`Slots`].
//!
//! [`Limits::body_timeout`]: crate::state::Limits::body_timeout
//! [`Limits::in_flight_per_device`]: crate::state::Limits::in_flight_per_device

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use redline_storage::Principal;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The in-flight requests of each device, by device id.
pub type InFlight = Slots<String>;

/// Counts of something held per key (connections per address, requests
/// per device), each bounded.
pub struct Slots<K> {
    held: Mutex<HashMap<K, usize>>,
}

impl<K> Default for Slots<K> {
    fn default() -> Self {
        Slots { held: Mutex::new(HashMap::new()) }
    }
}

impl<K: Hash + Eq + Clone> Slots<K> {
    /// One more slot for `key`, unless it holds `max` already (0: no bound).
    /// The slot is given back when the returned guard drops.
    pub fn try_take(self: &Arc<Self>, key: &K, max: usize) -> Option<Slot<K>> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let n = held.entry(key.clone()).or_insert(0);
        if max != 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot { slots: self.clone(), key: key.clone() })
    }
}

/// One slot of a [`Slots`], given back on drop.
pub struct Slot<K: Hash + Eq> {
    slots: Arc<Slots<K>>,
    key: K,
}

impl<K: Hash + Eq> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = held.get_mut(&self.key) {
            *n -= 1;
            // Forget keys holding nothing, so the map stays as small as what is open.
            if *n == 0 {
                held.remove(&self.key);
            }
        }
    }
}

/// The body rule of one route.
#[derive(Clone, Copy, Debug)]
struct BodyRule {
    max: usize,
    deadline: Duration,
}

/// `route` with its bodies bounded: at most `max` bytes, in by `deadline`.
/// The handler then extracts the body (`Bytes`, `String`, `Json`) from
/// memory; axum's own default limit is lifted, as this one replaces it.
pub fn body_limit(route: MethodRouter<AppState>, max: usize, deadline: Duration) -> MethodRouter<AppState> {
    route.layer(DefaultBodyLimit::disable()).layer(middleware::from_fn_with_state(BodyRule { max, deadline }, read_body))
}

async fn read_body(State(rule): State<BodyRule>, req: Request, next: Next) -> Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > rule.max as u64) {
        // Answered without reading the body; the connection then closes.
        return ApiError::too_large(rule.max).into_response();
    }
    let (parts, body) = req.into_parts();
    let bytes = match tokio::time::timeout(rule.deadline, Limited::new(body, rule.max).collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => return ApiError::too_large(rule.max).into_response(),
        Ok(Err(e)) => return ApiError::BadRequest(format!("the body could not be read: {e}")).into_response(),
        Err(_) => return ApiError::Timeout(format!("the body did not arrive within {:?}", rule.deadline)).into_response(),
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Authenticates the request (401, or 429 over the rate) and holds one of
/// its device's in-flight slots until the response is ready (429 when all
/// are taken). Routes behind it extract the [`Principal`] found here.
pub async fn device(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let who = match Principal::from_request_parts(&mut parts, &state).await {
        Ok(who) => who,
        Err(e) => return e.into_response(),
    };
    let max = state.limits.in_flight_per_device;
    let Some(_slot) = state.in_flight.try_take(&who.device_id, max) else {
        return ApiError::TooManyInFlight(max).into_response();
    };
    parts.extensions.insert(who);
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_per_key_and_given_back() {
        let slots = Arc::new(Slots::<&str>::default());
        let a1 = slots.try_take(&"a", 2).expect("first");
        let _a2 = slots.try_take(&"a", 2).expect("second");
        assert!(slots.try_take(&"a", 2).is_none(), "a third is over the bound");
        let _b = slots.try_take(&"b", 2).expect("another key has its own");
        drop(a1);
        assert_eq!(slots.held.lock().unwrap()[&"a"], 1);
        assert!(slots.try_take(&"a", 2).is_some(), "a slot given back is free again");
        let many: Vec<_> = (0..100).map_while(|_| slots.try_take(&"c", 0)).collect();
        assert_eq!(many.len(), 100, "0 is no bound");
    }

    #[test]
    fn keys_holding_nothing_are_forgotten() {
        let slots = Arc::new(Slots::<u32>::default());
        drop((1..=50).filter_map(|k| slots.try_take(&k, 1)).collect::<Vec<_>>());
        assert!(slots.held.lock().unwrap().is_empty());
    }
}
