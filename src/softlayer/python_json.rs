//! JSON text exactly as Python's `json.dumps` writes it with its defaults,
//! which is what the official SDK sends: `", "` and `": "` separators,
//! non-ASCII escaped as `\uXXXX` (`ensure_ascii`), floats as Python's `repr`.
//!
//! Object keys come out in the order `serde_json::Map` keeps them (sorted,
//! the crate is built without `preserve_order`); for every document slretire
//! sends that is also the order the SDK would use.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};

/// Returns `value` as the SDK would put it on the wire (body or `objectFilter`).
pub fn python_json(value: &serde_json::Value) -> String {
    let mut out = Vec::new();
    let mut serializer = Serializer::with_formatter(&mut out, PythonFormatter);
    // Writing a `Value` into a Vec cannot fail: no I/O error, no non-string
    // map keys, no non-finite floats (a `Value` cannot hold them).
    if value.serialize(&mut serializer).is_err() {
        return String::from("null");
    }
    // The formatter only ever writes ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json formatter reproducing Python's `json.dumps` defaults.
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(python_float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        w.write_all(python_float_repr(f64::from(value)).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json hands over runs that need no JSON escaping; Python's
        // ensure_ascii additionally escapes everything outside ' '..='~'.
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let text: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(byte) => return write!(w, "\\u{byte:04x}"),
        };
        w.write_all(text)
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, fixed notation for
/// exponents -4..16 (always with a fractional part), otherwise `1e+16` style.
fn python_float_repr(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7", "2.5e0".
    let sci = format!("{value:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1; // digits before the decimal point
        if point <= 0 {
            let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
            format!("{sign}0.{zeros}{digits}")
        } else {
            let point = usize::try_from(point).unwrap_or(0);
            if digits.len() <= point {
                let zeros = "0".repeat(point - digits.len());
                format!("{sign}{digits}{zeros}.0")
            } else {
                format!("{sign}{}.{}", &digits[..point], &digits[point..])
            }
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{fraction}e{exp_sign}{:02}", exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The cancelItem body of the reference capture comes out byte for byte.
    #[test]
    fn cancel_item_body_matches_capture() {
        let body = json!({"parameters": [false, false, "No longer needed", "Api test"]});
        assert_eq!(
            python_json(&body),
            r#"{"parameters": [false, false, "No longer needed", "Api test"]}"#
        );
    }

    /// Nested objects, null and floats use Python's separators and repr.
    #[test]
    fn nested_values_match_capture() {
        let body = json!({"parameters": [null, 1, 2.5, {"a": [true, null]}, "AP8="]});
        assert_eq!(
            python_json(&body),
            r#"{"parameters": [null, 1, 2.5, {"a": [true, null]}, "AP8="]}"#
        );
        let body = json!({"parameters": [{"accountId": 1, "items": [{"billingItemId": 2, "immediateCancellationFlag": true}]}]});
        assert_eq!(
            python_json(&body),
            r#"{"parameters": [{"accountId": 1, "items": [{"billingItemId": 2, "immediateCancellationFlag": true}]}]}"#
        );
    }

    /// Non-ASCII characters are escaped as ensure_ascii does, including surrogate pairs.
    #[test]
    fn non_ascii_is_escaped() {
        let body = json!({"parameters": [false, false, "Größe ☃", "a&b=c#d"]});
        assert_eq!(
            python_json(&body),
            r#"{"parameters": [false, false, "Gr\u00f6\u00dfe \u2603", "a&b=c#d"]}"#
        );
        assert_eq!(python_json(&json!("😀")), r#""\ud83d\ude00""#);
        assert_eq!(python_json(&json!("\u{7f}")), r#""\u007f""#);
    }

    /// Control characters, quotes and backslashes use Python's short escapes.
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            python_json(&json!("a\"b\\c\n\t\r\u{8}\u{c}\u{1}/")),
            r#""a\"b\\c\n\t\r\b\f\u0001/""#
        );
    }

    /// Floats print like Python's repr, in and outside the fixed-notation range.
    #[test]
    fn floats_match_python_repr() {
        let cases = [
            (2.5, "2.5"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (-3.25e-7, "-3.25e-07"),
            (1e100, "1e+100"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(value), expected, "{value}");
        }
    }

    /// Empty containers and the orderBy filter keep Python's spacing.
    #[test]
    fn order_by_filter_matches_capture() {
        let filter = json!({"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]}});
        assert_eq!(
            python_json(&filter),
            r#"{"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]}}"#
        );
        assert_eq!(
            python_json(&json!({"a": [], "b": {}})),
            r#"{"a": [], "b": {}}"#
        );
    }
}
