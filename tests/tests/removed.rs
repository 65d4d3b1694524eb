//! A user removed while the phone is offline with a day's work on it: an
//! administrator revokes the phone's device (the inspector left, or the
//! phone was reported lost). When it comes back, every request is refused
//! with 403 `revoked` and a reason; the phone keeps all its unsent work in
//! its quarantine (listed, exported byte for byte, kept once however often
//! it retries) without losing it from the documents; nothing comes down any
//! more; and the other user of the same phone syncs on as before.

use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_device::{Error, ErrorKind};
use redline_domain::sync::chunks::split_changes;
use redline_tests::{Device, Raw, TestServer, error_body, on_both_backends, pass_fail_items};
use reqwest::Method;
use tokio_util::sync::CancellationToken;

on_both_backends!(a_revoked_phone_keeps_its_work_in_quarantine_and_gets_nothing);

async fn sync_refused(d: &Device) -> Error {
    match d.client.sync(&d.store, &CancellationToken::new(), None).await {
        Ok(report) => panic!("a revoked device synced: {report:?}"),
        Err(e) => e,
    }
}

async fn a_revoked_phone_keeps_its_work_in_quarantine_and_gets_nothing(server: TestServer) {
    let phone = server.device("insp-1").await;
    let shared = server.device("insp-2").await;
    let supervisor = server.device("sup-1").await;
    for d in [&phone, &shared, &supervisor] {
        d.sync().await;
    }
    let items = pass_fail_items(&phone.store);
    let first = phone.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
    phone.store.answer(&first, &items[0], AnswerValue::Pass, None).unwrap();
    phone.sync().await;

    // Offline: more work on the synced inspection and a new one.
    phone.store.answer(&first, &items[1], AnswerValue::Fail, Some("安全出口上锁".into())).unwrap();
    let second = phone.store.start_inspection("site-b1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
    phone.store.answer(&second, &items[0], AnswerValue::Fail, Some("无证储存".into())).unwrap();
    // Meanwhile the device is revoked.
    assert!(server.state.storage.revoke_device(&phone.device_id()).await.unwrap());

    // Refused with a reason, typed for the app.
    let e = sync_refused(&phone).await;
    assert!(matches!(e, Error::Revoked(_)) && e.kind() == ErrorKind::NotAllowed, "{e:?}");
    let raw = Raw::new(&server.url);
    let (status, body) = raw.send(Method::GET, "/v1/me", &phone.token, vec![]).await;
    assert_eq!((status, error_body(&body).code.as_str()), (403, "revoked"));
    let (status, body) = raw.send(Method::GET, "/v1/me", "no-such-token", vec![]).await;
    assert_eq!((status, error_body(&body).code.as_str()), (401, "unauthorized"), "an unknown token is not told more");

    // The unsent work is in the quarantine, once, and still in the documents.
    let q = phone.store.quarantine().unwrap();
    let mut held: Vec<&str> = q.iter().map(|q| q.doc_id.as_str()).collect();
    held.sort();
    let mut expected = vec![first.as_str(), second.as_str()];
    expected.sort();
    assert_eq!(held, expected, "both documents' unsent work is kept");
    for entry in &q {
        assert!(!entry.reason.is_empty());
        let changes = split_changes(&phone.store.export_quarantined(entry.id).unwrap(), 100).unwrap();
        assert!(!changes.is_empty(), "{}: the exported set holds the changes", entry.doc_id);
    }
    sync_refused(&phone).await;
    assert_eq!(phone.store.quarantine().unwrap().len(), q.len(), "a retry keeps nothing twice");
    let mine = phone.store.inspection(&second).unwrap();
    assert_eq!(mine.answers[&items[0]].note.as_deref(), Some("无证储存"), "nothing is lost from the phone");
    assert!(server.doc(&second).await.is_none(), "nothing of the revoked phone reached the server");

    // Nothing comes down any more; the other user of the phone syncs on.
    supervisor.sync().await;
    supervisor.store.answer(&first, &items[2], AnswerValue::Pass, Some("督导检查".into())).unwrap();
    supervisor.sync().await;
    sync_refused(&phone).await;
    assert!(!phone.store.inspection(&first).unwrap().answers.contains_key(&items[2]), "the revoked phone got the supervisor's work");
    shared.sync().await;
    let seen = shared.store.inspection(&first).unwrap();
    assert_eq!(seen.answers[&items[2]].note.as_deref(), Some("督导检查"));
}
