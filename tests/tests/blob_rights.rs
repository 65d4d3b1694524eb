//! Who may cite a photo. Knowing a blob's hash must not be enough to get
//! its bytes: a document may name a photo only when the uploading device
//! sent those bytes itself, when the photo is already visible to it through
//! a document in its scope, or when the document named it before. Anything
//! else is refused with one reason, whether the photo exists elsewhere or
//! nowhere, and the photo stays as hidden as it was.
//!
//! A device proves it holds a photo only by sending every byte of it; a
//! claim of completion (a short body under a small `total`, a PUT to a
//! photo others stored) proves nothing and earns nothing.

use automerge::{ROOT, ReadDoc, transaction::Transactable};
use redline_device::blob::BlobHash;
use redline_device::inspection::{InspectionKind, PhotoOwner, PhotoRef};
use redline_device::people::Person;
use redline_device::store::PhotoMeta;
use redline_device::sync::wire::{self, BlobUploadStatus, DocUpload, UploadResult, UploadStatus, heads_to_hex};
use redline_device::time::now_millis;
use redline_tests::{Device, Raw, TestServer, on_both_backends};
use reqwest::Method;

on_both_backends!(a_photo_of_another_community_cannot_be_cited);
on_both_backends!(honest_citations_still_go_through);
on_both_backends!(claiming_a_photo_without_its_bytes_earns_nothing);

const NOT_UPLOADED: &str = "cites a photo this device has not uploaded";

/// `device`'s whole copy of `id` plus one change of its own that names the
/// photo `hash` in the document's `photos`, as a raw upload of every change.
fn citing(device: &Device, id: &str, hash: &str) -> DocUpload {
    let mut doc = device.doc(id);
    doc.set_actor(device.actor());
    let me = device.store.identity();
    let photo = PhotoRef {
        hash: hash.into(),
        thumb_hash: None,
        owner: PhotoOwner::Answer("H01".into()),
        size: 12,
        width: 0,
        height: 0,
        taken_at: now_millis(),
        location: None,
        by: Person { user_id: me.user_id.clone(), name: me.name.clone() },
    };
    let photos = doc.get(ROOT, "photos").unwrap().expect("photos map").1;
    doc.put(&photos, hash, serde_json::to_string(&photo).unwrap()).unwrap();
    doc.commit();
    DocUpload { doc_id: id.into(), kind: "inspection".into(), changes: doc.save_after(&[]), heads: heads_to_hex(&doc.get_heads()) }
}

async fn post(server: &TestServer, device: &Device, upload: DocUpload) -> UploadResult {
    Raw::new(&server.url).sync(&device.token, &device.request_with(vec![upload])).await.results.remove(0)
}

fn reason(r: &UploadResult) -> &str {
    match &r.status {
        UploadStatus::Rejected { reason } => reason,
        UploadStatus::Accepted => panic!("upload of {} was accepted", r.doc_id),
    }
}

/// A blob request with `device`'s token; the status and body.
async fn blob(server: &TestServer, device: &Device, method: Method, path: String, body: &[u8]) -> (u16, Vec<u8>) {
    Raw::new(&server.url).send(method, &path, &device.token, body.to_vec()).await
}

fn status(got: (u16, Vec<u8>)) -> BlobUploadStatus {
    assert_eq!(got.0, 200, "{:?}", String::from_utf8_lossy(&got.1));
    wire::decode(&got.1).expect("an upload status")
}

