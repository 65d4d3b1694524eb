//! The read-only pages: overview, inspection and hazard lists (every filter
//! in the URL, so a view can be bookmarked; export buttons for the current
//! filter), sites with the map. Each reads the read models through the same
//! `Reader` and filters as the JSON API, in the signed-in user's scope.

use crate::charts;
use crate::context::{Ctx, Page, WebError, html};
use crate::i18n::Texts;
use askama::Template;
use axum::extract::{Query, RawQuery, State};
use redline_api::state::AppState;
use redline_read_models::Reader;
use redline_read_models::export::china_time;
use redline_read_models::filter::{HazardParams, InspectionParams, OverviewParams};
use redline_read_models::views::{Count, HazardRow, InspectionRow};

pub fn reader<'a>(state: &'a AppState, ctx: &'a Ctx) -> Reader<'a> {
    Reader { storage: state.storage.as_ref(), scope: &ctx.session.scope, today: state.clock.today() }
}

/// The common frame of every signed-in page.
pub struct Frame {
    pub t: Texts,
    pub user: String,
    pub csrf: String,
    pub other_lang: &'static str,
    /// The nav shows the admin pages' link (to admins only).
    pub admin: bool,
}

impl Frame {
    pub fn of(ctx: &Ctx) -> Frame {
        Frame {
            t: ctx.t,
            user: ctx.session.name.clone(),
            csrf: ctx.session.csrf.clone(),
            other_lang: ctx.lang().other().code(),
            admin: ctx.session.role == redline_domain::people::Role::Admin,
        }
    }
}

fn labelled(t: &Texts, prefix: &str, counts: &[Count]) -> Vec<(String, i64)> {
    counts.iter().map(|c| (t.code(prefix, &c.key), c.count)).collect()
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    f: Frame,
    t: Texts,
    from: String,
    to: String,
    areas: Vec<(String, bool)>,
    inspections: i64,
    by_kind: String,
    by_area: String,
    by_grade: String,
    by_age: String,
    risk: String,
    weeks: String,
    overdue: i64,
    listed: i64,
    fixed: i64,
    not_fixed: i64,
    new: i64,
    numbers: Vec<(String, i64)>,
}

pub async fn overview(State(state): State<AppState>, ctx: Ctx, Query(p): Query<OverviewParams>) -> Page {
    let lang = ctx.lang();
    Page(overview_page(&state, &ctx, p).await, lang)
}

async fn overview_page(state: &AppState, ctx: &Ctx, p: OverviewParams) -> Result<axum::response::Response, WebError> {
    let t = ctx.t;
    let q = p.parse(state.clock.today())?;
    let o = reader(state, ctx).overview(&q).await?;
    // The area picker needs the sites' areas only, not their counts.
    let mut areas: Vec<String> = state.storage.sites_in(&ctx.session.scope).await?.into_iter().map(|s| s.area).collect();
    areas.sort();
    areas.dedup();
    let by_area: Vec<(String, i64)> = o.inspections_by_area.iter().map(|c| (c.key.clone(), c.count)).collect();
    let numbers = [labelled(&t, "kind", &o.inspections_by_kind), labelled(&t, "grade", &o.open_by_grade)].concat();
    html(OverviewPage {
        f: Frame::of(ctx),
        t,
        from: o.from.clone(),
        to: o.to.clone(),
        areas: areas.into_iter().map(|a| (a.clone(), o.area.as_deref() == Some(a.as_str()))).collect(),
        inspections: o.inspections,
        by_kind: charts::bars(&labelled(&t, "kind", &o.inspections_by_kind)),
        by_area: charts::bars(&by_area),
        by_grade: charts::bars(&labelled(&t, "grade", &o.open_by_grade)),
        by_age: charts::bars(&o.open_by_age.iter().map(|c| (c.key.clone(), c.count)).collect::<Vec<_>>()),
        risk: charts::bars(&labelled(&t, "risk", &o.sites_by_risk)),
        weeks: charts::weekly(
            &o.weeks.iter().map(|w| (w.week.clone(), w.found, w.closed)).collect::<Vec<_>>(),
            t.s("overview.found"),
            t.s("overview.closed"),
        ),
        overdue: o.overdue,
        listed: o.listed,
        fixed: o.look_back.fixed,
        not_fixed: o.look_back.not_fixed,
        new: o.look_back.new,
        numbers,
    })
}

/// One inspection as a list row shows it.
pub struct InspectionLine {
    pub id: String,
    pub day: String,
    pub site: String,
    pub area: String,
    pub kind: String,
    pub inspector: String,
    pub status: String,
    pub outcome: String,
    pub failed: i64,
    pub findings: i64,
}

