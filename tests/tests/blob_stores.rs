//! The blob story on both stores — the local folder and a real S3 store
//! (Garage): uploads resume where they stopped, are verified against the
//! hash before anything is stored, never overwrite a stored blob, and are
//! downloaded only within scope; blobs nothing cites are collected after
//! the retention period, never one a document cites or a device still
//! uploads.

use redline_blobs::collect::{Collected, collect};
use redline_device::blob::BlobHash;
use redline_device::inspection::{InspectionKind, PhotoOwner};
use redline_device::store::PhotoMeta;
use redline_device::sync::wire::{self, BlobUploadStatus};
use redline_tests::{Device, Raw, TestServer, error_body, on_both_blob_stores};
use reqwest::Method;

on_both_blob_stores!(uploads_resume_verify_and_never_overwrite);
on_both_blob_stores!(downloads_stay_within_scope);
on_both_blob_stores!(blobs_nothing_cites_are_collected_after_retention);

const DAY: i64 = 86_400;

/// A photo-sized body that is not all one byte.
fn photo_bytes(seed: u8) -> Vec<u8> {
    (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 ^ seed).collect()
}

async fn put(server: &TestServer, device: &Device, hash: &str, offset: usize, total: usize, chunk: &[u8]) -> (u16, Vec<u8>) {
    let path = format!("/v1/blobs/{hash}?offset={offset}&total={total}");
    Raw::new(&server.url).send(Method::PUT, &path, &device.token, chunk.to_vec()).await
}

async fn upload_status(server: &TestServer, device: &Device, hash: &str) -> BlobUploadStatus {
    let (code, body) = Raw::new(&server.url).send(Method::GET, &format!("/v1/blobs/{hash}/upload"), &device.token, vec![]).await;
    assert_eq!(code, 200);
    wire::decode(&body).unwrap()
}

fn status(got: (u16, Vec<u8>)) -> BlobUploadStatus {
    assert_eq!(got.0, 200, "{:?}", error_body(&got.1));
    wire::decode(&got.1).unwrap()
}

async fn stored(server: &TestServer, hash: &str) -> Option<Vec<u8>> {
    server.state.blobs.get(&BlobHash::parse(hash).unwrap()).await.unwrap()
}

async fn uploads_resume_verify_and_never_overwrite(server: TestServer) {
    let insp = server.device("insp-1").await;
    let other_phone = server.device("insp-1").await;
    let bytes = photo_bytes(1);
    let (hash, total) = (BlobHash::of(&bytes).to_string(), bytes.len());

    // The first 8 KB, then the connection drops: the server says where to go on.
    assert_eq!(status(put(&server, &insp, &hash, 0, total, &bytes[..8_000]).await), BlobUploadStatus { received: 8_000, complete: false });
    assert_eq!(upload_status(&server, &insp, &hash).await, BlobUploadStatus { received: 8_000, complete: false });
    assert_eq!(stored(&server, &hash).await, None, "nothing is stored before the last byte");
    // A chunk sent again from the start is refused with where to resume.
    let (code, body) = put(&server, &insp, &hash, 0, total, &bytes[..8_000]).await;
    assert_eq!((code, error_body(&body).message), (409, "upload continues at offset 8000".to_string()));
    assert_eq!(
        status(put(&server, &insp, &hash, 8_000, total, &bytes[8_000..]).await),
        BlobUploadStatus { received: total as u64, complete: true }
    );
    assert_eq!(stored(&server, &hash).await, Some(bytes.clone()));

    // Other bytes under the same name are refused and change nothing.
    let mut forged = bytes.clone();
    forged[100] ^= 0xff;
    let (code, body) = put(&server, &other_phone, &hash, 0, total, &forged).await;
    assert_eq!(code, 400, "{:?}", error_body(&body));
    assert_eq!(upload_status(&server, &other_phone, &hash).await, BlobUploadStatus { received: 0, complete: false }, "discarded");
    // The true bytes from another phone: taken, and the stored blob is the one that was there.
    assert!(status(put(&server, &other_phone, &hash, 0, total, &bytes).await).complete);
    assert_eq!(stored(&server, &hash).await, Some(bytes));
}

