//! The SQL of every list, detail and export, built once for both backends:
//! the caller's scope first (so out of scope is simply absent), then the
//! filters, then a keyset after the cursor in a stable order (newest
//! first, ties by id), so a page deep in the results costs what the first
//! does. "Overdue" is the shared domain's SQL rule, asked for today.

use crate::filter::{Cursor, HazardQuery, InspectionQuery, Listed, Period};
use redline_domain::listing::overdue_sql;
use redline_domain::time::Date;
use redline_storage::Scope;
use redline_storage::sql::{Dialect, Sql};

pub const INSPECTION_COLS: &str = "i.doc_id, i.site_id, i.site_name, i.area, i.kind, i.template_id, i.template_version, i.status, \
     i.started_at, i.finished_at, i.day, i.created_by, i.created_by_name, i.submitted_by_name, i.inspector_names, i.outcome, i.score, \
     i.visible, i.answered, i.passed, i.failed, i.not_applicable, i.failed_critical, i.failed_key, i.failed_general, i.major, \
     i.findings, i.photos, i.conflicts, i.lat, i.lon";

pub const HAZARD_COLS: &str = "h.doc_id, h.site_id, h.site_name, h.area, h.inspection_id, h.finding_id, h.item_id, h.description, \
     h.grade, h.state, h.open, h.deadline, h.original_deadline, h.responsible, h.listed, h.pending_extension, h.look_backs, \
     h.relapses, h.found_by, h.found_by_name, h.found_at, h.closed_at, h.last_at, h.lat, h.lon";

/// `AND (alias.area = a OR below a)` for an area filter.
fn area(s: &mut Sql, alias: &str, area: &Option<String>) {
    if let Some(a) = area {
        s.push(" AND ").scope(&Scope { areas: vec![a.clone()], sites: vec![] }, alias);
    }
}

fn eq(s: &mut Sql, column: &str, v: Option<&str>) {
    if let Some(v) = v {
        s.push(&format!(" AND {column} = ")).bind(v);
    }
}

fn period(s: &mut Sql, column: &str, p: &Period) {
    if let Some(f) = p.from {
        s.push(&format!(" AND {column} >= ")).bind(f);
    }
    if let Some(u) = p.until {
        s.push(&format!(" AND {column} < ")).bind(u);
    }
}

/// `AND (time, id)` strictly after the cursor in newest-first order.
fn keyset(s: &mut Sql, time: &str, id: &str, after: &Option<Cursor>) {
    if let Some(c) = after {
        s.push(&format!(" AND ({time} < ")).bind(c.at);
        s.push(&format!(" OR ({time} = ")).bind(c.at).push(&format!(" AND {id} < ")).bind(c.id.as_str()).push("))");
    }
}

/// The conditions of an inspection filter over alias `i` (scope first),
/// without paging: shared by the list and the exports.
pub fn inspection_where(s: &mut Sql, scope: &Scope, q: &InspectionQuery) {
    s.push(" WHERE ").scope(scope, "i");
    area(s, "i", &q.area);
    eq(s, "i.site_id", q.site.as_deref());
    eq(s, "i.kind", q.kind.map(|k| k.as_str()));
    eq(s, "i.template_id", q.template.as_deref());
    eq(s, "i.status", q.status.map(|k| k.as_str()));
    period(s, "i.started_at", &q.period);
    if let Some(who) = &q.inspector {
        s.push(" AND i.doc_id IN (SELECT doc_id FROM rm_people WHERE user_id = ").bind(who.as_str()).push(")");
    }
    if let Some(needle) = &q.q {
        s.push(" AND ");
        s.contains("i.search", needle);
    }
}

/// A page of inspections (one row more than the limit, to know if there is
/// a next page).
pub fn inspections(d: Dialect, scope: &Scope, q: &InspectionQuery) -> Sql {
    let mut s = Sql::new(d);
    s.push(&format!("SELECT {INSPECTION_COLS} FROM rm_inspections i"));
    inspection_where(&mut s, scope, q);
    keyset(&mut s, "i.started_at", "i.doc_id", &q.after);
    s.push(" ORDER BY i.started_at DESC, i.doc_id DESC LIMIT ").bind(i64::from(q.limit) + 1);
    s
}

/// The select list of hazards, with "overdue today" computed.
pub fn hazard_select(s: &mut Sql, today: Date) {
    let ph = s.placeholder(today.to_string());
    s.push(&format!("SELECT {HAZARD_COLS}, CASE WHEN {} THEN 1 ELSE 0 END AS overdue", overdue_sql("h.state", "h.deadline", &ph)));
}

pub fn hazard_where(s: &mut Sql, scope: &Scope, q: &HazardQuery, today: Date) {
    s.push(" WHERE ").scope(scope, "h");
    area(s, "h", &q.area);
    eq(s, "h.site_id", q.site.as_deref());
    eq(s, "h.grade", q.grade.map(|g| g.as_str()));
    eq(s, "h.state", q.state.map(|g| g.as_str()));
    // `open` is written as a literal, not bound: the planner proves from it
    // that the partial index of open hazards applies (migration 5).
    if let Some(open) = q.open {
        s.push(if open { " AND h.open = 1" } else { " AND h.open = 0" });
    }
    if let Some(overdue) = q.overdue {
        let ph = s.placeholder(today.to_string());
        let rule = overdue_sql("h.state", "h.deadline", &ph);
        // Only open hazards can be overdue; saying so lets the open index serve.
        s.push(&if overdue { format!(" AND h.open = 1 AND {rule}") } else { format!(" AND NOT {rule}") });
    }
    match q.listed {
        None => {}
        Some(Listed::Any) => {
            s.push(" AND h.listed IS NOT NULL");
        }
        Some(Listed::At(level)) => eq(s, "h.listed", Some(level.as_str())),
    }
    if let Some(who) = &q.inspector {
        s.push(" AND h.found_by = ").bind(who.as_str());
    }
    if let Some(kind) = q.kind {
        s.push(" AND h.inspection_id IN (SELECT doc_id FROM rm_inspections WHERE kind = ").bind(kind.as_str()).push(")");
    }
    period(s, "h.found_at", &q.period);
    if let Some(needle) = &q.q {
        s.push(" AND ");
        s.contains("h.search", needle);
    }
}

