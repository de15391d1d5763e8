//! Amounts of money as SoftLayer sends them (decimal strings such as
//! `"899.00"` or `".062"`), held exactly in millionths.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount in the account currency, exact to a millionth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

const UNITS: i64 = 1_000_000;

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// Whole hundredths (cents) as the manifest's limits hold them.
    pub fn from_cents(cents: u64) -> Money {
        Money(
            i64::try_from(cents)
                .unwrap_or(i64::MAX / UNITS)
                .saturating_mul(UNITS / 100),
        )
    }

    /// Parses `"899.00"`, `".062"`, `"12"`, `"-1.5"`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Money> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut micros: i64 = 0;
        for (i, b) in fraction.bytes().take(6).enumerate() {
            micros += i64::from(b - b'0') * 10_i64.pow(5 - u32::try_from(i).ok()?);
        }
        let value = whole.checked_mul(UNITS)?.checked_add(micros)?;
        Some(Money(if negative { -value } else { value }))
    }

    /// Reads a fee as the API sends it: a decimal string or a number
    /// (exponents included, rounded to a millionth). What is not a fee is
    /// an error in words: absent (`None`), SoftLayer's placeholder
    /// `"None"`, text that is no number, a negative amount, or one beyond
    /// [`Money::MAX_FEE`], which no real price reaches. A fee a decision
    /// depends on is never read as zero when it cannot be read.
    pub fn read_fee(value: Option<&serde_json::Value>) -> Result<Money, String> {
        let text = match value {
            None | Some(serde_json::Value::Null) => return Err("missing".into()),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(other) => return Err(format!("{other}, not an amount")),
        };
        let shown: String = text.chars().take(40).collect();
        let amount = Money::parse(&text).or_else(|| {
            let float: f64 = text.trim().parse().ok().filter(|f: &f64| f.is_finite())?;
            let micros = (float * UNITS as f64).round();
            #[allow(clippy::cast_possible_truncation, reason = "bounded by the check")]
            (micros.abs() < i64::MAX as f64).then_some(Money(micros as i64))
        });
        match amount {
            None => Err(format!("{shown:?}, not an amount")),
            Some(m) if m.0 < 0 => Err(format!("{shown}, a negative amount")),
            Some(m) if m > Money::MAX_FEE => Err(format!("{shown}, beyond any real price")),
            Some(m) => Ok(m),
        }
    }

    /// The largest amount read as one billing item's fee (a hundred
    /// million): anything above is a broken answer, not a price.
    pub const MAX_FEE: Money = Money(100_000_000 * UNITS);

    /// Multiplies by a whole number (hours in a month, for example).
    pub fn times(self, factor: i64) -> Money {
        Money(self.0.saturating_mul(factor))
    }

    /// Whether this is zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whole cents, rounded half away from zero.
    pub fn cents(self) -> i64 {
        let per_cent = UNITS / 100;
        let rounded = self.0.abs() + per_cent / 2;
        (rounded / per_cent) * self.0.signum()
    }

    /// `1,203.40`: two decimals with thousands separators, for people.
    pub fn grouped(self) -> String {
        let cents = self.cents();
        let sign = if cents < 0 { "-" } else { "" };
        let whole = (cents.abs() / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{sign}{grouped}.{:02}", cents.abs() % 100)
    }

    /// The exact decimal text, shortest form (`"0.062"`, `"899"`).
    pub fn exact(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let whole = self.0.abs() / UNITS;
        let fraction = self.0.abs() % UNITS;
        if fraction == 0 {
            return format!("{sign}{whole}");
        }
        let fraction = format!("{fraction:06}");
        format!("{sign}{whole}.{}", fraction.trim_end_matches('0'))
    }
}

impl fmt::Display for Money {
    /// Two decimals, no grouping: `1203.40`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = self.cents();
        let sign = if cents < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

// Plans carry amounts as exact decimal strings, like the API does, so no
// reader has to trust a float.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.exact())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let text = String::deserialize(deserializer)?;
        Money::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an amount: {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SoftLayer's fee strings parse exactly, including a leading dot.
    #[test]
    fn parses_api_fee_strings() {
        assert_eq!(Money::parse("899.00").unwrap().exact(), "899");
        assert_eq!(Money::parse(".062").unwrap().exact(), "0.062");
        assert_eq!(Money::parse("0.0000001").unwrap(), Money::ZERO);
        assert_eq!(Money::parse("-1.5").unwrap().exact(), "-1.5");
        assert!(Money::parse("").is_none());
        assert!(Money::parse("1e3").is_none());
        assert!(Money::parse("1.2.3").is_none());
        assert!(Money::parse(".").is_none());
    }

    /// People read two decimals with thousands separators; rounding is half up.
    #[test]
    fn formats_for_people() {
        assert_eq!(Money::parse("1203.4").unwrap().grouped(), "1,203.40");
        assert_eq!(
            Money::parse("1234567.005").unwrap().grouped(),
            "1,234,567.01"
        );
        assert_eq!(Money::parse("0.004").unwrap().grouped(), "0.00");
        assert_eq!(Money::parse("999").unwrap().to_string(), "999.00");
    }

    /// Fees in JSON: strings, numbers, even exponents.
    #[test]
    fn reads_json_fees() {
        use serde_json::json;
        let fee = |v: serde_json::Value| Money::read_fee(Some(&v)).map(Money::exact);
        assert_eq!(fee(json!("1e-5")).unwrap(), "0.00001");
        assert_eq!(fee(json!(12.5)).unwrap(), "12.5");
        assert_eq!(fee(json!("12.50")).unwrap(), "12.5");
        assert_eq!(fee(json!(0)).unwrap(), "0");
    }

    /// What is not a fee is never zero: absent, "None", text, negative, absurd.
    #[test]
    fn unreadable_fees_are_errors() {
        use serde_json::json;
        assert_eq!(Money::read_fee(None).unwrap_err(), "missing");
        assert_eq!(Money::read_fee(Some(&json!(null))).unwrap_err(), "missing");
        for (value, why) in [
            (json!("None"), "\"None\", not an amount"),
            (json!("n/a"), "\"n/a\", not an amount"),
            (json!("-1.50"), "-1.50, a negative amount"),
            (json!(-3), "-3, a negative amount"),
            (json!("1e308"), "\"1e308\", not an amount"),
            (json!(1e12), "1000000000000.0, beyond any real price"),
            (json!(true), "true, not an amount"),
        ] {
            assert_eq!(Money::read_fee(Some(&value)).unwrap_err(), why, "{value}");
        }
    }

    /// Sums and cent limits compare exactly.
    #[test]
    fn sums_and_limits() {
        let total: Money = ["0.10", "0.20"]
            .iter()
            .map(|s| Money::parse(s).unwrap())
            .sum();
        assert_eq!(total, Money::parse("0.3").unwrap());
        assert_eq!(Money::from_cents(500_000), Money::parse("5000").unwrap());
    }
}
