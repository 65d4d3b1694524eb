//! Servers in processes of their own, for the benchmarks that measure the
//! server apart from its clients (`benches/district.rs`, the read-model
//! benchmark): the benchmark binary re-runs itself as the child, which
//! serves and announces `listening <addr>` on stdout; the parent reads that
//! line (a blocking read, no polling) and kills the child when it is done.
//! The child also exits when its stdin, a pipe from the parent, closes, so
//! it never outlives the benchmark.

use redline_api::state::AppState;
use std::io::BufRead;

const ANNOUNCE: &str = "listening ";

/// A server process started by [`ServerProcess::start`]; killed on drop.
pub struct ServerProcess {
    pub url: String,
    child: std::process::Child,
}

impl ServerProcess {
    /// Runs `cmd` (a child that calls [`serve_announced`]) and returns once
    /// it listens.
    pub fn start(mut cmd: std::process::Command) -> ServerProcess {
        let mut child = cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().expect("start server process");
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with(ANNOUNCE) => break line[ANNOUNCE.len()..].to_string(),
                Some(Ok(_)) => continue,
                _ => panic!("server process exited before listening: {:?}", child.wait()),
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        ServerProcess { url: format!("http://{addr}"), child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side, from a `main` not yet in a runtime: a runtime with two
/// workers (as a server on two cores), the state `make` builds, then
/// serving on 127.0.0.1:0 after announcing the address — until the parent
/// closes stdin or kills the process.
pub fn serve_announced<F: Future<Output = AppState>>(make: impl FnOnce() -> F) {
    announce_and_run(make, |listener, state| async move {
        redline_server::app::serve(listener, state, false, std::future::pending()).await.expect("serve");
    });
}

/// As [`serve_announced`], for a plain router (a baseline server the
/// benchmarks compare against).
pub fn serve_router_announced(router: axum::Router) {
    announce_and_run(|| async { router }, |listener, router| async move { axum::serve(listener, router).await.expect("serve") });
}

/// Builds what the server needs with `make`, then binds, announces the
/// address (so the parent's first request finds it ready) and serves.
fn announce_and_run<S, M: Future<Output = S>, F: Future<Output = ()>>(
    make: impl FnOnce() -> M,
    serve: impl FnOnce(tokio::net::TcpListener, S) -> F,
) {
    std::thread::spawn(|| {
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut vec![]);
        std::process::exit(0);
    });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async move {
        let state = make().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("{ANNOUNCE}{}", listener.local_addr().expect("addr"));
        serve(listener, state).await;
    });
}
