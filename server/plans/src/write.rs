//! Writing plans: check the form, resolve the sites within the author's
//! scope, expand, and store the plan with its tasks in one transaction.
//! A change re-expands: open tasks follow the new plan, tasks no longer in
//! it are withdrawn, done tasks stay as they were. Cancelling withdraws
//! every open task.

use crate::sql::{self, Place};
use crate::{PlanError, PlanRecord, PlanResult, SiteChoice};
use redline_domain::inspection::InspectionKind;
use redline_domain::people::Person;
use redline_domain::plan::{self, Assignee, PlanSpec, PlanStatus, Repeat, Schedule};
use redline_domain::site::Site;
use redline_domain::time::{Date, now_millis};
use redline_read_models::reader::Cells;
use redline_storage::sql::{Sql, Value};
use redline_storage::{Principal, Scope, Storage};
use std::collections::{BTreeSet, HashMap};

/// At most this many tasks in one plan (2,000 sites for a year of months
/// is 24,000).
pub const MAX_TASKS: usize = 60_000;

pub async fn create_plan(storage: &dyn Storage, author: &Principal, spec: PlanSpec, choice: &SiteChoice) -> PlanResult<PlanRecord> {
    let id = uuid::Uuid::new_v4().to_string();
    write(storage, author, &id, spec, choice, None).await
}

/// Replaces a plan the author can see; its open tasks follow.
pub async fn update_plan(
    storage: &dyn Storage,
    author: &Principal,
    id: &str,
    spec: PlanSpec,
    choice: &SiteChoice,
) -> PlanResult<PlanRecord> {
    let old = plan(storage, &author.scope, id).await?.ok_or(PlanError::NotFound)?;
    if old.status == PlanStatus::Cancelled {
        return Err(PlanError::Invalid("the plan is cancelled".into()));
    }
    write(storage, author, id, spec, choice, Some(old)).await
}

/// Cancels a plan: its open tasks leave every device; done ones stay.
pub async fn cancel_plan(storage: &dyn Storage, author: &Principal, id: &str) -> PlanResult<PlanRecord> {
    require_planner(author)?;
    let mut old = plan(storage, &author.scope, id).await?.ok_or(PlanError::NotFound)?;
    let d = storage.dialect();
    let revision = next_revision(old.updated_at);
    old.status = PlanStatus::Cancelled;
    old.updated_at = revision;
    storage
        .execute(vec![sql::put_plan(d, plan_values(&old, revision)), sql::drop_stale_tasks(d, id, revision + 1), sql::bump_counter(d)])
        .await?;
    Ok(old)
}

/// One plan as `scope` sees it: `None` when it does not exist or none of
/// its sites is in scope.
pub async fn plan(storage: &dyn Storage, scope: &Scope, id: &str) -> PlanResult<Option<PlanRecord>> {
    if id.contains('\0') {
        return Ok(None);
    }
    let d = storage.dialect();
    let Some(row) = storage.query(sql::select_plan(d, id)).await?.into_iter().next() else { return Ok(None) };
    let record = read_plan(&row)?;
    let all_sites = storage.sites_in(scope).await?;
    let visible: BTreeSet<&str> = all_sites.iter().map(|s| s.id.as_str()).collect();
    Ok(record.sites.iter().any(|s| visible.contains(s.as_str())).then_some(record))
}

fn require_planner(author: &Principal) -> PlanResult<()> {
    if author.role.is_supervisor() { Ok(()) } else { Err(PlanError::NotAllowed) }
}

/// Revisions order a plan's writes; a clock step back cannot reuse one.
fn next_revision(previous: i64) -> i64 {
    now_millis().max(previous + 1)
}

