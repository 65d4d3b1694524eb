//! The dashboard's admin pages over HTTP, on both backends: an admin adds a
//! user who then signs in, changes role and scope, sets a password (which
//! ends the user's sessions) and revokes sessions; issues a device token
//! shown once with its enrolment QR code, with which a real device store
//! enrols and syncs, then revokes it and sync refuses it; imports sites from
//! CSV (a bad row names its line and field and imports nothing) and
//! publishes templates (a bad item is named and nothing is stored). Every
//! form refuses a post without the session's CSRF token, and a supervisor
//! finds no admin page: the same "not found" as a page that never existed.

use redline_device::people::{Identity, Role};
use redline_device::store::Store;
use redline_device::sync::client::SyncClient;
use redline_device::sync::wire::{self, WhoAmI};
use redline_tests::web::{Browser, PASSWORD, hidden_values, with_password};
use redline_tests::{TestServer, on_both_backends};
use tokio_util::sync::CancellationToken;

on_both_backends!(an_admin_manages_users_and_their_sessions);
on_both_backends!(a_device_token_is_shown_once_enrols_a_phone_and_is_revoked);
on_both_backends!(sites_and_templates_are_imported_whole_or_not_at_all);

const ADMIN_POSTS: &[&str] = &[
    "/admin/users",
    "/admin/users/insp-1",
    "/admin/users/insp-1/password",
    "/admin/users/insp-1/sessions/revoke",
    "/admin/users/insp-1/devices",
    "/admin/users/insp-1/devices/revoke",
];
const ADMIN_PAGES: &[&str] = &["/admin", "/admin/users", "/admin/users/admin", "/admin/sites", "/admin/templates"];

async fn an_admin_manages_users_and_their_sessions(server: TestServer) {
    with_password(&server, "admin").await;
    with_password(&server, "sup-1").await;
    let admin = Browser::signed_in(&server, "admin").await;
    let (status, page) = admin.get("/admin/users").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"nav-admin\"") && page.contains("用户与权限") && page.contains("sup-1-名"), "{page}");
    assert_eq!(admin.get("/admin").await, (303, "/admin/users".to_string()));
    let csrf = admin.csrf().await;

    // A supervisor sees no admin link and finds no admin page, nor can post to one.
    let sup = Browser::signed_in(&server, "sup-1").await;
    assert!(!sup.get("/").await.1.contains("nav-admin"));
    let missing = sup.get("/no/such/page").await;
    assert_eq!(missing.0, 404);
    for path in ADMIN_PAGES {
        assert_eq!(sup.get(path).await, missing, "{path} looks missing to a supervisor");
    }
    let sup_csrf = sup.csrf().await;
    for path in ADMIN_POSTS {
        assert_eq!(sup.post(path, &[("csrf", sup_csrf.as_str()), ("name", "x"), ("role", "admin")]).await, missing, "{path}");
    }
    // Every admin form refuses a post without the session's token.
    for path in ADMIN_POSTS {
        assert_eq!(admin.post(path, &[("name", "x"), ("role", "inspector"), ("password", "long enough password")]).await.0, 403, "{path}");
    }
    for path in ["/admin/sites/import", "/admin/templates"] {
        assert_eq!(admin.post_multipart(path, &[("text", "id,name,area\ns,n,a\n")], None).await.0, 403, "{path}");
    }

    // A new user, with a password, who can then sign in.
    let new = [
        ("csrf", csrf.as_str()),
        ("id", "insp-3"),
        ("name", "赵检查员"),
        ("role", "inspector"),
        ("areas", "zj/hz/xh/a\nzj/hz/xh/b"),
        ("password", "a long password 1"),
    ];
    assert_eq!(admin.post("/admin/users", &new).await, (303, "/admin/users/insp-3?done=created".to_string()));
    let (status, again) = admin.post("/admin/users", &new).await;
    assert_eq!(status, 400);
    assert!(again.contains("用户已存在") && again.contains("value=\"insp-3\""), "refused, with what was typed");
    let short = [("csrf", csrf.as_str()), ("id", "insp-4"), ("name", "钱"), ("role", "inspector"), ("password", "short")];
    assert!(admin.post("/admin/users", &short).await.1.contains("密码至少需要 10 个字符"));
    assert!(redline_admin::users::user(server.state.storage.as_ref(), "insp-4").await.unwrap().is_none());
    let mut zhao = Browser::new(&server);
    assert_eq!(zhao.sign_in("insp-3", "a long password 1").await.0, 303);
    assert_eq!(zhao.get("/").await.0, 200);
    assert!(!zhao.get("/").await.1.contains("nav-admin"));

    // Role and scope change; the admin keeps their own role.
    let page = admin.get("/admin/users/insp-3?done=created").await.1;
    assert!(page.contains("用户已新增") && page.contains("zj/hz/xh/a\nzj/hz/xh/b"), "{page}");
    let promote = [("csrf", csrf.as_str()), ("name", "赵督查"), ("role", "supervisor"), ("areas", "zj/hz/xh")];
    assert_eq!(admin.post("/admin/users/insp-3", &promote).await, (303, "/admin/users/insp-3?done=saved".to_string()));
    let stored = redline_admin::users::user(server.state.storage.as_ref(), "insp-3").await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.role, stored.scope.areas.clone()), ("赵督查", Role::Supervisor, vec!["zj/hz/xh".to_string()]));
    let demote_self = [("csrf", csrf.as_str()), ("name", "管理员"), ("role", "inspector"), ("all", "on")];
    let (status, refused) = admin.post("/admin/users/admin", &demote_self).await;
    assert_eq!(status, 400);
    assert!(refused.contains("不能取消自己的管理员角色"));
    assert_eq!(admin.get("/admin/users/no-such-user").await, missing, "an unknown user is not found");

    // The user's sessions are listed and revoked one by one.
    let page = admin.get("/admin/users/insp-3").await.1;
    let keys = hidden_values(&page, "session");
    assert_eq!(keys.len(), 1, "{page}");
    let revoke = [("csrf", csrf.as_str()), ("session", keys[0].as_str())];
    assert_eq!(admin.post("/admin/users/insp-3/sessions/revoke", &revoke).await.0, 303);
    assert_eq!(zhao.get("/").await, (303, "/login".to_string()), "the revoked session is over");

    // A new password ends every session; a short one is refused.
    zhao.sign_in("insp-3", "a long password 1").await;
    assert_eq!(zhao.get("/").await.0, 200);
    let (status, page) = admin.post("/admin/users/insp-3/password", &[("csrf", csrf.as_str()), ("password", "short")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("密码至少需要 10 个字符"));
    assert_eq!(zhao.get("/").await.0, 200, "a refused password changes nothing");
    let set = [("csrf", csrf.as_str()), ("password", PASSWORD)];
    assert_eq!(admin.post("/admin/users/insp-3/password", &set).await, (303, "/admin/users/insp-3?done=password".to_string()));
    assert_eq!(zhao.get("/").await, (303, "/login".to_string()));
    assert_eq!(zhao.sign_in("insp-3", PASSWORD).await.0, 303);
    let listed = redline_admin::sessions::list(server.state.storage.as_ref(), "insp-3").await.unwrap();
    assert_eq!(listed.iter().filter(|s| !s.revoked).count(), 1);

    // English on request, every label translated.
    let mut en = admin;
    en.lang = "en";
    let page = en.get("/admin/users/insp-3").await.1;
    assert!(page.contains("Role and scope") && page.contains("Issue a device token") && !page.contains("用户与权限"), "{page}");
}

