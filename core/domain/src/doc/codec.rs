//! Reading and writing domain records in automerge documents.
//!
//! Records that are written whole (an answer, a photo, a transition) are
//! stored as one JSON string scalar: loading a string costs far less than a
//! tree of objects or Text, and writing it whole keeps a value and its author
//! together when two people write the same key. Fields edited one by one (a
//! finding's deadline) are separate keys holding JSON text each.

use crate::inspection::{Conflict, ConflictValue, FieldPath};
use crate::people::Person;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, transaction::Transactable};
use serde::{Serialize, de::DeserializeOwned};
use std::collections::HashMap;

/// A document that does not have the shape Redline writes.
#[derive(Debug)]
pub struct Malformed(pub String);

impl From<automerge::AutomergeError> for Malformed {
    fn from(e: automerge::AutomergeError) -> Self {
        Malformed(e.to_string())
    }
}

pub type DecodeResult<T> = Result<T, Malformed>;

pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain records always serialise")
}

/// The map or list object at `key` of `parent`.
pub fn object(doc: &AutoCommit, parent: &ObjId, key: &str, expect: ObjType) -> DecodeResult<ObjId> {
    match doc.get(parent, key)? {
        Some((Value::Object(t), id)) if t == expect => Ok(id),
        Some(_) => Err(Malformed(format!("{key} is not a {expect:?}"))),
        None => Err(Malformed(format!("{key} is missing"))),
    }
}

pub fn str_of(v: &Value<'_>) -> Option<String> {
    match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

pub fn get_string(doc: &AutoCommit, obj: &ObjId, key: &str) -> DecodeResult<Option<String>> {
    Ok(doc.get(obj, key)?.and_then(|(v, _)| str_of(&v)))
}

pub fn get_i64(doc: &AutoCommit, obj: &ObjId, key: &str) -> DecodeResult<Option<i64>> {
    Ok(doc.get(obj, key)?.and_then(|(v, _)| match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Some(*i),
            ScalarValue::Uint(u) => i64::try_from(*u).ok(),
            _ => None,
        },
        _ => None,
    }))
}

/// The winning JSON record at `key`, decoded.
pub fn get_json<T: DeserializeOwned>(doc: &AutoCommit, obj: &ObjId, key: &str) -> DecodeResult<Option<T>> {
    match get_string(doc, obj, key)? {
        None => Ok(None),
        Some(text) => decode(key, &text).map(Some),
    }
}

pub fn decode<T: DeserializeOwned>(key: &str, text: &str) -> DecodeResult<T> {
    serde_json::from_str(text).map_err(|e| Malformed(format!("{key}: {e}")))
}

pub fn put_json<T: Serialize>(doc: &mut AutoCommit, obj: &ObjId, key: &str, v: &T) -> Result<(), automerge::AutomergeError> {
    doc.put(obj, key, to_json(v))
}

/// Automerge actor -> the person who edits with it, from the document's
/// `actors` map (each device registers itself on its first edit). Read only
/// when a conflict needs attributing: most reads never pay for it.
pub struct Authors<'a> {
    doc: &'a AutoCommit,
    actors: ObjId,
    map: std::cell::OnceCell<HashMap<String, Person>>,
}

impl<'a> Authors<'a> {
    pub fn read(doc: &'a AutoCommit, actors: &ObjId) -> DecodeResult<Authors<'a>> {
        Ok(Authors { doc, actors: actors.clone(), map: std::cell::OnceCell::new() })
    }

    pub fn of(&self, actor: &ActorId) -> Option<Person> {
        let map = self.map.get_or_init(|| {
            self.doc
                .map_range(&self.actors, ..)
                .filter_map(|e| match e.value {
                    automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => {
                        serde_json::from_str::<Person>(&s).ok().map(|p| (e.key.to_string(), p))
                    }
                    _ => None,
                })
                .collect()
        });
        map.get(&actor.to_hex_string()).cloned()
    }
}

/// Every string entry of map `obj` as (key, JSON text), recording a
/// [`Conflict`] for each key whose concurrent values disagree, at the path
/// `path_of(key)` names. One pass: automerge flags conflicted keys, so only
/// those pay for `get_all`.
pub fn entries(
    doc: &AutoCommit,
    obj: &ObjId,
    path_of: impl Fn(&str) -> FieldPath,
    authors: &Authors<'_>,
    conflicts: &mut Vec<Conflict>,
) -> DecodeResult<Vec<(String, String)>> {
    let mut out = vec![];
    let mut conflicted = vec![];
    for e in doc.map_range(obj, ..) {
        if e.conflict {
            conflicted.push(e.key.to_string());
        }
        if let automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) = e.value {
            out.push((e.key.to_string(), s.to_string()));
        }
    }
    for key in conflicted {
        conflicts.extend(conflict_at(doc, obj, &key, path_of(&key), authors)?);
    }
    Ok(out)
}

/// Makes sure this device's actor is named in the document, so conflicts on
/// plain fields can say who wrote each value.
pub fn register_actor(doc: &mut AutoCommit, actors: &ObjId, who: &Person) -> Result<(), automerge::AutomergeError> {
    let key = doc.get_actor().to_hex_string();
    if doc.get(actors, key.as_str())?.is_none() {
        put_json(doc, actors, &key, who)?;
    }
    Ok(())
}

/// The concurrent values at `key` when there are several distinct ones.
/// Values that are equal (two devices wrote the same thing) are no conflict.
pub fn conflict_at(doc: &AutoCommit, obj: &ObjId, key: &str, path: FieldPath, authors: &Authors) -> DecodeResult<Option<Conflict>> {
    let all = doc.get_all(obj, key)?;
    if all.len() < 2 {
        return Ok(None);
    }
    let mut values: Vec<ConflictValue> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (v, id) in all {
        let Some(text) = str_of(&v) else { continue };
        // Two people recording the same answer (both "pass", same note) do
        // not disagree, even though each record carries its own author.
        let content = same_content_key(&text);
        if seen.contains(&content) {
            continue;
        }
        seen.push(content);
        // Whole records carry their author; plain fields are attributed by actor.
        let by = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|j| j.get("by").cloned())
            .and_then(|b| serde_json::from_value::<Person>(b).ok())
            .or_else(|| match &id {
                automerge::ObjId::Id(_, actor, _) => authors.of(actor),
                automerge::ObjId::Root => None,
            });
        values.push(ConflictValue { value: text, by });
    }
    Ok((values.len() > 1).then_some(Conflict { path, values }))
}

/// What two concurrent values are compared by: for a record with a `value`
/// (an answer), its value and note; otherwise the whole text.
fn same_content_key(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) if m.contains_key("value") => serde_json::json!([m.get("value"), m.get("note")]).to_string(),
        _ => text.to_string(),
    }
}
