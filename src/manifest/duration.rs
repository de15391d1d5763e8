//! `older_than` durations: a positive number and one unit.

use std::time::Duration;

/// The longest accepted duration, in hours (about 100 years): anything
/// longer is a typo, and the cap keeps the arithmetic far from overflow.
const MAX_HOURS: u64 = 100 * 366 * 24;

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DurationError {
    /// Not `<number><unit>`.
    Malformed,
    /// `m` could mean minutes or months.
    AmbiguousMinutes,
    /// Zero.
    Zero,
    /// Longer than about 100 years.
    TooLong,
}

/// Parses `30d`, `12h`, `2w`. Minutes (`m`) are refused because a reader
/// cannot tell them from months, and resource ages are days, not minutes.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let hours_per_unit: u64 = match unit {
        "h" => 1,
        "d" => 24,
        "w" => 7 * 24,
        "m" => return Err(DurationError::AmbiguousMinutes),
        _ => return Err(DurationError::Malformed),
    };
    if number.is_empty() {
        return Err(DurationError::Malformed);
    }
    let number: u64 = number.parse().map_err(|_| DurationError::TooLong)?;
    if number == 0 {
        return Err(DurationError::Zero);
    }
    let hours = number
        .checked_mul(hours_per_unit)
        .filter(|h| *h <= MAX_HOURS)
        .ok_or(DurationError::TooLong)?;
    Ok(Duration::from_secs(hours * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hours, days and weeks parse; minutes, zero, bare numbers and huge values do not.
    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86400)));
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(14 * 86400)));
        assert_eq!(parse_duration("5m"), Err(DurationError::AmbiguousMinutes));
        assert_eq!(parse_duration("0d"), Err(DurationError::Zero));
        assert_eq!(parse_duration("30"), Err(DurationError::Malformed));
        assert_eq!(parse_duration("d"), Err(DurationError::Malformed));
        assert_eq!(parse_duration("1d12h"), Err(DurationError::Malformed));
        assert_eq!(
            parse_duration("99999999999999999999999d"),
            Err(DurationError::TooLong)
        );
        assert_eq!(parse_duration("40000w"), Err(DurationError::TooLong));
    }
}
