//! The plan form: what a supervisor types, turned into the domain's
//! [`PlanSpec`] and the sites it covers, or the reason it cannot be. Every
//! field arrives as text and is checked here; the plan's own rules are the
//! domain's and `redline_plans`' (they answer with reasons the page shows).

use redline_domain::inspection::InspectionKind;
use redline_domain::plan::{Assignee, PlanSpec, Repeat, Schedule};
use redline_domain::site::RiskColour;
use redline_domain::template::SiteCategory;
use redline_domain::time::Date;
use redline_plans::{PlanRecord, SiteChoice};

/// The form as posted (and as shown again when refused).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub csrf: String,
    pub name: String,
    pub kind: String,
    pub template: String,
    /// `assistants`, or `user:{id}`.
    pub assignee: String,
    pub repeat: String,
    pub starts: String,
    pub until: String,
    pub notes: String,
    /// `filter`, `listed` or `closed_hazards`.
    pub by: String,
    pub category: String,
    pub area: String,
    pub risk: String,
    /// Site ids, separated by commas, spaces or lines.
    pub sites: String,
    pub closed_from: String,
    pub closed_until: String,
}

fn text(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn date(field: &str, s: &str) -> Result<Date, String> {
    Date::parse(s.trim()).ok_or_else(|| format!("{field}: a date YYYY-MM-DD"))
}

fn optional_date(field: &str, s: &str) -> Result<Option<Date>, String> {
    text(s).map(|s| date(field, &s)).transpose()
}

/// A serde enum from its snake_case code.
fn code<T: serde::de::DeserializeOwned>(field: &str, s: &str) -> Result<Option<T>, String> {
    text(s).map(|s| serde_json::from_value(serde_json::Value::String(s)).map_err(|_| format!("{field}: unknown value"))).transpose()
}

impl PlanForm {
    pub fn parse(&self) -> Result<(PlanSpec, SiteChoice), String> {
        let kind = InspectionKind::parse(self.kind.trim()).ok_or("kind: choose a kind of inspection")?;
        let assignee = match self.assignee.trim() {
            "assistants" => Assignee::Assistants,
            other => match other.strip_prefix("user:").and_then(text) {
                Some(user_id) => Assignee::Person { user_id },
                None => return Err("assignee: choose who does the work".into()),
            },
        };
        let repeat = Repeat::parse(self.repeat.trim()).ok_or("repeat: once, weekly or monthly")?;
        let schedule = Schedule { repeat, starts: date("starts", &self.starts)?, until: date("until", &self.until)? };
        let spec = PlanSpec {
            name: self.name.clone(),
            kind,
            template_id: text(&self.template).ok_or("template: choose a checklist")?,
            assignee,
            schedule,
            notes: self.notes.trim().to_string(),
        };
        let choice = match self.by.trim() {
            "listed" => SiteChoice::Listed {
                sites: self.sites.split(|c: char| c == ',' || c == '，' || c.is_whitespace()).filter_map(text).collect(),
            },
            "closed_hazards" => SiteChoice::ClosedHazards {
                area: text(&self.area),
                closed_from: optional_date("closed_from", &self.closed_from)?,
                closed_until: optional_date("closed_until", &self.closed_until)?,
            },
            "filter" | "" => SiteChoice::Filter {
                category: code::<SiteCategory>("category", &self.category)?,
                area: text(&self.area),
                risk: code::<RiskColour>("risk", &self.risk)?,
            },
            _ => return Err("sites: choose how to pick them".into()),
        };
        Ok((spec, choice))
    }

    /// The form filled in with a stored plan, for changing it. Its sites
    /// are shown as the list they resolved to.
    pub fn of(p: &PlanRecord) -> PlanForm {
        let s = &p.spec;
        PlanForm {
            name: s.name.clone(),
            kind: s.kind.as_str().into(),
            template: s.template_id.clone(),
            assignee: match &s.assignee {
                Assignee::Assistants => "assistants".into(),
                Assignee::Person { user_id } => format!("user:{user_id}"),
            },
            repeat: s.schedule.repeat.as_str().into(),
            starts: s.schedule.starts.to_string(),
            until: s.schedule.until.to_string(),
            notes: s.notes.clone(),
            by: "listed".into(),
            sites: p.sites.join(", "),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PlanForm {
        PlanForm {
            name: "春节前烟花爆竹检查".into(),
            kind: "self_inspection".into(),
            template: "fireworks".into(),
            assignee: "assistants".into(),
            repeat: "once".into(),
            starts: "2027-01-10".into(),
            until: "2027-02-05".into(),
            by: "filter".into(),
            category: "fireworks_retail".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_filled_form_is_a_plan_and_its_sites() {
        let (spec, choice) = form().parse().unwrap();
        assert_eq!(spec.assignee, Assignee::Assistants);
        assert_eq!(choice, SiteChoice::Filter { category: Some(SiteCategory::FireworksRetail), area: None, risk: None });
        let listed = PlanForm { by: "listed".into(), sites: "a, b，c\nd".into(), ..form() };
        assert_eq!(listed.parse().unwrap().1, SiteChoice::Listed { sites: vec!["a".into(), "b".into(), "c".into(), "d".into()] });
        let person = PlanForm { assignee: "user:inspector-zhang".into(), ..form() };
        assert_eq!(person.parse().unwrap().0.assignee, Assignee::Person { user_id: "inspector-zhang".into() });
    }

    #[test]
    fn each_bad_field_is_named() {
        for (f, field) in [
            (PlanForm { kind: "party".into(), ..form() }, "kind"),
            (PlanForm { starts: "2027-13-01".into(), ..form() }, "starts"),
            (PlanForm { assignee: "user:".into(), ..form() }, "assignee"),
            (PlanForm { repeat: "hourly".into(), ..form() }, "repeat"),
            (PlanForm { category: "circus".into(), ..form() }, "category"),
            (PlanForm { by: "magic".into(), ..form() }, "sites"),
            (PlanForm { template: " ".into(), ..form() }, "template"),
        ] {
            assert!(f.parse().unwrap_err().starts_with(field), "{field}");
        }
    }
}
