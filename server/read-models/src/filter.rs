//! What a supervisor can ask for: the filters of every list and export, as
//! they arrive in a URL (text, all optional) and as the queries use them
//! (domain types). Parsing is the one place a bad filter is refused, with
//! the field named, so no query ever runs on a value it does not understand.

use redline_domain::hazard::{HazardState, ListingLevel};
use redline_domain::inspection::{Grade, InspectionKind, InspectionStatus};
use redline_domain::time::{Date, Millis};
use serde::Deserialize;

/// A page's default and largest size.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// A filter the server cannot use: which field, and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FilterError {
    pub field: &'static str,
    pub reason: String,
}

fn bad(field: &'static str, reason: impl Into<String>) -> FilterError {
    FilterError { field, reason: reason.into() }
}

fn code<T>(field: &'static str, v: Option<&str>, parse: fn(&str) -> Option<T>) -> Result<Option<T>, FilterError> {
    v.filter(|s| !s.is_empty()).map(|s| parse(s).ok_or_else(|| bad(field, format!("unknown value {s:?}")))).transpose()
}

fn date(field: &'static str, v: Option<&str>) -> Result<Option<Date>, FilterError> {
    code(field, v, Date::parse).map_err(|_| bad(field, "expected a date YYYY-MM-DD"))
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A search needle: lower-cased (stored text is too), at most 100 chars.
fn needle(v: &Option<String>) -> Result<Option<String>, FilterError> {
    match text(v) {
        Some(q) if q.chars().count() > 100 => Err(bad("q", "at most 100 characters")),
        q => Ok(q.map(|q| q.to_lowercase())),
    }
}

fn limit(v: Option<u32>) -> Result<u32, FilterError> {
    match v {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(bad("limit", format!("between 1 and {MAX_LIMIT}"))),
    }
}

/// The half-open time range `[from's midnight, the midnight after to)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Period {
    pub from: Option<Millis>,
    pub until: Option<Millis>,
}

impl Period {
    fn parse(from: Option<&str>, to: Option<&str>) -> Result<Period, FilterError> {
        let (f, t) = (date("from", from)?, date("to", to)?);
        if let (Some(f), Some(t)) = (f, t)
            && t < f
        {
            return Err(bad("to", "before from"));
        }
        Ok(Period { from: f.map(Date::start_millis), until: t.map(|t| t.add_days(1).start_millis()) })
    }
}

/// Where a keyset page starts: after the row with this sort time and id.
#[derive(Clone, Debug, PartialEq)]
pub struct Cursor {
    pub at: Millis,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}~{}", self.at, self.id)
    }

    fn parse(v: &Option<String>) -> Result<Option<Cursor>, FilterError> {
        let Some(s) = text(v) else { return Ok(None) };
        let (at, id) = s.split_once('~').ok_or_else(|| bad("after", "not a cursor from a previous page"))?;
        let at = at.parse().map_err(|_| bad("after", "not a cursor from a previous page"))?;
        Ok(Some(Cursor { at, id: id.to_string() }))
    }
}

