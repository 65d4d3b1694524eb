//! How the benchmark asks and times: sequential GETs over one keep-alive
//! connection on loopback (so the time is the server's, plus a loopback
//! round trip of tens of microseconds), medians and p99 of many asks, the
//! server process's peak RSS from `/proc` (reset before each export by
//! `clear_refs`, so each export's peak is its own).

use std::time::{Duration, Instant};

pub struct Asker {
    pub http: reqwest::Client,
    pub url: String,
    /// `Authorization: Bearer ...` for the API, or a session cookie.
    pub auth: (reqwest::header::HeaderName, String),
}

/// What one URL cost.
pub struct Timing {
    pub p50: Duration,
    pub p99: Duration,
    pub bytes: usize,
}

impl Asker {
    pub async fn get(&self, path: &str) -> (u16, axum::body::Bytes) {
        let r = self.http.get(format!("{}{path}", self.url)).header(self.auth.0.clone(), &self.auth.1).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.bytes().await.expect("body"))
    }

    /// Asks `path` `n` times after two warm-up asks; every answer must be 200.
    pub async fn time(&self, path: &str, n: usize) -> Timing {
        let mut bytes = 0;
        for _ in 0..2 {
            let (status, body) = self.get(path).await;
            assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
            bytes = body.len();
        }
        let mut took = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let (status, _) = self.get(path).await;
            took.push(t.elapsed());
            assert_eq!(status, 200, "{path}");
        }
        took.sort();
        Timing { p50: took[n / 2], p99: took[(n * 99).div_ceil(100) - 1], bytes }
    }

    /// Downloads `path` whole, streaming; returns (bytes, seconds).
    pub async fn download(&self, path: &str) -> (Vec<u8>, f64) {
        let t = Instant::now();
        let mut r = self.http.get(format!("{}{path}", self.url)).header(self.auth.0.clone(), &self.auth.1).send().await.expect("export");
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let mut body = vec![];
        while let Some(chunk) = r.chunk().await.expect("export body") {
            body.extend_from_slice(&chunk);
        }
        (body, t.elapsed().as_secs_f64())
    }
}

/// Peak resident set of process `pid` since the last reset, in MB.
pub fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kb / 1024.0
}

/// Resets the peak to the current resident set.
pub fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("clear_refs");
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The machine's load average over the last minute.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().next().unwrap_or("?").to_string()).unwrap_or_default()
}
