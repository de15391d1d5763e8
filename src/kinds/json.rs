//! Reading SoftLayer JSON as it really arrives: ids as numbers or strings,
//! flags as booleans or 0/1, dates with offsets, the string "None".

use jiff::Timestamp;
use serde_json::Value;

use super::Kind;
use crate::resolve::resource::{ObjectRef, VlanRef};

/// The value at a dotted path of object keys, if every step exists and is not null.
pub(crate) fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut current = value;
    for key in path {
        current = current.get(key)?;
    }
    (!current.is_null()).then_some(current)
}

/// A non-negative integer given as a number or a numeric string.
pub(crate) fn id(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A non-empty string that is not SoftLayer's placeholder "None".
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() && s != "None" => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A flag given as a boolean, 0/1 or "0"/"1".
pub(crate) fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.as_str() {
            "1" | "true" | "True" => Some(true),
            "0" | "false" | "False" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// SoftLayer's servers keep Central Standard Time: a time the API sends
/// without an offset is read at this one.
const API_OFFSET: jiff::tz::Offset = jiff::tz::Offset::constant(-6);

/// A timestamp in the forms the API emits: ISO-8601 with an offset
/// (`2015-05-28T10:36:38-06:00`), without one (`2015-05-28T10:36:38` or
/// `2015-05-28 10:36:38`, read as Central Standard Time), or a bare date
/// (midnight, likewise). `None` for anything else (`""`, `"None"`).
pub(crate) fn timestamp(value: Option<&Value>) -> Option<Timestamp> {
    let text = text(value)?;
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    let civil = text
        .replacen(' ', "T", 1)
        .parse::<jiff::civil::DateTime>()
        .ok()
        .or_else(|| {
            text.parse::<jiff::civil::Date>()
                .ok()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })?;
    API_OFFSET.to_timestamp(civil).ok()
}

/// The `name` of every referenced tag (`tagReferences[].tag.name`), sorted, unique.
pub(crate) fn tags(value: &Value) -> Vec<String> {
    let mut tags: Vec<String> = value
        .get("tagReferences")
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(|r| text(at(r, &["tag", "name"])))
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    tags.dedup();
    tags
}

/// References to the objects of `kind` in an array property
/// (`virtualGuests[].id`), sorted by id.
pub(crate) fn refs(value: &Value, key: &str, kind: Kind) -> Vec<ObjectRef> {
    let mut ids: Vec<u64> = value
        .get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|item| id(item.get("id"))).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(|id| ObjectRef { kind, id }).collect()
}

/// The VLANs under `key`: a list (`networkVlans`) or one object
/// (`networkVlan`), each `[id,vlanNumber,primaryRouter[hostname]]`.
pub(crate) fn vlans(value: &Value, key: &str) -> Vec<VlanRef> {
    let items: Vec<&Value> = match value.get(key) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|vlan| {
            Some(VlanRef {
                id: id(vlan.get("id"))?,
                number: id(vlan.get("vlanNumber")).and_then(|n| u16::try_from(n).ok()),
                router: text(at(vlan, &["primaryRouter", "hostname"]))
                    .map(|r| r.to_ascii_lowercase()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Fixture-style quirks read as values: string ids, "None", int flags.
    #[test]
    fn reads_api_quirks() {
        assert_eq!(id(Some(&json!("100"))), Some(100));
        assert_eq!(id(Some(&json!(7))), Some(7));
        assert_eq!(id(Some(&json!(-1))), None);
        assert_eq!(text(Some(&json!("None"))), None);
        assert_eq!(flag(Some(&json!(1))), Some(true));
        assert_eq!(flag(Some(&json!("0"))), Some(false));
        assert!(timestamp(Some(&json!("2015-05-28T10:36:38-06:00"))).is_some());
        assert_eq!(timestamp(Some(&json!("None"))), None);
        assert_eq!(timestamp(Some(&json!(""))), None);
        assert_eq!(timestamp(Some(&json!("2015:05:28-06:00"))), None);
        assert_eq!(timestamp(Some(&json!("createDate"))), None);
        assert_eq!(at(&json!({"a": {"b": null}}), &["a", "b"]), None);
    }

    /// Dates without an offset, as the SDK's fixtures have them, are read
    /// in SoftLayer's Central Standard Time; bare dates at its midnight.
    #[test]
    fn reads_dates_without_offsets() {
        let at = |t: &str| timestamp(Some(&json!(t))).map(|t| t.to_string());
        let expected = Some("2016-01-21T18:11:07Z".to_string());
        assert_eq!(at("2016-01-21T12:11:07-06:00"), expected);
        assert_eq!(at("2016-01-21T12:11:07"), expected);
        assert_eq!(at("2016-01-21 12:11:07"), expected);
        assert_eq!(at("2016-01-21"), Some("2016-01-21T06:00:00Z".to_string()));
    }

    /// VLANs come as a list or as one object, with or without their router.
    #[test]
    fn reads_vlans() {
        let v = json!({
            "networkVlans": [{"id": 5, "vlanNumber": 1234, "primaryRouter": {"hostname": "BCR01a.dal10"}}, {"id": "6"}],
            "networkVlan": {"id": 7},
        });
        assert_eq!(
            vlans(&v, "networkVlans"),
            vec![
                VlanRef {
                    id: 5,
                    number: Some(1234),
                    router: Some("bcr01a.dal10".into())
                },
                VlanRef {
                    id: 6,
                    number: None,
                    router: None
                },
            ]
        );
        assert_eq!(vlans(&v, "networkVlan").len(), 1);
        assert!(vlans(&v, "subnets").is_empty());
    }

    /// Tag names come out sorted and unique whatever the API order.
    #[test]
    fn reads_tags() {
        let v = json!({"tagReferences": [{"tag": {"name": "b"}}, {"tag": {"name": "a"}}, {"tag": {"name": "b"}}]});
        assert_eq!(tags(&v), vec!["a", "b"]);
    }
}
