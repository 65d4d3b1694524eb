//! Slow and greedy clients, driven with raw TCP: a body declared far over
//! the limit, headers or a body that stop arriving, one address opening a
//! hundred connections, one device keeping many requests open. Each must
//! cost the server a bounded number of connections for a bounded time, and
//! `/health` and honest phones must be served throughout.
//!
//! Nothing here waits on the clock: a test that needs a deadline to pass
//! sets it to a second and awaits what the server does (an answer, a
//! closed connection, `100 Continue` when a handler starts reading a body);
//! `BOUND` only turns a server that never acts into a failure.

use redline_api::state::Limits;
use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_device::sync::wire::{self, SyncResponse};
use redline_tests::*;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// How long a step may take before the test fails; far below every
/// deadline the server is given where the step must not depend on it.
const BOUND: Duration = Duration::from_secs(10);
const LONG: Duration = Duration::from_secs(600);

async fn start(limits: Limits) -> TestServer {
    let limits = Limits { page_bytes: Options::default().limits.page_bytes, ..limits };
    TestServer::start_with(Backend::Sqlite, Options { limits, ..Options::default() }).await.expect("SQLite always starts")
}

async fn within<T>(what: &str, step: impl Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, step).await.unwrap_or_else(|_| panic!("{what}: nothing happened within {BOUND:?}"))
}

fn addr(server: &TestServer) -> SocketAddr {
    server.url.trim_start_matches("http://").parse().expect("server address")
}

async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(addr(server)).await.expect("connect")
}

/// A connection to the server (on 127.0.0.1) from another loopback
/// address, as a second client machine.
async fn connect_from(from: IpAddr, server: &TestServer) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(from, 0)).expect("bind the client address");
    socket.connect(addr(server)).await.expect("connect")
}

/// 127.0.0.2, where the loopback network answers it (Linux); otherwise the
/// test is skipped with a message, except under CI.
fn second_address() -> Option<IpAddr> {
    let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    match std::net::TcpListener::bind((ip, 0)) {
        Ok(_) => Some(ip),
        Err(e) if std::env::var_os("CI").is_some() => panic!("127.0.0.2 is required under CI: {e}"),
        Err(e) => {
            eprintln!("skipping: no second loopback address ({e})");
            None
        }
    }
}

/// A request head; `more` holds further header lines.
fn head(method: &str, path: &str, token: Option<&str>, more: &str) -> Vec<u8> {
    let auth = token.map(|t| format!("authorization: Bearer {t}\r\n")).unwrap_or_default();
    format!("{method} {path} HTTP/1.1\r\nhost: redline\r\n{auth}{more}\r\n").into_bytes()
}

/// Reads one response: status and body (by `content-length`), past any
/// `100 Continue`.
async fn response(s: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut buf = Vec::new();
    loop {
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            assert!(s.read_buf(&mut buf).await.expect("read") > 0, "closed before a response: {:?}", String::from_utf8_lossy(&buf));
        };
        let text = String::from_utf8_lossy(&buf[..end]).to_lowercase();
        let status: u16 = text[9..12].parse().expect("a status line");
        buf.drain(..end);
        if status == 100 {
            continue;
        }
        let len: usize = text.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().expect("length"));
        while buf.len() < len {
            assert!(s.read_buf(&mut buf).await.expect("read body") > 0, "closed mid-body");
        }
        return (status, buf[..len].to_vec());
    }
}

/// Reads the `100 Continue` the server sends once a handler reads the body.
async fn continued(s: &mut TcpStream) {
    let want = b"HTTP/1.1 100 Continue\r\n\r\n";
    let mut got = vec![0; want.len()];
    s.read_exact(&mut got).await.expect("100 Continue");
    assert_eq!(got, want);
}

/// Reads until the server closes the connection; what it sent first.
async fn closed(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    // A reset is a close too (the server dropped what it had not read).
    while let Ok(n) = s.read_buf(&mut got).await {
        if n == 0 {
            break;
        }
    }
    got
}

/// Asserts a CBOR error with `status` and `code`; returns the message.
fn refused(got: (u16, Vec<u8>), status: u16, code: &str) -> String {
    assert_eq!(got.0, status, "answered {}: {:?}", got.0, String::from_utf8_lossy(&got.1));
    let body = error_body(&got.1);
    assert_eq!((got.0, body.code.as_str()), (status, code), "{}", body.message);
    body.message
}

async fn health(server: &TestServer) {
    let resp = reqwest::get(format!("{}/health", server.url)).await.expect("health answered");
    assert_eq!(resp.status().as_u16(), 200);
}

