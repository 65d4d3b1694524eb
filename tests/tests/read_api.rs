//! The supervisors' JSON API over the read models, on both backends: what
//! phones sync is listed, filtered, searched (Chinese too), detailed and
//! exported; a supervisor of another district, or an assistant of another
//! community, finds none of it and gets the same "not found" as for an id
//! that never existed; bad filters (a NUL byte too) and missing tokens get
//! typed JSON errors, and the OpenAPI document states the filters' rules.

use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, ListingLevel};
use redline_device::inspection::*;
use redline_device::store::PhotoMeta;
use redline_device::time::Date;
use redline_read_models::Reader;
use redline_read_models::filter::HazardParams;
use redline_storage::Scope;
use redline_tests::{TestServer, on_both_backends, pass_all};
use serde_json::Value;

on_both_backends!(supervisors_read_what_phones_sent);
on_both_backends!(out_of_scope_looks_missing);
on_both_backends!(bad_requests_get_typed_json_errors);
on_both_backends!(nul_bytes_are_refused_or_missing);

struct Api {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn for_user(server: &TestServer, user: &str) -> Api {
        let t = redline_admin::register_device(server.state.storage.as_ref(), user).await.expect("token");
        Api { url: server.url.clone(), token: t.token, http: reqwest::Client::new() }
    }

    async fn raw(&self, path: &str) -> (u16, String, Vec<u8>) {
        let r = self.http.get(format!("{}{path}", self.url)).bearer_auth(&self.token).send().await.expect("request");
        let status = r.status().as_u16();
        let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (status, ct, r.bytes().await.expect("body").to_vec())
    }

    async fn json(&self, path: &str) -> Value {
        let (status, ct, body) = self.raw(path).await;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        assert_eq!(ct, "application/json", "{path}");
        serde_json::from_slice(&body).expect("json")
    }
}

