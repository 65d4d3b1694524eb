//! Conformance: the sync documents (`docs/protocol.md`, `docs/documents.md`)
//! are enough to write a second client. A Node.js client written only from
//! them (`tests/conformance/client.mjs`) creates an inspection from scratch
//! against a real server; a Rust device of a colleague in the same scope
//! then syncs and must hold exactly what the Node client wrote. The
//! skeleton facts the documents publish are checked against the core here
//! too, so the documents cannot drift from the code.
//!
//! Without `node` or `tests/conformance/node_modules` (`npm ci --prefix
//! tests/conformance`) the Node test is skipped with a message, except under
//! CI, where that is a failure.

use redline_admin::register_device;
use redline_device::doc::{HazardDoc, InspectionDoc};
use redline_device::inspection::AnswerValue;
use redline_device::sync::wire::{self, WhoAmI, WhoAmIScope};
use redline_tests::{Backend, Raw, TestServer, error_body};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// docs/documents.md with all whitespace removed, so hex wrapped over lines
/// reads as one string.
fn documents_md() -> String {
    let text = std::fs::read_to_string(repo_root().join("docs/documents.md")).expect("docs/documents.md");
    text.split_whitespace().collect()
}

#[test]
fn documented_skeletons_are_the_ones_the_core_makes() {
    let docs = documents_md();
    for (kind, mut doc) in
        [("inspection", InspectionDoc::skeleton("").into_automerge()), ("hazard", HazardDoc::skeleton("").into_automerge())]
    {
        let heads = doc.get_heads();
        assert_eq!(heads.len(), 1, "{kind}: one skeleton change");
        let hash = heads[0].to_string();
        let bytes: String = doc.save_after(&[]).iter().map(|b| format!("{b:02x}")).collect();
        assert!(docs.contains(&hash), "docs/documents.md must give the {kind} skeleton hash {hash}");
        assert!(docs.contains(&bytes), "docs/documents.md must give the {kind} skeleton bytes {bytes}");
        let change = doc.get_change_by_hash(&heads[0]).expect("the skeleton change");
        assert_eq!(change.actor_id().to_bytes(), b"redline-skeleton");
        assert_eq!((change.seq(), change.start_op().get(), change.timestamp(), change.message()), (1, 1, 0, None));
        assert_eq!(redline_device::doc::doc_type(&doc).as_deref(), Some(kind));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_tells_a_token_whose_it_is() {
    let server = TestServer::start(Backend::Sqlite).await.expect("a SQLite server");
    let token = register_device(server.state.storage.as_ref(), "asst-a").await.expect("device for asst-a");
    let raw = Raw::new(&server.url);
    let (status, body) = raw.send(reqwest::Method::GET, "/v1/me", &token.token, vec![]).await;
    assert_eq!(status, 200);
    let me: WhoAmI = wire::decode(&body).expect("a WhoAmI");
    assert_eq!(
        (me.device_id.as_str(), me.user_id.as_str(), me.name.as_str(), me.role.as_str()),
        (token.device_id.as_str(), "asst-a", "asst-a-名", "community_assistant")
    );
    assert_eq!(me.scope, WhoAmIScope { areas: vec!["zj/hz/xh/a".into()], sites: vec![] });
    let year = redline_admin::TOKEN_DAYS * 86_400_000;
    let now = redline_device::time::now_millis();
    assert!(me.token_expires_at > now + year - 60_000 && me.token_expires_at <= now + year, "{}", me.token_expires_at);
    let (status, body) = raw.send(reqwest::Method::GET, "/v1/me", "not-a-token", vec![]).await;
    assert_eq!((status, error_body(&body).code.as_str()), (401, "unauthorized"));
}

/// `node`, when it and the client's npm dependencies are installed.
fn node() -> Option<PathBuf> {
    let dir = repo_root().join("tests/conformance");
    let missing = if Command::new("node").arg("--version").output().is_err() {
        Some("`node` is not on PATH".to_string())
    } else if !dir.join("node_modules/@automerge/automerge").is_dir() || !dir.join("node_modules/cbor-x").is_dir() {
        Some(format!("{} has no node_modules (run `npm ci --prefix tests/conformance`)", dir.display()))
    } else {
        None
    };
    match missing {
        None => Some(dir.join("client.mjs")),
        Some(why) if std::env::var_os("CI").is_some() => panic!("the conformance client is required under CI: {why}"),
        Some(why) => {
            eprintln!("skipping: {why}");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_client_creates_an_inspection_a_colleague_reads() {
    let Some(client) = node() else { return };
    let server = TestServer::start(Backend::Sqlite).await.expect("a SQLite server");
    let storage = server.state.storage.as_ref();
    // Templates reach a client only as published reference data. The
    // Node client has no built-in checklists, so the built-in one is stored
    // as if published (the admin tools refuse to publish a built-in version:
    // phones already carry it).
    let template = std::fs::read_to_string(repo_root().join("core/domain/templates/hazardous_chemicals.json")).expect("template");
    let t = redline_domain::template::Template::from_json(&template).expect("a valid template");
    storage.put_template(&t.id, t.version, &template).await.expect("store template");
    let token = register_device(storage, "insp-1").await.expect("device for insp-1");

    let (url, secret) = (server.url.clone(), token.token.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(&client).arg("site-a1").env("REDLINE_URL", url).env("REDLINE_TOKEN", secret).output().expect("run node")
    })
    .await
    .expect("node finished");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the conformance client failed ({}): {stderr}", out.status);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the client's stdout is not JSON ({e}): {:?}", String::from_utf8_lossy(&out.stdout)));
    eprintln!("conformance client wrote: {report}");
    let id = report["inspection_id"].as_str().expect("inspection_id");
    assert_eq!(report["site_id"], "site-a1");
    assert_eq!(report["actor"].as_str(), Some(redline_device::people::actor_for(&token.device_id, "insp-1").to_hex_string().as_str()));

    // The server holds exactly the client's heads.
    let mut stored = server.doc(id).await.expect("the server stored the inspection");
    let mut server_heads: Vec<String> = stored.get_heads().iter().map(|h| h.to_string()).collect();
    server_heads.sort();
    let mut client_heads: Vec<String> =
        report["heads"].as_array().expect("heads").iter().map(|h| h.as_str().expect("hex").to_string()).collect();
    client_heads.sort();
    assert_eq!(server_heads, client_heads);

    // A colleague in the same scope receives it and reads every record.
    let colleague = server.device("insp-2").await;
    colleague.sync().await;
    let i = colleague.store.inspection(id).expect("the colleague holds the inspection");
    assert_eq!(i.header.site_id, "site-a1");
    assert_eq!(i.header.site_name, "转塘化工仓库");
    assert_eq!((i.header.template_id.as_str(), i.header.template_version), ("hazardous_chemicals", 1));
    assert_eq!(report["template_id"], "hazardous_chemicals");
    assert_eq!(i.header.created_by.user_id, "insp-1");
    assert_eq!(i.header.created_by.name, "insp-1-名");
    assert!(i.inspectors.iter().any(|p| p.user_id == "insp-1"));
    assert!(i.conflicts.is_empty(), "{:?}", i.conflicts);

    let written = report["answers"].as_object().expect("answers");
    assert!(written.len() >= 3, "the client writes a few answers: {written:?}");
    assert_eq!(i.answers.len(), written.len());
    for (item, value) in written {
        let a = i.answers.get(item).unwrap_or_else(|| panic!("answer {item} arrived"));
        // Compared as answer values: JSON `0` and Rust's `0.0` are one reading.
        let expected: AnswerValue = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("answer {item} {value}: {e}"));
        assert_eq!(a.value, expected, "answer {item}");
        assert_eq!(a.by.user_id, "insp-1");
    }
    assert!(written.values().any(|v| v["type"] == "fail"));

    assert_eq!(i.findings.len(), 1);
    let f = i.findings.values().next().unwrap();
    let expected = &report["finding"];
    assert_eq!(f.id, expected["id"].as_str().unwrap());
    assert_eq!(f.item_id.as_deref(), expected["item_id"].as_str());
    assert_eq!(f.description, expected["description"].as_str().unwrap());
    assert_eq!(serde_json::to_value(f.grade).unwrap(), expected["grade"]);
    assert_eq!(f.deadline.map(|d| d.to_string()).as_deref(), expected["deadline"].as_str());
    assert_eq!(f.responsible.as_deref(), Some("现场负责人"));
    assert_eq!(f.by.user_id, "insp-1");

    // The core scores it like one of its own: the failed item has its finding.
    let summary = colleague.store.summary(id).expect("summary");
    assert_eq!(summary.answered as usize, written.len());
    assert_eq!(summary.failed, 1);
    assert!(summary.failed_without_finding.is_empty(), "{:?}", summary.failed_without_finding);
}

/// Every one-line JSON example in docs/documents.md decodes into its Rust
/// record and is exactly the text the core writes for it.
#[test]
fn documented_record_examples_are_what_the_core_writes() {
    use redline_device::hazard::Transition;
    use redline_device::inspection::{Answer, InspectionHeader};
    let text = std::fs::read_to_string(repo_root().join("docs/documents.md")).expect("docs/documents.md");
    let mut in_json = false;
    let mut seen = 0;
    for line in text.lines() {
        match line.trim() {
            "```json" => in_json = true,
            "```" => in_json = false,
            example if in_json => {
                let rewritten = if example.starts_with(r#"{"site_id""#) {
                    serde_json::to_string(&serde_json::from_str::<InspectionHeader>(example).expect(example))
                } else if example.starts_with(r#"{"value""#) {
                    serde_json::to_string(&serde_json::from_str::<Answer>(example).expect(example))
                } else {
                    serde_json::to_string(&serde_json::from_str::<Transition>(example).expect(example))
                };
                assert_eq!(rewritten.unwrap(), example);
                seen += 1;
            }
            _ => {}
        }
    }
    assert_eq!(seen, 4, "the header, two answers and a transition");
}
