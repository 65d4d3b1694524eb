//! Reading documents on reader connections, never waiting for the writer
//! (a sync apply may hold it for seconds): one document for a detail
//! screen, from the cache when it holds it, and what is stored of a few
//! (their kinds, their saved size).

use super::Store;
use super::documents::{self, DocKind};
use crate::doc::{HazardDoc, InspectionDoc};
use crate::error::Result;
use crate::hazard::Hazard;
use crate::inspection::{Inspection, Summary};
use automerge::AutoCommit;
use rusqlite::OptionalExtension;

impl Store {
    /// Runs `read` on document `id`, from the cache or loaded from a reader
    /// connection in one read transaction (its snapshot row and appended
    /// changes from the same instant). What was loaded goes into the cache
    /// unless a write of it began meanwhile.
    pub(super) fn read_doc<T>(&self, id: &str, kind: DocKind, read: impl FnOnce(&mut AutoCommit) -> Result<T>) -> Result<T> {
        let load = || {
            let reader = self.reader()?;
            let snapshot = reader.snapshot()?;
            documents::load_kind(&snapshot, id, kind)
        };
        self.read_doc_loading(id, kind, load, read)
    }

    /// [`read_doc`](Self::read_doc) with the loading on a connection of the
    /// caller's choice (the writer's, when the caller holds it).
    pub(super) fn read_doc_loading<T>(
        &self,
        id: &str,
        kind: DocKind,
        load: impl FnOnce() -> Result<AutoCommit>,
        read: impl FnOnce(&mut AutoCommit) -> Result<T>,
    ) -> Result<T> {
        let (cached, ticket) = self.cache().start_read(id);
        let mut doc = match cached {
            Some(doc) => doc,
            None => load()?,
        };
        documents::check_readable(id, kind, &doc)?;
        let out = read(&mut doc);
        self.cache().finish_read(id, doc, ticket);
        out
    }

    pub fn inspection(&self, id: &str) -> Result<Inspection> {
        self.read_doc(id, DocKind::Inspection, |doc| Ok(InspectionDoc::read_from(id, doc)?))
    }

    /// Score, counts and what still blocks submit.
    pub fn summary(&self, id: &str) -> Result<Summary> {
        let inspection = self.inspection(id)?;
        let t = self.template(&inspection.header.template_id, Some(inspection.header.template_version))?;
        Ok(inspection.summary(&t))
    }

    pub fn hazard(&self, id: &str) -> Result<Hazard> {
        self.read_doc(id, DocKind::Hazard, |doc| Ok(HazardDoc::read_from(id, doc)?))
    }

    /// The kind of each of these documents that exists locally.
    pub fn kinds_of(&self, ids: &[String]) -> Result<Vec<(String, DocKind)>> {
        let r = self.reader()?;
        let mut stmt = r.prepare_cached("SELECT kind FROM documents WHERE id = ?1")?;
        let mut out = vec![];
        for id in ids {
            if let Some(kind) = stmt.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                out.extend(DocKind::parse(&kind).map(|k| (id.clone(), k)));
            }
        }
        Ok(out)
    }

    /// Saved size of a document in bytes (snapshot plus appended changes).
    pub fn document_size(&self, id: &str) -> Result<i64> {
        documents::stored_size(&*self.reader()?, id)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::inspection::AnswerValue;
    use crate::store::InspectionQuery;

    #[test]
    fn an_edit_is_seen_by_the_next_read_whether_cached_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        let id = store.start_inspection("site-1", crate::inspection::InspectionKind::RoutinePatrol, TEMPLATE).unwrap().id;
        store.answer(&id, "H01", AnswerValue::Fail, Some("证书过期".into())).unwrap();
        // Push it out of the cache: the next read loads from a reader.
        for _ in 0..10 {
            store.start_inspection("site-1", crate::inspection::InspectionKind::RoutinePatrol, TEMPLATE).unwrap();
        }
        assert!(store.inspection(&id).unwrap().answers.contains_key("H01"), "loaded by a reader");
        store.answer(&id, "H02", AnswerValue::Pass, None).unwrap();
        let read = store.inspection(&id).unwrap();
        assert!(read.answers.contains_key("H01") && read.answers.contains_key("H02"), "from the cache");
        assert_eq!(store.summary(&id).unwrap().failed, 1);
        let listed = store.inspections(&InspectionQuery { limit: Some(100), ..Default::default() }).unwrap();
        assert_eq!(listed.iter().find(|i| i.id == id).unwrap().answered, 2, "the list too");
    }
}