/// An enforcement inspection at site-a1 with a failed item, a finding
/// (Chinese text), a photo, submitted: one hazard. Returns (inspection id,
/// hazard id).
async fn inspected(server: &TestServer) -> (String, String, String) {
    let insp = server.device("insp-1").await;
    insp.sync().await;
    let i = insp.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    pass_all(&insp.store, &i.id, &["H20"]);
    insp.store.answer(&i.id, "H20", AnswerValue::Fail, Some("氧化剂与可燃物同库存放".into())).unwrap();
    let f = insp
        .store
        .add_finding(
            &i.id,
            NewFinding {
                item_id: Some("H20".into()),
                description: "禁配物混存，未分区隔离".into(),
                grade: Grade::General,
                location: None,
                deadline: Some(Date::today().add_days(7)),
                responsible: Some("仓库主管".into()),
            },
        )
        .unwrap();
    insp.store.attach_photo(&i.id, PhotoOwner::Finding(f.clone()), b"mixed storage", PhotoMeta::default()).unwrap();
    insp.store.submit(&i.id).unwrap();
    let report = insp.sync().await;
    assert!(report.rejected.is_empty(), "{report:?}");
    (i.id, f, insp.device_id())
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

async fn supervisors_read_what_phones_sent(server: TestServer) {
    let (inspection, hazard, device) = inspected(&server).await;
    let sup = Api::for_user(&server, "sup-1").await;

    let page = sup.json("/api/v1/inspections").await;
    assert_eq!(ids(&page), vec![inspection.clone()]);
    let row = &page["items"][0];
    assert_eq!(row["site_name"], "转塘化工仓库");
    assert_eq!(row["status"], "submitted");
    assert_eq!(row["kind"], "enforcement");
    assert_eq!(row["failed"], 1);
    assert_eq!(row["findings"], 1);
    assert!(row["outcome"].is_string(), "scored with the built-in checklist: {row}");
    assert!(page["next"].is_null());

    // Filters and Chinese search.
    assert_eq!(ids(&sup.json("/api/v1/inspections?kind=enforcement&area=zj/hz/xh/a").await), vec![inspection.clone()]);
    assert!(ids(&sup.json("/api/v1/inspections?kind=routine_patrol").await).is_empty());
    assert!(ids(&sup.json("/api/v1/inspections?area=zj/hz/xh/b").await).is_empty());
    assert_eq!(ids(&sup.json("/api/v1/inspections?q=禁配物").await), vec![inspection.clone()]);
    assert_eq!(ids(&sup.json("/api/v1/inspections?q=可燃物同库").await), vec![inspection.clone()], "answer notes are searched");
    assert!(ids(&sup.json("/api/v1/inspections?q=锅炉").await).is_empty());
    assert_eq!(ids(&sup.json("/api/v1/inspections?inspector=insp-1").await), vec![inspection.clone()]);
    assert!(ids(&sup.json("/api/v1/inspections?inspector=insp-2").await).is_empty());
    let today = Date::today();
    let window = format!("/api/v1/inspections?from={}&to={}", today.add_days(-1), today);
    assert_eq!(ids(&sup.json(&window).await), vec![inspection.clone()]);
    let before = format!("/api/v1/inspections?to={}", today.add_days(-2));
    assert!(ids(&sup.json(&before).await).is_empty());

    // One inspection, whole.
    let detail = sup.json(&format!("/api/v1/inspections/{inspection}")).await;
    let h20 = detail["answers"].as_array().unwrap().iter().find(|a| a["item_id"] == "H20").expect("H20");
    assert_eq!(h20["result"], "failed");
    assert_eq!(h20["note"], "氧化剂与可燃物同库存放");
    assert_eq!(detail["findings"][0]["description"], "禁配物混存，未分区隔离");
    assert_eq!(detail["photos"].as_array().unwrap().len(), 1);
    assert_eq!(detail["hazards"][0]["id"], hazard.as_str());
    let history = detail["history"].as_array().unwrap();
    assert!(!history.is_empty() && history.iter().all(|c| c["device_id"] == device.as_str()), "{history:?}");
    assert!(history.iter().all(|c| c["user_name"] == "insp-1-名"));

    // Hazards: list, filters, detail with its timeline.
    // H20 is a major-hazard item: the hazard is graded major on submit.
    let hazards = sup.json("/api/v1/hazards?open=true&grade=major").await;
    assert_eq!(ids(&hazards), vec![hazard.clone()]);
    assert_eq!(hazards["items"][0]["state"], "ordered");
    assert_eq!(hazards["items"][0]["overdue"], false);
    assert!(ids(&sup.json("/api/v1/hazards?grade=general").await).is_empty());
    assert!(ids(&sup.json("/api/v1/hazards?overdue=true").await).is_empty());
    assert_eq!(ids(&sup.json("/api/v1/hazards?kind=enforcement&q=禁配").await), vec![hazard.clone()]);
    // The supervisor lists it on the phone; the API shows the transition.
    let phone = server.device("sup-1").await;
    phone.sync().await;
    phone.store.transition(&hazard, Action::List { level: ListingLevel::County }, "县级挂牌督办", &[]).unwrap();
    phone.sync().await;
    let h = sup.json(&format!("/api/v1/hazards/{hazard}")).await;
    assert_eq!(h["hazard"]["responsible"], "仓库主管");
    assert_eq!(h["hazard"]["listed"], "county");
    assert_eq!(h["timeline"][0]["action"], "list");
    assert_eq!(h["timeline"][0]["note"], "县级挂牌督办");
    assert_eq!(ids(&sup.json("/api/v1/hazards?listed=county").await), vec![hazard.clone()]);
    assert!(ids(&sup.json("/api/v1/hazards?listed=province").await).is_empty());

    // Overdue is asked of the day, never stored: eight days on, it is.
    let later = Reader {
        storage: server.state.storage.as_ref(),
        scope: &Scope { areas: vec!["zj/hz/xh".into()], sites: vec![] },
        today: today.add_days(8),
    };
    let overdue = later.hazards(&HazardParams { overdue: Some(true), ..Default::default() }.parse().unwrap()).await.unwrap();
    assert_eq!(overdue.items.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), vec![hazard.clone()]);
    assert!(overdue.items[0].overdue);

    // Overview, sites, people.
    let o = sup.json("/api/v1/overview").await;
    assert_eq!(o["inspections"], 1);
    assert_eq!(o["inspections_by_kind"][0], serde_json::json!({"key": "enforcement", "count": 1}));
    assert_eq!(o["open_by_grade"][0], serde_json::json!({"key": "major", "count": 1}));
    assert_eq!(o["open_by_age"][0], serde_json::json!({"key": "0-7", "count": 1}));
    assert_eq!(o["overdue"], 0);
    assert_eq!(o["listed"], 1);
    let sites = sup.json("/api/v1/sites").await;
    let a1 = sites.as_array().unwrap().iter().find(|s| s["id"] == "site-a1").unwrap();
    assert_eq!(a1["open_hazards"], 1);
    assert!(a1["last_inspected"].is_i64());
    let people = sup.json("/api/v1/people").await;
    assert!(people.as_array().unwrap().iter().any(|p| p["user_id"] == "insp-1"), "{people}");

    // Exports: CSV with a byte-order mark, headers in either language.
    let (status, ct, csv) = sup.raw("/api/v1/export/inspections.csv").await;
    assert_eq!((status, ct.as_str()), (200, "text/csv; charset=utf-8"));
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("\u{feff}检查编号,"), "{text}");
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains("转塘化工仓库"));
    let (_, _, answers) = sup.raw("/api/v1/export/answers.csv?lang=en").await;
    let answers = String::from_utf8(answers).unwrap();
    assert!(answers.starts_with("\u{feff}inspection id,site,"));
    assert_eq!(answers.lines().count(), 1 + detail["answers"].as_array().unwrap().len());
    let (_, _, findings) = sup.raw("/api/v1/export/findings.csv?q=禁配").await;
    assert_eq!(String::from_utf8(findings).unwrap().lines().count(), 2);
    let (status, ct, xlsx) = sup.raw("/api/v1/export/hazards.xlsx?open=true").await;
    assert_eq!(status, 200);
    assert_eq!(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(xlsx.starts_with(b"PK"), "a zip container");

    // The OpenAPI document describes all of it.
    let doc: Value = serde_json::from_slice(&sup.raw("/api/v1/openapi.json").await.2).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in ["/api/v1/inspections", "/api/v1/hazards/{id}", "/api/v1/overview", "/api/v1/export/hazards.{format}"] {
        assert!(doc["paths"][p].is_object(), "{p}");
    }
    // Parameters carry the parser's rules, inline (no dangling `$ref`).
    let param = |path: &str, name: &str| -> Value {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap_or_else(|| panic!("{path}"));
        params.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{path} {name}"))["schema"].clone()
    };
    assert_eq!(param("/api/v1/export/answers.{format}", "lang")["enum"], serde_json::json!(["zh", "en"]));
    assert_eq!(param("/api/v1/hazards", "q")["maxLength"], 100);
    assert!(param("/api/v1/overview", "from")["pattern"].as_str().unwrap().contains("[0-9]{2}"));
    assert_eq!(param("/api/v1/inspections", "limit")["maximum"], 500);
    assert!(param("/api/v1/hazards", "state")["enum"].as_array().unwrap().contains(&"fix_reported".into()));
    assert!(doc["paths"]["/api/v1/inspections/{id}"]["get"]["responses"]["400"].is_object());
}

