//! The sites page: the offline SVG map of every site in scope, coloured
//! by open hazards and each point linking to the site's inspections, and
//! the sites as a table, most pressing first (overdue, then open hazards),
//! a page at a time so a district of thousands stays a light page.

use crate::charts;
use crate::context::{Ctx, Page, html};
use crate::i18n::Texts;
use crate::pages::{Frame, reader};
use askama::Template;
use axum::extract::{Query, State};
use redline_api::state::AppState;
use redline_read_models::views::SiteRow;

/// Table rows per page.
pub const PER_PAGE: usize = 100;

#[derive(Debug, Default, serde::Deserialize)]
pub struct SitesParams {
    /// 1-based page of the table.
    pub page: Option<usize>,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    f: Frame,
    t: Texts,
    map: String,
    sites: Vec<SiteRow>,
    total: usize,
    page: usize,
    pages: usize,
}

/// Most pressing first: overdue, then open hazards, then by name.
pub fn order(sites: &mut [SiteRow]) {
    sites.sort_by(|a, b| (b.overdue_hazards, b.open_hazards).cmp(&(a.overdue_hazards, a.open_hazards)).then_with(|| a.name.cmp(&b.name)));
}

pub async fn sites(State(state): State<AppState>, ctx: Ctx, Query(p): Query<SitesParams>) -> Page {
    let lang = ctx.lang();
    let page = async {
        let mut sites = reader(&state, &ctx).sites().await?;
        let points: Vec<charts::Point> = sites
            .iter()
            .filter_map(|s| {
                s.location.as_ref().map(|l| charts::Point {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    lat: l.lat,
                    lon: l.lon,
                    open_hazards: s.open_hazards,
                })
            })
            .collect();
        order(&mut sites);
        let total = sites.len();
        let pages = total.div_ceil(PER_PAGE).max(1);
        let page = p.page.unwrap_or(1).clamp(1, pages);
        let shown = sites.into_iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
        html(SitesPage { f: Frame::of(&ctx), t: ctx.t, map: charts::map(&points), sites: shown, total, page, pages })
    };
    Page(page.await, lang)
}

/// A map point's link: the site's history, which is its inspections
/// (the list is scoped, so an id out of scope lists nothing, exactly like
/// an id that does not exist).
pub async fn site(_signed_in: Ctx, axum::extract::Path(id): axum::extract::Path<String>) -> axum::response::Redirect {
    axum::response::Redirect::to(&format!("/inspections?site={}", crate::pages::urlencode(&id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str, open: i64, overdue: i64) -> SiteRow {
        SiteRow {
            id: id.into(),
            name: id.into(),
            address: String::new(),
            area: "zj/jx/nh".into(),
            categories: vec![],
            location: None,
            risk: None,
            open_hazards: open,
            overdue_hazards: overdue,
            last_inspected: None,
        }
    }

    #[test]
    fn overdue_sites_come_first_then_open_then_by_name() {
        let mut s = vec![site("b", 0, 0), site("a", 0, 0), site("c", 3, 0), site("d", 1, 1)];
        order(&mut s);
        assert_eq!(s.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["d", "c", "a", "b"]);
    }
}
