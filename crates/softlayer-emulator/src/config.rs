//! How an emulator instance behaves: faults, reclaim delay, clock.

use std::time::Duration;

use jiff::Timestamp;

/// Settings of one emulator instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Added to every API request (slept outside any lock).
    pub latency: Duration,
    /// Share (0..=1) of API requests answered with a random 500 before they
    /// take effect.
    pub fail_rate: f64,
    /// Share (0..=1) of successful mutating calls that take effect and then
    /// lose their response (the connection closes, no byte is written).
    pub lose_response_rate: f64,
    /// Requests per second per username before SoftLayer's rate-limit
    /// error; 0 = unlimited.
    pub rate_limit: u32,
    /// HTTP status of the rate-limit error: 500, as SoftLayer was seen to
    /// answer (no `Retry-After`), or 429 (with `Retry-After`). The body is
    /// SoftLayer's either way.
    pub rate_limit_status: u16,
    /// How long an immediately cancelled object stays visible (without its
    /// billing item) before it is gone (404).
    pub reclaim_after: Duration,
    /// Seed of the fault generator, so a run can be reproduced.
    pub seed: u64,
    /// A fixed clock for tests; None = real time.
    pub now: Option<Timestamp>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            latency: Duration::ZERO,
            fail_rate: 0.0,
            lose_response_rate: 0.0,
            rate_limit: 0,
            rate_limit_status: 500,
            reclaim_after: Duration::ZERO,
            seed: 1,
            now: None,
        }
    }
}

impl Config {
    /// Checks the rates are shares between 0 and 1 and the rate-limit
    /// status is 500 or 429.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(self.rate_limit_status, 500 | 429) {
            return Err(format!(
                "the rate-limit status must be 500 or 429, got {}",
                self.rate_limit_status
            ));
        }
        for (name, v) in [
            ("fail rate", self.fail_rate),
            ("lose-response rate", self.lose_response_rate),
        ] {
            if !(0.0..=1.0).contains(&v) || v.is_nan() {
                return Err(format!("{name} must be between 0 and 1, got {v}"));
            }
        }
        Ok(())
    }
}

/// Parses a duration such as `0s`, `500ms`, `30s`, `5m`, `2h` or `1d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("invalid duration '{text}': add a unit (ms, s, m, h or d)"))?;
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().map_err(|_| {
        format!("invalid duration '{text}': expected a whole number followed by ms, s, m, h or d")
    })?;
    let ms = match unit {
        "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => {
            return Err(format!(
                "invalid duration '{text}': unknown unit '{unit}' (use ms, s, m, h or d)"
            ));
        }
    };
    ms.map(Duration::from_millis)
        .ok_or_else(|| format!("invalid duration '{text}': too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every documented unit parses; bad input is a clear error.
    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("1d").unwrap(), Duration::from_secs(86400));
        assert!(parse_duration("5").unwrap_err().contains("add a unit"));
        assert!(parse_duration("5y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("").is_err());
    }

    /// Rates outside 0..=1 are rejected.
    #[test]
    fn validates_rates() {
        assert!(Config::default().validate().is_ok());
        let bad = Config {
            fail_rate: 1.5,
            ..Config::default()
        };
        assert!(bad.validate().unwrap_err().contains("fail rate"));
        let bad = Config {
            rate_limit_status: 503,
            ..Config::default()
        };
        assert!(bad.validate().unwrap_err().contains("500 or 429"));
        let ok = Config {
            rate_limit_status: 429,
            ..Config::default()
        };
        assert!(ok.validate().is_ok());
    }
}