/// An honest phone syncs a new inspection and another receives it.
async fn still_serves(server: &TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("sup-1").await;
    a.sync().await;
    let i = a.store.start_inspection("site-a2", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    a.store.answer(&i.id, "H01", AnswerValue::Pass, None).unwrap();
    assert_eq!(a.sync().await.accepted, vec![i.id.clone()]);
    b.sync().await;
    assert_eq!(b.store.inspection(&i.id).unwrap(), a.store.inspection(&i.id).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_length_over_the_limit_is_refused_at_once() {
    // The body deadline is far past BOUND: only the declared length can
    // answer in time.
    let server = start(Limits { body_timeout: LONG, ..Limits::default() }).await;
    let d = server.device("insp-1").await;
    let blob = format!("/v1/blobs/{}?offset=0&total=100", "ab".repeat(32));
    for (method, path, limit) in [("POST", "/v1/sync", 16 << 20), ("PUT", blob.as_str(), 4 << 20)] {
        let mut s = connect(&server).await;
        s.write_all(&head(method, path, Some(&d.token), "content-length: 5000000000\r\n")).await.unwrap();
        s.write_all(&[0xa0; 100]).await.unwrap();
        let message = refused(within("a 5 GB declaration", response(&mut s)).await, 413, "payload_too_large");
        assert!(message.contains(&format!("{limit}-byte")), "the reason names the limit: {message}");
    }
    // Without a valid token the answer is 401, just as promptly.
    let mut s = connect(&server).await;
    s.write_all(&head("POST", "/v1/sync", Some("forged"), "content-length: 5000000000\r\n")).await.unwrap();
    refused(within("a forged token", response(&mut s)).await, 401, "unauthorized");
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_gets_408() {
    let server = start(Limits { body_timeout: Duration::from_secs(1), ..Limits::default() }).await;
    let d = server.device("insp-1").await;
    let blob = format!("/v1/blobs/{}?offset=0&total=1000", "ab".repeat(32));
    let stalls: [(&str, &str, &str, &[u8]); 3] = [
        ("POST", "/v1/sync", "content-length: 1000\r\n", &[0xa0; 10]),
        ("POST", "/v1/sync", "transfer-encoding: chunked\r\n", b"5\r\n\xa5\xa5\xa5\xa5\xa5\r\n"),
        ("PUT", &blob, "content-length: 1000\r\n", b"first"),
    ];
    for (method, path, framing, sent) in stalls {
        let mut s = connect(&server).await;
        s.write_all(&head(method, path, Some(&d.token), framing)).await.unwrap();
        s.write_all(sent).await.unwrap();
        let message = refused(within("a stalled body", response(&mut s)).await, 408, "request_timeout");
        assert!(message.contains("1s"), "the reason names the deadline: {message}");
    }
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_that_stop_arriving_close_the_connection() {
    let server = start(Limits { header_timeout: Duration::from_secs(1), ..Limits::default() }).await;
    // Nothing at all; half a request line; a header a byte short of done.
    let mut silent = connect(&server).await;
    let mut half_line = connect(&server).await;
    half_line.write_all(b"POST /v1/sy").await.unwrap();
    let mut dripped = connect(&server).await;
    dripped.write_all(b"GET /health HTTP/1.1\r\nhost: redline\r\n\r").await.unwrap();
    // And a kept-alive connection that goes quiet after a request.
    let mut idle = connect(&server).await;
    idle.write_all(&head("GET", "/health", None, "")).await.unwrap();
    assert_eq!(within("health", response(&mut idle)).await, (200, b"ok".to_vec()));
    for (what, s) in [("silent", &mut silent), ("half a line", &mut half_line), ("dripped", &mut dripped), ("idle", &mut idle)] {
        let got = within(what, closed(s)).await;
        assert!(got.is_empty(), "{what}: closed without an answer, got {:?}", String::from_utf8_lossy(&got));
    }
    health(&server).await;
}

/// The stalled requests of the attacks below: even ones are headers
/// missing their end, odd ones a sync body missing its second half. Both
/// can be finished later, which proves they were held open.
struct Stall {
    head: Vec<u8>,
    first: Vec<u8>,
    rest: Vec<u8>,
}

fn stall(n: usize, token: &str, body: &[u8]) -> Stall {
    if n.is_multiple_of(2) {
        return Stall { head: b"GET /health HTTP/1.1\r\nhost: red".to_vec(), first: vec![], rest: b"line\r\n\r\n".to_vec() };
    }
    let (first, rest) = body.split_at(body.len() / 2);
    let more = format!("content-type: application/cbor\r\ncontent-length: {}\r\nexpect: 100-continue\r\n", body.len());
    Stall { head: head("POST", "/v1/sync", Some(token), &more), first: first.to_vec(), rest: rest.to_vec() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_at_most_its_share_of_connections() {
    let Some(attacker) = second_address() else { return };
    // Deadlines far past the test: only the per-address bound closes anything.
    let limits = Limits { header_timeout: LONG, body_timeout: LONG, conns_per_ip: 32, in_flight_per_device: 1000, ..Limits::default() };
    let share = limits.conns_per_ip;
    let server = start(limits).await;
    let bad = server.device("insp-2").await;
    let body = wire::encode(&bad.request_with(vec![]));
    let mut held = Vec::new();
    for n in 0..100 {
        let mut s = connect_from(attacker, &server).await;
        let st = stall(n, &bad.token, &body);
        // Past the share the server may already have closed it.
        let _ = s.write_all(&st.head).await;
        let _ = s.write_all(&st.first).await;
        if n < share {
            held.push((s, st));
        } else {
            let got = within("a connection past the share", closed(&mut s)).await;
            assert!(got.is_empty(), "closed without an answer: {:?}", String::from_utf8_lossy(&got));
        }
    }

    // Honest phones and /health are served meanwhile.
    still_serves(&server).await;
    health(&server).await;

    // The connections within the share were open all along.
    let (mut header_stall, finish) = held.remove(0);
    header_stall.write_all(&finish.rest).await.unwrap();
    assert_eq!(within("a finished header", response(&mut header_stall)).await, (200, b"ok".to_vec()));
    let (mut body_stall, finish) = held.remove(0);
    continued(&mut body_stall).await;
    body_stall.write_all(&finish.rest).await.unwrap();
    let (status, bytes) = within("a finished body", response(&mut body_stall)).await;
    assert_eq!(status, 200);
    wire::decode::<SyncResponse>(&bytes).expect("a SyncResponse");

    // Once the attacker lets go, its address is served again (each try
    // ends when the server answers or closes).
    drop(held);
    within("the address served again", async {
        loop {
            let mut s = connect_from(attacker, &server).await;
            if s.write_all(&head("GET", "/health", None, "connection: close\r\n")).await.is_ok()
                && closed(&mut s).await.starts_with(b"HTTP/1.1 200")
            {
                break;
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_stalled_connections_starve_no_one() {
    // No per-address bound, deadlines far past the test: all hundred stay.
    let limits = Limits { header_timeout: LONG, body_timeout: LONG, conns_per_ip: 0, in_flight_per_device: 1000, ..Limits::default() };
    let server = start(limits).await;
    let bad = server.device("insp-2").await;
    let body = wire::encode(&bad.request_with(vec![]));
    let mut stalls = Vec::new();
    for n in 0..100 {
        let mut s = connect(&server).await;
        let st = stall(n, &bad.token, &body);
        s.write_all(&st.head).await.unwrap();
        s.write_all(&st.first).await.unwrap();
        if !n.is_multiple_of(2) {
            // A handler is reading this body now.
            within("100 Continue", continued(&mut s)).await;
        }
        stalls.push((s, st));
    }
    still_serves(&server).await;
    health(&server).await;
    // Every stalled request is still open and is answered once finished.
    for (mut s, st) in stalls {
        s.write_all(&st.rest).await.unwrap();
        assert_eq!(within("a finished stall", response(&mut s)).await.0, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_has_a_bounded_number_of_requests_in_flight() {
    let server = start(Limits { body_timeout: LONG, in_flight_per_device: 2, ..Limits::default() }).await;
    let greedy = server.device("insp-1").await;
    let body = wire::encode(&greedy.request_with(vec![]));
    let mut open = Vec::new();
    for n in [1, 3] {
        let mut s = connect(&server).await;
        let st = stall(n, &greedy.token, &body);
        s.write_all(&st.head).await.unwrap();
        s.write_all(&st.first).await.unwrap();
        within("100 Continue", continued(&mut s)).await;
        open.push((s, st));
    }

    // Two requests of the device are in flight: a third is refused at once.
    let raw = Raw::new(&server.url);
    let message = refused(within("a third request", raw.post_sync(Some(&greedy.token), body.clone())).await, 429, "rate_limited");
    assert!(message.contains("at most 2"), "{message}");
    refused(within("a third request", raw.send(reqwest::Method::GET, "/v1/me", &greedy.token, vec![])).await, 429, "rate_limited");
    // Other devices have their own allowance.
    still_serves(&server).await;

    // One finishes; the device may send another.
    let (mut s, st) = open.remove(0);
    s.write_all(&st.rest).await.unwrap();
    assert_eq!(within("the finished request", response(&mut s)).await.0, 200);
    assert_eq!(within("a request after it", raw.post_sync(Some(&greedy.token), body)).await.0, 200);
}
