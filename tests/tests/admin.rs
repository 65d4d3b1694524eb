//! Administration over the API and as functions the CLI uses: users with
//! role and scope, device tokens (hashed, revocable), sites from CSV with a
//! clear error naming the bad line, template versions that never change
//! once published — and none of it open to anyone but an admin.

use redline_admin::{import_sites_csv, publish_template};
use redline_tests::{Backend, TestServer};
use serde_json::json;

async fn post(http: &reqwest::Client, url: String, token: &str, body: String) -> (u16, String) {
    let r = http.post(url).bearer_auth(token).header("content-type", "application/json").body(body).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_api_manages_users_devices_and_sites() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.device("admin").await;
    let inspector = server.device("insp-1").await;
    let http = reqwest::Client::new();

    let user = json!({"id": "asst-c", "name": "陈安全员", "role": "community_assistant", "scope": {"areas": ["zj/hz/xh/c"], "sites": []}});
    let (status, _) = post(&http, format!("{}/v1/admin/users", server.url), &inspector.token, user.to_string()).await;
    assert_eq!(status, 403, "only admins administer");
    let (status, _) = post(&http, format!("{}/v1/admin/users", server.url), &admin.token, user.to_string()).await;
    assert_eq!(status, 200);
    let site = json!({"id": "site-c1", "name": "文三路小餐馆", "address": "文三路 3 号", "area": "zj/hz/xh/c", "categories": ["food"]});
    assert_eq!(post(&http, format!("{}/v1/admin/sites", server.url), &admin.token, site.to_string()).await.0, 200);

    let (status, body) =
        post(&http, format!("{}/v1/admin/devices", server.url), &admin.token, json!({"user_id": "asst-c"}).to_string()).await;
    assert_eq!(status, 200);
    let issued: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = issued["token"].as_str().unwrap().to_string();
    let device = issued["device_id"].as_str().unwrap().to_string();
    // The token itself is never stored, only its hash.
    assert!(server.state.storage.principal(&token, i64::MAX / 2).await.unwrap().is_none());
    let health = |t: String| {
        let http = http.clone();
        let url = format!("{}/v1/blobs/{}/upload", server.url, "0".repeat(64));
        async move { http.get(url).bearer_auth(t).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(health(token.clone()).await, 200, "the new token works");
    assert_eq!(post(&http, format!("{}/v1/admin/devices/{device}/revoke", server.url), &admin.token, String::new()).await.0, 200);
    assert_eq!(health(token).await, 403, "a revoked token is refused, and told so");
    assert_eq!(post(&http, format!("{}/v1/admin/devices/nope/revoke", server.url), &admin.token, String::new()).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_import_checks_every_line_before_writing() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let storage = server.state.storage.as_ref();
    let good = "id,name,address,area,categories,lat,lon,contact_name,contact_phone\n\
                s-10,之江烟花店,之江路1号,zj/hz/xh/a,fireworks_retail,30.1,120.1,刘老板,13900000000\n\
                s-11,转塘锅炉房,转塘2号,zj/hz/xh/a,special_equipment;food,,,,\n";
    assert_eq!(import_sites_csv(storage, good).await.unwrap(), 2);
    let site = storage.site("s-11").await.unwrap().unwrap();
    assert_eq!(site.categories.len(), 2);
    assert!(site.location.is_none());

    let bad = "id,name,address,area,categories,lat,lon,contact_name,contact_phone\n\
               s-20,好的一行,路1号,zj/hz/xh/a,food,30.1,120.1,,\n\
               s-21,坏的一行,路2号,zj/hz/xh/a,rockets,30.1,120.1,,\n";
    let err = import_sites_csv(storage, bad).await.unwrap_err().to_string();
    assert!(err.contains("line 3") && err.contains("rockets"), "{err}");
    assert!(storage.site("s-20").await.unwrap().is_none(), "nothing written when a line is bad");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_templates_reach_devices_and_never_change() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let builtin = redline_device::template::builtin_template("food_safety").unwrap();
    let mut v2 = serde_json::to_value(builtin).unwrap();
    v2["version"] = json!(2);
    v2["title"]["zh"] = json!("餐饮服务食品安全检查（2027版）");
    let text = v2.to_string();
    publish_template(server.state.storage.as_ref(), &text).await.unwrap();
    let again = publish_template(server.state.storage.as_ref(), &text).await.unwrap_err();
    assert!(again.to_string().contains("already published"), "{again}");
    let broken = text.replace("\"pass_fail\"", "\"yes_no\"");
    assert!(publish_template(server.state.storage.as_ref(), &broken).await.is_err());

    let phone = server.device("insp-1").await;
    phone.sync().await;
    let t = phone.store.template("food_safety", None).unwrap();
    assert_eq!(t.version, 2);
    assert_eq!(t.title.zh, "餐饮服务食品安全检查（2027版）");
    assert_eq!(phone.store.template("food_safety", Some(1)).unwrap().version, 1, "old versions stay for old inspections");
}
