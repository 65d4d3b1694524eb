//! Tampered clients: change sets no honest device can produce, posted raw
//! (reqwest + CBOR) with a real device token. Each must be refused whole
//! with a reason, leave the server's copy byte-for-byte unchanged and out
//! of the feed, and never reach another device — while honest uploads in
//! the same request still go through. The forged changes are real
//! automerge changes built on the phone's own copy, so only the rule under
//! test can catch them.
//!
//! And the honest counterpart: a co-inspector's offline edit to an
//! inspection that was submitted meanwhile is quarantined on the phone
//! (listed with its reason, exportable), the phone ends up holding exactly
//! the server's document, and the rest of the same sync is never blocked;
//! and settling a conflict with a co-inspector's answer is not forgery.

use automerge::{ActorId, AutoCommit, ChangeHash, ObjId, ROOT, ReadDoc, transaction::Transactable};
use redline_device::doc::{InspectionDoc, NewFinding};
use redline_device::hazard::{Action, ListingLevel, Transition};
use redline_device::inspection::*;
use redline_device::people::{Person, Role};
use redline_device::store::PhotoMeta;
use redline_device::sync::chunks::split_changes;
use redline_device::sync::wire::{DocUpload, UploadResult, UploadStatus, heads_to_hex};
use redline_device::time::{Date, now_millis};
use redline_tests::{Device, Raw, TestServer, heads, on_both_backends, pass_all, passed_inspection, whole_feed};

on_both_backends!(assistant_cannot_claim_the_supervisor_role);
on_both_backends!(changes_must_carry_the_uploading_devices_actor);
on_both_backends!(answers_are_the_uploaders_own);
on_both_backends!(settling_a_conflict_with_a_co_inspectors_answer);
on_both_backends!(submitted_answers_change_only_by_amendment);
on_both_backends!(nobody_rewrites_someone_elses_signature);
on_both_backends!(offline_edit_to_a_submitted_inspection_is_quarantined);

fn person(user: &str) -> Person {
    Person { user_id: user.into(), name: format!("{user}-名") }
}

/// What must not move when an upload is refused: the server's heads and
/// snapshot bytes of `id`, and its rows in the feed.
async fn fingerprint(server: &TestServer, id: &str) -> (Vec<ChangeHash>, Vec<u8>, usize) {
    let stored = server.state.storage.document(id).await.unwrap().expect("server holds the document");
    let mut doc = AutoCommit::load(&stored.snapshot).unwrap();
    let rows = whole_feed(server.state.storage.as_ref()).await.iter().filter(|r| r.doc_id == id).count();
    (heads(&mut doc), stored.snapshot, rows)
}

/// One change on top of the phone's copy of `id`, made with `actor`.
fn forge(device: &Device, id: &str, kind: &str, actor: ActorId, edit: impl FnOnce(&mut AutoCommit)) -> DocUpload {
    let mut doc = device.doc(id);
    let base = doc.get_heads();
    doc.set_actor(actor);
    edit(&mut doc);
    doc.commit();
    DocUpload { doc_id: id.into(), kind: kind.into(), changes: doc.save_after(&base), heads: heads_to_hex(&doc.get_heads()) }
}

/// Like [`forge`], but made on the document as it was right after it was
/// created, so it is concurrent with every later edit; a value it writes
/// has a lower op counter than any later write of the same key and loses
/// the automerge conflict: it is hidden behind the stored winner.
fn forge_concurrent(device: &Device, id: &str, edit: impl FnOnce(&mut AutoCommit)) -> DocUpload {
    let mut doc = device.doc(id);
    let created = doc.get_changes(&[])[1].hash();
    let mut old = doc.fork_at(&[created]).unwrap();
    old.set_actor(device.actor());
    edit(&mut old);
    old.commit();
    DocUpload { doc_id: id.into(), kind: "inspection".into(), changes: old.save_after(&[created]), heads: heads_to_hex(&old.get_heads()) }
}

fn root_obj(doc: &AutoCommit, key: &str) -> ObjId {
    doc.get(ROOT, key).unwrap().expect("top-level object").1
}

