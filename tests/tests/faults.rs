//! Faults between a phone and the server, where field sync really breaks:
//! a response lost after the server committed, a server SIGKILLed in the
//! middle of a many-round-trip sync and restarted on the same storage, a
//! photo upload whose connection drops mid-chunk, and sync responses that
//! arrive twice or out of order. After each, everything must converge —
//! phone and server hold the same automerge heads, every change is in the
//! feed exactly once, no local edit is lost — because a phone that
//! silently diverges is worse than one that fails loudly.

use automerge::Change;
use redline_api::state::Limits;
use redline_device::ErrorKind;
use redline_device::blob::BlobHash;
use redline_device::doc::InspectionDoc;
use redline_device::inspection::{AnswerValue, InspectionKind, PhotoOwner};
use redline_device::store::{InspectionQuery, PhotoMeta};
use redline_device::sync::client::{SyncListener, SyncProgress};
use redline_device::sync::wire::{BlobUploadStatus, decode};
use redline_storage::Storage;
use redline_storage_sqlite::SqliteStorage;
use redline_tests::*;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;

on_both_backends!(lost_response_is_not_applied_twice);
on_both_backends!(lost_response_then_refused_upload_keeps_the_servers_copy);
on_both_backends!(duplicated_and_reordered_responses_converge);
on_both_backends!(photo_upload_resumes_where_the_connection_dropped);

/// Feed rows of `id`, checked to hold every change exactly once.
async fn feed_of(storage: &dyn Storage, id: &str) -> usize {
    let rows: Vec<_> = whole_feed(storage).await.into_iter().filter(|r| r.doc_id == id).collect();
    let hashes: HashSet<_> = rows.iter().map(|r| Change::from_bytes(r.bytes.clone()).expect("a change").hash()).collect();
    assert_eq!(hashes.len(), rows.len(), "a change of {id} is in the feed twice");
    rows.len()
}

/// Phone and server hold the same document, to the automerge heads.
async fn same_on_server(server: &TestServer, d: &Device, id: &str) {
    let mut on_server = server.doc(id).await.expect("server holds it");
    assert_eq!(heads(&mut d.doc(id)), heads(&mut on_server), "phone and server differ on {id}");
}

async fn lost_response_is_not_applied_twice(server: TestServer) {
    let d = server.device("insp-1").await;
    let other = server.device("sup-1").await;
    d.sync().await;
    let id = passed_inspection(&d.store, "site-a1");
    let changes = d.doc(&id).get_changes(&[]).len();

    // The server commits; the response never reaches the phone.
    let (request, _) = d.request();
    let _lost = Raw::new(&server.url).sync(&d.token, &request).await;
    assert_eq!(feed_of(server.state.storage.as_ref(), &id).await, changes);
    assert_eq!(d.store.pending_uploads(10).unwrap().len(), 1, "the phone still has it pending");

    // The inspector keeps working, then the phone syncs again.
    d.store.answer(&id, "H05", AnswerValue::Fail, Some("防爆灯损坏".into())).unwrap();
    assert_eq!(d.sync().await.accepted, vec![id.clone()]);
    assert_eq!(feed_of(server.state.storage.as_ref(), &id).await, changes + 1, "no change stored twice, none lost");
    same_on_server(&server, &d, &id).await;
    assert!(d.store.pending_uploads(10).unwrap().is_empty());
    other.sync().await;
    assert_eq!(other.store.inspection(&id).unwrap(), d.store.inspection(&id).unwrap());
}

async fn lost_response_then_refused_upload_keeps_the_servers_copy(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    let i = a.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    pass_all(&a.store, &i.id, &["H07"]);
    a.sync().await;
    b.sync().await;

    // B corrects an answer; the server takes it but the answer is lost.
    b.store.answer(&i.id, "H06", AnswerValue::Fail, Some("储罐区无围堰".into())).unwrap();
    let (request, _) = b.request();
    let _lost = Raw::new(&server.url).sync(&b.token, &request).await;
    // A finishes and submits (receiving B's correction); B, offline, edits the draft.
    a.store.answer(&i.id, "H07", AnswerValue::Pass, None).unwrap();
    a.store.submit(&i.id).unwrap();
    a.sync().await;
    assert_eq!(a.store.inspection(&i.id).unwrap().answers["H06"].by.user_id, "insp-2");
    b.store.answer(&i.id, "H07", AnswerValue::Fail, None).unwrap();

    // The edit after submit is refused; the correction the server already
    // holds must stay on B's phone, which ends up with the server's copy.
    let report = b.sync().await;
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    let kept = b.store.inspection(&i.id).unwrap();
    assert_eq!(kept.answers["H06"].value, AnswerValue::Fail, "B's accepted correction was rolled back");
    assert_eq!(kept.answers["H07"].value, AnswerValue::Pass);
    same_on_server(&server, &b, &i.id).await;
    let quarantined = b.store.export_quarantined(b.store.quarantine().unwrap()[0].id).unwrap();
    assert_eq!(redline_device::sync::chunks::split_changes(&quarantined, 10).unwrap().len(), 1, "only the refused edit");

    // And B is not locked out of the document: an amendment goes through.
    b.store.amend_answer(&i.id, "H07", AnswerValue::Fail, None, "B 现场记录").unwrap();
    let report = b.sync().await;
    assert_eq!((report.accepted, report.rejected), (vec![i.id.clone()], vec![]));
    a.sync().await;
    same_on_server(&server, &a, &i.id).await;
    same_on_server(&server, &b, &i.id).await;
}

