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
/// The longest search text, in characters.
pub const MAX_NEEDLE: usize = 100;

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

/// Free text (ids, area prefixes), trimmed; blank is absent. A NUL is
/// refused: no backend stores one (PostgreSQL refuses it in text), so no
/// row could match, and it must not reach a query as if it might.
fn text(field: &'static str, v: &Option<String>) -> Result<Option<String>, FilterError> {
    match v.as_deref() {
        Some(s) if s.contains('\0') => Err(bad(field, "must not contain NUL")),
        v => Ok(v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)),
    }
}

/// A search needle: at most [`MAX_NEEDLE`] characters as sent, lower-cased
/// (stored text is too).
fn needle(v: &Option<String>) -> Result<Option<String>, FilterError> {
    if v.as_deref().is_some_and(|q| q.chars().count() > MAX_NEEDLE) {
        return Err(bad("q", format!("at most {MAX_NEEDLE} characters")));
    }
    Ok(text("q", v)?.map(|q| q.to_lowercase()))
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

    /// `<millis>~<id>` exactly as [`Cursor::encode`] wrote it (empty is
    /// absent): digits, then the id, nothing trimmed or signed.
    fn parse(v: &Option<String>) -> Result<Option<Cursor>, FilterError> {
        let Some(s) = v.as_deref().filter(|s| !s.is_empty()) else { return Ok(None) };
        let not_a_cursor = || bad("after", "not a cursor from a previous page");
        let (at, id) = s.split_once('~').ok_or_else(not_a_cursor)?;
        if at.is_empty() || !at.bytes().all(|b| b.is_ascii_digit()) || id.contains('\0') {
            return Err(not_a_cursor());
        }
        Ok(Some(Cursor { at: at.parse().map_err(|_| not_a_cursor())?, id: id.to_string() }))
    }
}

/// Inspection filters as they arrive in a URL.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionParams {
    /// Area path prefix, e.g. `zj/jx/nh/xjd`.
    #[param(pattern = "^[^\\u0000]*$")]
    pub area: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub site: Option<String>,
    /// routine_patrol, special_campaign, self_inspection, enforcement, look_back
    #[param(schema_with = crate::params_doc::kind)]
    pub kind: Option<String>,
    /// User id of a creator or co-inspector.
    #[param(pattern = "^[^\\u0000]*$")]
    pub inspector: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub template: Option<String>,
    /// draft or submitted
    #[param(schema_with = crate::params_doc::status)]
    pub status: Option<String>,
    /// First day (YYYY-MM-DD, China time).
    #[param(pattern = "^((19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$")]
    pub from: Option<String>,
    /// Last day, included.
    #[param(pattern = "^((19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$")]
    pub to: Option<String>,
    /// Text in site names, notes and findings.
    #[param(max_length = 100, pattern = "^[^\\u0000]*$")]
    pub q: Option<String>,
    /// The `next` of the previous page.
    #[param(pattern = "^([0-9]+~[^\\u0000]*)?$")]
    pub after: Option<String>,
    #[param(minimum = 1, maximum = 500)]
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
            area: text("area", &self.area)?,
            site: text("site", &self.site)?,
            kind: code("kind", self.kind.as_deref(), InspectionKind::parse)?,
            inspector: text("inspector", &self.inspector)?,
            template: text("template", &self.template)?,
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
    #[param(pattern = "^[^\\u0000]*$")]
    pub area: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub site: Option<String>,
    /// general or major
    #[param(schema_with = crate::params_doc::grade)]
    pub grade: Option<String>,
    /// found, ordered, fixing, fix_reported, accepted, closed
    #[param(schema_with = crate::params_doc::state)]
    pub state: Option<String>,
    /// Only those past their deadline today and not yet reported fixed.
    pub overdue: Option<bool>,
    /// Only open (true) or only closed (false).
    pub open: Option<bool>,
    /// county, city or province: listed at that level; `any`: listed at all.
    #[param(schema_with = crate::params_doc::listed)]
    pub listed: Option<String>,
    /// User id of the person who found it.
    #[param(pattern = "^[^\\u0000]*$")]
    pub inspector: Option<String>,
    /// Kind of the inspection that found it.
    #[param(schema_with = crate::params_doc::found_on_kind)]
    pub kind: Option<String>,
    /// Found on or after this day.
    #[param(pattern = "^((19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$")]
    pub from: Option<String>,
    #[param(pattern = "^((19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$")]
    pub to: Option<String>,
    #[param(max_length = 100, pattern = "^[^\\u0000]*$")]
    pub q: Option<String>,
    #[param(pattern = "^([0-9]+~[^\\u0000]*)?$")]
    pub after: Option<String>,
    #[param(minimum = 1, maximum = 500)]
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
        let listed = match self.listed.as_deref() {
            None | Some("") => None,
            Some("any") => Some(Listed::Any),
            Some(l) => Some(Listed::At(ListingLevel::parse(l).ok_or_else(|| bad("listed", format!("unknown value {l:?}")))?)),
        };
        Ok(HazardQuery {
            area: text("area", &self.area)?,
            site: text("site", &self.site)?,
            grade: code("grade", self.grade.as_deref(), Grade::parse)?,
            state: code("state", self.state.as_deref(), HazardState::parse)?,
            overdue: self.overdue,
            open: self.open,
            listed,
            inspector: text("inspector", &self.inspector)?,
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
    #[param(pattern = "^[^\\u0000]*$")]
    pub area: Option<String>,
    /// First day; default 30 days before `to`.
    #[param(pattern = "^((19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$")]
    pub from: Option<String>,
    /// Last day, included; default today.
    #[param(pattern = "^((19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$")]
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
        Ok(OverviewQuery { area: text("area", &self.area)?, from, to })
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
    fn nul_bytes_signs_and_padding_are_refused_where_the_document_says() {
        let nul = Some("a\0b".to_string());
        assert_eq!(InspectionParams { site: nul.clone(), ..Default::default() }.parse().unwrap_err().field, "site");
        assert_eq!(HazardParams { q: nul.clone(), ..Default::default() }.parse().unwrap_err().field, "q");
        assert_eq!(OverviewParams { area: nul, ..Default::default() }.parse(Date::today()).unwrap_err().field, "area");
        for after in ["1~a\0", " 1~a", "+1~a", "~a", "99999999999999999999~a"] {
            let p = HazardParams { after: Some(after.into()), ..Default::default() };
            assert_eq!(p.parse().unwrap_err().field, "after", "{after:?}");
        }
        // Length is counted as sent (the schema's maxLength), before trimming.
        let padded = format!("{}x", " ".repeat(100));
        assert_eq!(HazardParams { q: Some(padded), ..Default::default() }.parse().unwrap_err().field, "q");
        let full = "灭".repeat(100);
        assert!(HazardParams { q: Some(full), ..Default::default() }.parse().is_ok());
        // Empty is absent, for every kind of filter.
        let empty = Some(String::new());
        let p = HazardParams { kind: empty.clone(), listed: empty.clone(), after: empty.clone(), from: empty, ..Default::default() };
        assert_eq!(p.parse().unwrap(), HazardParams::default().parse().unwrap());
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