async fn write(
    storage: &dyn Storage,
    author: &Principal,
    id: &str,
    spec: PlanSpec,
    choice: &SiteChoice,
    old: Option<PlanRecord>,
) -> PlanResult<PlanRecord> {
    require_planner(author)?;
    let assignee = match &spec.assignee {
        Assignee::Person { user_id } => Some(
            storage
                .users()
                .await?
                .into_iter()
                .find(|u| &u.id == user_id)
                .ok_or_else(|| PlanError::Invalid(format!("no user {user_id:?}")))?,
        ),
        Assignee::Assistants => None,
    };
    spec.check(assignee.as_ref().map(|u| u.role))?;
    check_template(storage, &spec.template_id).await?;
    let in_scope = storage.sites_in(&author.scope).await?;
    let sites = choose(storage, &author.scope, &in_scope, choice).await?;
    if sites.is_empty() {
        return Err(PlanError::Invalid("no site matches the choice".into()));
    }
    let by_id: HashMap<&str, &Site> = in_scope.iter().map(|s| (s.id.as_str(), s)).collect();
    check_reach(storage, &spec.assignee, assignee.as_ref().map(|u| &u.scope), &sites).await?;
    let site_ids: Vec<String> = sites.iter().map(|s| s.id.clone()).collect();
    let tasks = plan::expand(id, &spec, &site_ids)?;
    if tasks.len() > MAX_TASKS {
        return Err(PlanError::Invalid(format!("the plan would make {} tasks; at most {MAX_TASKS}", tasks.len())));
    }
    let now = now_millis();
    let revision = next_revision(old.as_ref().map_or(0, |o| o.updated_at));
    let record = PlanRecord {
        id: id.to_string(),
        spec,
        sites: site_ids,
        status: PlanStatus::Active,
        created_by: old
            .as_ref()
            .map_or_else(|| Person { user_id: author.user_id.clone(), name: author.name.clone() }, |o| o.created_by.clone()),
        created_at: old.as_ref().map_or(now, |o| o.created_at),
        updated_at: revision,
    };
    let d = storage.dialect();
    let place = |site: &str| by_id.get(site).map_or(Place { name: "", area: "" }, |s| Place { name: &s.name, area: &s.area });
    let mut stmts = vec![sql::put_plan(d, plan_values(&record, revision))];
    stmts.extend(sql::upsert_tasks(d, &tasks, place, revision));
    stmts.push(sql::drop_stale_tasks(d, id, revision));
    stmts.push(sql::bump_counter(d));
    storage.execute(stmts).await?;
    Ok(record)
}

async fn check_template(storage: &dyn Storage, id: &str) -> PlanResult<()> {
    if redline_domain::template::builtin_templates().iter().any(|t| t.id == id) {
        return Ok(());
    }
    let known = storage.templates().await?.iter().any(|json| {
        serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(|i| i == id))
            .unwrap_or(false)
    });
    if known { Ok(()) } else { Err(PlanError::Invalid(format!("no checklist {id:?}"))) }
}

/// The sites of `choice`, all within the author's scope (`in_scope`); a
/// listed site outside it is reported exactly as one that does not exist.
async fn choose<'a>(storage: &dyn Storage, scope: &Scope, in_scope: &'a [Site], choice: &SiteChoice) -> PlanResult<Vec<&'a Site>> {
    let within = |area: &Option<String>, s: &Site| {
        area.as_ref().is_none_or(|a| Scope { areas: vec![a.clone()], sites: vec![] }.contains(&s.id, &s.area))
    };
    match choice {
        SiteChoice::Listed { sites } => {
            let by_id: HashMap<&str, &Site> = in_scope.iter().map(|s| (s.id.as_str(), s)).collect();
            let mut seen = BTreeSet::new();
            let mut out = vec![];
            for id in sites.iter().filter(|id| seen.insert(id.as_str())) {
                out.push(*by_id.get(id.as_str()).ok_or_else(|| PlanError::Invalid(format!("no site {id:?}")))?);
            }
            Ok(out)
        }
        SiteChoice::Filter { category, area, risk } => Ok(in_scope
            .iter()
            .filter(|s| category.is_none_or(|c| s.categories.contains(&c)) && risk.is_none_or(|r| s.risk == Some(r)) && within(area, s))
            .collect()),
        SiteChoice::ClosedHazards { area, closed_from, closed_until } => {
            let ids = closed_hazard_sites(storage, scope, *closed_from, *closed_until).await?;
            Ok(in_scope.iter().filter(|s| ids.contains(&s.id) && within(area, s)).collect())
        }
    }
}