async fn out_of_scope_looks_missing(server: TestServer) {
    let (inspection, hazard, _) = inspected(&server).await;
    redline_tests::far_supervisor(server.state.storage.as_ref()).await;
    for user in ["sup-far", "asst-b"] {
        let api = Api::for_user(&server, user).await;
        assert!(ids(&api.json("/api/v1/inspections").await).is_empty(), "{user}");
        assert!(ids(&api.json("/api/v1/hazards?site=site-a1&q=禁配").await).is_empty(), "{user}");
        assert_eq!(api.json("/api/v1/overview").await["inspections"], 0, "{user}");
        assert!(!api.json("/api/v1/sites").await.as_array().unwrap().iter().any(|s| s["id"] == "site-a1"), "{user}");
        for (there, never) in [
            (format!("/api/v1/inspections/{inspection}"), "/api/v1/inspections/no-such-inspection".to_string()),
            (format!("/api/v1/hazards/{hazard}"), "/api/v1/hazards/no-such-hazard".to_string()),
        ] {
            let hidden = api.raw(&there).await;
            let missing = api.raw(&never).await;
            assert_eq!(hidden.0, 404, "{user} {there}");
            assert_eq!(hidden, missing, "{user}: hidden and missing answer alike");
        }
        let (_, _, csv) = api.raw("/api/v1/export/hazards.csv").await;
        assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 1, "{user}: the header only");
    }
}