fn put_answer(item: &'static str, value: AnswerValue, by: &'static str) -> impl FnOnce(&mut AutoCommit) {
    move |doc| {
        let answers = root_obj(doc, "answers");
        let a = Answer { value, note: None, by: person(by), at: now_millis() };
        doc.put(&answers, item, serde_json::to_string(&a).unwrap()).unwrap();
    }
}

/// A submitted inspection of site-a1 with one failed item (H12, a major
/// hazard by standard) and its finding; returns (inspection, finding) ids.
/// Submitting registers the finding as a hazard of the same id.
fn submitted_with_finding(d: &Device) -> (String, String) {
    let i = d.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    pass_all(&d.store, &i.id, &["H12"]);
    d.store.answer(&i.id, "H12", AnswerValue::Fail, None).unwrap();
    let finding = NewFinding {
        item_id: Some("H12".into()),
        description: "爆炸危险区域使用非防爆电机".into(),
        grade: Grade::Major,
        location: None,
        deadline: Some(Date::today().add_days(20)),
        responsible: Some("厂长".into()),
    };
    let f = d.store.add_finding(&i.id, finding).unwrap();
    d.store.attach_photo(&i.id, PhotoOwner::Finding(f.clone()), b"motor", PhotoMeta::default()).unwrap();
    assert_eq!(d.store.submit(&i.id).unwrap(), vec![f.clone()]);
    (i.id, f)
}

/// Posts `uploads` with `device`'s token, returning one result per upload.
async fn post(server: &TestServer, device: &Device, uploads: Vec<DocUpload>) -> Vec<UploadResult> {
    let response = Raw::new(&server.url).sync(&device.token, &device.request_with(uploads)).await;
    response.results
}

fn reason(r: &UploadResult) -> &str {
    match &r.status {
        UploadStatus::Rejected { reason } => reason,
        UploadStatus::Accepted => panic!("upload of {} was accepted", r.doc_id),
    }
}

async fn assistant_cannot_claim_the_supervisor_role(server: TestServer) {
    let insp = server.device("insp-1").await;
    let asst = server.device("asst-a").await;
    let sup = server.device("sup-1").await;
    insp.sync().await;
    let (_, f) = submitted_with_finding(&insp);
    insp.sync().await;
    asst.sync().await;
    sup.sync().await;
    let before = fingerprint(&server, &f).await;
    let hazard_before = sup.store.hazard(&f).unwrap();

    // 挂牌督办 forged by the assistant's phone: correct actor, the
    // assistant's own name, but the supervisor's role; then in its own role.
    let listing = |role: Role| {
        move |doc: &mut AutoCommit| {
            let t = Transition {
                id: uuid::Uuid::new_v4().to_string(),
                action: Action::List { level: ListingLevel::County },
                by: person("asst-a"),
                role,
                at: now_millis(),
                note: "挂牌".into(),
                evidence: vec![],
            };
            let list = root_obj(doc, "transitions");
            let end = doc.length(&list);
            doc.insert(&list, end, serde_json::to_string(&t).unwrap()).unwrap();
        }
    };
    let as_supervisor = forge(&asst, &f, "hazard", asst.actor(), listing(Role::Supervisor));
    let in_own_role = forge(&asst, &f, "hazard", asst.actor(), listing(Role::CommunityAssistant));
    // Honest work travels in the same request.
    let own = asst.store.start_inspection("site-a1", InspectionKind::SelfInspection, "hazardous_chemicals").unwrap();
    let honest = asst.store.pending_uploads(10).unwrap().remove(0).upload;
    let results = post(&server, &asst, vec![as_supervisor, in_own_role, honest]).await;
    assert!(reason(&results[0]).contains("not in the uploader's name and role"), "{:?}", results[0]);
    assert!(reason(&results[1]).contains("may not list"), "{:?}", results[1]);
    assert_eq!(results[2].status, UploadStatus::Accepted);
    // Each refusal carries the server's copy, as it stands, for the phone to roll back to.
    for r in &results[..2] {
        assert_eq!((r.heads.clone(), r.missing.clone()), (heads_to_hex(&before.0), before.1.clone()));
    }

    assert_eq!(fingerprint(&server, &f).await, before, "the server's hazard is untouched");
    sup.sync().await;
    insp.sync().await;
    assert_eq!(sup.store.hazard(&f).unwrap(), hazard_before, "the supervisor never sees the forged listing");
    assert_eq!(insp.store.hazard(&f).unwrap(), hazard_before);
    assert_eq!(sup.store.inspection(&own.id).unwrap().header.created_by.user_id, "asst-a");
    // The assistant's phone, which never held the forgery, syncs cleanly.
    assert!(asst.sync().await.rejected.is_empty());
    assert_eq!(asst.store.hazard(&f).unwrap(), hazard_before);
}