async fn duplicated_and_reordered_responses_converge(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    let id = passed_inspection(&a.store, "site-a1");
    a.sync().await;
    b.sync().await;
    let raw = Raw::new(&server.url);

    // Two feed pages for B, fetched in order but not yet applied: the
    // second holds a change that depends on one in the first.
    a.store.answer(&id, "H01", AnswerValue::Fail, None).unwrap();
    a.sync().await;
    let first = raw.sync(&b.token, &b.request_with(vec![])).await;
    a.store.answer(&id, "H02", AnswerValue::Fail, None).unwrap();
    a.sync().await;
    let mut next = b.request_with(vec![]);
    next.cursor = first.cursor.clone();
    let second = raw.sync(&b.token, &next).await;
    assert_eq!((first.docs.len(), second.docs.len()), (1, 1));

    // Two uploads of B's, each answered, the answers applied late and swapped.
    b.store.answer(&id, "H03", AnswerValue::Fail, None).unwrap();
    let (q1, sent1) = b.request();
    let r1 = raw.sync(&b.token, &q1).await;
    b.store.answer(&id, "H04", AnswerValue::Fail, None).unwrap();
    let (q2, sent2) = b.request();
    let r2 = raw.sync(&b.token, &q2).await;

    b.store.apply_sync_response(&[], &second).unwrap();
    b.store.apply_sync_response(&[], &first).unwrap();
    b.store.apply_sync_response(&[], &first).unwrap();
    b.store.apply_sync_response(&sent2, &r2).unwrap();
    b.store.apply_sync_response(&sent1, &r1).unwrap();
    b.store.apply_sync_response(&sent2, &r2).unwrap();

    let report = b.sync().await;
    assert!(report.rejected.is_empty(), "{report:?}");
    assert!(b.store.pending_uploads(10).unwrap().is_empty());
    a.sync().await;
    same_on_server(&server, &a, &id).await;
    same_on_server(&server, &b, &id).await;
    let answers = b.store.inspection(&id).unwrap().answers;
    for item in ["H01", "H02", "H03", "H04"] {
        assert_eq!(answers[item].value, AnswerValue::Fail, "{item}");
    }
    assert_eq!(feed_of(server.state.storage.as_ref(), &id).await, a.doc(&id).get_changes(&[]).len());
}

async fn photo_upload_resumes_where_the_connection_dropped(server: TestServer) {
    let d = server.device("insp-1").await;
    let other = server.device("sup-1").await;
    d.sync().await;
    let i = d.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let photo: Vec<u8> = (0..2_500_000u32).map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let p = d.store.attach_photo(&i.id, PhotoOwner::Answer("H01".into()), &photo, PhotoMeta::default()).unwrap();
    let raw = Raw::new(&server.url);
    let total = photo.len();
    let status = |bytes: Vec<u8>| decode::<BlobUploadStatus>(&bytes).expect("upload status");

    // The first chunk arrives whole.
    let first = 300_000;
    let (code, body) =
        raw.send(reqwest::Method::PUT, &format!("/v1/blobs/{}?offset=0&total={total}", p.hash), &d.token, photo[..first].to_vec()).await;
    assert_eq!((code, status(body)), (200, BlobUploadStatus { received: first as u64, complete: false }));

    // The second is cut off halfway: the connection closes mid-body. Reading
    // until the server closes its side means it is done with the request.
    let addr = server.url.trim_start_matches("http://").to_string();
    let (token, hash, cut) = (d.token.clone(), p.hash.clone(), photo[first..first + 250_000].to_vec());
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        let head = format!(
            "PUT /v1/blobs/{hash}?offset={first}&total={total} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\ncontent-length: 500000\r\n\r\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&cut).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let _ = s.read_to_end(&mut vec![]);
    })
    .await
    .unwrap();
    let (code, body) = raw.send(reqwest::Method::GET, &format!("/v1/blobs/{}/upload", p.hash), &d.token, vec![]).await;
    assert_eq!((code, status(body)), (200, BlobUploadStatus { received: first as u64, complete: false }), "nothing half-written");

    // The phone's own sync resumes at the server's offset (a restart from 0
    // would be refused with 409) and the stored blob is the photo.
    let report = d.sync().await;
    assert_eq!(report.progress.blobs_uploaded, 1);
    let stored = server.state.blobs.get(&BlobHash::parse(&p.hash).unwrap()).await.unwrap().expect("blob stored");
    assert_eq!(BlobHash::of(&stored).to_string(), p.hash);
    assert!(stored == photo);
    other.sync().await;
    assert!(other.client.fetch_blob(&other.store, &p.hash, &CancellationToken::new()).await.unwrap() == photo);
}

