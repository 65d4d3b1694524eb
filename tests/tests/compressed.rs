//! Sync requests travel gzip-compressed, and the server does not trust the
//! compression: a phone uploading 300 inspections sends a fraction of the
//! bytes and every document arrives; a gzip bomb is refused with 413 after
//! at most the route's limit of inflating; an encoding the server does not
//! know is 415, a body that does not inflate 400; a plain body still works.
//! Responses come gzip-compressed to a client that accepts it; zstd works
//! both ways too (bodies decoded within the same limit).

use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_domain::sync::wire;
use redline_tests::{Backend, TestServer, error_body};
use std::io::Write;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

async fn post(url: &str, token: &str, encoding: Option<&str>, body: Vec<u8>) -> (u16, Vec<u8>) {
    let mut req = reqwest::Client::new().post(format!("{url}/v1/sync")).bearer_auth(token).header("content-type", wire::CONTENT_TYPE);
    if let Some(e) = encoding {
        req = req.header("content-encoding", e);
    }
    let resp = req.body(body).send().await.unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_go_compressed_and_bombs_are_refused() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let phone = server.device("insp-1").await;
    phone.sync().await;
    let ids: Vec<String> = (0..300)
        .map(|n| {
            let id = phone
                .store
                .start_inspection(["site-a1", "site-b1"][n % 2], InspectionKind::RoutinePatrol, "hazardous_chemicals")
                .unwrap()
                .id;
            phone.store.answer(&id, "H01", AnswerValue::Fail, Some(format!("第{n}处 消防通道堵塞"))).unwrap();
            id
        })
        .collect();
    let plain: usize =
        phone.store.pending_uploads(1000).unwrap().iter().map(|p| wire::encode(&phone.request_with(vec![p.upload.clone()])).len()).sum();
    let report = phone.sync().await;
    assert_eq!(report.accepted.len(), 300);
    for id in &ids {
        assert!(server.doc(id).await.is_some(), "{id} reached the server");
    }
    let sent = report.progress.bytes_up as usize;
    println!("300 inspections: {sent} bytes sent compressed, about {plain} plain");
    assert!(sent * 2 < plain, "compression halves the upload at least: {sent} of {plain}");

    // The server's side, with raw requests.
    let empty = wire::encode(&phone.request_with(vec![]));
    assert_eq!(post(&server.url, &phone.token, Some("gzip"), gzip(&empty)).await.0, 200, "a compressed request");
    assert_eq!(post(&server.url, &phone.token, None, empty.clone()).await.0, 200, "a plain one");
    let bomb = gzip(&vec![0u8; 64 << 20]);
    let (status, body) = post(&server.url, &phone.token, Some("gzip"), bomb).await;
    assert_eq!((status, error_body(&body).code.as_str()), (413, "payload_too_large"), "a gzip bomb");
    let (status, body) = post(&server.url, &phone.token, Some("br"), empty.clone()).await;
    assert_eq!((status, error_body(&body).code.as_str()), (415, "unsupported_media_type"));
    let (status, body) = post(&server.url, &phone.token, Some("gzip"), b"not gzip".to_vec()).await;
    assert_eq!((status, error_body(&body).code.as_str()), (400, "bad_request"));
    // Responses come compressed to a client that accepts it, plain to one
    // that does not; the phone's client asks for and inflates them.
    let colleague = server.device("insp-2").await;
    let first = wire::encode(&colleague.request_with(vec![]));
    let http = reqwest::Client::new();
    let ask = |gzip: bool| {
        let mut req = http
            .post(format!("{}/v1/sync", server.url))
            .bearer_auth(&colleague.token)
            .header("content-type", wire::CONTENT_TYPE)
            .body(first.clone());
        if gzip {
            req = req.header("accept-encoding", "gzip");
        }
        req.send()
    };
    let plain = ask(false).await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    let packed = ask(true).await.unwrap();
    assert_eq!(packed.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string()).as_deref(), Some("gzip"));
    let packed_len = packed.bytes().await.unwrap().len();
    assert!(packed_len * 2 < plain_len, "a compressed first page: {packed_len} of {plain_len} bytes");
    let report = colleague.sync().await;
    assert!(report.changed.len() >= 300, "the colleague's phone received everything: {}", report.changed.len());
    println!("first page for a new phone: {packed_len} bytes compressed, {plain_len} plain");

    // Still serving.
    assert!(phone.sync().await.interrupted.is_none());
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zstd_bodies_both_ways() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let phone = server.device("insp-1").await;
    phone.sync().await;
    for n in 0..40 {
        let id = phone.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
        phone.store.answer(&id, "H01", AnswerValue::Fail, Some(format!("第{n}处 消防通道堵塞"))).unwrap();
    }
    let uploads: Vec<_> = phone.store.pending_uploads(1000).unwrap().into_iter().map(|p| p.upload).collect();
    let request = wire::encode(&phone.request_with(uploads));
    let (status, body) = post(&server.url, &phone.token, Some("zstd"), zstd(&request)).await;
    assert_eq!(status, 200, "{:?}", error_body(&body));
    let response: wire::SyncResponse = wire::decode(&body).unwrap();
    assert_eq!(response.results.len(), 40, "every document of the zstd body was read");
    assert!(response.results.iter().all(|r| r.status == wire::UploadStatus::Accepted), "{:?}", response.results);

    let bomb = zstd(&vec![0u8; 64 << 20]);
    let (status, body) = post(&server.url, &phone.token, Some("zstd"), bomb).await;
    assert_eq!((status, error_body(&body).code.as_str()), (413, "payload_too_large"), "a zstd bomb");
    let (status, body) = post(&server.url, &phone.token, Some("zstd"), b"not zstd".to_vec()).await;
    assert_eq!((status, error_body(&body).code.as_str()), (400, "bad_request"));

    // A client that prefers zstd gets zstd; the same page as plain.
    let colleague = server.device("insp-2").await;
    let first = wire::encode(&colleague.request_with(vec![]));
    let ask = |accept: Option<&'static str>| {
        let mut req = reqwest::Client::new()
            .post(format!("{}/v1/sync", server.url))
            .bearer_auth(&colleague.token)
            .header("content-type", wire::CONTENT_TYPE)
            .body(first.clone());
        if let Some(a) = accept {
            req = req.header("accept-encoding", a);
        }
        req.send()
    };
    let plain = ask(None).await.unwrap().bytes().await.unwrap().to_vec();
    let packed = ask(Some("gzip;q=0.8, zstd")).await.unwrap();
    assert_eq!(packed.headers().get("content-encoding").unwrap(), "zstd");
    let packed = packed.bytes().await.unwrap().to_vec();
    let mut unpacked = vec![];
    std::io::Read::read_to_end(&mut ruzstd::decoding::StreamingDecoder::new(&packed[..]).unwrap(), &mut unpacked).unwrap();
    let (a, b): (wire::SyncResponse, wire::SyncResponse) = (wire::decode(&plain).unwrap(), wire::decode(&unpacked).unwrap());
    assert_eq!(a.docs.len(), b.docs.len());
    assert!(packed.len() * 2 < plain.len(), "{} of {} bytes", packed.len(), plain.len());
    println!("first page for a new phone: {} bytes zstd, {} plain", packed.len(), plain.len());
}
