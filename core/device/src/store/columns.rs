//! How the index tables hold what the lists show: typed states as their
//! codes (`redline_sqlite::Coded`), dates as `YYYY-MM-DD` text
//! (`redline_sqlite::DateText`), and the one column with a convention of
//! its own, the outcome, which holds `unknown` for an inspection that could
//! not be scored. Phone databases already hold these bytes, so the tests
//! here pin them.

use crate::inspection::Outcome;
use redline_domain::code::Code;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// What the outcome column holds when there is no outcome (the checklist
/// is not on this device).
const UNSCORED: &str = "unknown";

/// An inspection's outcome as the `outcome` column holds it: its code, or
/// `unknown` for none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct StoredOutcome(pub Option<Outcome>);

impl ToSql for StoredOutcome {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.map_or(UNSCORED, Outcome::code)))
    }
}

impl FromSql for StoredOutcome {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            // Empty was never meant to be written, but reads as "not scored".
            UNSCORED | "" => Ok(StoredOutcome(None)),
            code => Outcome::from_code(code)
                .map(|o| StoredOutcome(Some(o)))
                .ok_or_else(|| FromSqlError::Other(format!("unknown outcome {code:?}").into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{HazardDoc, InspectionDoc};
    use crate::hazard::{Action, HazardHeader, HazardState, ListingLevel};
    use crate::inspection::{Grade, InspectionHeader, InspectionKind, InspectionStatus};
    use crate::people::{Identity, Role};
    use crate::store::{DocKind, HazardQuery, InspectionQuery, index, queries, schema};
    use crate::template::builtin_template;
    use crate::time::{Date, Millis};
    use rusqlite::Connection;

    /// 2026-03-10 10:00 in China.
    const T0: Millis = 1_773_108_000_000;

    fn who(user: &str, role: Role) -> Identity {
        Identity { user_id: user.into(), name: user.into(), role, device_id: "device-1".into() }
    }

    fn database(dir: &tempfile::TempDir) -> Connection {
        let mut conn = Connection::open(dir.path().join("phone.db")).unwrap();
        schema::prepare(&mut conn).unwrap();
        conn
    }

    fn inspection_header(by: &Identity) -> InspectionHeader {
        InspectionHeader {
            task_id: None,
            site_id: "site-1".into(),
            site_name: "西湖化工仓库".into(),
            kind: InspectionKind::SelfInspection,
            template_id: "hazardous_chemicals".into(),
            template_version: builtin_template("hazardous_chemicals").unwrap().version,
            created_by: by.person(),
            started_at: T0,
        }
    }

    fn hazard_header(by: &Identity, deadline: Date) -> HazardHeader {
        HazardHeader {
            site_id: "site-1".into(),
            site_name: "西湖化工仓库".into(),
            inspection_id: "i-1".into(),
            finding_id: "h-1".into(),
            item_id: Some("H12".into()),
            description: "甲类仓库内使用非防爆照明灯具".into(),
            grade: Grade::Major,
            location: None,
            deadline: Some(deadline),
            responsible: Some("王经理".into()),
            found_by: by.person(),
            found_at: T0,
        }
    }

    #[test]
    fn outcomes_are_stored_as_codes_or_unknown() {
        let c = Connection::open_in_memory().unwrap();
        let text = |o| c.query_row("SELECT ?1", [StoredOutcome(o)], |r| r.get::<_, String>(0)).unwrap();
        assert_eq!(text(None), "unknown");
        assert_eq!(text(Some(Outcome::MajorHazard)), "major_hazard");
        let read = |sql: &str| c.query_row(sql, [], |r| r.get::<_, StoredOutcome>(0)).map(|o| o.0);
        assert_eq!(read("SELECT 'unknown'").unwrap(), None);
        assert_eq!(read("SELECT ''").unwrap(), None);
        assert_eq!(read("SELECT 'basically_pass'").unwrap(), Some(Outcome::BasicallyPass));
        assert!(read("SELECT 'melted'").unwrap_err().to_string().contains("unknown outcome"));
    }

    /// The index writes the same text it always did, and the lists read it
    /// back as typed rows.
    #[test]
    fn index_columns_keep_their_text_and_read_back_typed() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = database(&dir);
        let inspector = who("insp-1", Role::Inspector);
        let supervisor = who("sup-1", Role::Supervisor);
        let day = Date::in_china(T0);
        let deadline = day.add_days(3);

        let unscored = InspectionDoc::create("i-1", &inspection_header(&inspector), &inspector).unwrap().read().unwrap();
        let scored = InspectionDoc::create("i-2", &inspection_header(&inspector), &inspector).unwrap().read().unwrap();
        let summary = scored.summary(builtin_template("hazardous_chemicals").unwrap());
        let mut hazard = HazardDoc::create("h-1", &hazard_header(&inspector, deadline), &[], &inspector, T0).unwrap();
        hazard.transition(&supervisor, Action::List { level: ListingLevel::City }, "", &[], T0 + 1).unwrap();
        let tx = conn.transaction().unwrap();
        index::put_inspection(&tx, &unscored, None, T0).unwrap();
        index::put_inspection(&tx, &scored, Some(&summary), T0).unwrap();
        index::put_hazard(&tx, &hazard.read().unwrap(), T0).unwrap();
        tx.commit().unwrap();

        let texts = |sql: &str| -> Vec<Vec<Option<String>>> {
            let mut stmt = conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect()).unwrap().map(Result::unwrap).collect()
        };
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            texts("SELECT kind, status, started_day, outcome FROM inspection_index ORDER BY id"),
            [
                [s("self_inspection"), s("draft"), s("2026-03-10"), s("unknown")],
                [s("self_inspection"), s("draft"), s("2026-03-10"), s(summary.outcome.as_str())]
            ]
        );
        assert_eq!(
            texts("SELECT grade, state, deadline, listed FROM hazard_index"),
            [[s("major"), s("ordered"), s("2026-03-13"), s("city")]]
        );
        assert_eq!(texts("SELECT DISTINCT kind FROM search_text ORDER BY kind"), [[s("hazard")], [s("inspection")]]);

