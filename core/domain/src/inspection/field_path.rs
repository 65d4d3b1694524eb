//! How a conflict names the field it is about ([`FieldPath`]) and how an
//! amendment names what it changed ([`AmendmentTarget`]), as types, so the
//! reader, the conflict resolver and the sync rules build and match them
//! instead of formatting and splitting text.
//!
//! The text forms are the ones apps show and documents already hold, and
//! they stay exactly so: `header`, `answers/H01`, `findings/<id>/deadline`
//! for paths; `answer H01`, `finding <id>` for amendment targets.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A keyed map of whole records in an inspection document (item id ->
/// answer, user id -> inspector, ...). The code is the map's root key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordMap {
    Inspectors,
    Answers,
    Signatures,
    Photos,
    Amendments,
}

crate::codes!(RecordMap, "record map", {
    Inspectors => "inspectors",
    Answers => "answers",
    Signatures => "signatures",
    Photos => "photos",
    Amendments => "amendments",
});

/// Where a value lives in a document: what a [`Conflict`](super::Conflict)
/// is about, and what settling it writes again.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FieldPath {
    /// A field of the document's root map: `header`, `status`, `location`.
    Root(String),
    /// One record of a keyed map: `answers/H01`, `signatures/enterprise`.
    Entry { map: RecordMap, key: String },
    /// One field of a finding (each is its own key): `findings/<id>/deadline`.
    FindingField { finding: String, field: String },
}

/// Text that names no field of a document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown path {0}")]
pub struct UnknownFieldPath(pub String);

const FINDINGS: &str = "findings";

impl FieldPath {
    pub fn root(key: impl Into<String>) -> FieldPath {
        FieldPath::Root(key.into())
    }

    /// The answer to checklist item `item`.
    pub fn answer(item: impl Into<String>) -> FieldPath {
        FieldPath::Entry { map: RecordMap::Answers, key: item.into() }
    }

    /// Whether this is the root field `key` (e.g. `header`).
    pub fn is_root(&self, key: &str) -> bool {
        matches!(self, FieldPath::Root(k) if k == key)
    }

    /// What an amendment changing this field names: its answer or its
    /// finding. Other fields are not amended one by one.
    pub fn amended_as(&self) -> Option<AmendmentTarget> {
        match self {
            FieldPath::Entry { map: RecordMap::Answers, key } => Some(AmendmentTarget::Answer(key.clone())),
            FieldPath::FindingField { finding, .. } => Some(AmendmentTarget::Finding(finding.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Root(key) => f.write_str(key),
            FieldPath::Entry { map, key } => write!(f, "{}/{key}", map.as_str()),
            FieldPath::FindingField { finding, field } => write!(f, "{FINDINGS}/{finding}/{field}"),
        }
    }
}

impl FromStr for FieldPath {
    type Err = UnknownFieldPath;

    /// The inverse of `Display`. Record keys may hold `/` (everything after
    /// the map's name is the key); root keys, finding ids and field names
    /// never do.
    fn from_str(s: &str) -> Result<FieldPath, UnknownFieldPath> {
        let unknown = || UnknownFieldPath(s.to_string());
        let Some((head, rest)) = s.split_once('/') else {
            return if s.is_empty() { Err(unknown()) } else { Ok(FieldPath::Root(s.to_string())) };
        };
        if head == FINDINGS {
            return match rest.split_once('/') {
                Some((finding, field)) if !finding.is_empty() && !field.is_empty() && !field.contains('/') => {
                    Ok(FieldPath::FindingField { finding: finding.to_string(), field: field.to_string() })
                }
                _ => Err(unknown()),
            };
        }
        match RecordMap::parse(head) {
            Some(map) if !rest.is_empty() => Ok(FieldPath::Entry { map, key: rest.to_string() }),
            _ => Err(unknown()),
        }
    }
}

impl TryFrom<String> for FieldPath {
    type Error = UnknownFieldPath;
    fn try_from(s: String) -> Result<FieldPath, UnknownFieldPath> {
        s.parse()
    }
}

impl From<FieldPath> for String {
    fn from(p: FieldPath) -> String {
        p.to_string()
    }
}

/// What an [`Amendment`](super::Amendment) changed: an answer or a finding.
/// Stored in the amendment's JSON as its text form (`answer H03`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum AmendmentTarget {
    /// The answer to this checklist item.
    Answer(String),
    /// The finding with this id.
    Finding(String),
    /// A target this version does not know (from a newer app, or written by
    /// hand), kept as written so the document still reads. It covers no
    /// change.
    Other(String),
}

impl fmt::Display for AmendmentTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmendmentTarget::Answer(item) => write!(f, "answer {item}"),
            AmendmentTarget::Finding(id) => write!(f, "finding {id}"),
            AmendmentTarget::Other(text) => f.write_str(text),
        }
    }
}

impl From<&str> for AmendmentTarget {
    fn from(s: &str) -> AmendmentTarget {
        match s.split_once(' ') {
            Some(("answer", item)) if !item.is_empty() => AmendmentTarget::Answer(item.to_string()),
            Some(("finding", id)) if !id.is_empty() => AmendmentTarget::Finding(id.to_string()),
            _ => AmendmentTarget::Other(s.to_string()),
        }
    }
}

impl From<String> for AmendmentTarget {
    fn from(s: String) -> AmendmentTarget {
        AmendmentTarget::from(s.as_str())
    }
}

