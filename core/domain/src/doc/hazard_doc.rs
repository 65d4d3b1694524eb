//! The hazard document: a header written at creation, an append-only list of
//! transitions, photos, and the actor registry.
//!
//! Transitions are inserted at the end of an automerge list. Automerge orders
//! concurrent inserts deterministically, so every replica folds the same list
//! into the same status (`crate::hazard::fold`).

use super::codec::{self, Authors, Malformed, get_json, put_json};
use crate::error::{Error, Result};
use crate::hazard::{Action, Hazard, HazardHeader, Transition, check, fold};
use crate::inspection::{FieldPath, PhotoOwner, PhotoRef};
use crate::people::Identity;
use crate::time::Millis;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, transaction::Transactable};
use std::collections::BTreeMap;

const MAPS: &[&str] = &["photos", "actors"];
const LISTS: &[&str] = &["transitions"];

pub struct HazardDoc {
    pub(crate) id: String,
    pub(crate) doc: AutoCommit,
}

fn corrupt(id: &str) -> impl Fn(Malformed) -> Error + '_ {
    move |m| Error::CorruptDocument { id: id.to_string(), detail: m.0 }
}

impl HazardDoc {
    pub fn skeleton(id: &str) -> HazardDoc {
        HazardDoc { id: id.to_string(), doc: super::skeleton("hazard", MAPS, LISTS) }
    }

    /// Registers a hazard. The header is derived from the finding only, so
    /// two devices submitting the same co-inspection write identical values.
    pub fn create(id: &str, header: &HazardHeader, photos: &[PhotoRef], who: &Identity, at: Millis) -> Result<HazardDoc> {
        let mut d = HazardDoc::skeleton(id);
        d.doc.set_actor(who.actor());
        put_json(&mut d.doc, &ROOT, "header", header)?;
        let photos_obj = d.map("photos")?;
        for p in photos {
            put_json(&mut d.doc, &photos_obj, &p.hash, p)?;
        }
        d.touch(who)?;
        super::commit(&mut d.doc, at);
        Ok(d)
    }

    pub fn load(id: &str, bytes: &[u8]) -> Result<HazardDoc> {
        let doc = AutoCommit::load(bytes).map_err(|e| Error::CorruptDocument { id: id.into(), detail: e.to_string() })?;
        let d = HazardDoc { id: id.to_string(), doc };
        if super::doc_type(&d.doc).as_deref() != Some("hazard") {
            return Err(Error::CorruptDocument { id: id.into(), detail: "not a hazard document".into() });
        }
        Ok(d)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    fn map(&self, key: &str) -> Result<ObjId> {
        codec::object(&self.doc, &ROOT, key, ObjType::Map).map_err(corrupt(&self.id))
    }

    fn touch(&mut self, who: &Identity) -> Result<()> {
        let actors = self.map("actors")?;
        codec::register_actor(&mut self.doc, &actors, &who.person())?;
        Ok(())
    }

    /// Makes a transition if the lifecycle allows it from the current state.
    /// Evidence photos are recorded in the same change.
    pub fn transition(&mut self, who: &Identity, action: Action, note: &str, evidence: &[PhotoRef], at: Millis) -> Result<Transition> {
        let hazard = self.read()?;
        let id = uuid::Uuid::new_v4().to_string();
        let t = Transition {
            id: id.clone(),
            action,
            by: who.person(),
            role: who.role,
            at,
            note: note.trim().to_string(),
            evidence: evidence.iter().map(|p| p.hash.clone()).collect(),
        };
        check(&hazard.status, &t)?;
        let photos = self.map("photos")?;
        for p in evidence {
            let mut p = p.clone();
            p.owner = PhotoOwner::Transition(id.clone());
            put_json(&mut self.doc, &photos, &p.hash, &p)?;
        }
        let list = codec::object(&self.doc, &ROOT, "transitions", ObjType::List).map_err(corrupt(&self.id))?;
        let end = self.doc.length(&list);
        self.doc.insert(&list, end, codec::to_json(&t))?;
        self.touch(who)?;
        super::commit(&mut self.doc, at);
        Ok(t)
    }

    pub fn read(&self) -> Result<Hazard> {
        Self::read_from(&self.id, &self.doc)
    }

    /// Reads any automerge document laid out as a hazard (the server
    /// reads its copies this way without wrapping them).
    pub fn read_from(id: &str, doc: &AutoCommit) -> Result<Hazard> {
        read_inner(id, doc).map_err(corrupt(id))
    }

    /// Wraps an automerge document (e.g. one the server loaded).
    pub fn from_automerge(id: &str, doc: AutoCommit) -> HazardDoc {
        HazardDoc { id: id.to_string(), doc }
    }

    /// The id and the automerge document, for a store that keeps them apart.
    pub fn into_parts(self) -> (String, AutoCommit) {
        (self.id, self.doc)
    }

    pub fn into_automerge(self) -> AutoCommit {
        self.doc
    }
}

fn read_inner(id: &str, d: &AutoCommit) -> Result<Hazard, Malformed> {
    {
        let authors = Authors::read(d, &codec::object(d, &ROOT, "actors", ObjType::Map)?)?;
        let mut conflicts = vec![];
        conflicts.extend(codec::conflict_at(d, &ROOT, "header", FieldPath::root("header"), &authors)?);
        let header: HazardHeader = get_json(d, &ROOT, "header")?.ok_or_else(|| Malformed("header is missing".into()))?;
        let list = codec::object(d, &ROOT, "transitions", ObjType::List)?;
        let mut transitions = Vec::with_capacity(d.length(&list));
        for item in d.list_range(&list, ..) {
            let text = match item.value {
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => s,
                _ => return Err(Malformed("a transition is not a string".into())),
            };
            transitions.push(codec::decode::<Transition>("transition", &text)?);
        }
        let photos_obj = codec::object(d, &ROOT, "photos", ObjType::Map)?;
        let mut photos = BTreeMap::new();
        for key in d.keys(&photos_obj) {
            if let Some(p) = get_json::<PhotoRef>(d, &photos_obj, &key)? {
                photos.insert(key, p);
            }
        }
        let status = fold(&header, &transitions);
        Ok(Hazard { id: id.to_string(), header, transitions, status, photos, conflicts })
    }
}