/// The identity a phone learns from its token, as an enrolling app does.
async fn enrol(url: &str, token: &str) -> (Identity, u16) {
    let r = reqwest::Client::new().get(format!("{url}/v1/me")).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    let me: WhoAmI = wire::decode(&r.bytes().await.unwrap()).expect("who am I");
    (Identity { user_id: me.user_id, name: me.name, role: Role::parse(&me.role).unwrap(), device_id: me.device_id }, status)
}

async fn a_device_token_is_shown_once_enrols_a_phone_and_is_revoked(server: TestServer) {
    with_password(&server, "admin").await;
    let admin = Browser::signed_in(&server, "admin").await;
    let csrf = admin.csrf().await;
    let r = admin.http.post(format!("{}/admin/users/insp-2/devices", server.url)).header("cookie", admin.cookies());
    let r = r.header("content-type", "application/x-www-form-urlencoded").body(format!("csrf={csrf}")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store", "the page with the token is not cached");
    let page = r.text().await.unwrap();
    let at = page.find("id=\"token\">").expect("the token is shown") + 11;
    let token = page[at..at + 64].to_string();
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    assert!(page.contains("<svg") && page.contains("令牌只显示这一次"), "the QR code, inline");
    let at = page.find("id=\"uri\">").unwrap() + 9;
    let uri = redline_tests::web::unescape(&page[at..at + page[at..].find('<').unwrap()]);
    assert_eq!(redline_web::enrol::parse(&uri), Some((server.url.clone(), token.clone())), "{uri}");

    // The list shows the device, never the token again.
    let user_page = admin.get("/admin/users/insp-2").await.1;
    assert!(!user_page.contains(&token), "shown once");
    let devices = hidden_values(&user_page, "device");
    assert_eq!(devices.len(), 1);

    // A phone enrols with what the QR code holds, and syncs.
    let (server_url, token) = redline_web::enrol::parse(&uri).unwrap();
    let (identity, status) = enrol(&server_url, &token).await;
    assert_eq!((status, identity.user_id.as_str(), identity.device_id.as_str()), (200, "insp-2", devices[0].as_str()));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("phone.db"), identity).unwrap();
    let client = SyncClient::new(&server_url, &token).unwrap();
    client.sync(&store, &CancellationToken::new(), None).await.expect("the new token syncs");
    assert!(!store.sites("", 10).unwrap().is_empty(), "reference data arrived");
    let i = redline_tests::passed_inspection(&store, "site-a1");
    client.sync(&store, &CancellationToken::new(), None).await.unwrap();
    assert!(server.state.storage.document(&i).await.unwrap().is_some(), "and its work reached the server");

    // Revoked, the token syncs no more.
    let revoke = [("csrf", csrf.as_str()), ("device", devices[0].as_str())];
    assert_eq!(
        admin.post("/admin/users/insp-2/devices/revoke", &revoke).await,
        (303, "/admin/users/insp-2?done=device_revoked".to_string())
    );
    assert!(client.sync(&store, &CancellationToken::new(), None).await.is_err(), "sync refuses a revoked token");
    assert!(admin.get("/admin/users/insp-2").await.1.contains("已吊销"));
    // A device of another user is not revoked through this user's page.
    let other = server.device("insp-1").await;
    let other_id = other.device_id();
    let wrong = [("csrf", csrf.as_str()), ("device", other_id.as_str())];
    assert_eq!(admin.post("/admin/users/insp-2/devices/revoke", &wrong).await.0, 404);
    other.sync().await;
}