impl From<AmendmentTarget> for String {
    fn from(t: AmendmentTarget) -> String {
        t.to_string()
    }
}

/// Whether `v` displays exactly as `text`, compared piece by piece as it
/// is formatted rather than by building the string.
fn displays_as(v: &impl fmt::Display, text: &str) -> bool {
    struct Rest<'a>(&'a str);
    impl fmt::Write for Rest<'_> {
        fn write_str(&mut self, piece: &str) -> fmt::Result {
            self.0 = self.0.strip_prefix(piece).ok_or(fmt::Error)?;
            Ok(())
        }
    }
    let mut rest = Rest(text);
    fmt::write(&mut rest, format_args!("{v}")).is_ok() && rest.0.is_empty()
}

/// Both compare with the text an app shows, e.g. `path == "answers/H01"`.
macro_rules! eq_text {
    ($ty:ty) => {
        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                displays_as(self, other)
            }
        }
        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                displays_as(self, other)
            }
        }
        impl PartialEq<String> for $ty {
            fn eq(&self, other: &String) -> bool {
                displays_as(self, other)
            }
        }
    };
}
eq_text!(FieldPath);
eq_text!(AmendmentTarget);

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> FieldPath {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn paths_read_and_write_todays_text() {
        let cases = [
            ("header", FieldPath::root("header")),
            ("status", FieldPath::root("status")),
            ("answers/H01", FieldPath::answer("H01")),
            ("signatures/inspector:insp-1", FieldPath::Entry { map: RecordMap::Signatures, key: "inspector:insp-1".into() }),
            ("inspectors/insp-2", FieldPath::Entry { map: RecordMap::Inspectors, key: "insp-2".into() }),
            ("photos/abc", FieldPath::Entry { map: RecordMap::Photos, key: "abc".into() }),
            ("amendments/a1", FieldPath::Entry { map: RecordMap::Amendments, key: "a1".into() }),
            ("findings/f-1/deadline", FieldPath::FindingField { finding: "f-1".into(), field: "deadline".into() }),
        ];
        for (text, typed) in cases {
            assert_eq!(path(text), typed, "{text}");
            assert_eq!(typed.to_string(), text);
            assert_eq!(typed, text);
            assert_ne!(typed, format!("{text}/x"));
            assert_ne!(typed, &text[..text.len() - 1]);
        }
    }

    #[test]
    fn text_that_names_no_field_is_refused() {
        for bad in ["", "answers/", "findings/f-1", "findings//deadline", "findings/f-1/", "findings/f-1/a/b", "actors/x", "nowhere/x"] {
            assert_eq!(bad.parse::<FieldPath>(), Err(UnknownFieldPath(bad.into())), "{bad:?}");
        }
    }

    #[test]
    fn a_record_key_may_hold_a_slash() {
        let p = FieldPath::Entry { map: RecordMap::Signatures, key: "inspector:a/b".into() };
        assert_eq!(path(&p.to_string()), p);
    }

    #[test]
    fn paths_serialise_as_their_text() {
        let p = FieldPath::FindingField { finding: "f-1".into(), field: "grade".into() };
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"findings/f-1/grade\"");
        assert_eq!(serde_json::from_str::<FieldPath>("\"findings/f-1/grade\"").unwrap(), p);
        assert!(serde_json::from_str::<FieldPath>("\"nowhere/x\"").is_err());
    }

    #[test]
    fn answers_and_finding_fields_are_amended_as_their_record() {
        assert_eq!(FieldPath::answer("H03").amended_as(), Some(AmendmentTarget::Answer("H03".into())));
        assert_eq!(path("findings/f-1/deadline").amended_as(), Some(AmendmentTarget::Finding("f-1".into())));
        assert_eq!(path("signatures/enterprise").amended_as(), None);
        assert_eq!(path("header").amended_as(), None);
        assert!(path("header").is_root("header"));
        assert!(!path("answers/header").is_root("header"));
    }

    #[test]
    fn targets_read_and_write_todays_text() {
        let cases = [
            ("answer H03", AmendmentTarget::Answer("H03".into())),
            ("finding 6f1c", AmendmentTarget::Finding("6f1c".into())),
            ("signature enterprise", AmendmentTarget::Other("signature enterprise".into())),
            ("answer", AmendmentTarget::Other("answer".into())),
            ("answer ", AmendmentTarget::Other("answer ".into())),
        ];
        for (text, typed) in cases {
            assert_eq!(AmendmentTarget::from(text), typed, "{text:?}");
            assert_eq!(typed.to_string(), text);
            assert_eq!(typed, text);
        }
    }

    #[test]
    fn targets_serialise_as_their_text_and_any_stored_text_reads() {
        let t = AmendmentTarget::Answer("H03".into());
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"answer H03\"");
        assert_eq!(serde_json::from_str::<AmendmentTarget>("\"answer H03\"").unwrap(), t);
        let odd: AmendmentTarget = serde_json::from_str("\"whatever a newer app wrote\"").unwrap();
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\"whatever a newer app wrote\"");
    }

    #[test]
    fn targets_order_as_their_text() {
        let mut typed =
            [AmendmentTarget::Finding("a".into()), AmendmentTarget::Answer("H10".into()), AmendmentTarget::Answer("H02".into())];
        typed.sort();
        let mut text: Vec<String> = typed.iter().map(ToString::to_string).collect();
        let shown = text.clone();
        text.sort();
        assert_eq!(shown, text);
    }
}