async fn changes_must_carry_the_uploading_devices_actor(server: TestServer) {
    let a = server.device("insp-1").await;
    let a_phone2 = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    let id = passed_inspection(&a.store, "site-a1");
    a.sync().await;
    a_phone2.sync().await;
    b.sync().await;
    let before = fingerprint(&server, &id).await;

    // The same edit in insp-1's name, made with an actor that is not the
    // uploading device's: another user's phone, the same user's other
    // phone, and the shared skeleton actor.
    let skeleton = ActorId::from(b"redline-skeleton".as_slice());
    for (uploader, actor) in [(&b, a.actor()), (&a_phone2, a.actor()), (&b, skeleton.clone()), (&a, b.actor())] {
        let up = forge(uploader, &id, "inspection", actor.clone(), put_answer("H03", AnswerValue::Fail, "insp-1"));
        let results = post(&server, uploader, vec![up]).await;
        assert!(reason(&results[0]).contains("was not made by this device's actor"), "{actor}: {:?}", results[0]);
    }
    assert_eq!(fingerprint(&server, &id).await, before);
    b.sync().await;
    assert_eq!(b.store.inspection(&id).unwrap().answers["H03"].value, AnswerValue::Pass);

    // Control: the very same edit from the phone whose actor it carries is fine.
    let up = forge(&a, &id, "inspection", a.actor(), put_answer("H03", AnswerValue::Fail, "insp-1"));
    assert_eq!(post(&server, &a, vec![up]).await[0].status, UploadStatus::Accepted);
    b.sync().await;
    assert_eq!(b.store.inspection(&id).unwrap().answers["H03"].value, AnswerValue::Fail);
}

async fn answers_are_the_uploaders_own(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    let i = a.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    a.store.answer(&i.id, "H01", AnswerValue::Pass, None).unwrap();
    a.sync().await;
    b.sync().await;
    let before = fingerprint(&server, &i.id).await;

    // B's phone, B's actor, but the answers claim to be A's: a new one, a
    // rewrite of A's existing one, and one hidden as the losing value of a
    // conflict with A's.
    let forged = [
        forge(&b, &i.id, "inspection", b.actor(), put_answer("H05", AnswerValue::Fail, "insp-1")),
        forge(&b, &i.id, "inspection", b.actor(), put_answer("H01", AnswerValue::Fail, "insp-1")),
        forge_concurrent(&b, &i.id, put_answer("H01", AnswerValue::Fail, "insp-1")),
    ];
    for (up, item) in forged.into_iter().zip(["H05", "H01", "H01"]) {
        let results = post(&server, &b, vec![up]).await;
        assert_eq!(reason(&results[0]), format!("answer {item} is attributed to insp-1, not the uploader"));
    }
    assert_eq!(fingerprint(&server, &i.id).await, before);
    a.sync().await;
    let on_a = a.store.inspection(&i.id).unwrap();
    assert_eq!(on_a.answers.keys().collect::<Vec<_>>(), vec!["H01"]);
    assert_eq!(on_a.answers["H01"].value, AnswerValue::Pass);

    // In B's own name the same answer is ordinary co-inspection.
    let up = forge(&b, &i.id, "inspection", b.actor(), put_answer("H05", AnswerValue::Fail, "insp-2"));
    assert_eq!(post(&server, &b, vec![up]).await[0].status, UploadStatus::Accepted);
}