/// Inspection filters as they arrive in a URL.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionParams {
    /// Area path prefix, e.g. `zj/jx/nh/xjd`.
    pub area: Option<String>,
    pub site: Option<String>,
    /// routine_patrol, special_campaign, self_inspection, enforcement, look_back
    pub kind: Option<String>,
    /// User id of a creator or co-inspector.
    pub inspector: Option<String>,
    pub template: Option<String>,
    /// draft or submitted
    pub status: Option<String>,
    /// First day (YYYY-MM-DD, China time).
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
    /// Text in site names, notes and findings.
    pub q: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct InspectionQuery {
    pub area: Option<String>,
    pub site: Option<String>,
    pub kind: Option<InspectionKind>,
    pub inspector: Option<String>,
    pub template: Option<String>,
    pub status: Option<InspectionStatus>,
    pub period: Period,
    pub q: Option<String>,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl InspectionParams {
    pub fn parse(&self) -> Result<InspectionQuery, FilterError> {
        Ok(InspectionQuery {
            area: text(&self.area),
            site: text(&self.site),
            kind: code("kind", self.kind.as_deref(), InspectionKind::parse)?,
            inspector: text(&self.inspector),
            template: text(&self.template),
            status: code("status", self.status.as_deref(), InspectionStatus::parse)?,
            period: Period::parse(self.from.as_deref(), self.to.as_deref())?,
            q: needle(&self.q)?,
            after: Cursor::parse(&self.after)?,
            limit: limit(self.limit)?,
        })
    }
}

/// Hazard filters as they arrive in a URL.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HazardParams {
    pub area: Option<String>,
    pub site: Option<String>,
    /// general or major
    pub grade: Option<String>,
    /// found, ordered, fixing, fix_reported, accepted, closed
    pub state: Option<String>,
    /// Only those past their deadline today and not yet reported fixed.
    pub overdue: Option<bool>,
    /// Only open (true) or only closed (false).
    pub open: Option<bool>,
    /// county, city or province: listed at that level; `any`: listed at all.
    pub listed: Option<String>,
    /// User id of the person who found it.
    pub inspector: Option<String>,
    /// Kind of the inspection that found it.
    pub kind: Option<String>,
    /// Found on or after this day.
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// Which listing a hazard filter asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Listed {
    Any,
    At(ListingLevel),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HazardQuery {
    pub area: Option<String>,
    pub site: Option<String>,
    pub grade: Option<Grade>,
    pub state: Option<HazardState>,
    pub overdue: Option<bool>,
    pub open: Option<bool>,
    pub listed: Option<Listed>,
    pub inspector: Option<String>,
    pub kind: Option<InspectionKind>,
    pub period: Period,
    pub q: Option<String>,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl HazardParams {
    pub fn parse(&self) -> Result<HazardQuery, FilterError> {
        let listed = match text(&self.listed).as_deref() {
            None => None,
            Some("any") => Some(Listed::Any),
            Some(l) => Some(Listed::At(ListingLevel::parse(l).ok_or_else(|| bad("listed", format!("unknown value {l:?}")))?)),
        };
        Ok(HazardQuery {
            area: text(&self.area),
            site: text(&self.site),
            grade: code("grade", self.grade.as_deref(), Grade::parse)?,
            state: code("state", self.state.as_deref(), HazardState::parse)?,
            overdue: self.overdue,
            open: self.open,
            listed,
            inspector: text(&self.inspector),
            kind: code("kind", self.kind.as_deref(), InspectionKind::parse)?,
            period: Period::parse(self.from.as_deref(), self.to.as_deref())?,
            q: needle(&self.q)?,
            after: Cursor::parse(&self.after)?,
            limit: limit(self.limit)?,
        })
    }
}

/// The overview's period and area.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewParams {
    pub area: Option<String>,
    /// First day; default 30 days before `to`.
    pub from: Option<String>,
    /// Last day, included; default today.
    pub to: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OverviewQuery {
    pub area: Option<String>,
    pub from: Date,
    pub to: Date,
}

impl OverviewParams {
    pub fn parse(&self, today: Date) -> Result<OverviewQuery, FilterError> {
        let to = date("to", self.to.as_deref())?.unwrap_or(today);
        let from = date("from", self.from.as_deref())?.unwrap_or(to.add_days(-29));
        if to < from {
            return Err(bad("to", "before from"));
        }
        if from.days_until(to) > 3660 {
            return Err(bad("from", "a period of at most ten years"));
        }
        Ok(OverviewQuery { area: text(&self.area), from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_filters_name_their_field() {
        let p = InspectionParams { kind: Some("picnic".into()), ..Default::default() };
        assert_eq!(p.parse().unwrap_err().field, "kind");
        let p = HazardParams { from: Some("2026-13-01".into()), ..Default::default() };
        assert_eq!(p.parse().unwrap_err().field, "from");
        let p = HazardParams { after: Some("nonsense".into()), ..Default::default() };
        assert_eq!(p.parse().unwrap_err().field, "after");
        let p = HazardParams { limit: Some(0), ..Default::default() };
        assert_eq!(p.parse().unwrap_err().field, "limit");
        let p = HazardParams { from: Some("2026-02-01".into()), to: Some("2026-01-01".into()), ..Default::default() };
        assert_eq!(p.parse().unwrap_err().field, "to");
    }

    #[test]
    fn a_period_covers_whole_china_days() {
        let p = Period::parse(Some("2026-03-01"), Some("2026-03-01")).unwrap();
        let day = Date::parse("2026-03-01").unwrap();
        assert_eq!(p.from, Some(day.start_millis()));
        assert_eq!(p.until.unwrap() - p.from.unwrap(), 86_400_000);
        assert_eq!(Date::in_china(p.from.unwrap()), day);
        assert_eq!(Date::in_china(p.until.unwrap() - 1), day);
    }

    #[test]
    fn cursors_round_trip_and_search_is_lower_cased() {
        let c = Cursor { at: 1_700_000_000_000, id: "ins~odd".into() };
        assert_eq!(Cursor::parse(&Some(c.encode())).unwrap(), Some(c));
        let q = HazardParams { q: Some("  灭火器 ABC ".into()), ..Default::default() }.parse().unwrap();
        assert_eq!(q.q.as_deref(), Some("灭火器 abc"));
    }
}
