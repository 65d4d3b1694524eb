//! The supervisors' dashboard over HTTP, on both backends: sign-in with a
//! password (wrong ones limited), session cookies, pages in Chinese and
//! English, a supervisor's order reaching a phone through the normal merge
//! path, CSRF refusals, and a supervisor of another district finding none
//! of it — the same "not found" as for pages that never existed.

use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, HazardState};
use redline_device::inspection::*;
use redline_device::store::PhotoMeta;
use redline_device::time::Date;
use redline_tests::web::{Browser, PASSWORD, with_password};
use redline_tests::{TestServer, on_both_backends, pass_all};

on_both_backends!(a_supervisor_signs_in_reads_and_orders_a_fix);
on_both_backends!(sessions_are_guarded);

async fn a_supervisor_signs_in_reads_and_orders_a_fix(server: TestServer) {
    let phone = server.device("insp-1").await;
    phone.sync().await;
    let i = phone.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    pass_all(&phone.store, &i.id, &["H02"]);
    phone.store.answer(&i.id, "H02", AnswerValue::Fail, Some("电工证过期".into())).unwrap();
    let finding = NewFinding {
        item_id: Some("H02".into()),
        description: "特种作业人员证书过期".into(),
        grade: Grade::General,
        location: None,
        // No deadline on site: the hazard waits, found, for the supervisor's order.
        deadline: None,
        responsible: None,
    };
    let hazard = phone.store.add_finding(&i.id, finding).unwrap();
    let photo = phone.store.attach_photo(&i.id, PhotoOwner::Finding(hazard.clone()), b"expired licence", PhotoMeta::default()).unwrap();
    phone.store.submit(&i.id).unwrap();
    phone.sync().await;

    with_password(&server, "sup-1").await;
    let mut b = Browser::new(&server);
    assert_eq!(b.get("/").await, (303, "/login".to_string()), "signed out: to the sign-in page");
    assert_eq!(b.sign_in("sup-1", "wrong password!").await.0, 401);
    assert_eq!(b.sign_in("sup-1", PASSWORD).await.0, 303);

    let (status, overview) = b.get("/").await;
    assert_eq!(status, 200);
    assert!(overview.contains("辖区总览") && overview.contains("<svg"), "Chinese by default, charts drawn");
    assert!(overview.len() < 200 << 10, "a light page: {} bytes", overview.len());
    let list = b.get("/inspections?kind=routine_patrol").await.1;
    assert!(list.contains(&format!("/inspections/{}", i.id)) && list.contains("转塘化工仓库"));
    assert!(!b.get("/inspections?kind=enforcement").await.1.contains(&i.id));
    assert!(list.contains("/api/v1/export/inspections.csv?kind=routine_patrol"), "export keeps the filter");
    let detail = b.get(&format!("/inspections/{}", i.id)).await.1;
    assert!(detail.contains("电工证过期") && detail.contains("class=\"failed\""), "failures highlighted");
    assert!(detail.contains(&format!("/photos/{}", photo.hash)));
    let r = b.http.get(format!("{}/photos/{}", b.url, photo.hash)).header("cookie", b.cookies()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"expired licence");
    let hazards = b.get("/hazards?open=true").await.1;
    assert!(hazards.contains("特种作业人员证书过期"));
    assert!(b.get("/sites").await.1.contains("<circle"), "the map");

    // The export buttons work with the session; a cookie never authorises sync.
    let csv = b.http.get(format!("{}/api/v1/export/hazards.csv", b.url)).header("cookie", b.cookies()).send().await.unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(csv.text().await.unwrap().contains("特种作业人员证书过期"));
    let sync = b.http.post(format!("{}/v1/sync", b.url)).header("cookie", b.cookies()).body(vec![0xa0]).send().await.unwrap();
    assert_eq!(sync.status().as_u16(), 401);

    // English on request.
    b.lang = "en";
    assert!(b.get("/").await.1.contains("District overview"));
    b.lang = "zh";

    // An order without the form's token is refused; with it, it reaches the phone.
    let deadline = Date::today().add_days(5).to_string();
    let order = [("action", "order"), ("deadline", deadline.as_str()), ("responsible", "王店长"), ("note", "限期五日")];
    let (status, _) = b.post(&format!("/hazards/{hazard}/act"), &order).await;
    assert_eq!(status, 403, "no CSRF token");
    let csrf = b.csrf().await;
    let mut with_token = order.to_vec();
    with_token.push(("csrf", csrf.as_str()));
    let (status, to) = b.post(&format!("/hazards/{hazard}/act"), &with_token).await;
    assert_eq!((status, to.as_str()), (303, format!("/hazards/{hazard}?done=1").as_str()));
    assert!(b.get(&format!("/hazards/{hazard}")).await.1.contains("限期五日"), "on the timeline");
    phone.sync().await;
    let h = phone.store.hazard(&hazard).unwrap();
    let last = h.transitions.last().expect("the order");
    assert_eq!(last.action, Action::Order { deadline: Date::parse(&deadline).unwrap(), responsible: "王店长".into() });
    assert_eq!(last.by.user_id, "sup-1");
    assert_eq!(h.status.state, HazardState::Ordered);
    assert_eq!(h.status.deadline, Date::parse(&deadline));
    // A refused action says why and changes nothing.
    let (_, to) = b.post(&format!("/hazards/{hazard}/act"), &[("action", "delist"), ("csrf", csrf.as_str())]).await;
    assert!(to.contains("refused="), "{to}");

    // Another district's supervisor finds none of it.
    redline_tests::far_supervisor(server.state.storage.as_ref()).await;
    with_password(&server, "sup-far").await;
    let mut other = Browser::new(&server);
    other.sign_in("sup-far", PASSWORD).await;
    assert!(!other.get("/inspections").await.1.contains(&i.id));
    assert!(!other.get("/hazards").await.1.contains(&hazard));
    for (there, never) in [
        (format!("/inspections/{}", i.id), "/inspections/no-such-id".to_string()),
        (format!("/hazards/{hazard}"), "/hazards/no-such-id".to_string()),
        (format!("/photos/{}", photo.hash), format!("/photos/{}", "0".repeat(64))),
    ] {
        let (hidden, missing) = (other.get(&there).await, other.get(&never).await);
        assert_eq!(hidden.0, 404, "{there}");
        assert_eq!(hidden, missing, "{there}: hidden looks missing");
    }
    let csrf = other.csrf().await;
    let (status, _) = other.post(&format!("/hazards/{hazard}/act"), &[("action", "grant"), ("csrf", csrf.as_str())]).await;
    assert_eq!(status, 404, "an action on a hidden hazard");
}

