//! Accepting and serving connections, with the bounds `axum::serve` has no
//! knobs for. Under it a client could open connections and send nothing,
//! or headers a byte at a time, and each stayed open (with its task) for
//! as long as the client liked; one address could open as many as the
//! process had file descriptors.
//!
//! Here each connection is served by hyper's HTTP/1 connection with
//! [`Limits::header_timeout`] on reading a request's headers (which also
//! closes a kept-alive connection left idle that long), and one client
//! address holds at most [`Limits::conns_per_ip`] connections at once:
//! past that a new connection is closed as soon as it is accepted, without
//! an answer, before it costs a task. An IPv6 client counts by its /64,
//! the block one subscriber is given, or it could pick a fresh address for
//! every connection. Bodies and per-device bounds are `redline_api::guard`'s.
//!
//! Shutdown is graceful, as with `axum::serve`: no new connections, each
//! open one finishes its request in progress, then this returns.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use redline_api::guard::Slots;
use redline_api::state::Limits;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Serves `router` on `listener` within `limits` until `shutdown` resolves
/// and the open connections have finished.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let service = TowerToHyperService::new(router);
    let per_address = Arc::new(Slots::<IpAddr>::default());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Counted here, in accept order, so the bound holds however fast
        // connections arrive.
        let Some(slot) = per_address.try_take(&client(peer.ip()), limits.conns_per_ip) else {
            tracing::debug!(%peer, "connection closed: its address holds {} already", limits.conns_per_ip);
            continue;
        };
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service.clone()));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Who a peer address counts as: itself for IPv4 (also when mapped into
/// IPv6 by a dual-stack listener), its /64 for IPv6.
fn client(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// A failed accept: a connection reset before it was taken is nothing; any
/// other error (most likely out of file descriptors) is logged and
/// accepting pauses for a second so open connections can finish, as
/// `axum::serve` and hyper do.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!("accept failed: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::client;
    use std::net::IpAddr;

    #[test]
    fn a_client_is_an_ipv4_address_or_an_ipv6_slash_64() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(client(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(client(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(client(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), ip("2001:db8:1:2::"));
        assert_eq!(client(ip("2001:db8:1:2::1")), client(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(client(ip("2001:db8:1:2::1")), client(ip("2001:db8:1:3::1")));
    }
}
