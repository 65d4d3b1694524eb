//! The server's disk fills up during an upload storm: every refused
//! request is a 507 with the CBOR `storage_full` error (never a 500, never
//! a dropped connection), the server keeps answering, everything it
//! acknowledged is kept, and once space is freed the same server takes
//! uploads and syncs again.
//!
//! The server's database and blob folder are on a real 16 MB tmpfs the test
//! mounts (needs root; skipped with a message elsewhere, not under CI).

use redline_api::state::Limits;
use redline_device::blob::BlobHash;
use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_domain::sync::wire::{self, BlobUploadStatus};
use redline_faults::SmallDisk;
use redline_storage_sqlite::SqliteStorage;
use redline_tests::{Options, Raw, TestServer, error_body, seed};
use reqwest::Method;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Incompressible bytes, different for every `tag`.
fn photo(tag: u64, len: usize) -> Vec<u8> {
    let mut x = tag.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// One whole-blob upload: `Ok` when the server says it is complete, else
/// the status and the error code.
async fn upload(raw: &Raw, token: &str, bytes: &[u8]) -> Result<String, (u16, String)> {
    let hash = BlobHash::of(bytes).to_string();
    let path = format!("/v1/blobs/{hash}?offset=0&total={}", bytes.len());
    let (status, body) = raw.send(Method::PUT, &path, token, bytes.to_vec()).await;
    if status == 200 {
        let s: BlobUploadStatus = wire::decode(&body).expect("an upload status");
        assert!(s.complete, "one chunk is the whole blob");
        Ok(hash)
    } else {
        Err((status, error_body(&body).code))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_507_storage_full_and_the_server_carries_on() {
    let Some(disk) = SmallDisk::mount("16m") else { return };
    let dir = Arc::new(tempfile::tempdir_in(disk.path()).unwrap());
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).unwrap());
    seed(storage.as_ref()).await;
    // Room to give back once the disk is full.
    let ballast = disk.path().join("ballast");
    std::fs::write(&ballast, vec![7u8; 2 << 20]).unwrap();
    let limits = Limits { blob_chunk: 1 << 20, blob_size: 1 << 20, ..Options::default().limits };
    let server = TestServer::serve_with(storage, dir, Options { limits, ..Options::default() }).await;
    let raw = Raw::new(&server.url);
    let mut devices = vec![];
    for _ in 0..6 {
        devices.push(server.device("insp-1").await);
    }

    // The storm: six devices upload 256 KB photos at once until the disk
    // has refused a dozen.
    let mut kept: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let (mut refused, mut tag) = (0, 0u64);
    while refused < 12 {
        let mut round = tokio::task::JoinSet::new();
        for d in &devices {
            tag += 1;
            let (raw, token, bytes) = (Raw::new(&server.url), d.token.clone(), photo(tag, 256 << 10));
            round.spawn(async move { (upload(&raw, &token, &bytes).await, bytes) });
        }
        while let Some(done) = round.join_next().await {
            match done.unwrap() {
                (Ok(hash), bytes) => {
                    kept.insert(hash, bytes);
                }
                (Err((status, code)), _) => {
                    assert_eq!((status, code.as_str()), (507, "storage_full"), "a full disk must be 507 storage_full");
                    refused += 1;
                }
            }
        }
        assert!(kept.len() < 200, "the 16 MB disk never filled up");
    }
    // Still up, and a sync on the full disk is answered (200 when it fits,
    // 507 when it does not: never a 500).
    let (status, _) = raw.send(Method::GET, "/health", "", vec![]).await;
    assert_eq!(status, 200, "/health while the disk is full");
    let d = &devices[0];
    d.store.put_sites(&redline_tests::sites()).unwrap();
    let inspection = d.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let (request, _) = d.request();
    let (status, body) = raw.post_sync(Some(&d.token), wire::encode(&request)).await;
    assert!(status == 200 || (status == 507 && error_body(&body).code == "storage_full"), "sync on a full disk: {status}");

    // Space freed: uploads and syncs work again, nothing acknowledged lost.
    std::fs::remove_file(&ballast).unwrap();
    for (i, d) in devices.iter().enumerate() {
        let bytes = photo(10_000 + i as u64, 256 << 10);
        let hash = upload(&raw, &d.token, &bytes).await.unwrap_or_else(|e| panic!("upload after freeing space: {e:?}"));
        kept.insert(hash, bytes);
    }
    let item = redline_tests::pass_fail_items(&d.store).remove(0);
    d.store.answer(&inspection.id, &item, AnswerValue::Pass, None).unwrap();
    d.sync().await;
    assert!(server.doc(&inspection.id).await.is_some(), "the inspection reached the server after space was freed");
    for (hash, bytes) in &kept {
        let stored = server.state.blobs.get(&BlobHash::parse(hash).unwrap()).await.unwrap();
        assert_eq!(stored.as_deref(), Some(bytes.as_slice()), "acknowledged blob {hash}");
    }
    println!("upload storm on a 16 MB disk: {} blobs kept, {refused} refused with 507", kept.len());
}
