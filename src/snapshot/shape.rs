//! What a snapshot writes of an API answer: exactly what its mask asked
//! for, in the world format's value forms.
//!
//! The real API answers a masked call with the masked properties only, but
//! a proxy, an older API or a replay of the SDK's fixtures may send more.
//! What the mask did not ask for is left out, and so is SoftLayer's
//! placeholder `"None"` (an absent value). The API's other value forms (ids
//! as strings, fees as numbers) are the world loader's to accept; the
//! export checks the whole file with that loader before writing it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A parsed object mask: each property, with the mask of its own
/// properties when it is a relation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    properties: BTreeMap<String, Option<Shape>>,
}

impl Shape {
    /// Parses one of slretire's own masks: `mask[a,b[c,d]]`, optionally
    /// cast `mask(SoftLayer_Type)[...]`, relations nested with brackets.
    pub(crate) fn parse(mask: &str) -> Shape {
        let body = mask.trim();
        let body = body.strip_prefix("mask").unwrap_or(body);
        let body = match body.strip_prefix('(') {
            Some(rest) => rest.split_once(')').map_or(rest, |(_, after)| after),
            None => body,
        };
        let body = body
            .strip_prefix('[')
            .and_then(|b| b.strip_suffix(']'))
            .unwrap_or(body);
        let mut chars = body.chars().peekable();
        parse_list(&mut chars)
    }

    /// `value` with only the properties this shape names, at every depth,
    /// in the world's value forms; relations that are not objects (or
    /// lists of objects) are left out.
    pub(crate) fn project(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, inner) in &self.properties {
                    let Some(found) = map.get(key) else {
                        continue;
                    };
                    let kept = match inner {
                        Some(shape) => match found {
                            Value::Object(_) => Some(shape.project(found)),
                            Value::Array(items) => Some(Value::Array(
                                items
                                    .iter()
                                    .filter(|i| i.is_object())
                                    .map(|i| shape.project(i))
                                    .collect(),
                            )),
                            _ => None,
                        },
                        None => scalar(found),
                    };
                    if let Some(kept) = kept {
                        out.insert(key.clone(), kept);
                    }
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

fn parse_list(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Shape {
    let mut shape = Shape::default();
    let mut name = String::new();
    loop {
        match chars.next() {
            None | Some(']') => {
                if !name.trim().is_empty() {
                    shape.properties.insert(name.trim().to_string(), None);
                }
                return shape;
            }
            Some(',') => {
                if !name.trim().is_empty() {
                    shape
                        .properties
                        .insert(std::mem::take(&mut name).trim().to_string(), None);
                }
                name.clear();
            }
            Some('[') => {
                let inner = parse_list(chars);
                let key = std::mem::take(&mut name).trim().to_string();
                // A property named twice (with different casts) gets both.
                let merged = match shape.properties.remove(&key).flatten() {
                    Some(mut before) => {
                        before.properties.extend(inner.properties);
                        before
                    }
                    None => inner,
                };
                shape.properties.insert(key, Some(merged));
                if chars.peek() == Some(&',') {
                    chars.next();
                }
            }
            Some('(') => {
                // A per-property cast: `prop(SoftLayer_Type)[...]`.
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            Some(c) => name.push(c),
        }
    }
}

/// A scalar, or `None` to leave it out: SoftLayer's `"None"` placeholder
/// is an absent value.
fn scalar(value: &Value) -> Option<Value> {
    match value {
        Value::String(s) if s == "None" => None,
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Only what the mask names is kept, at every depth, casts included.
    #[test]
    fn keeps_what_the_mask_names() {
        let shape = Shape::parse(
            "mask(SoftLayer_Hardware_Server)[id,hostname,billingItem[id,recurringFee,children[id]],tagReferences[tag[name]]]",
        );
        let answer = json!({
            "id": "1001", "hostname": "db", "accountId": 5, "password": "x",
            "billingItem": {"id": 9, "recurringFee": 12.5, "orderItem": {"id": 3},
                            "children": [{"id": "10", "extra": 1}]},
            "tagReferences": [{"tag": {"name": "keep", "id": 1}}, "junk"],
        });
        assert_eq!(
            shape.project(&answer),
            json!({
                "id": "1001", "hostname": "db",
                "billingItem": {"id": 9, "recurringFee": 12.5, "children": [{"id": "10"}]},
                "tagReferences": [{"tag": {"name": "keep"}}],
            })
        );
    }

    /// SoftLayer's "None" is an absent value; a scalar where an object
    /// belongs is left out rather than written as something else.
    #[test]
    fn placeholders_and_wrong_shapes_are_left_out() {
        let shape = Shape::parse("mask[id,notes,datacenter[name],cancellationDate]");
        let answer = json!({"id": 1, "notes": "None", "cancellationDate": "None",
                            "datacenter": "dal13"});
        assert_eq!(shape.project(&answer), json!({"id": 1}));
    }
}