async fn settling_a_conflict_with_a_co_inspectors_answer(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    let i = a.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    a.sync().await;
    b.sync().await;
    // Both answer H20 offline. B answers everything else first, so B's write
    // has the higher op counter and wins the automerge conflict.
    a.store.answer(&i.id, "H20", AnswerValue::Fail, Some("氧化剂与可燃物同库".into())).unwrap();
    pass_all(&b.store, &i.id, &["H20"]);
    b.store.answer(&i.id, "H20", AnswerValue::Pass, None).unwrap();
    a.sync().await;
    b.sync().await;
    let on_b = b.store.inspection(&i.id).unwrap();
    assert_eq!(on_b.answers["H20"].by.user_id, "insp-2");
    let conflict = on_b.conflicts.iter().find(|c| c.path == "answers/H20").expect("a conflict");
    let theirs = conflict.values.iter().find(|v| v.by.as_ref().is_some_and(|p| p.user_id == "insp-1")).unwrap();

    // B agrees with A and settles it with A's answer — A's work, as recorded.
    b.store.resolve_conflict(&i.id, "answers/H20", &theirs.value).unwrap();
    let report = b.sync().await;
    assert!(report.rejected.is_empty(), "{report:?}");
    a.sync().await;
    for d in [&a, &b] {
        let settled = d.store.inspection(&i.id).unwrap();
        assert!(settled.conflicts.is_empty());
        assert_eq!((settled.answers["H20"].value.clone(), settled.answers["H20"].by.user_id.as_str()), (AnswerValue::Fail, "insp-1"));
    }
}

async fn submitted_answers_change_only_by_amendment(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    let (id, f) = submitted_with_finding(&a);
    a.sync().await;
    b.sync().await;
    let before = fingerprint(&server, &id).await;

    let changed = forge(&a, &id, "inspection", a.actor(), put_answer("H03", AnswerValue::Fail, "insp-1"));
    let delete = |map: &'static str, key: String| {
        move |doc: &mut AutoCommit| {
            let obj = root_obj(doc, map);
            doc.delete(&obj, key.as_str()).unwrap();
        }
    };
    let deleted = forge(&a, &id, "inspection", a.actor(), delete("answers", "H03".into()));
    let finding_deleted = forge(&a, &id, "inspection", a.actor(), delete("findings", f.clone()));
    let reopened = forge(&a, &id, "inspection", a.actor(), |doc| doc.put(ROOT, "status", "draft").unwrap());
    // B's answer written as if B had never seen A's: it loses the conflict,
    // so the winning answers do not change — it is a change all the same.
    let concurrent = forge_concurrent(&b, &id, put_answer("H03", AnswerValue::Fail, "insp-2"));
    let results = post(&server, &a, vec![changed, deleted, finding_deleted, reopened]).await;
    assert_eq!(reason(&results[0]), "answer H03 changed on a submitted inspection without an amendment");
    assert_eq!(reason(&results[1]), "answer H03 cannot be removed");
    assert_eq!(reason(&results[2]), format!("finding {f} cannot be removed"));
    assert_eq!(reason(&results[3]), "a submitted inspection cannot return to draft");
    let results = post(&server, &b, vec![concurrent]).await;
    assert_eq!(reason(&results[0]), "answer H03 changed on a submitted inspection without an amendment");
    assert_eq!(fingerprint(&server, &id).await, before);
    b.sync().await;
    assert_eq!(b.store.inspection(&id).unwrap().answers["H03"].value, AnswerValue::Pass);

    // The honest way: an amendment with a reason, kept in the history.
    a.store.amend_answer(&id, "H03", AnswerValue::Fail, Some("消防通道堵塞".into()), "复核现场照片").unwrap();
    assert_eq!(a.sync().await.accepted, vec![id.clone()]);
    b.sync().await;
    let on_b = b.store.inspection(&id).unwrap();
    assert_eq!(on_b.answers["H03"].value, AnswerValue::Fail);
    assert_eq!(on_b.amendments.len(), 1);
    assert_eq!(on_b.amendments[0].target, "answer H03");
}