async fn sessions_are_guarded(server: TestServer) {
    with_password(&server, "sup-1").await;
    let mut b = Browser::new(&server);
    for _ in 0..5 {
        assert_eq!(b.sign_in("sup-1", "not the password").await.0, 401);
    }
    assert_eq!(b.sign_in("sup-1", PASSWORD).await.0, 429, "locked after five failures, even with the right password");
    assert_eq!(b.sign_in("nobody", PASSWORD).await.0, 401, "an unknown user answers as a wrong password");
    // Another user is not locked out by sup-1's failures.
    with_password(&server, "insp-1").await;
    assert_eq!(b.sign_in("insp-1", PASSWORD).await.0, 303);
    let listed = redline_admin::sessions::list(server.state.storage.as_ref(), "insp-1").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].revoked, "live");
    // Logout needs the token, then ends the session for good.
    assert_eq!(b.post("/logout", &[("csrf", "forged")]).await.0, 403);
    let csrf = b.csrf().await;
    assert_eq!(b.post("/logout", &[("csrf", csrf.as_str())]).await, (303, "/login".to_string()));
    assert_eq!(b.get("/").await, (303, "/login".to_string()));
    assert!(redline_admin::sessions::list(server.state.storage.as_ref(), "insp-1").await.unwrap()[0].revoked, "revoked");
    // A new password ends every session of the user.
    b.sign_in("insp-1", PASSWORD).await;
    assert_eq!(b.get("/").await.0, 200);
    redline_admin::sessions::set_password(server.state.storage.as_ref(), "insp-1", "another long password").await.unwrap();
    assert_eq!(b.get("/").await.0, 303);
    assert!(redline_admin::sessions::set_password(server.state.storage.as_ref(), "insp-1", "short").await.is_err());
}
