//! Answers for one caller: every method runs the scoped SQL of `query` on
//! the storage and turns the cells into views. What is outside the caller's
//! scope is `None` exactly as what does not exist.

use crate::filter::{Cursor, HazardQuery, InspectionQuery};
use crate::query;
pub use crate::rows::{Cells, finding_row, hazard_row, inspection_row};
use crate::views::*;
use redline_domain::time::Date;
use redline_storage::sql::Row;
use redline_storage::{Scope, Storage, StorageError, StorageResult};

/// Splits a page of `limit + 1` rows into the page and the next cursor.
fn page<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> Cursor) -> (Vec<T>, Option<String>) {
    if items.len() > limit as usize {
        items.truncate(limit as usize);
        let next = items.last().map(|t| key(t).encode());
        (items, next)
    } else {
        (items, None)
    }
}

/// The read models as one caller may see them.
pub struct Reader<'a> {
    pub storage: &'a dyn Storage,
    pub scope: &'a Scope,
    pub today: Date,
}

impl Reader<'_> {
    async fn rows(&self, s: redline_storage::sql::Sql) -> StorageResult<Vec<Row>> {
        self.storage.query(s).await
    }

    pub async fn inspections(&self, q: &InspectionQuery) -> StorageResult<InspectionPage> {
        let d = self.storage.dialect();
        let rows = self.rows(query::inspections(d, self.scope, q)).await?;
        let items = rows.iter().map(inspection_row).collect::<StorageResult<Vec<_>>>()?;
        let (items, next) = page(items, q.limit, |i| Cursor { at: i.started_at, id: i.id.clone() });
        Ok(InspectionPage { items, next })
    }

    pub async fn hazards(&self, q: &HazardQuery) -> StorageResult<HazardPage> {
        let d = self.storage.dialect();
        let rows = self.rows(query::hazards(d, self.scope, q, self.today)).await?;
        let items = rows.iter().map(hazard_row).collect::<StorageResult<Vec<_>>>()?;
        let (items, next) = page(items, q.limit, |h| Cursor { at: h.found_at, id: h.id.clone() });
        Ok(HazardPage { items, next })
    }

    /// One inspection, whole; `None` when it does not exist or is out of
    /// scope. An id with a NUL names nothing stored (no backend holds one,
    /// and PostgreSQL refuses it as a parameter), so it is not asked for.
    pub async fn inspection(&self, id: &str) -> StorageResult<Option<InspectionDetail>> {
        if id.contains('\0') {
            return Ok(None);
        }
        let d = self.storage.dialect();
        let Some(row) = self.rows(query::inspection(d, self.scope, id)).await?.into_iter().next() else {
            return Ok(None);
        };
        let inspection = inspection_row(&row)?;
        Ok(Some(InspectionDetail {
            inspection,
            answers: self.answers(id).await?,
            findings: self.findings(id).await?,
            photos: self.photos(id).await?,
            signatures: self.signatures(id).await?,
            conflicts: self.conflicts(id).await?,
            hazards: self
                .rows(query::hazards_of(d, self.scope, id, self.today))
                .await?
                .iter()
                .map(hazard_row)
                .collect::<StorageResult<_>>()?,
            history: self.history(id).await?,
        }))
    }

    /// One hazard with its timeline; `None` as for [`Reader::inspection`].
    pub async fn hazard(&self, id: &str) -> StorageResult<Option<HazardDetail>> {
        if id.contains('\0') {
            return Ok(None);
        }
        let d = self.storage.dialect();
        let Some(row) = self.rows(query::hazard(d, self.scope, id, self.today)).await?.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(HazardDetail {
            hazard: hazard_row(&row)?,
            timeline: self.timeline(id).await?,
            photos: self.photos(id).await?,
            conflicts: self.conflicts(id).await?,
            history: self.history(id).await?,
        }))
    }

    async fn answers(&self, id: &str) -> StorageResult<Vec<AnswerRow>> {
        let cols = "doc_id, item_id, section_id, value, result, importance, major_hazard, note, by_id, by_name, at";
        let rows = self.rows(query::children(self.storage.dialect(), "rm_answers", cols, id, "item_id")).await?;
        rows.iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok(AnswerRow {
                    inspection_id: c.text()?,
                    item_id: c.text()?,
                    section_id: c.opt_text()?,
                    value: c.text()?,
                    result: c.opt_text()?,
                    importance: c.opt_text()?,
                    major_hazard: c.opt_text()?,
                    note: c.opt_text()?,
                    by_id: c.text()?,
                    by_name: c.text()?,
                    at: c.int()?,
                })
            })
            .collect()
    }

    async fn findings(&self, id: &str) -> StorageResult<Vec<FindingRow>> {
        let cols = "doc_id, finding_id, item_id, description, grade, deadline, responsible, by_id, by_name, at, lat, lon";
        let rows = self.rows(query::children(self.storage.dialect(), "rm_findings", cols, id, "at, finding_id")).await?;
        rows.iter().map(|r| finding_row(&mut Cells::new(r))).collect()
    }

    async fn photos(&self, id: &str) -> StorageResult<Vec<PhotoRow>> {
        let cols = "photo_id, hash, thumb_hash, owner_kind, owner_id, taken_at, lat, lon, by_id, by_name, width, height, size";
        let rows = self.rows(query::children(self.storage.dialect(), "rm_photos", cols, id, "taken_at, photo_id")).await?;
        rows.iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok(PhotoRow {
                    photo_id: c.text()?,
                    hash: c.text()?,
                    thumb_hash: c.opt_text()?,
                    owner_kind: c.text()?,
                    owner_id: c.text()?,
                    taken_at: c.int()?,
                    location: c.location()?,
                    by_id: c.text()?,
                    by_name: c.text()?,
                    width: c.int()?,
                    height: c.int()?,
                    size: c.int()?,
                })
            })
            .collect()
    }

    async fn signatures(&self, id: &str) -> StorageResult<Vec<SignatureRow>> {
        let cols = "sig_id, signer_name, role, image_hash, by_name, at";
        let rows = self.rows(query::children(self.storage.dialect(), "rm_signatures", cols, id, "at, sig_id")).await?;
        rows.iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok(SignatureRow {
                    sig_id: c.text()?,
                    signer_name: c.text()?,
                    role: c.text()?,
                    image_hash: c.text()?,
                    by_name: c.text()?,
                    at: c.int()?,
                })
            })
            .collect()
    }

    async fn conflicts(&self, id: &str) -> StorageResult<Vec<ConflictRow>> {
        let rows = self.rows(query::children(self.storage.dialect(), "rm_conflicts", "path, conflict_values", id, "path")).await?;
        rows.iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok(ConflictRow { path: c.text()?, values: c.text()? })
            })
            .collect()
    }

    async fn timeline(&self, id: &str) -> StorageResult<Vec<TransitionRow>> {
        let cols = "seq, transition_id, action, detail, by_id, by_name, role, at, note, evidence";
        let rows = self.rows(query::children(self.storage.dialect(), "rm_transitions", cols, id, "seq")).await?;
        rows.iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok(TransitionRow {
                    seq: c.int()?,
                    transition_id: c.text()?,
                    action: c.text()?,
                    detail: c.text()?,
                    by_id: c.text()?,
                    by_name: c.text()?,
                    role: c.text()?,
                    at: c.int()?,
                    note: c.text()?,
                    evidence: c.text()?,
                })
            })
            .collect()
    }

    /// The document's accepted changes, read from the change feed: the
    /// change's own time and operation count, the device that sent it and
    /// that device's user. The shared skeleton change is left out.
    async fn history(&self, id: &str) -> StorageResult<Vec<ChangeRow>> {
        let rows = self.rows(query::history(self.storage.dialect(), id)).await?;
        let mut out = vec![];
        for r in &rows {
            let mut c = Cells::new(r);
            let (seq, device_id, user_name, bytes) = (c.int()?, c.text()?, c.opt_text()?, c.bytes()?);
            let change = automerge::Change::from_bytes(bytes).map_err(|e| StorageError::Corrupt(format!("change {seq}: {e}")))?;
            if change.timestamp() == 0 {
                continue;
            }
            out.push(ChangeRow { seq, device_id, user_name, at: change.timestamp() * 1000, operations: change.len() as i64 });
        }
        Ok(out)
    }

    pub async fn sites(&self) -> StorageResult<Vec<SiteRow>> {
        let d = self.storage.dialect();
        let counts: std::collections::HashMap<String, (i64, i64)> = self
            .rows(query::site_counts(d, self.scope, self.today))
            .await?
            .iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok((c.text()?, (c.opt_int()?.unwrap_or(0), c.opt_int()?.unwrap_or(0))))
            })
            .collect::<StorageResult<_>>()?;
        let last: std::collections::HashMap<String, i64> = self
            .rows(query::site_last_inspected(d, self.scope))
            .await?
            .iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok((c.text()?, c.int()?))
            })
            .collect::<StorageResult<_>>()?;
        let sites = self.storage.sites_in(self.scope).await?;
        Ok(sites
            .into_iter()
            .map(|s| {
                let (open, overdue) = counts.get(&s.id).copied().unwrap_or((0, 0));
                SiteRow {
                    last_inspected: last.get(&s.id).copied(),
                    categories: s.categories.iter().map(crate::derive::code_of).collect(),
                    location: s.location.map(|p| Location { lat: p.lat, lon: p.lon }),
                    risk: s.risk.map(|r| crate::derive::code_of(&r)),
                    id: s.id,
                    name: s.name,
                    address: s.address,
                    area: s.area,
                    open_hazards: open,
                    overdue_hazards: overdue,
                }
            })
            .collect())
    }

    pub async fn people(&self) -> StorageResult<Vec<PersonRow>> {
        let rows = self.rows(query::people(self.storage.dialect(), self.scope)).await?;
        rows.iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok(PersonRow { user_id: c.text()?, name: c.text()?, documents: c.int()? })
            })
            .collect()
    }
}
