//! When a plan's work is due: once by a date, or every week or month over a
//! span. Each period is one task per site.

use crate::error::{Error, Result};
use crate::time::Date;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// One period: from the start to the end date.
    Once,
    /// Seven-day periods counted from the start date.
    Weekly,
    /// Calendar months; the first and last are cut to the span.
    Monthly,
}

crate::codes!(Repeat, "plan repeat", {
    Once => "once",
    Weekly => "weekly",
    Monthly => "monthly",
});

/// `starts..=until` cut into periods by `repeat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub repeat: Repeat,
    pub starts: Date,
    /// The last day of the plan (the due date of a one-off plan).
    pub until: Date,
}

/// The days a task may be done in; it is due on `due`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub starts: Date,
    pub due: Date,
}

/// A plan is at most this many periods (two years of weeks), so one form
/// cannot make millions of tasks.
pub const MAX_PERIODS: usize = 104;

impl Schedule {
    pub fn periods(&self) -> Result<Vec<Period>> {
        if self.until < self.starts {
            return Err(Error::InvalidInput("the plan ends before it starts".into()));
        }
        let mut out = vec![];
        let mut starts = self.starts;
        while starts <= self.until {
            if out.len() == MAX_PERIODS {
                return Err(Error::InvalidInput(format!("a plan is at most {MAX_PERIODS} periods; shorten it or repeat less often")));
            }
            let end = match self.repeat {
                Repeat::Once => self.until,
                Repeat::Weekly => starts.add_days(6),
                Repeat::Monthly => starts.month_end(),
            };
            let due = end.min(self.until);
            out.push(Period { starts, due });
            starts = due.add_days(1);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn spans(repeat: Repeat, a: &str, b: &str) -> Vec<(String, String)> {
        let s = Schedule { repeat, starts: d(a), until: d(b) };
        s.periods().unwrap().iter().map(|p| (p.starts.to_string(), p.due.to_string())).collect()
    }

    #[test]
    fn once_is_one_period_due_on_the_end_date() {
        assert_eq!(spans(Repeat::Once, "2027-01-10", "2027-02-05"), [("2027-01-10".into(), "2027-02-05".into())]);
    }

    #[test]
    fn months_follow_the_calendar_and_are_cut_to_the_span() {
        let got = spans(Repeat::Monthly, "2027-01-15", "2027-03-10");
        let want = [("2027-01-15", "2027-01-31"), ("2027-02-01", "2027-02-28"), ("2027-03-01", "2027-03-10")];
        assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
        assert_eq!(spans(Repeat::Monthly, "2027-01-01", "2027-12-31").len(), 12);
    }

    #[test]
    fn weeks_count_from_the_start() {
        let got = spans(Repeat::Weekly, "2027-01-06", "2027-01-20");
        let want = [("2027-01-06", "2027-01-12"), ("2027-01-13", "2027-01-19"), ("2027-01-20", "2027-01-20")];
        assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
    }

    #[test]
    fn backwards_and_endless_schedules_are_refused() {
        let back = Schedule { repeat: Repeat::Once, starts: d("2027-02-01"), until: d("2027-01-01") };
        assert!(back.periods().is_err());
        let long = Schedule { repeat: Repeat::Weekly, starts: d("2027-01-01"), until: d("2031-01-01") };
        assert!(long.periods().unwrap_err().to_string().contains("at most"));
        let ok = Schedule { repeat: Repeat::Weekly, starts: d("2027-01-01"), until: d("2028-12-20") };
        assert!(ok.periods().unwrap().len() <= MAX_PERIODS);
    }
}
