//! Inspections and hazards as automerge documents: how the domain records
//! are laid out in a document, the validated edits that change them, and the
//! fold back into the read models of `crate::inspection` and `crate::hazard`.
//!
//! Every document starts from a deterministic *skeleton* change (fixed actor,
//! time and content) that creates its top-level maps and lists. Two devices
//! that create the same document id independently (co-inspectors joining
//! offline, two submits creating one hazard) therefore share their first
//! change, and their containers merge instead of shadowing each other.

pub mod codec;
mod hazard_doc;
mod inspection_doc;
mod inspection_history;
mod inspection_read;

pub use hazard_doc::HazardDoc;
pub use inspection_doc::{InspectionDoc, NewFinding};
pub use inspection_history::SETTLED_REASON;

use automerge::{
    ActorId, AutoCommit, ObjType, ROOT,
    transaction::{CommitOptions, Transactable},
};

/// Version of the document layout; stored in each document.
pub const DOC_SCHEMA: i64 = 1;

/// The kinds of document devices and the server exchange. The root key
/// `type` of a document holds its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Inspection,
    Hazard,
}

crate::codes!(DocKind, "document kind", {
    Inspection => "inspection",
    Hazard => "hazard",
});

impl DocKind {
    /// The kind written in a document's root, if it is one we know.
    pub fn of(doc: &AutoCommit) -> Option<DocKind> {
        doc_type(doc).as_deref().and_then(DocKind::parse)
    }

    /// The hash of the skeleton change every document of this kind starts
    /// with: the one change no device's actor made. Computed once.
    pub fn skeleton_hash(self) -> automerge::ChangeHash {
        static HASHES: std::sync::OnceLock<[automerge::ChangeHash; 2]> = std::sync::OnceLock::new();
        let [inspection, hazard] = HASHES.get_or_init(|| {
            let head = |mut doc: AutoCommit| doc.get_heads()[0];
            [head(InspectionDoc::skeleton("").into_automerge()), head(HazardDoc::skeleton("").into_automerge())]
        });
        match self {
            DocKind::Inspection => *inspection,
            DocKind::Hazard => *hazard,
        }
    }
}

/// The actor that writes skeletons: the same on every device, by design.
fn skeleton_actor() -> ActorId {
    ActorId::from(b"redline-skeleton".as_slice())
}

/// A document holding only the skeleton change for `doc_type`.
pub(crate) fn skeleton(doc_type: &str, maps: &[&str], lists: &[&str]) -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(skeleton_actor());
    doc.put(ROOT, "schema", DOC_SCHEMA).expect("fresh document");
    doc.put(ROOT, "type", doc_type).expect("fresh document");
    for key in maps {
        doc.put_object(ROOT, *key, ObjType::Map).expect("fresh document");
    }
    for key in lists {
        doc.put_object(ROOT, *key, ObjType::List).expect("fresh document");
    }
    doc.commit_with(CommitOptions::default().with_time(0));
    doc
}

/// Commits pending operations as one change stamped with `at` (millis).
pub(crate) fn commit(doc: &mut AutoCommit, at: crate::time::Millis) {
    doc.commit_with(CommitOptions::default().with_time(at / 1000));
}

/// The document type written in a document's root.
pub fn doc_type(doc: &AutoCommit) -> Option<String> {
    codec::get_string(doc, &ROOT, "type").ok().flatten()
}

/// Whether the document holds its header yet. A document can arrive from
/// the server in pieces (its changes split across feed pages); until the
/// header is in, it is stored but not shown anywhere.
pub fn has_header(doc: &AutoCommit) -> bool {
    use automerge::ReadDoc;
    doc.get(ROOT, "header").ok().flatten().is_some()
}