async fn nobody_rewrites_someone_elses_signature(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    let i = a.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    a.store.sign(&i.id, "张检查员", SignerRole::Inspector, b"a's signature").unwrap();
    a.sync().await;
    b.sync().await;
    let before = fingerprint(&server, &i.id).await;
    let key = "inspector:insp-1";
    let signed = b.store.inspection(&i.id).unwrap().signatures[key].clone();

    let replace = |by: &'static str| {
        move |doc: &mut AutoCommit| {
            let sigs = root_obj(doc, "signatures");
            let s = Signature {
                signer_name: "冒名".into(),
                role: SignerRole::Inspector,
                image_hash: "ab".repeat(32),
                by: person(by),
                at: now_millis(),
            };
            doc.put(&sigs, key, serde_json::to_string(&s).unwrap()).unwrap();
        }
    };
    let as_b = forge(&b, &i.id, "inspection", b.actor(), replace("insp-2"));
    let as_a = forge(&b, &i.id, "inspection", b.actor(), replace("insp-1"));
    let removed = forge(&b, &i.id, "inspection", b.actor(), |doc| {
        let sigs = root_obj(doc, "signatures");
        doc.delete(&sigs, key).unwrap();
    });
    let results = post(&server, &b, vec![as_b, as_a, removed]).await;
    assert_eq!(reason(&results[0]), "signature inspector:insp-1 belongs to insp-1");
    assert_eq!(reason(&results[1]), "signature inspector:insp-1 belongs to insp-1");
    assert_eq!(reason(&results[2]), "signature inspector:insp-1 cannot be removed by insp-1");
    assert_eq!(fingerprint(&server, &i.id).await, before);
    a.sync().await;
    b.sync().await;
    assert_eq!(a.store.inspection(&i.id).unwrap().signatures[key], signed);
    assert_eq!(b.store.inspection(&i.id).unwrap().signatures[key], signed);
}

async fn offline_edit_to_a_submitted_inspection_is_quarantined(server: TestServer) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    let i = a.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    pass_all(&a.store, &i.id, &["H07"]);
    a.sync().await;
    b.sync().await;

    // A finishes and submits; B, offline, still sees a draft and answers
    // the open item differently — and also starts another inspection.
    a.store.answer(&i.id, "H07", AnswerValue::Pass, None).unwrap();
    a.store.submit(&i.id).unwrap();
    a.sync().await;
    b.store.answer(&i.id, "H07", AnswerValue::Fail, Some("灭火器过期".into())).unwrap();
    let other = passed_inspection(&b.store, "site-a2");

    let report = b.sync().await;
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    let (rejected_id, why) = &report.rejected[0];
    assert_eq!(rejected_id, &i.id);
    assert_eq!(why, "answer H07 changed on a submitted inspection without an amendment");
    assert!(report.accepted.contains(&other), "the other document went up in the same sync: {report:?}");
    assert!(server.doc(&other).await.is_some());

    // Quarantined on the phone, with the reason and the exact bytes.
    let q = b.store.quarantine().unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!((q[0].doc_id.as_str(), q[0].kind.as_str(), q[0].reason.as_str()), (i.id.as_str(), "inspection", why.as_str()));
    let exported = b.store.export_quarantined(q[0].id).unwrap();
    assert_eq!(exported.len() as u64, q[0].size);
    let changes = split_changes(&exported, 100).unwrap();
    assert!(!changes.is_empty() && changes.iter().all(|c| *c.actor_id() == b.actor()), "only B's own edit is quarantined");

    // B's phone now holds exactly the server's document: submitted, A's answer.
    let mut on_server = server.doc(&i.id).await.unwrap();
    assert_eq!(heads(&mut b.doc(&i.id)), heads(&mut on_server));
    let read = InspectionDoc::read_from(&i.id, &on_server).unwrap();
    assert_eq!(b.store.inspection(&i.id).unwrap(), read);
    assert_eq!(read.status, InspectionStatus::Submitted);
    assert_eq!(read.answers["H07"].value, AnswerValue::Pass);
    assert!(b.store.pending_uploads(10).unwrap().is_empty(), "nothing left pending");

    // Never blocked: the next sync is clean and B can amend the record.
    assert!(b.sync().await.rejected.is_empty());
    b.store.amend_answer(&i.id, "H07", AnswerValue::Fail, Some("灭火器过期".into()), "B 现场记录").unwrap();
    assert_eq!(b.sync().await.accepted, vec![i.id.clone()]);
    a.sync().await;
    assert_eq!(a.store.inspection(&i.id).unwrap().answers["H07"].value, AnswerValue::Fail);
    assert_eq!(a.store.inspection(&i.id).unwrap(), b.store.inspection(&i.id).unwrap());
}
