//! The lists screens draw, read from the index tables only. Rows and
//! filters carry the domain's typed states; the columns hold their codes
//! (`redline_sqlite::Coded`) and dates as `YYYY-MM-DD` text.

use super::columns::StoredOutcome;
use crate::doc::DocKind;
use crate::error::Result;
use crate::hazard::{HazardState, ListingLevel};
use crate::inspection::{Grade, InspectionKind, InspectionStatus, Outcome};
use crate::listing::overdue_sql;
use crate::time::Date;
use redline_sqlite::{Coded, DateText};
use rusqlite::{Connection, Row, ToSql};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionListItem {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub kind: InspectionKind,
    pub template_id: String,
    pub status: InspectionStatus,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub answered: u32,
    pub visible: u32,
    pub failed: u32,
    pub major: u32,
    /// `None` when it could not be scored (the checklist is not on this
    /// device).
    pub outcome: Option<Outcome>,
    pub conflicts: u32,
}

/// Which inspections to list. Empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InspectionQuery {
    pub status: Option<InspectionStatus>,
    pub site_id: Option<String>,
    /// Only those this user created or took part in.
    pub participant: Option<String>,
    /// Only those started on this day (China time): "today's inspections".
    pub day: Option<Date>,
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HazardListItem {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub inspection_id: String,
    pub item_id: Option<String>,
    pub description: String,
    pub grade: Grade,
    pub state: HazardState,
    pub deadline: Option<Date>,
    /// Past its deadline on the query's day and not yet reported fixed.
    pub overdue: bool,
    pub listed: Option<ListingLevel>,
    pub pending_extension: bool,
    pub found_at: i64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HazardQuery {
    pub open_only: bool,
    /// Only those overdue on `today`.
    pub overdue_only: bool,
    pub grade: Option<Grade>,
    pub site_id: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub doc_id: String,
    pub kind: DocKind,
    pub title: String,
    pub snippet: String,
}

const DEFAULT_LIMIT: u32 = 200;

fn inspection_row(r: &Row<'_>) -> rusqlite::Result<InspectionListItem> {
    Ok(InspectionListItem {
        id: r.get(0)?,
        site_id: r.get(1)?,
        site_name: r.get(2)?,
        kind: r.get::<_, Coded<_>>(3)?.0,
        template_id: r.get(4)?,
        status: r.get::<_, Coded<_>>(5)?.0,
        started_at: r.get(6)?,
        finished_at: r.get(7)?,
        answered: r.get(8)?,
        visible: r.get(9)?,
        failed: r.get(10)?,
        major: r.get(11)?,
        outcome: r.get::<_, StoredOutcome>(12)?.0,
        conflicts: r.get(13)?,
    })
}

fn hazard_row(r: &Row<'_>) -> rusqlite::Result<HazardListItem> {
    Ok(HazardListItem {
        id: r.get(0)?,
        site_id: r.get(1)?,
        site_name: r.get(2)?,
        inspection_id: r.get(3)?,
        item_id: r.get(4)?,
        description: r.get(5)?,
        grade: r.get::<_, Coded<_>>(6)?.0,
        state: r.get::<_, Coded<_>>(7)?.0,
        deadline: r.get::<_, Option<DateText>>(8)?.map(|d| d.0),
        overdue: r.get(9)?,
        listed: r.get::<_, Option<Coded<_>>>(10)?.map(|l| l.0),
        pending_extension: r.get(11)?,
        found_at: r.get(12)?,
    })
}

pub fn inspections(conn: &Connection, q: &InspectionQuery) -> Result<Vec<InspectionListItem>> {
    let mut sql = String::from(
        "SELECT id, site_id, site_name, kind, template_id, status, started_at, finished_at, answered, visible, failed,
                major, outcome, conflicts FROM inspection_index WHERE 1",
    );
    let mut args: Vec<Box<dyn ToSql>> = vec![];
    if let Some(s) = q.status {
        sql.push_str(" AND status = ?");
        args.push(Box::new(Coded(s)));
    }
    if let Some(s) = &q.site_id {
        sql.push_str(" AND site_id = ?");
        args.push(Box::new(s.clone()));
    }
    if let Some(u) = &q.participant {
        sql.push_str(" AND (created_by = ? OR inspector_ids LIKE ?)");
        args.push(Box::new(u.clone()));
        args.push(Box::new(format!("%,{},%", u.replace(['%', '_'], ""))));
    }
    if let Some(d) = q.day {
        sql.push_str(" AND started_day = ?");
        args.push(Box::new(DateText(d)));
    }
    sql.push_str(" ORDER BY started_at DESC LIMIT ?");
    args.push(Box::new(q.limit.unwrap_or(DEFAULT_LIMIT)));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())), inspection_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn hazards(conn: &Connection, q: &HazardQuery, today: Date) -> Result<Vec<HazardListItem>> {
    let overdue_expr = overdue_sql("state", "deadline", "?1");
    let mut sql = format!(
        "SELECT id, site_id, site_name, inspection_id, item_id, description, grade, state, deadline, {overdue_expr},
                listed, pending_extension, found_at FROM hazard_index WHERE 1"
    );
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(DateText(today))];
    if q.open_only || q.overdue_only {
        sql.push_str(" AND is_open = 1");
    }
    if q.overdue_only {
        sql.push_str(&format!(" AND {overdue_expr}"));
    }
    if let Some(g) = q.grade {
        sql.push_str(" AND grade = ?");
        args.push(Box::new(Coded(g)));
    }
    if let Some(s) = &q.site_id {
        sql.push_str(" AND site_id = ?");
        args.push(Box::new(s.clone()));
    }
    // Soonest deadline first (no deadline last), majors before generals.
    sql.push_str(" ORDER BY deadline IS NULL, deadline, grade DESC, found_at LIMIT ?");
    args.push(Box::new(q.limit.unwrap_or(DEFAULT_LIMIT)));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())), hazard_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Full-text search over site names, notes, findings and hazard histories.
/// Three or more characters use the trigram index; shorter queries (two
/// Chinese characters are a common word) scan with LIKE.
pub fn search(conn: &Connection, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(vec![]);
    }
    let map = |r: &Row<'_>| Ok(SearchHit { doc_id: r.get(0)?, kind: r.get::<_, Coded<_>>(1)?.0, title: r.get(2)?, snippet: r.get(3)? });
    let hits = if q.chars().count() >= 3 {
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        let mut stmt = conn.prepare_cached(
            "SELECT doc_id, kind, title, snippet(search_text, 3, '[', ']', '…', 12) FROM search_text
             WHERE search_text MATCH ?1 ORDER BY rank LIMIT ?2",
        )?;
        stmt.query_map(rusqlite::params![phrase, limit], map)?.collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        let pattern = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let mut stmt = conn.prepare_cached(
            "SELECT doc_id, kind, title, substr(body, 1, 80) FROM search_text
             WHERE title LIKE ?1 ESCAPE '\\' OR body LIKE ?1 ESCAPE '\\' LIMIT ?2",
        )?;
        stmt.query_map(rusqlite::params![pattern, limit], map)?.collect::<rusqlite::Result<Vec<_>>>()?
    };
    Ok(hits)
}