async fn bad_requests_get_typed_json_errors(server: TestServer) {
    let sup = Api::for_user(&server, "sup-1").await;
    for (path, field) in [
        ("/api/v1/inspections?kind=picnic", "kind"),
        ("/api/v1/hazards?from=2026-02-30", "from"),
        ("/api/v1/hazards?after=garbage", "after"),
        ("/api/v1/inspections?limit=100000", "limit"),
        ("/api/v1/overview?from=2026-03-01&to=2026-01-01", "to"),
        ("/api/v1/export/hazards.csv?state=lost", "state"),
        // Only what the document's patterns allow: digits, no sign, no space.
        ("/api/v1/hazards?from=%2B202-01-01", "from"),
        ("/api/v1/overview?to=2026-01-%2B1", "to"),
        ("/api/v1/inspections?after=%201~x", "after"),
        ("/api/v1/inspections?after=%2B1~x", "after"),
        ("/api/v1/hazards?listed=%20any", "listed"),
        // At most 100 characters as sent, spaces included.
        (&format!("/api/v1/hazards?q={}x", "%20".repeat(100)), "q"),
        // A filter of the other list is refused, not ignored.
        ("/api/v1/export/inspections.csv?grade=major", "grade"),
        ("/api/v1/export/findings.xlsx?open=true", "open"),
        ("/api/v1/export/hazards.csv?status=draft", "status"),
    ] {
        let (status, ct, body) = sup.raw(path).await;
        assert_eq!((status, ct.as_str()), (400, "application/json"), "{path}");
        let e: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(e["code"], "bad_request", "{path}");
        assert!(e["message"].as_str().unwrap().starts_with(field), "{path}: {e}");
    }
    // A value of the wrong type is refused by the extractor, still in JSON.
    let (status, ct, body) = sup.raw("/api/v1/hazards?overdue=maybe").await;
    assert_eq!((status, ct.as_str()), (400, "application/json"));
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["code"], "bad_request");
    let (status, _, _) = sup.raw("/api/v1/export/secrets.csv").await;
    assert_eq!(status, 404);
    // An empty filter is one left out, as every schema in the document allows.
    sup.json("/api/v1/hazards?kind=&listed=&grade=&state=&after=&from=&to=&q=").await;
    sup.json("/api/v1/inspections?kind=&status=&after=&from=&to=").await;
    // A path id that is not UTF-8 once decoded: 400, as documented.
    let (status, ct, _) = sup.raw("/api/v1/inspections/%FF").await;
    assert_eq!((status, ct.as_str()), (400, "application/json"));
    let anonymous = reqwest::get(format!("{}/api/v1/hazards", server.url)).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(anonymous.headers()["content-type"], "application/json");
    let e: Value = serde_json::from_slice(&anonymous.bytes().await.unwrap()).unwrap();
    assert_eq!(e["code"], "unauthorized");
}

/// PostgreSQL refuses a NUL in text (it answered 500 once): a filter with
/// one is a 400 naming the field, on lists, the overview and both export
/// formats; a path id with one names nothing, so 404 like a missing id.
async fn nul_bytes_are_refused_or_missing(server: TestServer) {
    let (inspection, hazard, _) = inspected(&server).await;
    let sup = Api::for_user(&server, "sup-1").await;
    for (path, field) in [
        ("/api/v1/inspections?q=%00", "q"),
        ("/api/v1/inspections?area=zj%00", "area"),
        ("/api/v1/inspections?template=%00", "template"),
        ("/api/v1/hazards?site=site-a1%00", "site"),
        ("/api/v1/hazards?inspector=insp-1%00", "inspector"),
        ("/api/v1/hazards?after=1~%00", "after"),
        ("/api/v1/overview?area=%00", "area"),
        ("/api/v1/export/inspections.csv?site=%00", "site"),
        ("/api/v1/export/hazards.xlsx?q=%00", "q"),
    ] {
        let (status, ct, body) = sup.raw(path).await;
        assert_eq!((status, ct.as_str()), (400, "application/json"), "{path}: {}", String::from_utf8_lossy(&body));
        let e: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(e["code"], "bad_request", "{path}");
        assert!(e["message"].as_str().unwrap().starts_with(&format!("{field}: ")), "{path}: {e}");
    }
    let missing = sup.raw("/api/v1/inspections/no-such-inspection").await;
    for path in [format!("/api/v1/inspections/{inspection}%00"), "/api/v1/inspections/%00".into()] {
        let (status, ct, body) = sup.raw(&path).await;
        assert_eq!((status, ct.as_str(), body), (404, "application/json", missing.2.clone()), "{path}");
    }
    let (status, _, _) = sup.raw(&format!("/api/v1/hazards/{hazard}%00")).await;
    assert_eq!(status, 404);
    // The real rows are still there, and so is the server.
    assert_eq!(sup.json(&format!("/api/v1/hazards/{hazard}")).await["hazard"]["id"], hazard.as_str());
}
