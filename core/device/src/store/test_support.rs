//! For the store's unit tests only: a hook that pauses a sync apply just
//! before its commit (so a test can prove what other threads can do
//! meanwhile without guessing at timings), and builders for stores,
//! identities and documents made on another phone.

use super::Store;
use crate::doc::InspectionDoc;
use crate::inspection::AnswerValue;
use crate::inspection::{InspectionHeader, InspectionKind};
use crate::people::{Identity, Person, Role};
use crate::site::Site;
use crate::store::PendingUpload;
use crate::sync::wire::{DocData, DocUpload, SyncResponse, UploadResult, UploadStatus, heads_to_hex};
use automerge::ChangeHash;
use std::path::Path;
use std::sync::Mutex;

pub const TEMPLATE: &str = "hazardous_chemicals";

type Hook = Box<dyn FnOnce() + Send>;

/// Hooks a test sets on a store.
#[derive(Default)]
pub struct Hooks {
    before_sync_commit: Mutex<Option<Hook>>,
}

impl Hooks {
    /// Runs (once) the hook set for the next sync commit, holding the
    /// writer with the apply's transaction written but not committed.
    pub fn before_sync_commit(&self) {
        let hook = self.before_sync_commit.lock().unwrap().take();
        if let Some(hook) = hook {
            hook();
        }
    }
}

impl Store {
    pub fn on_next_sync_commit(&self, hook: impl FnOnce() + Send + 'static) {
        *self.hooks.before_sync_commit.lock().unwrap() = Some(Box::new(hook));
    }
}

pub fn identity(user: &str) -> Identity {
    Identity { user_id: user.into(), name: format!("{user} 名"), role: Role::Inspector, device_id: uuid::Uuid::new_v4().to_string() }
}

/// A store of `insp-2` with two sites.
pub fn store_in(dir: &Path) -> Store {
    let store = Store::open(dir.join("phone.db"), identity("insp-2")).unwrap();
    let site = |id: &str, name: &str| Site {
        id: id.into(),
        name: name.into(),
        address: "杭州市西湖区文三路 1 号".into(),
        area: "zj/hz/xh/c01".into(),
        categories: vec![],
        location: None,
        contact_name: None,
        contact_phone: None,
        risk: None,
    };
    store.put_sites(&[site("site-1", "西湖化工仓库"), site("site-2", "文三路烟花店")]).unwrap();
    store
}

/// An inspection `insp-1` started on another phone, as the server would
/// send it.
pub fn remote_inspection(site_name: &str) -> InspectionDoc {
    let author = identity("insp-1");
    let t = template();
    let header = InspectionHeader {
        task_id: None,
        site_id: "site-1".into(),
        site_name: site_name.into(),
        kind: InspectionKind::RoutinePatrol,
        template_id: t.id.clone(),
        template_version: t.version,
        created_by: Person { user_id: "insp-1".into(), name: "insp-1 名".into() },
        started_at: crate::time::now_millis(),
    };
    InspectionDoc::create(&uuid::Uuid::new_v4().to_string(), &header, &author).unwrap()
}

/// A feed page carrying `docs` (id, saved bytes) as inspections.
pub fn page(docs: Vec<(String, Vec<u8>)>, cursor: &str) -> SyncResponse {
    SyncResponse {
        docs: docs.into_iter().map(|(doc_id, bytes)| DocData { doc_id, kind: "inspection".into(), bytes }).collect(),
        cursor: cursor.into(),
        ..Default::default()
    }
}

/// The built-in template the test inspections use.
pub fn template() -> crate::template::Template {
    crate::template::builtin_templates().iter().find(|t| t.id == TEMPLATE).unwrap().clone()
}

/// The server's copy of an inspection and this phone's (`insp-2`), one
/// answer ahead.
pub fn shared() -> (InspectionDoc, InspectionDoc) {
    let mut server = remote_inspection("西湖化工仓库");
    let id = server.id().to_string();
    let mut phone = InspectionDoc::from_automerge(&id, server.automerge().fork());
    let me = identity("insp-2");
    phone.automerge().set_actor(me.actor());
    phone.answer(&template(), &me, "H01", AnswerValue::Fail, Some("证书过期".into()), 2).unwrap();
    (server, phone)
}

/// An upload of inspection `id` as sent, covering local edits up to `local_version`.
pub fn sent(id: &str, local_version: i64) -> PendingUpload {
    let upload = DocUpload { doc_id: id.into(), kind: "inspection".into(), changes: vec![], heads: vec![] };
    PendingUpload { upload, local_version }
}

pub fn upload_result(id: &str, status: UploadStatus, heads: &[ChangeHash], missing: Vec<u8>) -> UploadResult {
    UploadResult { doc_id: id.into(), status, heads: heads_to_hex(heads), missing }
}

pub fn refused() -> UploadStatus {
    UploadStatus::Rejected { reason: "not allowed".into() }
}
