//! The storm as the server sees it: each phone's sync exchange (its real
//! pending uploads and cursor, gzip-compressed as the client sends them,
//! every page until nothing more waits) with the phone's apply of the
//! answers left until all exchanges are done. On a real district every
//! phone applies on its own CPU; here 200 simulated phones applying
//! ~1,000 documents each on the server's two cores would hide what the
//! server can do. The applies still happen, afterwards and measured on
//! their own, so the phones end exactly as a real sync leaves them.

use redline_device::store::PendingUpload;
use redline_device::sync::wire::{self, SyncRequest, SyncResponse};
use redline_tests::Device;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Instant;

/// One phone's exchange: the pages it got, each with the uploads it
/// answers, in the order the client would apply them.
pub struct Exchange {
    pub secs: f64,
    pub pages: Vec<(Vec<PendingUpload>, SyncResponse)>,
}

/// Runs one phone's sync exchange against `url` (no apply).
pub async fn exchange(http: reqwest::Client, url: String, d: Arc<Device>) -> Result<Exchange, String> {
    let (mut request, mut sent) = d.request();
    let t0 = Instant::now();
    let mut pages = vec![];
    loop {
        let response = post(&http, &url, &d.token, &request).await?;
        let more = response.more;
        request = next_page(request, &response);
        pages.push((std::mem::take(&mut sent), response));
        if !more {
            return Ok(Exchange { secs: t0.elapsed().as_secs_f64(), pages });
        }
    }
}

/// The request for the page after `response`, as the client would make it
/// once it applied `response`.
fn next_page(request: SyncRequest, response: &SyncResponse) -> SyncRequest {
    SyncRequest {
        cursor: response.cursor.clone(),
        reference_version: response.reference.as_ref().map_or(request.reference_version, |r| r.version.clone()),
        tasks_version: response.tasks.as_ref().map_or(request.tasks_version, |t| t.version.clone()),
        uploads: vec![],
        ..request
    }
}

async fn post(http: &reqwest::Client, url: &str, token: &str, request: &SyncRequest) -> Result<SyncResponse, String> {
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
    gz.write_all(&wire::encode(request)).map_err(|e| e.to_string())?;
    let body = gz.finish().map_err(|e| e.to_string())?;
    let r = http
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .header("content-type", wire::CONTENT_TYPE)
        .header("content-encoding", "gzip")
        .header("accept-encoding", "gzip")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let gzipped = r.headers().get("content-encoding").is_some_and(|v| v == "gzip");
    let bytes = r.bytes().await.map_err(|e| e.to_string())?.to_vec();
    if !status.is_success() {
        return Err(format!("sync answered {status}"));
    }
    let bytes = if gzipped {
        let mut out = vec![];
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out).map_err(|e| e.to_string())?;
        out
    } else {
        bytes
    };
    wire::decode(&bytes).map_err(|e| e.to_string())
}

/// Applies a phone's pages in order, as the client would have; returns the
/// documents that changed.
pub fn apply(d: &Device, ex: Exchange) -> Result<usize, String> {
    let mut changed = 0;
    for (sent, response) in &ex.pages {
        let c = d.store.apply_sync_response(sent, response).map_err(|e| e.to_string())?;
        changed += c.inspections.len() + c.hazards.len();
    }
    Ok(changed)
}
