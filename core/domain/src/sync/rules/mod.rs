//! What a change set may do, judged on the document before and after it is
//! applied. The server runs these checks on a fork of its document before
//! accepting an upload; the core's own edit methods enforce the same rules
//! up front, so an honest device never has an upload refused.
//!
//! A refusal is a [`ChangeRefusal`]; its text is the reason the server
//! sends back, which devices keep in quarantine and show, so the messages
//! are part of the protocol and do not change.

mod hazard;
mod inspection;

pub use hazard::check_hazard;
pub use inspection::check_inspection;

use crate::doc::DocKind;
use crate::inspection::AmendmentTarget;
use crate::people::Role;

/// The authenticated user an upload comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uploader {
    pub user_id: String,
    pub role: Role,
}

/// Why a change set is refused. Ids and keys name the record at fault;
/// `by` and `owner` are user ids.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChangeRefusal {
    #[error("the {} header cannot be changed", .0.as_str())]
    HeaderChanged(DocKind),
    #[error("a community assistant runs self-inspections and look-backs only")]
    AssistantKind,
    #[error("a submitted inspection cannot return to draft")]
    BackToDraft,
    #[error("answer {item} is attributed to {by}, not the uploader")]
    AnswerOfOther { item: String, by: String },
    #[error("answer {item}: {detail}")]
    AnswerUnreadable { item: String, detail: String },
    #[error("answer {item} cannot be removed")]
    AnswerRemoved { item: String },
    #[error("finding {id} cannot be removed")]
    FindingRemoved { id: String },
    #[error("finding {id} is attributed to {by}, not the uploader")]
    FindingOfOther { id: String, by: String },
    #[error("finding {id}: author, time and item cannot change")]
    FindingRewritten { id: String },
    #[error("photo {hash} is attributed to {by}, not the uploader")]
    PhotoOfOther { hash: String, by: String },
    #[error("only {user} can add themselves as an inspector")]
    InspectorAddedByOther { user: String },
    #[error("signature {key} cannot change after submit")]
    SignatureAfterSubmit { key: String },
    #[error("signature {key} belongs to {owner}")]
    SignatureOfOther { key: String, owner: String },
    #[error("signature {key} was not made by the uploader in their own slot")]
    SignatureNotOwnSlot { key: String },
    #[error("signature {key} cannot be removed by {by}")]
    SignatureRemoved { key: String, by: String },
    #[error("amendments cannot be removed or rewritten")]
    AmendmentsRewritten,
    #[error("amendments are made by inspectors or supervisors in their own name")]
    AmendmentNotOfficial,
    #[error("{0} changed on a submitted inspection without an amendment")]
    NotAmended(AmendmentTarget),
    #[error("transition {id} was removed or rewritten")]
    TransitionRewritten { id: String },
    #[error("transition {id} is not in the uploader's name and role")]
    TransitionOfOther { id: String },
    #[error("{role} may not {action}")]
    RoleMayNot { role: &'static str, action: &'static str },
    #[error("transition {id} cites evidence {hash} that is not attached")]
    EvidenceMissing { id: String, hash: String },
}

type Checked = Result<(), ChangeRefusal>;

#[cfg(test)]
mod tests {
    use super::ChangeRefusal::*;
    use super::*;

    fn s(v: &str) -> String {
        v.to_string()
    }

    /// The reasons devices already hold and show, word for word.
    #[test]
    fn every_refusal_reads_as_the_reason_sent_today() {
        let cases = [
            (HeaderChanged(DocKind::Inspection), "the inspection header cannot be changed"),
            (HeaderChanged(DocKind::Hazard), "the hazard header cannot be changed"),
            (AssistantKind, "a community assistant runs self-inspections and look-backs only"),
            (BackToDraft, "a submitted inspection cannot return to draft"),
            (AnswerOfOther { item: s("H03"), by: s("insp-1") }, "answer H03 is attributed to insp-1, not the uploader"),
            (AnswerUnreadable { item: s("H03"), detail: s("EOF while parsing") }, "answer H03: EOF while parsing"),
            (AnswerRemoved { item: s("H03") }, "answer H03 cannot be removed"),
            (FindingRemoved { id: s("f-1") }, "finding f-1 cannot be removed"),
            (FindingOfOther { id: s("f-1"), by: s("insp-2") }, "finding f-1 is attributed to insp-2, not the uploader"),
            (FindingRewritten { id: s("f-1") }, "finding f-1: author, time and item cannot change"),
            (PhotoOfOther { hash: s("ab12"), by: s("insp-2") }, "photo ab12 is attributed to insp-2, not the uploader"),
            (InspectorAddedByOther { user: s("insp-2") }, "only insp-2 can add themselves as an inspector"),
            (SignatureAfterSubmit { key: s("enterprise") }, "signature enterprise cannot change after submit"),
            (SignatureOfOther { key: s("inspector:insp-1"), owner: s("insp-1") }, "signature inspector:insp-1 belongs to insp-1"),
            (SignatureNotOwnSlot { key: s("enterprise") }, "signature enterprise was not made by the uploader in their own slot"),
            (SignatureRemoved { key: s("inspector:insp-1"), by: s("insp-1") }, "signature inspector:insp-1 cannot be removed by insp-1"),
            (AmendmentsRewritten, "amendments cannot be removed or rewritten"),
            (AmendmentNotOfficial, "amendments are made by inspectors or supervisors in their own name"),
            (NotAmended(AmendmentTarget::Answer(s("H03"))), "answer H03 changed on a submitted inspection without an amendment"),
            (NotAmended(AmendmentTarget::Finding(s("f-1"))), "finding f-1 changed on a submitted inspection without an amendment"),
            (TransitionRewritten { id: s("t-1") }, "transition t-1 was removed or rewritten"),
            (TransitionOfOther { id: s("t-1") }, "transition t-1 is not in the uploader's name and role"),
            (RoleMayNot { role: "community_assistant", action: "list" }, "community_assistant may not list"),
            (EvidenceMissing { id: s("t-1"), hash: s("ab12") }, "transition t-1 cites evidence ab12 that is not attached"),
        ];
        for (refusal, reason) in cases {
            assert_eq!(refusal.to_string(), reason, "{refusal:?}");
        }
    }
}
