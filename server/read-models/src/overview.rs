//! The supervisor's overview for a period and an area: a handful of grouped
//! counts over the read models, each one query in scope. Inspections and
//! found/closed counts follow the period; open, overdue and listed hazards
//! are as of today, which is what "open" means on the phone too.

use crate::filter::OverviewQuery;
use crate::reader::{Cells, Reader};
use crate::views::{Count, LookBackOutcomes, Overview, WeekCounts};
use redline_domain::listing::overdue_sql;
use redline_domain::time::Date;
use redline_storage::StorageResult;
use redline_storage::sql::Sql;

const DAY_MS: i64 = 86_400_000;

/// What the overview says about the hazards open today.
#[derive(Default)]
struct OpenCounts {
    by_grade: Vec<Count>,
    by_age: Vec<Count>,
    overdue: i64,
    listed: i64,
}
const WEEK_MS: i64 = 7 * DAY_MS;
/// Up to this long a period's hazards are few enough to check one by one.
const SHORT_PERIOD_MS: i64 = 92 * DAY_MS;

/// `[from, until)` of the overview's period in unix ms.
fn bounds(q: &OverviewQuery) -> (i64, i64) {
    (q.from.start_millis(), q.to.add_days(1).start_millis())
}

/// The Monday on or before `d` (1970-01-01 was a Thursday).
fn monday_of(d: Date) -> Date {
    let epoch = Date::from_ymd(1970, 1, 1).expect("a date");
    let days = epoch.days_until(d);
    d.add_days(-(days + 3).rem_euclid(7))
}