async fn downloads_stay_within_scope(server: TestServer) {
    let insp = server.device("insp-1").await;
    let (sup, asst_a) = (server.device("sup-1").await, server.device("asst-a").await);
    insp.sync().await;
    let in_b = insp.store.start_inspection("site-b1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let photo = insp.store.attach_photo(&in_b.id, PhotoOwner::Answer("H01".into()), &photo_bytes(2), PhotoMeta::default()).unwrap();
    assert_eq!(insp.sync().await.progress.blobs_uploaded, 1);

    let raw = Raw::new(&server.url);
    let get = |d: &Device, hash: String| {
        let (raw, token) = (&raw, d.token.clone());
        async move { raw.send(Method::GET, &format!("/v1/blobs/{hash}"), &token, vec![]).await }
    };
    assert_eq!(get(&sup, photo.hash.clone()).await, (200, photo_bytes(2)));
    // Community A's assistant: B's photo does not exist, exactly as a missing one.
    let elsewhere = get(&asst_a, photo.hash.clone()).await;
    let missing = get(&asst_a, BlobHash::of(b"never uploaded").to_string()).await;
    assert_eq!(elsewhere.0, 404);
    assert_eq!(elsewhere, missing);
}

async fn blobs_nothing_cites_are_collected_after_retention(server: TestServer) {
    let (storage, blobs) = (server.state.storage.clone(), server.state.blobs.clone());
    let retention = server.state.limits.blob_retention.as_secs() as i64;
    let insp = server.device("insp-1").await;
    insp.sync().await;
    // Cited: a photo of an inspection that reached the server.
    let i = insp.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let cited = insp.store.attach_photo(&i.id, PhotoOwner::Answer("H01".into()), &photo_bytes(3), PhotoMeta::default()).unwrap().hash;
    insp.sync().await;
    // Uploaded whole, but no document ever cited it.
    let orphan = photo_bytes(4);
    let orphan_hash = BlobHash::of(&orphan).to_string();
    assert!(status(put(&server, &insp, &orphan_hash, 0, orphan.len(), &orphan).await).complete);
    // Uploaded whole too, and its phone uploaded it again 20 days later.
    let again = photo_bytes(5);
    let again_hash = BlobHash::of(&again);
    assert!(status(put(&server, &insp, again_hash.as_str(), 0, again.len(), &again).await).complete);
    let now = redline_blobs::now_secs();
    storage.record_blob_upload(&again_hash, &insp.device_id(), now + 20 * DAY).await.unwrap();
    // Half uploaded, then abandoned.
    let half = photo_bytes(6);
    let half_hash = BlobHash::of(&half).to_string();
    assert!(!status(put(&server, &insp, &half_hash, 0, half.len(), &half[..5_000]).await).complete);

    // Within the retention nothing goes.
    let none = collect(storage.as_ref(), blobs.as_ref(), now, retention).await.unwrap();
    assert_eq!(none, Collected { seen: 3, removed: 0, partials: 0 });
    // Past it: the orphan and the abandoned upload; not the cited photo, not
    // the one uploaded again since the cutoff.
    let later = now + retention + DAY;
    assert_eq!(collect(storage.as_ref(), blobs.as_ref(), later, retention).await.unwrap(), Collected { seen: 3, removed: 1, partials: 1 });
    assert_eq!(stored(&server, &orphan_hash).await, None);
    assert!(blobs.exists(&BlobHash::parse(&cited).unwrap()).await && blobs.exists(&again_hash).await);
    assert_eq!(upload_status(&server, &insp, &half_hash).await.received, 0, "the abandoned upload starts over");

    // The orphan's phone is told to send it again, and then may cite it.
    assert_eq!(upload_status(&server, &insp, &orphan_hash).await, BlobUploadStatus { received: 0, complete: false });
    assert!(status(put(&server, &insp, &orphan_hash, 0, orphan.len(), &orphan).await).complete);
    let j = insp.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let cites_orphan = insp.store.attach_photo(&j.id, PhotoOwner::Answer("H01".into()), &orphan, PhotoMeta::default()).unwrap();
    assert_eq!(cites_orphan.hash, orphan_hash);
    let report = insp.sync().await;
    assert!(report.rejected.is_empty(), "{report:?}");
    // Cited now: kept however old.
    let much_later = later + 10 * retention;
    let kept = collect(storage.as_ref(), blobs.as_ref(), much_later, retention).await.unwrap();
    assert_eq!(kept.removed, 1, "only the blob uploaded again and never cited goes: {kept:?}");
    assert_eq!(stored(&server, &orphan_hash).await, Some(orphan));
    assert!(blobs.exists(&BlobHash::parse(&cited).unwrap()).await);
    assert!(!blobs.exists(&again_hash).await);
}
