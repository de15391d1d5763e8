//! How a number is written. YAML tools disagree on numbers: YAML 1.1 reads
//! `012` as octal 10 and `1_000` as 1000, YAML 1.2 (editors, the JSON
//! Schema) reads `012` as 12 and `1_000` as a string, serde-saphyr mixes
//! both. So the tree is brought to the YAML 1.2 core schema here, from the
//! text as written, and a manifest number must be written in plain decimal
//! (`12345678`, `+12`, `5000.00`), the one form every tool reads alike.

use super::node::{Node, Value};

/// The shape of a plain scalar that looks like a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `[-+]?[0-9]+` without a redundant leading zero: `12`, `-3`, `+12`, `0`.
    Decimal,
    /// Decimal digits with a redundant leading zero: `012`, `-007`.
    LeadingZero,
    /// `0x1F`.
    Hex,
    /// `0o17`.
    Octal,
    /// `0b101` (YAML 1.1 only).
    Binary,
    /// Digits with `_` separators (YAML 1.1 only): `1_000`.
    Underscored,
    /// A number with an exponent: `1e3`, `2.5E-1`.
    Exponent,
    /// A decimal fraction: `12.5`, `.5`, `5000.`.
    Fraction,
    /// `.nan`.
    NotANumber,
    /// `.inf`, `-.inf`.
    Infinity,
    /// Anything else.
    Other,
}

impl Form {
    /// In words, for "found ..." messages.
    pub(crate) fn words(self) -> &'static str {
        match self {
            Form::Decimal => "a decimal integer",
            Form::LeadingZero => "an integer with a leading zero",
            Form::Hex => "a hexadecimal number",
            Form::Octal => "an octal number",
            Form::Binary => "a binary number",
            Form::Underscored => "a number with `_` separators",
            Form::Exponent => "a number with an exponent",
            Form::Fraction => "a decimal number",
            Form::NotANumber => "not-a-number",
            Form::Infinity => "infinity",
            Form::Other => "a number",
        }
    }
}

fn all_digits(text: &str, radix: u32) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_digit(radix))
}

/// The form of `text` (a scalar as written, surrounding blanks ignored).
pub(crate) fn form(text: &str) -> Form {
    let text = text.trim();
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if lower == ".nan" {
        return Form::NotANumber;
    }
    if lower == ".inf" {
        return Form::Infinity;
    }
    let radix = |prefix: &str| {
        lower
            .strip_prefix(prefix)
            .filter(|d| all_digits(&d.replace('_', ""), 16))
    };
    if radix("0x").is_some() {
        return if lower.contains('_') {
            Form::Underscored
        } else {
            Form::Hex
        };
    }
    if radix("0o").is_some() {
        return if lower.contains('_') {
            Form::Underscored
        } else {
            Form::Octal
        };
    }
    if radix("0b").is_some() {
        return if lower.contains('_') {
            Form::Underscored
        } else {
            Form::Binary
        };
    }
    if lower.contains('_') && all_digits(&lower.replace(['_', '.'], ""), 10) {
        return Form::Underscored;
    }
    if all_digits(&lower, 10) {
        return if lower.len() > 1 && lower.starts_with('0') {
            Form::LeadingZero
        } else {
            Form::Decimal
        };
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() || all_digits(int, 10))
                && (frac.is_empty() || all_digits(frac, 10))
                && !(int.is_empty() && frac.is_empty())
        }
        None => all_digits(mantissa, 10),
    };
    if !mantissa_ok {
        return Form::Other;
    }
    match exponent {
        Some(e) if all_digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10) => Form::Exponent,
        Some(_) => Form::Other,
        None => Form::Fraction,
    }
}

/// Whether `text` is an integer of the YAML 1.2 core schema:
/// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`.
fn is_core_integer(text: &str) -> bool {
    let text = text.trim();
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    all_digits(unsigned, 10)
        || text.strip_prefix("0o").is_some_and(|d| all_digits(d, 8))
        || text.strip_prefix("0x").is_some_and(|d| all_digits(d, 16))
}

/// Brings the numbers of a parsed tree to the YAML 1.2 core schema, from
/// the text as written: `0b101`, `-0x1F` or `0X1F` are strings there (the
/// parser read them as YAML 1.1 integers), `012` is the integer 12 (the
/// parser read a decimal number). Quoted and tagged scalars keep what the
/// parser made of them.
pub(crate) fn to_core_schema(node: &mut Node, text: &str) {
    match &mut node.value {
        Value::Seq(items) => {
            for item in items {
                to_core_schema(item, text);
            }
        }
        Value::Map(entries) => {
            for (key, value) in entries {
                to_core_schema(key, text);
                to_core_schema(value, text);
            }
        }
        Value::Int(_) | Value::Float(_) => {
            let Some(written) = plain_text(text, node) else {
                return;
            };
            let core_integer = is_core_integer(written);
            match node.value {
                Value::Int(_) if !core_integer => {
                    node.value = Value::Str(written.to_owned());
                }
                Value::Float(_) if core_integer => {
                    if let Ok(i) = written.trim().parse::<i128>() {
                        node.value = Value::Int(i);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// The text of a plain (unquoted, untagged) scalar node.
fn plain_text<'t>(text: &'t str, node: &Node) -> Option<&'t str> {
    let written = text.get(node.span.start..node.span.end)?;
    if written.is_empty() || written.starts_with(['\'', '"']) {
        return None;
    }
    // A tag (`!!int 0b101`) decides the type itself.
    let before = text.get(..node.span.start)?.trim_end_matches([' ', '\t']);
    let token = before
        .rsplit([' ', '\t', '\n', '\r', '[', '{', ','])
        .next()
        .unwrap_or("");
    if token.starts_with('!') {
        return None;
    }
    Some(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling the manifest docs name gets the form they give it.
    #[test]
    fn forms() {
        for (text, expected) in [
            ("12", Form::Decimal),
            ("+12", Form::Decimal),
            ("-3", Form::Decimal),
            ("0", Form::Decimal),
            ("012", Form::LeadingZero),
            ("-007", Form::LeadingZero),
            ("0x1F", Form::Hex),
            ("0X1f", Form::Hex),
            ("0o17", Form::Octal),
            ("0b101", Form::Binary),
            ("1_000", Form::Underscored),
            ("0x_1F", Form::Underscored),
            ("1e3", Form::Exponent),
            ("2.5E-1", Form::Exponent),
            ("12.5", Form::Fraction),
            (".5", Form::Fraction),
            ("5000.", Form::Fraction),
            (".nan", Form::NotANumber),
            (".NaN", Form::NotANumber),
            (".inf", Form::Infinity),
            ("-.inf", Form::Infinity),
            ("+.INF", Form::Infinity),
            ("nan", Form::Other),
            ("1:30", Form::Other),
            (".", Form::Other),
            ("e3", Form::Other),
            ("", Form::Other),
        ] {
            assert_eq!(form(text), expected, "{text:?}");
        }
    }

    /// Only the three YAML 1.2 core integer spellings count as integers.
    #[test]
    fn core_integers() {
        for yes in ["12", "+12", "-12", "012", "0o17", "0x1F"] {
            assert!(is_core_integer(yes), "{yes}");
        }
        for no in ["0b101", "-0x1F", "+0o17", "0X1F", "1_000", "1e3", "1.0", ""] {
            assert!(!is_core_integer(no), "{no}");
        }
    }
}
