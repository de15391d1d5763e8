//! Dates as the API writes them (ISO-8601 with the US Central standard
//! offset) and as objectFilter options write them (`MM/DD/YYYY HH:MM:SS`).

use jiff::civil::{Date, DateTime};
use jiff::tz::{self, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};

/// The offset the API uses for the dates it writes, and the one the emulator
/// assumes for filter dates that carry none.
fn central() -> TimeZone {
    TimeZone::fixed(tz::offset(-6))
}

/// Parses an ISO-8601 timestamp with an offset.
pub(crate) fn parse_ts(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok()
}

/// Formats a timestamp the way the API does: `2026-12-01T00:00:00-06:00`.
pub(crate) fn format_ts(ts: Timestamp) -> String {
    ts.to_zoned(central())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Adds whole days.
pub(crate) fn add_days(ts: Timestamp, days: i64) -> Timestamp {
    ts.saturating_add(SignedDuration::from_hours(days.saturating_mul(24)))
        .unwrap_or(ts)
}

/// Adds whole calendar months in US Central time (anniversary arithmetic).
pub(crate) fn add_months(ts: Timestamp, months: i32) -> Timestamp {
    ts.to_zoned(central())
        .checked_add(months.months())
        .map_or(ts, |z| z.timestamp())
}

/// A filter date: `MM/DD/YYYY`, `MM/DD/YYYY HH:MM:SS`, or ISO-8601. Returns
/// the instant and whether a time of day was given.
pub(crate) fn parse_filter_date(text: &str) -> Option<(Timestamp, bool)> {
    let text = text.trim();
    if let Some(ts) = parse_ts(text) {
        return Some((ts, true));
    }
    let (date_part, time_part) = match text.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let mut it = date_part.split('/');
    let month: i8 = it.next()?.parse().ok()?;
    let day: i8 = it.next()?.parse().ok()?;
    let year: i16 = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    let date = Date::new(year, month, day).ok()?;
    let (h, m, s) = match time_part {
        Some(t) => {
            let mut it = t.split(':');
            let h: i8 = it.next()?.parse().ok()?;
            let m: i8 = it.next().map_or(Some(0), |v| v.parse().ok())?;
            let s: i8 = it.next().map_or(Some(0), |v| v.parse().ok())?;
            (h, m, s)
        }
        None => (0, 0, 0),
    };
    let dt = DateTime::from_parts(date, jiff::civil::Time::new(h, m, s, 0).ok()?);
    let ts = dt.to_zoned(central()).ok()?.timestamp();
    Some((ts, time_part.is_some()))
}

/// The calendar day (US Central) of an instant.
pub(crate) fn central_date(ts: Timestamp) -> Date {
    ts.to_zoned(central()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// API dates round-trip through parse and format in the -06:00 offset.
    #[test]
    fn formats_in_central_offset() {
        let ts = parse_ts("2026-12-01T00:00:00-06:00").unwrap();
        assert_eq!(format_ts(ts), "2026-12-01T00:00:00-06:00");
        let utc = parse_ts("2026-12-01T12:00:00Z").unwrap();
        assert_eq!(format_ts(utc), "2026-12-01T06:00:00-06:00");
    }

    /// Filter dates accept the documented MM/DD/YYYY forms.
    #[test]
    fn parses_filter_dates() {
        let (ts, timed) = parse_filter_date("01/31/2015 13:05:00").unwrap();
        assert!(timed);
        assert_eq!(format_ts(ts), "2015-01-31T13:05:00-06:00");
        let (ts, timed) = parse_filter_date("01/31/2015").unwrap();
        assert!(!timed);
        assert_eq!(format_ts(ts), "2015-01-31T00:00:00-06:00");
        assert!(parse_filter_date("31/01/2015").is_none());
    }

    /// Month arithmetic keeps the day of month (anniversaries).
    #[test]
    fn adds_months() {
        let ts = parse_ts("2026-01-15T00:00:00-06:00").unwrap();
        assert_eq!(format_ts(add_months(ts, 2)), "2026-03-15T00:00:00-06:00");
    }
}
