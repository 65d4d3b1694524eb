//! Each device's task list, sent with its sync as scoped reference data:
//! the tasks of active plans given to its user (by name, or to the
//! community assistants when the user is one), on sites in the user's
//! scope, from three months back to two months ahead
//! ([`redline_domain::plan::on_device`]). The list replaces what the device
//! held; its version changes with any plan, the day, the user's scope or
//! role, so an unchanged list is not sent again.

use crate::PlanResult;
use crate::sql;
use redline_domain::inspection::InspectionKind;
use redline_domain::people::Role;
use redline_domain::plan::{Assignee, DEVICE_DAYS_AHEAD, DEVICE_DAYS_BACK, Task};
use redline_domain::time::Date;
use redline_read_models::reader::Cells;
use redline_storage::sql::Sql;
use redline_storage::{Principal, Storage, StorageError};

/// The version of the task list `who` would get on `today`.
pub async fn version(storage: &dyn Storage, who: &Principal, today: Date) -> PlanResult<String> {
    let rows = storage.query(sql::counter(storage.dialect())).await?;
    let counter = rows.first().and_then(|r| r.first()).and_then(|v| v.int()).unwrap_or(0);
    Ok(format!("{counter}:{today}:{}:{}:{}", who.scope.fingerprint(), who.user_id, who.role.as_str()))
}

/// The tasks `who` carries on `today`, by due date.
pub async fn tasks_for(storage: &dyn Storage, who: &Principal, today: Date) -> PlanResult<Vec<Task>> {
    let mut s = Sql::new(storage.dialect());
    s.push(
        "SELECT t.id, t.plan_id, p.name, t.kind, t.site_id, t.template_id, t.starts_on, t.due_on, t.assignee_kind, t.assignee_user, p.notes \
         FROM plan_tasks t JOIN plans p ON p.id = t.plan_id WHERE p.status = 'active' AND ",
    );
    s.scope(&who.scope, "t");
    s.push(" AND (t.assignee_user = ").bind(who.user_id.as_str());
    if who.role == Role::CommunityAssistant {
        s.push(" OR t.assignee_kind = 'assistants'");
    }
    s.push(") AND t.due_on >= ").bind(today.add_days(-DEVICE_DAYS_BACK).to_string());
    s.push(" AND t.starts_on <= ").bind(today.add_days(DEVICE_DAYS_AHEAD).to_string());
    s.push(" ORDER BY t.due_on, t.id");
    storage.query(s).await?.iter().map(|row| read_task(row.as_slice())).collect()
}

fn read_task(row: &[redline_storage::sql::Value]) -> PlanResult<Task> {
    let corrupt = |what: &str| StorageError::Corrupt(format!("task row: {what}"));
    let mut c = Cells::new(row);
    let (id, plan_id, plan_name) = (c.text()?, c.text()?, c.text()?);
    let kind = InspectionKind::parse(&c.text()?).ok_or_else(|| corrupt("kind"))?;
    let (site_id, template_id) = (c.text()?, c.text()?);
    let starts = Date::parse(&c.text()?).ok_or_else(|| corrupt("start"))?;
    let due = Date::parse(&c.text()?).ok_or_else(|| corrupt("due"))?;
    let assignee = Assignee::from_parts(&c.text()?, c.opt_text()?).ok_or_else(|| corrupt("assignee"))?;
    let notes = c.text()?;
    Ok(Task { id, plan_id, plan_name, kind, site_id, template_id, starts, due, assignee, notes })
}