/// The server process of `server_killed_mid_sync_loses_nothing`.
#[test]
#[ignore = "a server process for faults.rs; started by the test that kills it"]
fn child_server() {
    serve_child_from_env(Limits { page_bytes: 16 << 10, ..Limits::default() });
}

/// Reports the first finished round trip and holds the sync there until
/// the test has killed the server.
struct KillAfterFirstRoundTrip {
    reached: mpsc::Sender<()>,
    killed: Mutex<mpsc::Receiver<()>>,
}

impl SyncListener for KillAfterFirstRoundTrip {
    fn on_progress(&self, progress: &SyncProgress) {
        if progress.round_trips == 1 {
            self.reached.send(()).unwrap();
            self.killed.lock().unwrap().recv().unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_sync_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, blobs) = (dir.path().join("server.db"), dir.path().join("blobs"));
    // The test's own connection to the server's file, for set-up and checks.
    let storage = SqliteStorage::open(&db).unwrap();
    seed(&storage).await;
    let mut server = ChildServer::start("child_server", &db, &blobs);
    let mut d = Device::register(&storage, &server.url, "insp-1").await;
    d.sync().await;
    let ids: Vec<String> = (0..300)
        .map(|n| {
            let i = d.store.start_inspection(["site-a1", "site-b1"][n % 2], InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
            d.store.answer(&i.id, "H01", AnswerValue::Pass, None).unwrap();
            i.id
        })
        .collect();

    // Kill the server once the first round trip is applied, before the next.
    let (reached, reached_rx) = mpsc::channel();
    let (killed_tx, killed) = mpsc::channel();
    let killer = std::thread::spawn(move || {
        reached_rx.recv().unwrap();
        server.kill();
        killed_tx.send(()).unwrap();
    });
    let listener = KillAfterFirstRoundTrip { reached, killed: Mutex::new(killed) };
    // What the first round trip did is reported, with why the sync stopped.
    let report = d.client.sync(&d.store, &CancellationToken::new(), Some(&listener)).await.expect("a partial report");
    killer.join().unwrap();
    let stopped = report.interrupted.expect("the sync stopped part-way");
    assert_eq!(stopped.kind, ErrorKind::Network, "{stopped:?}");
    assert!(!report.accepted.is_empty(), "the first round trip's uploads are reported accepted");
    let half = storage.document_count().await.unwrap();
    assert!(half > 0 && half < 300, "the kill fell mid-sync ({half} documents stored)");

    // Offline edits while the server is down: one uploaded doc, one not yet.
    for id in [&ids[0], &ids[299]] {
        d.store.answer(id, "H02", AnswerValue::Fail, Some("断电后补录".into())).unwrap();
    }
    let server = ChildServer::start("child_server", &db, &blobs);
    d.use_server(&server.url);
    let report = d.sync().await;
    assert!(report.rejected.is_empty(), "{report:?}");
    assert!(d.store.pending_uploads(10).unwrap().is_empty());

    assert_eq!(storage.document_count().await.unwrap(), 300);
    for id in &ids {
        let mut on_server = server_doc(&storage, id).await.expect("every inspection on the server");
        assert_eq!(heads(&mut d.doc(id)), heads(&mut on_server), "{id}");
        feed_of(&storage, id).await;
    }
    let edited = InspectionDoc::read_from(&ids[299], &server_doc(&storage, &ids[299]).await.unwrap()).unwrap();
    assert_eq!(edited.answers["H02"].value, AnswerValue::Fail);

    // A phone that never saw any of it receives all of them, page by page.
    let fresh = Device::register(&storage, &server.url, "sup-1").await;
    assert!(fresh.sync().await.progress.round_trips > 2, "the download needed several pages");
    let listed = fresh.store.inspections(&InspectionQuery { limit: Some(1000), ..Default::default() }).unwrap();
    assert_eq!(listed.len(), 300);
    for id in &ids {
        assert_eq!(fresh.store.inspection(id).unwrap(), d.store.inspection(id).unwrap());
    }
}
