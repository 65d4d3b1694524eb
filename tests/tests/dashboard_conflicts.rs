//! Settling a conflict on the dashboard, on both backends: two inspectors
//! answer one item differently offline, sync, and the inspection page shows
//! both values and their authors; a supervisor chooses one, the change goes
//! through the normal merge by the supervisor's own actor, the read model
//! and the JSON API show no open conflict, and both phones receive the
//! chosen value. Also: a path the dashboard does not know answers its HTML
//! "not found" (the API's paths keep their CBOR and JSON errors), and an
//! inspection out of scope answers exactly as one that does not exist.

use redline_device::doc::InspectionDoc;
use redline_device::inspection::*;
use redline_tests::web::{Browser, hidden_values, with_password};
use redline_tests::{Device, TestServer, error_body, on_both_backends, pass_all};

on_both_backends!(a_supervisor_settles_a_conflict_that_reaches_the_phones);
on_both_backends!(settling_a_submitted_inspections_conflict_is_an_amendment);

/// Co-inspectors insp-1 (a) and insp-2 (b) on one inspection, offline:
/// each answers H20 differently (a's value and note, then b's), then both
/// sync until each holds the other's change. Returns (a, b, inspection id).
async fn co_inspected(
    server: &TestServer,
    (a_value, a_note): (AnswerValue, Option<&str>),
    (b_value, b_note): (AnswerValue, Option<&str>),
) -> (Device, Device, String) {
    let a = server.device("insp-1").await;
    let b = server.device("insp-2").await;
    a.sync().await;
    b.sync().await;
    let started = a.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    let id = started.id.clone();
    b.store.join_inspection(&id, &started.header).unwrap();
    pass_all(&a.store, &id, &["H20"]);
    a.store.answer(&id, "H20", a_value, a_note.map(str::to_string)).unwrap();
    b.store.answer(&id, "H20", b_value, b_note.map(str::to_string)).unwrap();
    a.sync().await;
    b.sync().await;
    a.sync().await;
    (a, b, id)
}

async fn a_supervisor_settles_a_conflict_that_reaches_the_phones(server: TestServer) {
    let (a, b, id) = co_inspected(&server, (AnswerValue::Fail, Some("氧化剂与可燃物同库")), (AnswerValue::Pass, None)).await;
    let stored = server.doc(&id).await.unwrap();
    let merged = InspectionDoc::read_from(&id, &stored).unwrap();
    assert_eq!(merged.conflicts.len(), 1, "{:?}", merged.conflicts);
    let winner = merged.answers["H20"].by.user_id.clone();

    with_password(&server, "sup-1").await;
    let sup = Browser::signed_in(&server, "sup-1").await;
    let page = sup.get(&format!("/inspections/{id}")).await.1;
    assert!(page.contains("id=\"conflicts\"") && page.contains("待解决的冲突"), "{page}");
    assert!(page.contains("insp-1-名") && page.contains("insp-2-名") && page.contains("氧化剂与可燃物同库"), "both values, both authors");
    assert_eq!(hidden_values(&page, "path"), ["answers/H20", "answers/H20"]);
    // The supervisor keeps the value that lost automerge's tie-break.
    let chosen = hidden_values(&page, "value")
        .into_iter()
        .find(|v| serde_json::from_str::<Answer>(v).unwrap().by.user_id != winner)
        .expect("the other value");
    let loser: Answer = serde_json::from_str(&chosen).unwrap();

    let path = format!("/inspections/{id}/resolve");
    assert_eq!(sup.post(&path, &[("path", "answers/H20"), ("value", chosen.as_str())]).await.0, 403, "no CSRF token");
    let csrf = sup.csrf().await;
    let form = [("csrf", csrf.as_str()), ("path", "answers/H20"), ("value", chosen.as_str())];
    assert_eq!(sup.post(&path, &form).await, (303, format!("/inspections/{id}?resolved=1")));
    let page = sup.get(&format!("/inspections/{id}?resolved=1")).await.1;
    assert!(page.contains("冲突已解决") && !page.contains("id=\"conflicts\""), "{page}");
    assert!(page.contains("sup-1-名"), "the supervisor's change is in the history");
    let api = sup.http.get(format!("{}/api/v1/inspections/{id}", server.url)).header("cookie", sup.cookies()).send().await.unwrap();
    let detail: serde_json::Value = serde_json::from_slice(&api.bytes().await.unwrap()).unwrap();
    assert_eq!(detail["conflicts"], serde_json::json!([]), "the read model has no open conflict");
    assert_eq!(detail["inspection"]["conflicts"], 0);
    // Settled once: choosing again is refused, and says why.
    let (status, to) = sup.post(&path, &form).await;
    assert!(status == 303 && to.contains("refused="), "{to}");

    // Both phones receive the chosen value, as its author recorded it.
    b.sync().await;
    a.sync().await;
    for phone in [&a, &b] {
        let i = phone.store.inspection(&id).unwrap();
        assert!(i.conflicts.is_empty(), "{:?}", i.conflicts);
        assert_eq!(i.answers["H20"], loser);
    }
    let refused = a.store.quarantine().unwrap();
    assert!(refused.is_empty(), "nothing quarantined: {refused:?}");

    // Out of scope looks exactly like missing; unknown paths are the same page.
    redline_tests::far_supervisor(server.state.storage.as_ref()).await;
    with_password(&server, "sup-far").await;
    let other = Browser::signed_in(&server, "sup-far").await;
    let hidden = other.get(&format!("/inspections/{id}")).await;
    assert_eq!(hidden.0, 404);
    assert_eq!(hidden, other.get("/inspections/no-such-inspection").await, "hidden and missing answer alike");
    assert_eq!(hidden, other.get("/no/such/page").await, "and like a page that never existed");
    let csrf = other.csrf().await;
    let form = [("csrf", csrf.as_str()), ("path", "answers/H20"), ("value", chosen.as_str())];
    assert_eq!(other.post(&path, &form).await, hidden, "settling a hidden inspection's conflict");
}

