//! JSON trees built under a [`Meter`]: each value is counted as it is
//! made, so a small body that expands (`[1,1,1,...]` is 2 bytes of text
//! and about 64 of tree per value) is refused at the meter's cap instead
//! of taking gigabytes.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::softlayer::memory_budget::Meter;

/// What one value costs in the tree, besides the text of its strings: the
/// `Value` itself, its place in a vector or map, and allocator slack.
const NODE_BYTES: u64 = 64;
/// What a string or key costs besides its bytes.
const STRING_BYTES: u64 = 32;

/// The JSON document `text`, counted against `meter`.
pub(crate) fn from_str(text: &str, meter: &Meter) -> Result<Value, serde_json::Error> {
    let mut parser = serde_json::Deserializer::from_str(text);
    let value = Metered(meter).deserialize(&mut parser)?;
    parser.end()?;
    Ok(value)
}

/// A seed that builds a [`Value`], charging the meter for every node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Metered<'m>(pub(crate) &'m Meter);

impl Metered<'_> {
    fn charge<E: serde::de::Error>(self, bytes: u64) -> Result<(), E> {
        if self.0.charge(bytes) {
            Ok(())
        } else {
            Err(E::custom(format_args!(
                "the answer takes more than {} to hold",
                crate::softlayer::memory_budget::mib(self.0.cap())
            )))
        }
    }

    /// A string node; `copies` counts the parser's own buffer too when the
    /// text was unescaped into it (the buffer keeps its size until the end).
    fn string<E: serde::de::Error>(self, text: &str, copies: u64) -> Result<Value, E> {
        self.charge(NODE_BYTES + STRING_BYTES + copies * text.len() as u64)?;
        Ok(Value::String(text.to_string()))
    }

    fn scalar<E: serde::de::Error>(self, value: Value) -> Result<Value, E> {
        self.charge(NODE_BYTES)?;
        Ok(value)
    }
}

impl<'de> DeserializeSeed<'de> for Metered<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Metered<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        self.scalar(Value::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        self.scalar(Value::Number(v.into()))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        self.scalar(Value::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        self.scalar(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Value, E> {
        self.string(v, 1)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        // Not borrowed from the body: serde_json unescaped it into its
        // scratch buffer first.
        self.string(v, 2)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        self.scalar(Value::Null)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        self.scalar(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.charge::<A::Error>(NODE_BYTES)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.charge::<A::Error>(NODE_BYTES)?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.charge::<A::Error>(STRING_BYTES + key.len() as u64)?;
            let value = map.next_value_seed(self)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::softlayer::memory_budget::{LARGE_ALLOWANCE, MemoryBudget};

    /// Every JSON value comes out as serde_json builds it.
    #[test]
    fn builds_the_same_tree() {
        let text =
            r#"{"a": [1, -2, 3.5, true, null, "x"], "b": {"c": "d"}, "e": 18446744073709551615}"#;
        let meter = Meter::unlimited();
        let ours = from_str(text, &meter).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert!(meter.used() > 0);
    }

    /// Syntax errors and trailing text are errors, as with serde_json.
    #[test]
    fn rejects_what_serde_json_rejects() {
        let meter = Meter::unlimited();
        assert!(from_str("[1,", &meter).is_err());
        assert!(from_str("[1] x", &meter).is_err());
        assert!(!meter.exceeded());
    }

    /// A body that expands is refused at the cap, long before its tree is built.
    #[test]
    fn expanding_bodies_are_refused_at_the_cap() {
        let budget = MemoryBudget::new();
        let meter = budget.meter(1024 * 1024);
        let text = format!("[{}1]", "1,".repeat(100_000));
        let err = from_str(&text, &meter).unwrap_err();
        assert!(meter.exceeded());
        assert!(err.to_string().contains("more than 1 MiB"), "{err}");
        // 100,001 values at 64 bytes each is over 6 MB of tree for 200 KB of text.
        let meter = budget.meter(LARGE_ALLOWANCE);
        from_str(&text, &meter).unwrap();
        assert!(meter.used() > 6_000_000, "{}", meter.used());
    }
}