async fn a_photo_of_another_community_cannot_be_cited(server: TestServer) {
    let insp = server.device("insp-1").await;
    let asst = server.device("asst-a").await;
    insp.sync().await;
    asst.sync().await;
    let in_b = insp.store.start_inspection("site-b1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let photo = insp.store.attach_photo(&in_b.id, PhotoOwner::Answer("H01".into()), b"b-only photo", PhotoMeta::default()).unwrap();
    assert!(insp.sync().await.rejected.is_empty());

    // The assistant's own self-inspection, at a site of his own, naming
    // community b's photo: refused, nothing stored, the photo still hidden.
    let own = asst.store.start_inspection("site-a1", InspectionKind::SelfInspection, "hazardous_chemicals").unwrap();
    let result = post(&server, &asst, citing(&asst, &own.id, &photo.hash)).await;
    assert_eq!(reason(&result), NOT_UPLOADED);
    assert!(server.doc(&own.id).await.is_none(), "nothing stored for a refused upload");
    let hidden = blob(&server, &asst, Method::GET, format!("/v1/blobs/{}", photo.hash), b"").await;
    assert_eq!(hidden.0, 404);

    // A hash nobody ever uploaded gets the very same answer.
    let nowhere = BlobHash::of(b"a photo nobody took").to_string();
    let other = asst.store.start_inspection("site-a2", InspectionKind::SelfInspection, "hazardous_chemicals").unwrap();
    let result = post(&server, &asst, citing(&asst, &other.id, &nowhere)).await;
    assert_eq!(reason(&result), NOT_UPLOADED);
    assert_eq!(blob(&server, &asst, Method::GET, format!("/v1/blobs/{nowhere}"), b"").await, hidden);

    // The same document without the foreign photo goes through.
    let report = asst.sync().await;
    assert_eq!(report.accepted.len(), 2, "{report:?}");
}

async fn honest_citations_still_go_through(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    b.sync().await;
    // (a) A's own photo, uploaded before the document that names it.
    let i = a.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let photo = a.store.attach_photo(&i.id, PhotoOwner::Answer("H01".into()), b"a's photo", PhotoMeta::default()).unwrap();
    let report = a.sync().await;
    assert_eq!((report.accepted.clone(), report.progress.blobs_uploaded), (vec![i.id.clone()], 1), "{report:?}");
    let mine = status(blob(&server, &a, Method::GET, format!("/v1/blobs/{}/upload", photo.hash), b"").await);
    assert!(mine.complete, "the uploader's own photo is complete for it");

    // (b) B sees A's photo through A's inspection and names it in its own.
    b.sync().await;
    assert!(status(blob(&server, &b, Method::GET, format!("/v1/blobs/{}/upload", photo.hash), b"").await).complete);
    let own = b.store.start_inspection("site-a2", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    assert_eq!(post(&server, &b, citing(&b, &own.id, &photo.hash)).await.status, UploadStatus::Accepted);

    // (c) B edits A's inspection, which named the photo already.
    b.store.answer(&i.id, "H02", redline_device::inspection::AnswerValue::Pass, None).unwrap();
    let report = b.sync().await;
    assert!(report.rejected.is_empty() && report.accepted.contains(&i.id), "{report:?}");
}

async fn claiming_a_photo_without_its_bytes_earns_nothing(server: TestServer) {
    let insp = server.device("insp-1").await;
    let asst = server.device("asst-a").await;
    insp.sync().await;
    asst.sync().await;
    let bytes = b"community b's photo".to_vec();
    let in_b = insp.store.start_inspection("site-b1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let photo = insp.store.attach_photo(&in_b.id, PhotoOwner::Answer("H01".into()), &bytes, PhotoMeta::default()).unwrap();
    insp.sync().await;
    let (hash, total) = (photo.hash.clone(), bytes.len());
    let put = |offset: usize, total: usize| format!("/v1/blobs/{hash}?offset={offset}&total={total}");
    let state = format!("/v1/blobs/{hash}/upload");

    // Nothing uploaded by this device: not complete, whoever stored it.
    assert_eq!(status(blob(&server, &asst, Method::GET, state.clone(), b"").await), BlobUploadStatus { received: 0, complete: false });
    // One byte that claims to be the whole photo: checked, and refused.
    let (code, _) = blob(&server, &asst, Method::PUT, put(0, 1), &bytes[..1]).await;
    assert_eq!(code, 400);
    // One byte of the real length: an upload in progress like any other.
    let partial = status(blob(&server, &asst, Method::PUT, put(0, total), &bytes[..1]).await);
    assert_eq!(partial, BlobUploadStatus { received: 1, complete: false });
    let own = asst.store.start_inspection("site-a1", InspectionKind::SelfInspection, "hazardous_chemicals").unwrap();
    assert_eq!(reason(&post(&server, &asst, citing(&asst, &own.id, &hash)).await), NOT_UPLOADED);

    // Every byte, verified against the hash: the device has the photo and
    // may cite it; the stored blob is the one that was there.
    let done = status(blob(&server, &asst, Method::PUT, put(1, total), &bytes[1..]).await);
    assert_eq!(done, BlobUploadStatus { received: total as u64, complete: true });
    assert!(status(blob(&server, &asst, Method::GET, state, b"").await).complete);
    assert_eq!(post(&server, &asst, citing(&asst, &own.id, &hash)).await.status, UploadStatus::Accepted);
    assert_eq!(blob(&server, &asst, Method::GET, format!("/v1/blobs/{hash}"), b"").await, (200, bytes.clone()));
    assert_eq!(server.state.blobs.get(&BlobHash::parse(&hash).unwrap()).await.unwrap(), Some(bytes));
}