        let q = InspectionQuery { status: Some(InspectionStatus::Draft), day: Some(day), ..Default::default() };
        let mut rows = queries::inspections(&conn, &q).unwrap();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(
            rows.iter().map(|r| (r.kind, r.status, r.outcome)).collect::<Vec<_>>(),
            [
                (InspectionKind::SelfInspection, InspectionStatus::Draft, None),
                (InspectionKind::SelfInspection, InspectionStatus::Draft, Some(summary.outcome)),
            ]
        );
        assert!(
            queries::inspections(&conn, &InspectionQuery { status: Some(InspectionStatus::Submitted), ..Default::default() })
                .unwrap()
                .is_empty()
        );

        let majors = HazardQuery { grade: Some(Grade::Major), overdue_only: true, ..Default::default() };
        let listed = queries::hazards(&conn, &majors, deadline.add_days(1)).unwrap();
        assert_eq!(listed.len(), 1);
        let h = &listed[0];
        assert_eq!(
            (h.grade, h.state, h.deadline, h.listed, h.overdue),
            (Grade::Major, HazardState::Ordered, Some(deadline), Some(ListingLevel::City), true)
        );
        assert!(queries::hazards(&conn, &majors, deadline).unwrap().is_empty(), "due today is not overdue yet");
        assert!(queries::hazards(&conn, &HazardQuery { grade: Some(Grade::General), ..Default::default() }, day).unwrap().is_empty());

        let hits = queries::search(&conn, "非防爆照明", 10).unwrap();
        assert_eq!(hits.iter().map(|h| (h.doc_id.as_str(), h.kind)).collect::<Vec<_>>(), [("h-1", DocKind::Hazard)]);
    }
}