pub fn hazards(d: Dialect, scope: &Scope, q: &HazardQuery, today: Date) -> Sql {
    let mut s = Sql::new(d);
    hazard_select(&mut s, today);
    s.push(" FROM rm_hazards h");
    hazard_where(&mut s, scope, q, today);
    keyset(&mut s, "h.found_at", "h.doc_id", &q.after);
    s.push(" ORDER BY h.found_at DESC, h.doc_id DESC LIMIT ").bind(i64::from(q.limit) + 1);
    s
}

pub fn inspection(d: Dialect, scope: &Scope, id: &str) -> Sql {
    let mut s = Sql::new(d);
    s.push(&format!("SELECT {INSPECTION_COLS} FROM rm_inspections i WHERE i.doc_id = ")).bind(id).push(" AND ").scope(scope, "i");
    s
}

pub fn hazard(d: Dialect, scope: &Scope, id: &str, today: Date) -> Sql {
    let mut s = Sql::new(d);
    hazard_select(&mut s, today);
    s.push(" FROM rm_hazards h WHERE h.doc_id = ").bind(id).push(" AND ").scope(scope, "h");
    s
}

/// The hazards opened from one inspection's findings.
pub fn hazards_of(d: Dialect, scope: &Scope, inspection_id: &str, today: Date) -> Sql {
    let mut s = Sql::new(d);
    hazard_select(&mut s, today);
    s.push(" FROM rm_hazards h WHERE h.inspection_id = ").bind(inspection_id).push(" AND ").scope(scope, "h");
    s.push(" ORDER BY h.found_at, h.doc_id");
    s
}

/// Rows of one document's child table, in their natural order. The
/// document itself was found in scope first.
pub fn children(d: Dialect, table: &str, cols: &str, id: &str, order: &str) -> Sql {
    let mut s = Sql::new(d);
    s.push(&format!("SELECT {cols} FROM {table} WHERE doc_id = ")).bind(id).push(&format!(" ORDER BY {order}"));
    s
}

/// Every accepted change of one document with the device that sent it.
pub fn history(d: Dialect, id: &str) -> Sql {
    let mut s = Sql::new(d);
    s.push(
        "SELECT c.seq, c.device_id, u.name, c.bytes FROM changes c LEFT JOIN devices v ON v.id = c.device_id \
         LEFT JOIN users u ON u.id = v.user_id WHERE c.doc_id = ",
    )
    .bind(id)
    .push(" ORDER BY c.seq");
    s
}

/// Per site in scope: open and overdue hazards, and the last inspection.
pub fn site_counts(d: Dialect, scope: &Scope, today: Date) -> Sql {
    let mut s = Sql::new(d);
    let ph = s.placeholder(today.to_string());
    s.push(&format!(
        "SELECT h.site_id, CAST(COUNT(*) AS BIGINT), CAST(SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS BIGINT) FROM rm_hazards h WHERE ",
        overdue_sql("h.state", "h.deadline", &ph)
    ))
    .scope(scope, "h")
    // Closed hazards add nothing to either count.
    .push(" AND h.open = 1 GROUP BY h.site_id");
    s
}

pub fn site_last_inspected(d: Dialect, scope: &Scope) -> Sql {
    let mut s = Sql::new(d);
    s.push("SELECT i.site_id, MAX(i.started_at) FROM rm_inspections i WHERE ").scope(scope, "i").push(" GROUP BY i.site_id");
    s
}

pub fn people(d: Dialect, scope: &Scope) -> Sql {
    let mut s = Sql::new(d);
    s.push("SELECT p.user_id, MAX(p.name), COUNT(DISTINCT p.doc_id) FROM rm_people p WHERE ")
        .scope(scope, "p")
        .push(" GROUP BY p.user_id ORDER BY p.user_id");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use redline_domain::inspection::InspectionKind;

    #[test]
    fn scope_comes_before_every_filter_and_the_keyset_last() {
        let scope = Scope { areas: vec!["zj/jx".into()], sites: vec![] };
        let q = InspectionQuery {
            kind: Some(InspectionKind::Enforcement),
            after: Some(Cursor { at: 5, id: "x".into() }),
            limit: 10,
            ..Default::default()
        };
        let s = inspections(Dialect::Postgres, &scope, &q);
        let w = s.text.find(" WHERE (i.area = $1").expect("scope first");
        assert!(s.text.find("i.kind = $3").unwrap() > w);
        assert!(s.text.contains("(i.started_at < $4 OR (i.started_at = $5 AND i.doc_id < $6))"));
        assert!(s.text.ends_with("LIMIT $7"));
        assert_eq!(s.params.len(), 7);
    }
}
