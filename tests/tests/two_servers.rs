//! Two server processes on one PostgreSQL: how the server grows past one
//! machine. Each server has its own connection pool to the same schema (as
//! two processes would) and a shared blob folder; phones sync to either and
//! switch between them, all at once, several editing the same inspection
//! (including the same item, a conflict) and each its own. Afterwards every
//! phone, both servers and the feed must agree exactly — the compare-and-
//! swap commit and the feed's order (transaction ids read up to the oldest
//! one still running) are what make that hold across processes, so this is
//! where a race between them would show.
//!
//! Skipped with a message when PostgreSQL is unreachable, except under CI.

use redline_device::doc::InspectionDoc;
use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_device::store::PhotoMeta;
use redline_device::sync::client::SyncClient;
use redline_tests::*;
use std::collections::HashSet;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

const ROUNDS: usize = 6;

/// A phone with a client for each server.
struct Phone {
    device: Device,
    clients: [Arc<SyncClient>; 2],
    /// The inspection only this phone edits.
    own: Option<String>,
}

impl Phone {
    async fn new(servers: &[&TestServer; 2], user: &str) -> Phone {
        let device = servers[0].device(user).await;
        let clients = servers.map(|s| Arc::new(SyncClient::new(&s.url, &device.token).unwrap()));
        Phone { device, clients, own: None }
    }
}

/// Syncs every phone at once, phone `k` through server `(k + round) % 2`.
async fn sync_all_at_once(phones: &[Phone], round: usize) {
    let mut set = tokio::task::JoinSet::new();
    for (k, p) in phones.iter().enumerate() {
        let (client, store) = (p.clients[(k + round) % 2].clone(), p.device.store.clone());
        set.spawn(async move { client.sync(&store, &CancellationToken::new(), None).await });
    }
    while let Some(done) = set.join_next().await {
        let report = done.unwrap().expect("sync");
        assert!(report.rejected.is_empty(), "honest edits are never refused: {report:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_on_two_servers_converge() {
    let schema = fresh_schema();
    let (Some(pool_1), Some(pool_2)) = (postgres(&schema).await, postgres(&schema).await) else { return };
    seed(pool_1.as_ref()).await;
    let shared_dir = Arc::new(tempfile::tempdir().unwrap());
    let one = TestServer::serve(pool_1.clone(), shared_dir.clone()).await;
    let two = TestServer::serve(pool_2.clone(), shared_dir).await;
    let servers = [&one, &two];

    let mut phones = vec![
        Phone::new(&servers, "insp-1").await,
        Phone::new(&servers, "insp-2").await,
        Phone::new(&servers, "sup-1").await,
        Phone::new(&servers, "insp-1").await, // the same inspector's second phone
        Phone::new(&servers, "asst-a").await,
    ];
    let editors = 4; // the assistant only runs a self-inspection of its own
    sync_all_at_once(&phones, 0).await;
    let shared = phones[0].device.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    for (k, p) in phones.iter_mut().enumerate() {
        let s = &p.device.store;
        if k > 0 && k < editors {
            // Joined offline from the first phone's QR code, before any sync.
            s.join_inspection(&shared.id, &shared.header).unwrap();
        }
        let (site, kind) = if s.identity().user_id == "asst-a" {
            ("site-a2", InspectionKind::SelfInspection)
        } else {
            ("site-b1", InspectionKind::RoutinePatrol)
        };
        p.own = Some(s.start_inspection(site, kind, "hazardous_chemicals").unwrap().id);
    }

    for round in 0..ROUNDS {
        for (k, p) in phones.iter().enumerate() {
            let s = &p.device.store;
            let own = p.own.as_deref().unwrap();
            s.answer(own, &format!("H{:02}", round + 1), AnswerValue::Pass, None).unwrap();
            if k < editors {
                // A distinct item each, and all of them the same item.
                s.answer(&shared.id, &format!("H{:02}", k * ROUNDS + round + 1), AnswerValue::Pass, None).unwrap();
                let v = if (k + round) % 2 == 0 { AnswerValue::Pass } else { AnswerValue::Fail };
                s.answer(&shared.id, "H25", v, Some(format!("{k}/{round}"))).unwrap();
            }
        }
        if round == 1 {
            phones[1]
                .device
                .store
                .attach_photo(
                    &shared.id,
                    redline_device::inspection::PhotoOwner::Answer("H02".into()),
                    b"photo via one server",
                    PhotoMeta::default(),
                )
                .unwrap();
        }
        sync_all_at_once(&phones, round).await;
    }
    // Quiet now: two passes in turn bring every phone everything.
    for pass in 0..2 {
        for (k, p) in phones.iter().enumerate() {
            let report = p.clients[(k + pass) % 2].sync(&p.device.store, &CancellationToken::new(), None).await.unwrap();
            assert!(report.rejected.is_empty());
        }
    }

    // One truth: every phone that sees a document holds exactly the server's copy.
    let mut ids: Vec<String> = phones.iter().filter_map(|p| p.own.clone()).collect();
    ids.push(shared.id.clone());
    for id in &ids {
        let mut via_one = server_doc(pool_1.as_ref(), id).await.expect("stored");
        let mut via_two = server_doc(pool_2.as_ref(), id).await.expect("stored");
        assert_eq!(heads(&mut via_one), heads(&mut via_two));
        let truth = InspectionDoc::read_from(id, &via_one).unwrap();
        let mut holders = 0;
        for p in &phones {
            if p.device.store.identity().user_id == "asst-a" && truth.header.site_id == "site-b1" {
                continue; // outside the assistant's community
            }
            assert_eq!(heads(&mut p.device.doc(id)), heads(&mut via_one), "{} on {id}", p.device.device_id());
            assert_eq!(p.device.store.inspection(id).unwrap(), truth);
            holders += 1;
        }
        assert!(holders >= 4);
    }

    // Nothing lost: every phone's every edit is in the shared inspection.
    let merged = phones[4].device.store.inspection(&shared.id).unwrap();
    for k in 0..editors {
        for round in 0..ROUNDS {
            assert!(merged.answers.contains_key(&format!("H{:02}", k * ROUNDS + round + 1)));
        }
    }
    let h25 = merged.conflicts.iter().find(|c| c.path == "answers/H25").expect("the same item, written concurrently");
    assert!(h25.values.len() >= 2);
    // Nothing twice: each change once in the one feed both servers write.
    let rows = whole_feed(pool_2.as_ref()).await;
    let hashes: HashSet<_> =
        rows.iter().map(|r| (r.doc_id.clone(), automerge::Change::from_bytes(r.bytes.clone()).unwrap().hash())).collect();
    assert_eq!(hashes.len(), rows.len());
    assert_eq!(
        rows.iter().filter(|r| r.doc_id == shared.id).count(),
        server_doc(pool_1.as_ref(), &shared.id).await.unwrap().get_changes(&[]).len()
    );

    // The photo went up through one server and comes down through either.
    let photo = merged.photos.keys().next().expect("photo recorded").clone();
    for server in servers {
        let got = Raw::new(&server.url).send(reqwest::Method::GET, &format!("/v1/blobs/{photo}"), &phones[2].device.token, vec![]).await;
        assert_eq!(got, (200, b"photo via one server".to_vec()));
    }
}
