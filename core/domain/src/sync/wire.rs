//! The sync protocol's messages, shared by the device client and the server.
//! Bodies are CBOR (RFC 8949): compact, binary-safe for automerge bytes, and
//! readable from any language. `docs/protocol.md` describes the exchange.

use crate::site::Site;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// The protocol version this build speaks. A server answers an unknown
/// version with HTTP 400 and code `unsupported_protocol`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Media type of every sync body.
pub const CONTENT_TYPE: &str = "application/cbor";

/// One sync exchange from a device: what it changed, and where it is in the
/// server's change feed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub protocol: u32,
    /// Opaque feed position from the last response; empty on first sync.
    pub cursor: String,
    /// Version of the reference data (sites, templates) the device holds.
    pub reference_version: String,
    /// Local changes, per document.
    pub uploads: Vec<DocUpload>,
    /// Version of the task list the device holds (empty: none yet).
    #[serde(default)]
    pub tasks_version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocUpload {
    pub doc_id: String,
    /// `inspection` or `hazard`.
    pub kind: String,
    /// Concatenated plain automerge change chunks the server may lack.
    #[serde(with = "serde_bytes")]
    pub changes: Vec<u8>,
    /// The device's heads (hex change hashes) once these changes are applied:
    /// the server answers with exactly the changes the device is missing.
    pub heads: Vec<String>,
}

impl DocUpload {
    /// The upload of what `doc` gained since `before` (all of it for a
    /// document the server does not hold yet: `before` empty), as a device
    /// that made those changes sends it.
    pub fn since(doc_id: &str, kind: crate::doc::DocKind, doc: &mut automerge::AutoCommit, before: &[automerge::ChangeHash]) -> DocUpload {
        let changes = doc.get_changes(before).iter().flat_map(|c| c.raw_bytes().to_vec()).collect();
        DocUpload { doc_id: doc_id.to_string(), kind: kind.as_str().into(), changes, heads: heads_to_hex(&doc.get_heads()) }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub protocol: u32,
    /// One result per upload, in request order.
    pub results: Vec<UploadResult>,
    /// Documents (snapshots or changes) changed in the device's scope.
    pub docs: Vec<DocData>,
    /// Position to send next time.
    pub cursor: String,
    /// More feed is waiting: ask again at once with the new cursor.
    pub more: bool,
    /// New reference data, when the device's version is out of date.
    pub reference: Option<ReferenceData>,
    /// The device user's task list, when the device's version is out of
    /// date (replaces what it had).
    #[serde(default)]
    pub tasks: Option<TaskList>,
}

/// The plan tasks a device's user carries (`redline_domain::plan`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskList {
    pub version: String,
    pub tasks: Vec<crate::plan::Task>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum UploadStatus {
    Accepted,
    /// Refused whole; the server document is unchanged. The device keeps the
    /// changes in quarantine.
    Rejected {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadResult {
    pub doc_id: String,
    #[serde(flatten)]
    pub status: UploadStatus,
    /// The server's heads for the document after the merge; for a refused
    /// upload, its heads as they stand (empty when it holds none).
    pub heads: Vec<String>,
    /// Changes the device lacks (from other devices), as change chunks; for
    /// a refused upload, the server's whole saved document, so the device
    /// can roll back to exactly it (empty when it holds none).
    #[serde(with = "serde_bytes")]
    pub missing: Vec<u8>,
}

/// A document for the device: a whole saved document when the device is new
/// to it, otherwise the changes since its cursor. Both load incrementally.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocData {
    pub doc_id: String,
    pub kind: String,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferenceData {
    pub version: String,
    /// Every site in the device's scope (replaces what it had).
    pub sites: Vec<Site>,
    /// Published template versions, as template JSON.
    pub templates: Vec<String>,
    /// The people working in the device's area (replaces what it had), so
    /// screens can name colleagues and pick a co-inspector offline.
    #[serde(default)]
    pub people: Vec<Colleague>,
}

/// A user as other devices see them: name and role, never their scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Colleague {
    pub user_id: String,
    pub name: String,
    pub role: crate::people::Role,
}

/// Who a device token belongs to (`GET /v1/me`): the ids a client derives
/// its automerge actor from, and what its token lets it see, until when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WhoAmI {
    pub device_id: String,
    pub user_id: String,
    pub name: String,
    /// The role's wire name (`inspector`, `community_assistant`, …).
    pub role: String,
    pub scope: WhoAmIScope,
    /// When the token stops working, unix milliseconds.
    pub token_expires_at: i64,
}

/// Where the caller may see and write: area path prefixes (`""` covers
/// everything) and individual site ids.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WhoAmIScope {
    pub areas: Vec<String>,
    pub sites: Vec<String>,
}

/// The body of every error response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `unauthorized`, `payload_too_large`.
    pub code: String,
    pub message: String,
}

/// Resumable blob upload progress (`GET /v1/blobs/{hash}/upload`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlobUploadStatus {
    /// Bytes received so far; the next chunk starts here.
    pub received: u64,
    /// The blob is stored and verified.
    pub complete: bool,
}

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("writing CBOR to memory cannot fail");
    out
}

/// Decodes a message; the error text says what is wrong with it.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    ciborium::from_reader(bytes).map_err(|e| format!("malformed message: {e}"))
}

pub fn heads_to_hex(heads: &[automerge::ChangeHash]) -> Vec<String> {
    heads.iter().map(|h| h.to_string()).collect()
}

pub fn heads_from_hex(heads: &[String]) -> Result<Vec<automerge::ChangeHash>, String> {
    heads.iter().map(|h| h.parse().map_err(|_| format!("{h:?} is not a change hash"))).collect()
}