impl InspectionLine {
    pub fn of(t: &Texts, i: &InspectionRow) -> InspectionLine {
        InspectionLine {
            id: i.id.clone(),
            day: i.day.clone(),
            site: i.site_name.clone(),
            area: i.area.clone(),
            kind: t.code("kind", &i.kind),
            inspector: i.created_by_name.clone(),
            status: t.code("status", &i.status),
            outcome: i.outcome.as_deref().map(|o| t.code("outcome", o)).unwrap_or_default(),
            failed: i.failed,
            findings: i.findings,
        }
    }
}

/// The URL of the next page: the same query with `after` replaced.
fn next_url(path: &str, query: &Option<String>, next: &Option<String>) -> Option<String> {
    let next = next.as_ref()?;
    let kept: Vec<&str> = query.as_deref().unwrap_or("").split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("after=")).collect();
    let mut q = kept.join("&");
    if !q.is_empty() {
        q.push('&');
    }
    Some(format!("{path}?{q}after={}", urlencode(next)))
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The current filter, without the page cursor, for export links.
fn filter_query(query: &Option<String>) -> String {
    query.as_deref().unwrap_or("").split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("after=")).collect::<Vec<_>>().join("&")
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionsPage {
    f: Frame,
    t: Texts,
    p: InspectionParams,
    rows: Vec<InspectionLine>,
    next: Option<String>,
    filter: String,
    kinds: Vec<(&'static str, String, bool)>,
}

pub const KINDS: &[&str] = &["routine_patrol", "special_campaign", "self_inspection", "enforcement", "look_back"];
const STATES: &[&str] = &["found", "ordered", "fixing", "fix_reported", "accepted", "closed"];

pub async fn inspections(State(state): State<AppState>, ctx: Ctx, Query(p): Query<InspectionParams>, RawQuery(raw): RawQuery) -> Page {
    let lang = ctx.lang();
    let page = async {
        let q = p.parse()?;
        let found = reader(&state, &ctx).inspections(&q).await?;
        let t = ctx.t;
        html(InspectionsPage {
            f: Frame::of(&ctx),
            t,
            rows: found.items.iter().map(|i| InspectionLine::of(&t, i)).collect(),
            next: next_url("/inspections", &raw, &found.next),
            filter: filter_query(&raw),
            kinds: KINDS.iter().map(|k| (*k, t.code("kind", k), p.kind.as_deref() == Some(*k))).collect(),
            p,
        })
    };
    Page(page.await, lang)
}

/// One hazard as a list row shows it.
pub struct HazardLine {
    pub id: String,
    pub site: String,
    pub description: String,
    pub grade: String,
    pub major: bool,
    pub state: String,
    pub deadline: String,
    pub overdue: bool,
    pub listed: String,
    pub found: String,
}

impl HazardLine {
    pub fn of(t: &Texts, h: &HazardRow) -> HazardLine {
        HazardLine {
            id: h.id.clone(),
            site: h.site_name.clone(),
            description: h.description.clone(),
            grade: t.code("grade", &h.grade),
            major: h.grade == "major",
            state: t.code("state", &h.state),
            deadline: h.deadline.clone().unwrap_or_default(),
            overdue: h.overdue,
            listed: h.listed.as_deref().map(|l| t.code("listed", l)).unwrap_or_default(),
            found: china_time(h.found_at),
        }
    }
}

#[derive(Template)]
#[template(path = "hazards.html")]
struct HazardsPage {
    f: Frame,
    t: Texts,
    p: HazardParams,
    rows: Vec<HazardLine>,
    next: Option<String>,
    filter: String,
    states: Vec<(&'static str, String, bool)>,
}

pub async fn hazards(State(state): State<AppState>, ctx: Ctx, Query(p): Query<HazardParams>, RawQuery(raw): RawQuery) -> Page {
    let lang = ctx.lang();
    let page = async {
        let q = p.parse()?;
        let found = reader(&state, &ctx).hazards(&q).await?;
        let t = ctx.t;
        html(HazardsPage {
            f: Frame::of(&ctx),
            t,
            rows: found.items.iter().map(|h| HazardLine::of(&t, h)).collect(),
            next: next_url("/hazards", &raw, &found.next),
            filter: filter_query(&raw),
            states: STATES.iter().map(|s| (*s, t.code("state", s), p.state.as_deref() == Some(*s))).collect(),
            p,
        })
    };
    Page(page.await, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_the_filter_and_replaces_the_cursor() {
        let q = Some("kind=enforcement&after=1~x&q=%E7%81%AB".to_string());
        assert_eq!(next_url("/inspections", &q, &Some("5~a b".into())).unwrap(), "/inspections?kind=enforcement&q=%E7%81%AB&after=5~a%20b");
        assert_eq!(next_url("/hazards", &None, &Some("1~h".into())).unwrap(), "/hazards?after=1~h");
        assert_eq!(next_url("/hazards", &None, &None), None);
        assert_eq!(filter_query(&q), "kind=enforcement&q=%E7%81%AB");
    }
}