impl Reader<'_> {
    /// `SELECT <select> FROM <from> WHERE scope AND area [AND <extra>]`, the
    /// extra condition written by `more` on the same statement.
    fn counted(&self, select: &str, from: &str, alias: &str, q: &OverviewQuery, more: impl FnOnce(&mut Sql)) -> Sql {
        let mut s = Sql::new(self.storage.dialect());
        s.push(&format!("SELECT {select} FROM {from} WHERE ")).scope(self.scope, alias);
        if let Some(a) = &q.area {
            s.push(" AND ").scope(&redline_storage::Scope { areas: vec![a.clone()], sites: vec![] }, alias);
        }
        more(&mut s);
        s
    }

    async fn counts(&self, s: Sql) -> StorageResult<Vec<Count>> {
        let rows = self.storage.query(s).await?;
        rows.iter()
            .map(|r| {
                let mut c = Cells::new(r);
                Ok(Count { key: c.opt_text()?.unwrap_or_default(), count: c.int()? })
            })
            .collect()
    }

    async fn one(&self, s: Sql) -> StorageResult<i64> {
        let rows = self.storage.query(s).await?;
        Ok(rows.first().map(|r| Cells::new(r).opt_int()).transpose()?.flatten().unwrap_or(0))
    }

    /// Open hazards by grade and by age, and how many are overdue and
    /// listed: one pass over the open hazards (the partial index of
    /// migration 5), grouped by grade and age bucket, folded here.
    async fn open_hazards(&self, q: &OverviewQuery) -> StorageResult<OpenCounts> {
        let now = self.today.add_days(1).start_millis();
        let age = format!(
            "CASE WHEN h.found_at >= {} THEN '0-7' WHEN h.found_at >= {} THEN '8-30' WHEN h.found_at >= {} THEN '31-90' ELSE '90+' END",
            now - 8 * DAY_MS,
            now - 31 * DAY_MS,
            now - 91 * DAY_MS
        );
        let select = format!(
            "h.grade, {age}, CAST(COUNT(*) AS BIGINT), CAST(SUM(CASE WHEN @overdue THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN h.listed IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)"
        );
        let (today, mut rule) = (self.today.to_string(), String::new());
        let mut s = self.counted(&select, "rm_hazards h", "h", q, |s| {
            rule = overdue_sql("h.state", "h.deadline", &s.placeholder(today));
            s.push(" AND h.open = 1 GROUP BY 1, 2");
        });
        // The overdue rule's placeholder is numbered after the scope's.
        s.text = s.text.replacen("@overdue", &rule, 1);
        let (mut by_grade, mut by_age) = (std::collections::BTreeMap::new(), std::collections::BTreeMap::new());
        let mut out = OpenCounts::default();
        for r in self.storage.query(s).await? {
            let mut c = Cells::new(&r);
            let (grade, age, n) = (c.text()?, c.text()?, c.int()?);
            out.overdue += c.opt_int()?.unwrap_or(0);
            out.listed += c.opt_int()?.unwrap_or(0);
            *by_grade.entry(grade).or_insert(0) += n;
            *by_age.entry(age).or_insert(0) += n;
        }
        out.by_grade = by_grade.into_iter().map(|(key, count)| Count { key, count }).collect();
        out.by_age = by_age.into_iter().map(|(key, count)| Count { key, count }).collect();
        Ok(out)
    }

    pub async fn overview(&self, q: &OverviewQuery) -> StorageResult<Overview> {
        let (from, until) = bounds(q);
        let in_period = |col: &'static str| {
            move |s: &mut Sql| {
                s.push(&format!(" AND {col} >= ")).bind(from).push(&format!(" AND {col} < ")).bind(until);
            }
        };
        let by_kind = self.counts(self.counted("i.kind, COUNT(*)", "rm_inspections i", "i", q, |s| {
            in_period("i.started_at")(s);
            s.push(" GROUP BY i.kind ORDER BY i.kind");
        }));
        let by_area = self.counts(self.counted("i.area, COUNT(*)", "rm_inspections i", "i", q, |s| {
            in_period("i.started_at")(s);
            s.push(" GROUP BY i.area ORDER BY i.area");
        }));
        let open = self.open_hazards(q);
        let look_back = self.counts(self.counted(
            "CASE WHEN t.detail LIKE '%\"relapsed\":true%' THEN 'not_fixed' ELSE 'fixed' END, COUNT(*)",
            "rm_transitions t",
            "t",
            q,
            |s| {
                s.push(" AND t.action = 'look_back'");
                in_period("t.at")(s);
                s.push(" GROUP BY 1");
            },
        ));
        let new_on_look_back = self.one(self.counted("COUNT(*)", "rm_hazards h", "h", q, |s| {
            in_period("h.found_at")(s);
            // Few hazards in a short period: check each one's inspection.
            // Many in a long one: list the look-back inspections once.
            if until - from <= SHORT_PERIOD_MS {
                s.push(" AND EXISTS (SELECT 1 FROM rm_inspections i WHERE i.doc_id = h.inspection_id AND i.kind = 'look_back')");
            } else {
                s.push(" AND h.inspection_id IN (SELECT doc_id FROM rm_inspections WHERE kind = 'look_back')");
            }
        }));
        let monday = monday_of(q.from).start_millis();
        let weekly = |col: &'static str| {
            self.counts(self.counted(&format!("CAST(({col} - {monday}) / {WEEK_MS} AS TEXT), COUNT(*)"), "rm_hazards h", "h", q, |s| {
                in_period(col)(s);
                s.push(" GROUP BY 1");
            }))
        };
        let (by_kind, by_area, open) = (by_kind.await?, by_area.await?, open.await?);
        let (look_back, new_on_look_back) = (look_back.await?, new_on_look_back.await?);
        let (found, closed) = (weekly("h.found_at").await?, weekly("h.closed_at").await?);
        let sites = self.storage.sites_in(self.scope).await?;
        let mut risk = std::collections::BTreeMap::<String, i64>::new();
        for s in sites.iter().filter(|s| q.area.as_ref().is_none_or(|a| s.area == *a || s.area.starts_with(&format!("{a}/")))) {
            *risk.entry(s.risk.map(|r| crate::derive::code_of(&r)).unwrap_or_else(|| "none".into())).or_default() += 1;
        }
        let count_of = |v: &[Count], k: &str| v.iter().find(|c| c.key == k).map_or(0, |c| c.count);
        let weeks = (0..=(monday_of(q.to).start_millis() - monday) / WEEK_MS)
            .map(|w| WeekCounts {
                week: Date::in_china(monday + w * WEEK_MS).to_string(),
                found: count_of(&found, &w.to_string()),
                closed: count_of(&closed, &w.to_string()),
            })
            .collect();
        Ok(Overview {
            from: q.from.to_string(),
            to: q.to.to_string(),
            area: q.area.clone(),
            inspections: by_kind.iter().map(|c| c.count).sum(),
            inspections_by_kind: by_kind,
            inspections_by_area: by_area,
            open_by_grade: open.by_grade,
            open_by_age: open.by_age,
            overdue: open.overdue,
            listed: open.listed,
            look_back: LookBackOutcomes {
                fixed: count_of(&look_back, "fixed"),
                not_fixed: count_of(&look_back, "not_fixed"),
                new: new_on_look_back,
            },
            sites_by_risk: risk.into_iter().map(|(key, count)| Count { key, count }).collect(),
            weeks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let d = Date::parse("2026-12-03").unwrap(); // a Thursday
        assert_eq!(monday_of(d).to_string(), "2026-11-30");
        assert_eq!(monday_of(Date::parse("2026-11-30").unwrap()).to_string(), "2026-11-30");
        assert_eq!(monday_of(Date::parse("2026-12-06").unwrap()).to_string(), "2026-11-30");
    }
}