/// After submit, choosing the value that is not shown changes the record:
/// the domain records it as an amendment, which the merge's rules accept.
async fn settling_a_submitted_inspections_conflict_is_an_amendment(server: TestServer) {
    let (a, b, id) = co_inspected(&server, (AnswerValue::Pass, None), (AnswerValue::NotApplicable, Some("无氧化剂"))).await;
    a.store.submit(&id).unwrap();
    a.sync().await;
    let shown = a.store.inspection(&id).unwrap().answers["H20"].clone();

    with_password(&server, "sup-1").await;
    let sup = Browser::signed_in(&server, "sup-1").await;
    let page = sup.get(&format!("/inspections/{id}")).await.1;
    let other = hidden_values(&page, "value").into_iter().find(|v| serde_json::from_str::<Answer>(v).unwrap() != shown).unwrap();
    let csrf = sup.csrf().await;
    let form = [("csrf", csrf.as_str()), ("path", "answers/H20"), ("value", other.as_str())];
    assert_eq!(sup.post(&format!("/inspections/{id}/resolve"), &form).await, (303, format!("/inspections/{id}?resolved=1")));
    for phone in [&a, &b] {
        phone.sync().await;
        let i = phone.store.inspection(&id).unwrap();
        assert!(i.conflicts.is_empty());
        assert_eq!(i.answers["H20"], serde_json::from_str::<Answer>(&other).unwrap());
        assert_eq!(i.amendments.len(), 1, "{:?}", i.amendments);
        assert_eq!(i.amendments[0].by.user_id, "sup-1");
        assert!(!i.inspectors.iter().any(|p| p.user_id == "sup-1"), "the supervisor did not inspect");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_get_the_dashboards_page_and_api_paths_their_own_errors() {
    let server = TestServer::start(redline_tests::Backend::Sqlite).await.expect("SQLite always starts");
    let http = reqwest::Client::new();
    let get = |path: &str, lang: &str| http.get(format!("{}{path}", server.url)).header("cookie", format!("lang={lang}")).send();
    for path in ["/no/such/page", "/inspectionsx", "/v1", "/admin/nowhere/at/all"] {
        let r = get(path, "zh").await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("<html lang=\"zh\"") && body.contains("未找到"), "{path}: {body}");
    }
    let en = get("/no/such/page", "en").await.unwrap().text().await.unwrap();
    assert!(en.contains("Not found") && !en.contains("未找到"));

    let r = get("/v1/nothing-here", "zh").await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap()), (404, wire_type()));
    assert_eq!(error_body(&r.bytes().await.unwrap()).code, "not_found");
    let r = get("/api/v1/nothing-here", "zh").await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap()), (404, "application/json"));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&r.bytes().await.unwrap()).unwrap()["code"], "not_found");
    // A route the dashboard knows, with the wrong method, is not a page.
    assert_eq!(http.get(format!("{}/logout", server.url)).send().await.unwrap().status().as_u16(), 405);
}

fn wire_type() -> &'static str {
    redline_device::sync::wire::CONTENT_TYPE
}
