//! Typed views out of result rows: [`Cells`] reads one row's columns in
//! the order a query selected them, refusing a cell of the wrong type as
//! unreadable stored data, and the row functions turn the list queries'
//! columns (`query::INSPECTION_COLS`, `query::HAZARD_COLS`) into views.

use crate::views::*;
use redline_storage::sql::{Row, Value};
use redline_storage::{StorageError, StorageResult};

/// Reads cells of one row in order, refusing a cell of the wrong type as
/// unreadable stored data.
pub struct Cells<'a> {
    row: &'a [Value],
    next: usize,
}

impl<'a> Cells<'a> {
    pub fn new(row: &'a [Value]) -> Cells<'a> {
        Cells { row, next: 0 }
    }

    fn cell(&mut self) -> StorageResult<&'a Value> {
        let v = self.row.get(self.next).ok_or_else(|| StorageError::Corrupt(format!("row has no column {}", self.next)))?;
        self.next += 1;
        Ok(v)
    }

    pub fn opt_text(&mut self) -> StorageResult<Option<String>> {
        match self.cell()? {
            Value::Text(t) => Ok(t.clone()),
            Value::Int(None) | Value::Real(None) | Value::Bytes(None) => Ok(None),
            other => Err(StorageError::Corrupt(format!("expected text, found {other:?}"))),
        }
    }

    pub fn text(&mut self) -> StorageResult<String> {
        let at = self.next;
        self.opt_text()?.ok_or_else(|| StorageError::Corrupt(format!("column {at} is NULL")))
    }

    pub fn opt_int(&mut self) -> StorageResult<Option<i64>> {
        match self.cell()? {
            Value::Text(None) | Value::Bytes(None) => Ok(None),
            Value::Text(Some(t)) => Err(StorageError::Corrupt(format!("expected a number, found {t:?}"))),
            v => Ok(v.int()),
        }
    }

    pub fn int(&mut self) -> StorageResult<i64> {
        let at = self.next;
        self.opt_int()?.ok_or_else(|| StorageError::Corrupt(format!("column {at} is NULL")))
    }

    pub fn opt_real(&mut self) -> StorageResult<Option<f64>> {
        match self.cell()? {
            Value::Text(None) | Value::Bytes(None) => Ok(None),
            Value::Text(Some(t)) => Err(StorageError::Corrupt(format!("expected a number, found {t:?}"))),
            v => Ok(v.real()),
        }
    }

    pub fn bytes(&mut self) -> StorageResult<Vec<u8>> {
        match self.cell()? {
            Value::Bytes(Some(b)) => Ok(b.clone()),
            other => Err(StorageError::Corrupt(format!("expected bytes, found {other:?}"))),
        }
    }

    pub fn location(&mut self) -> StorageResult<Option<Location>> {
        Ok(match (self.opt_real()?, self.opt_real()?) {
            (Some(lat), Some(lon)) => Some(Location { lat, lon }),
            _ => None,
        })
    }
}

pub fn inspection_row(r: &Row) -> StorageResult<InspectionRow> {
    let mut c = Cells::new(r);
    Ok(InspectionRow {
        id: c.text()?,
        site_id: c.text()?,
        site_name: c.text()?,
        area: c.text()?,
        kind: c.text()?,
        template_id: c.text()?,
        template_version: c.int()?,
        status: c.text()?,
        started_at: c.int()?,
        finished_at: c.opt_int()?,
        day: c.text()?,
        created_by: c.text()?,
        created_by_name: c.text()?,
        submitted_by_name: c.opt_text()?,
        inspector_names: c.text()?,
        outcome: c.opt_text()?,
        score: c.opt_real()?,
        visible: c.int()?,
        answered: c.int()?,
        passed: c.int()?,
        failed: c.int()?,
        not_applicable: c.int()?,
        failed_by_importance: FailedByImportance { critical: c.int()?, key: c.int()?, general: c.int()? },
        major: c.int()?,
        findings: c.int()?,
        photos: c.int()?,
        conflicts: c.int()?,
        location: c.location()?,
    })
}

pub fn hazard_row(r: &Row) -> StorageResult<HazardRow> {
    let mut c = Cells::new(r);
    let mut h = HazardRow {
        id: c.text()?,
        site_id: c.text()?,
        site_name: c.text()?,
        area: c.text()?,
        inspection_id: c.text()?,
        finding_id: c.text()?,
        item_id: c.opt_text()?,
        description: c.text()?,
        grade: c.text()?,
        state: c.text()?,
        open: c.int()? != 0,
        overdue: false,
        deadline: c.opt_text()?,
        original_deadline: c.opt_text()?,
        responsible: c.opt_text()?,
        listed: c.opt_text()?,
        pending_extension: c.int()? != 0,
        look_backs: c.int()?,
        relapses: c.int()?,
        found_by: c.text()?,
        found_by_name: c.text()?,
        found_at: c.int()?,
        closed_at: c.opt_int()?,
        last_at: c.int()?,
        location: c.location()?,
    };
    h.overdue = c.int()? != 0;
    Ok(h)
}

pub fn finding_row(c: &mut Cells<'_>) -> StorageResult<FindingRow> {
    Ok(FindingRow {
        inspection_id: c.text()?,
        finding_id: c.text()?,
        item_id: c.opt_text()?,
        description: c.text()?,
        grade: c.text()?,
        deadline: c.opt_text()?,
        responsible: c.opt_text()?,
        by_id: c.text()?,
        by_name: c.text()?,
        at: c.int()?,
        location: c.location()?,
    })
}
