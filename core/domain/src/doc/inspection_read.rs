//! Folding an inspection document into the read model the app shows:
//! every answer, finding, photo, signature and amendment, and a `Conflict`
//! for each key where concurrent writers disagree. One pass per map, using
//! automerge's per-key conflict flags so agreeing keys cost no more.

use super::codec::{self, Authors, Malformed, get_json};
use super::inspection_doc::FINDING_FIELDS;
use crate::inspection::*;
use crate::people::Person;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use std::collections::BTreeMap;

pub(super) fn read(id: &str, d: &AutoCommit) -> Result<Inspection, Malformed> {
    {
        let map = |k: &str| codec::object(d, &ROOT, k, ObjType::Map);
        let authors = Authors::read(d, &map("actors")?)?;
        let mut conflicts = vec![];
        for key in ["header", "status", "location"] {
            conflicts.extend(codec::conflict_at(d, &ROOT, key, FieldPath::root(key), &authors)?);
        }
        let header = get_json(d, &ROOT, "header")?.ok_or_else(|| Malformed("header is missing".into()))?;

        let records = |name: RecordMap, conflicts: &mut Vec<Conflict>| {
            codec::entries(d, &map(name.as_str())?, |key| FieldPath::Entry { map: name, key: key.to_string() }, &authors, conflicts)
        };
        let mut answers = BTreeMap::new();
        for (k, text) in records(RecordMap::Answers, &mut conflicts)? {
            answers.insert(k.clone(), codec::decode::<Answer>(&k, &text)?);
        }
        let mut inspectors = vec![];
        for (k, text) in records(RecordMap::Inspectors, &mut conflicts)? {
            inspectors.push(codec::decode::<Person>(&k, &text)?);
        }
        let mut signatures = BTreeMap::new();
        for (k, text) in records(RecordMap::Signatures, &mut conflicts)? {
            signatures.insert(k.clone(), codec::decode::<Signature>(&k, &text)?);
        }
        let mut photos = BTreeMap::new();
        for (k, text) in records(RecordMap::Photos, &mut conflicts)? {
            photos.insert(k.clone(), codec::decode::<PhotoRef>(&k, &text)?);
        }
        let mut amendments = vec![];
        for (k, text) in records(RecordMap::Amendments, &mut conflicts)? {
            amendments.push(codec::decode::<Amendment>(&k, &text)?);
        }
        amendments.sort_by(|a: &Amendment, b| (a.at, &a.id).cmp(&(b.at, &b.id)));

        let findings_obj = map("findings")?;
        let mut findings = BTreeMap::new();
        for id in d.keys(&findings_obj) {
            let obj = codec::object(d, &findings_obj, &id, ObjType::Map)?;
            let mut json = serde_json::Map::new();
            let path_of = |field: &str| FieldPath::FindingField { finding: id.clone(), field: field.to_string() };
            for (field, text) in codec::entries(d, &obj, path_of, &authors, &mut conflicts)? {
                if FINDING_FIELDS.contains(&field.as_str()) {
                    json.insert(field.clone(), codec::decode(&field, &text)?);
                }
            }
            let finding: Finding = serde_json::from_value(json.into()).map_err(|e| Malformed(format!("finding {id}: {e}")))?;
            findings.insert(id, finding);
        }
        let status = match codec::get_string(d, &ROOT, "status")?.as_deref() {
            Some("submitted") => InspectionStatus::Submitted,
            _ => InspectionStatus::Draft,
        };
        Ok(Inspection {
            id: id.to_string(),
            header,
            inspectors,
            location: get_json(d, &ROOT, "location")?,
            finished_at: codec::get_i64(d, &ROOT, "finished_at")?,
            status,
            submitted_by: get_json(d, &ROOT, "submitted_by")?,
            answers,
            findings,
            signatures,
            photos,
            amendments,
            conflicts,
        })
    }
}