async fn closed_hazard_sites(
    storage: &dyn Storage,
    scope: &Scope,
    from: Option<Date>,
    until: Option<Date>,
) -> PlanResult<BTreeSet<String>> {
    let mut s = Sql::new(storage.dialect());
    s.push("SELECT DISTINCT h.site_id FROM rm_hazards h WHERE h.state = 'closed' AND ").scope(scope, "h");
    if let Some(f) = from {
        s.push(" AND h.closed_at >= ").bind(f.start_millis());
    }
    if let Some(u) = until {
        s.push(" AND h.closed_at < ").bind(u.add_days(1).start_millis());
    }
    let rows = storage.query(s).await?;
    Ok(rows.iter().filter_map(|r| r.first().and_then(|v| v.text()).map(str::to_string)).collect())
}

/// Every task must reach someone: a named person whose scope covers the
/// site, or at least one community assistant of the site's community.
async fn check_reach(storage: &dyn Storage, assignee: &Assignee, person_scope: Option<&Scope>, sites: &[&Site]) -> PlanResult<()> {
    let unreached: Vec<&str> = match assignee {
        Assignee::Person { .. } => {
            let scope = person_scope.cloned().unwrap_or_default();
            sites.iter().filter(|s| !scope.contains(&s.id, &s.area)).map(|s| s.name.as_str()).collect()
        }
        Assignee::Assistants => {
            let assistants: Vec<Scope> = storage
                .users()
                .await?
                .into_iter()
                .filter(|u| u.role == redline_domain::people::Role::CommunityAssistant)
                .map(|u| u.scope)
                .collect();
            sites.iter().filter(|s| !assistants.iter().any(|a| a.contains(&s.id, &s.area))).map(|s| s.name.as_str()).collect()
        }
    };
    if unreached.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = unreached.iter().take(5).copied().collect();
    let who =
        if matches!(assignee, Assignee::Assistants) { "no community assistant covers" } else { "the assignee's scope does not cover" };
    Err(PlanError::Invalid(format!("{who} {} of the sites: {}", unreached.len(), shown.join("、"))))
}

fn plan_values(p: &PlanRecord, revision: i64) -> Vec<Value> {
    let s = &p.spec;
    vec![
        p.id.as_str().into(),
        s.name.trim().into(),
        s.kind.as_str().into(),
        s.template_id.as_str().into(),
        s.assignee.code().into(),
        Value::Text(s.assignee.user_id().map(str::to_string)),
        s.schedule.repeat.as_str().into(),
        s.schedule.starts.to_string().into(),
        s.schedule.until.to_string().into(),
        s.notes.as_str().into(),
        serde_json::to_string(&p.sites).expect("ids serialise").into(),
        p.status.as_str().into(),
        p.created_by.user_id.as_str().into(),
        p.created_by.name.as_str().into(),
        p.created_at.into(),
        p.updated_at.into(),
        revision.into(),
    ]
}

pub(crate) fn read_plan(row: &[Value]) -> PlanResult<PlanRecord> {
    let corrupt = |what: &str| PlanError::Storage(redline_storage::StorageError::Corrupt(format!("plan row: {what}")));
    let mut c = Cells::new(row);
    let id = c.text()?;
    let name = c.text()?;
    let kind = InspectionKind::parse(&c.text()?).ok_or_else(|| corrupt("kind"))?;
    let template_id = c.text()?;
    let assignee = Assignee::from_parts(&c.text()?, c.opt_text()?).ok_or_else(|| corrupt("assignee"))?;
    let repeat = Repeat::parse(&c.text()?).ok_or_else(|| corrupt("repeat"))?;
    let starts = Date::parse(&c.text()?).ok_or_else(|| corrupt("start"))?;
    let until = Date::parse(&c.text()?).ok_or_else(|| corrupt("end"))?;
    let notes = c.text()?;
    let sites: Vec<String> = serde_json::from_str(&c.text()?).map_err(|_| corrupt("sites"))?;
    let status = PlanStatus::parse(&c.text()?).ok_or_else(|| corrupt("status"))?;
    let created_by = Person { user_id: c.text()?, name: c.text()? };
    let created_at = c.int()?;
    let updated_at = c.int()?;
    let spec = PlanSpec { name, kind, template_id, assignee, schedule: Schedule { repeat, starts, until }, notes };
    Ok(PlanRecord { id, spec, sites, status, created_by, created_at, updated_at })
}
