//! Calendar arithmetic the domain needs (deadlines, expiry dates, "today"),
//! without a timezone database: inspections happen in China, which keeps
//! UTC+8 all year, so a day boundary is a fixed offset.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

const CHINA_OFFSET_MS: i64 = 8 * 3600 * 1000;
const DAY_MS: i64 = 86_400_000;

pub fn now_millis() -> Millis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A calendar date, ordered, serialised as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

impl Date {
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1900..=9999).contains(&y) {
            return None;
        }
        Some(Date { days: days_from_civil(y, m, d) })
    }

    /// The day in China at instant `ms`.
    pub fn in_china(ms: Millis) -> Date {
        Date { days: (ms + CHINA_OFFSET_MS).div_euclid(DAY_MS) }
    }

    /// The instant this day starts in China (midnight, UTC+8).
    pub fn start_millis(self) -> Millis {
        self.days * DAY_MS - CHINA_OFFSET_MS
    }

    pub fn today() -> Date {
        Date::in_china(now_millis())
    }

    /// `YYYY-MM-DD` in ASCII digits, nothing else: no sign, no space.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
            return None;
        }
        let y = s[0..4].parse().ok()?;
        let m = s[5..7].parse().ok()?;
        let d = s[8..10].parse().ok()?;
        Date::from_ymd(y, m, d)
    }

    pub fn add_days(self, n: i64) -> Date {
        Date { days: self.days + n }
    }

    pub fn days_until(self, later: Date) -> i64 {
        later.days - self.days
    }

    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }

    /// The last day of this date's month.
    pub fn month_end(self) -> Date {
        let (y, m, _) = self.ymd();
        Date { days: days_from_civil(y, m, days_in_month(y, m)) }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Date, String> {
        Date::parse(&s).ok_or_else(|| format!("{s:?} is not a date (YYYY-MM-DD)"))
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms (public domain).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_order() {
        for s in ["1970-01-01", "2000-02-29", "2024-12-31", "2026-03-01"] {
            assert_eq!(Date::parse(s).unwrap().to_string(), s);
        }
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2024-13-01").is_none());
        assert!(Date::parse("2024-1-01").is_none());
        // Integer parsing alone would take a sign: only digits are a date.
        for s in ["+202-01-01", "2024-+1-01", "2024-01-+1", "2024-01- 1", "-001-01-01"] {
            assert!(Date::parse(s).is_none(), "{s}");
        }
        assert!(Date::parse("2024-02-28").unwrap() < Date::parse("2024-02-29").unwrap());
        assert_eq!(Date::parse("2024-02-28").unwrap().add_days(2).to_string(), "2024-03-01");
        assert_eq!(Date::parse("2024-02-10").unwrap().month_end().to_string(), "2024-02-29");
        assert_eq!(Date::parse("2026-12-31").unwrap().month_end().to_string(), "2026-12-31");
    }

    #[test]
    fn china_day_starts_at_sixteen_utc() {
        // 2026-01-01T15:59:59Z is still Jan 1 in China; 16:00Z is Jan 2.
        let jan1_1559 = days_from_civil(2026, 1, 1) * DAY_MS + (15 * 3600 + 3599) * 1000;
        assert_eq!(Date::in_china(jan1_1559).to_string(), "2026-01-01");
        assert_eq!(Date::in_china(jan1_1559 + 1000).to_string(), "2026-01-02");
    }
}