async fn sites_and_templates_are_imported_whole_or_not_at_all(server: TestServer) {
    with_password(&server, "admin").await;
    let admin = Browser::signed_in(&server, "admin").await;
    let csrf = admin.csrf().await;
    let storage = server.state.storage.as_ref();

    // UTF-8 with a byte-order mark, Chinese names, columns in any order.
    let good = "\u{feff}id,name,area,categories,lat,lon,address\n\
                c-1,文三路小餐馆,zj/hz/xh/c,food,30.28,120.12,文三路 3 号\n\
                c-2,\"之江烟花店, 东门\",zj/hz/xh/c,fireworks_retail,,,之江路 1 号\n";
    let (status, to) = admin.post_multipart("/admin/sites/import", &[("csrf", csrf.as_str())], Some(("file", good.as_bytes()))).await;
    assert_eq!((status, to.as_str()), (303, "/admin/sites?done=imported&n=2"));
    assert_eq!(storage.site("c-2").await.unwrap().unwrap().name, "之江烟花店, 东门");
    let page = admin.get(&to).await.1;
    assert!(page.contains("场所已导入: 2") && page.contains("文三路小餐馆") && page.contains("餐饮食品"), "{page}");

    let bad = "id,name,area,categories\nc-3,新店,zj/hz/xh/c,food\nc-4,坏店,zj/hz/xh/c,rockets\nc-5,,zj/hz/xh/c,food\n";
    let (status, page) = admin.post_multipart("/admin/sites/import", &[("csrf", csrf.as_str()), ("text", bad)], None).await;
    assert_eq!(status, 400);
    assert!(page.contains("行 3 · 字段 categories: 未知类别 &#34;rockets&#34;"), "{page}");
    assert!(page.contains("行 4 · 字段 name: 必填"), "{page}");
    assert!(storage.site("c-3").await.unwrap().is_none(), "the good row is not imported either");
    let gbk = b"id,name,area\nc-6,\xce\xc4\xc8\xfd,zj/hz/xh/c\n";
    let (status, page) = admin.post_multipart("/admin/sites/import", &[("csrf", csrf.as_str())], Some(("file", gbk))).await;
    assert_eq!(status, 400);
    assert!(page.contains("文件不是 UTF-8 编码"));

    // Templates: built-in and published versions, a new one, a bad one.
    let page = admin.get("/admin/templates").await.1;
    assert!(page.contains("food_safety") && page.contains("内置"));
    let mut v2 = serde_json::to_value(redline_device::template::builtin_template("food_safety").unwrap()).unwrap();
    v2["version"] = 2.into();
    let (status, to) = admin.post_multipart("/admin/templates", &[("csrf", csrf.as_str()), ("text", &v2.to_string())], None).await;
    assert_eq!((status, to.as_str()), (303, "/admin/templates?done=published"));
    let page = admin.get(&to).await.1;
    assert!(page.contains("v2") && page.contains("本服务器发布"), "{page}");
    let mut v3 = v2.clone();
    v3["version"] = 3.into();
    let item = v3["sections"][0]["items"][1]["id"].as_str().unwrap().to_string();
    v3["sections"][0]["items"][1]["basis"] = serde_json::json!({"zh": "", "en": ""});
    let body = v3.to_string();
    let (status, page) = admin.post_multipart("/admin/templates", &[("csrf", csrf.as_str())], Some(("file", body.as_bytes()))).await;
    assert_eq!(status, 400);
    assert!(page.contains(&format!("检查项 {item} · 字段 basis")), "{page}");
    assert_eq!(storage.templates().await.unwrap().len(), 1, "the bad version is not stored");
    let (status, page) = admin.post_multipart("/admin/templates", &[("csrf", csrf.as_str()), ("text", &v2.to_string())], None).await;
    assert!(status == 400 && page.contains("该版本已存在: food_safety v2"), "{page}");

    // A phone receives both with its next sync.
    let phone = server.device("insp-1").await;
    phone.sync().await;
    assert_eq!(phone.store.template("food_safety", None).unwrap().version, 2);
    assert_eq!(phone.store.site("c-1").unwrap().name, "文三路小餐馆");
}
