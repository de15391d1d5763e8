//! Indexes that narrow a filtered list before the full match: for the paths
//! clients filter lists on (ids, addresses, names and hostnames, tags,
//! datacenters, VLAN numbers), the objects holding each value.
//!
//! A list filtered with `{"path": {"operation": "in", ...}}` (or a plain
//! equality) on an indexed path first keeps only the objects the index
//! names for those values; every remaining object still goes through
//! [`crate::filter::matches`], so the answer is the unindexed one, only
//! without reading the objects no value could select. That needs the index
//! to name a *superset* of the objects equality would accept:
//!
//! - values are keyed the way [`crate::filter`]'s equality compares them:
//!   a string by its text, and by its number when it reads as one; a number
//!   by its value;
//! - a path where some object holds a boolean (which equals `1`, `"true"`,
//!   ...) is not indexed at all; nor are relations (an operation on a
//!   relation itself is ignored, so it keeps everything);
//! - indexed paths are stored properties the emulator never changes (an
//!   LBaaS `provisioningStatus` or a CDN mapping's `status` would be wrong
//!   after a cancel) and that do not depend on the clock.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::filter;
use crate::node::{Node, Prop, View};
use crate::state::{Kind, State};

/// The paths indexed per kind (dotted, below the list's filter root).
fn paths(kind: Kind) -> &'static [&'static str] {
    const TAG: &str = "tagReferences.tag.name";
    match kind {
        Kind::Guest | Kind::Hardware => &[
            "id",
            "hostname",
            "domain",
            "globalIdentifier",
            "primaryIpAddress",
            "primaryBackendIpAddress",
            "datacenter.name",
            TAG,
        ],
        Kind::Storage => &[
            "id",
            "username",
            "serviceResourceBackendIpAddress",
            "serviceResource.datacenter.name",
        ],
        Kind::Subnet => &["id", "networkIdentifier", "datacenter.name", TAG],
        Kind::Vlan => &[
            "id",
            "vlanNumber",
            "name",
            "primaryRouter.hostname",
            "primaryRouter.datacenter.name",
            "datacenter.name",
            TAG,
        ],
        Kind::GlobalIp => &["id", "ipAddress.ipAddress"],
        Kind::Adc => &["id", "name", "ipAddress.ipAddress"],
        Kind::Lbaas => &["id", "uuid", "name", "datacenter.name"],
        Kind::Host => &["id", "name", "datacenter.name", TAG],
        // A mapping has no `id` property.
        Kind::Cdn => &["uniqueId", "domain", "cname"],
    }
}

/// A value as equality sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Text(String),
    /// The bits of the number (with -0 read as 0).
    Number(u64),
}

fn number(x: f64) -> Key {
    Key::Number(if x == 0.0 { 0.0_f64 } else { x }.to_bits())
}

/// The keys an object's stored `value` is found under: `None` when the
/// value could equal operands the index cannot enumerate (booleans).
fn stored_keys(value: &Value, out: &mut Vec<Key>) -> Option<()> {
    match value {
        Value::String(s) => {
            out.push(Key::Text(s.clone()));
            if let Ok(x) = s.trim().parse::<f64>() {
                out.push(number(x));
            }
        }
        Value::Number(n) => out.extend(n.as_f64().map(number)),
        Value::Bool(_) => return None,
        // Null never equals anything; objects and lists neither.
        Value::Null | Value::Object(_) | Value::Array(_) => {}
    }
    Some(())
}

/// The keys an operand of the filter is looked up under: `None` when the
/// index cannot judge it (a boolean operand).
fn operand_keys(value: &Value) -> Option<Vec<Key>> {
    match value {
        Value::String(s) => {
            let mut keys = vec![Key::Text(s.clone())];
            if let Ok(x) = s.trim().parse::<f64>() {
                keys.push(number(x));
            }
            Some(keys)
        }
        Value::Number(n) => Some(n.as_f64().map(number).into_iter().collect()),
        _ => None,
    }
}

/// One kind's index: path -> value -> object ids (ascending).
type KindIndex = HashMap<&'static str, HashMap<Key, Vec<i64>>>;

/// Every kind's index, built once at load.
#[derive(Debug, Clone, Default)]
pub(crate) struct FilterIndex {
    kinds: HashMap<Kind, KindIndex>,
}

/// Adds the keys of the scalar values at a dotted path (every element of
/// list relations) to `keys`; false when the path cannot be indexed for
/// this object (it ends at a relation, goes on from a scalar, or holds a
/// boolean).
fn keys_at<'s>(view: &View<'s>, node: &Node<'s>, path: &[&str], keys: &mut Vec<Key>) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    match view.prop(node, first) {
        Prop::Scalar(v) if rest.is_empty() => stored_keys(v.as_ref(), keys).is_some(),
        Prop::Scalar(_) => false,
        Prop::One(_) | Prop::Many(_) if rest.is_empty() => false,
        Prop::One(child) => keys_at(view, &child, rest, keys),
        Prop::Many(children) => children.iter().all(|c| keys_at(view, c, rest, keys)),
        Prop::Missing => true,
    }
}

impl FilterIndex {
    /// Indexes every object of every kind (visible or not: visibility is
    /// decided when listing), the kinds side by side.
    pub(crate) fn build(st: &State) -> FilterIndex {
        let kinds = std::thread::scope(|scope| {
            let handles: Vec<_> = Kind::ALL
                .into_iter()
                .map(|kind| (kind, scope.spawn(move || Self::index_kind(st, kind))))
                .collect();
            handles
                .into_iter()
                .map(|(kind, h)| (kind, h.join().unwrap_or_default()))
                .collect()
        });
        FilterIndex { kinds }
    }

    fn index_kind(st: &State, kind: Kind) -> KindIndex {
        let user = Value::Null;
        let view = View {
            st,
            now: Timestamp::UNIX_EPOCH,
            user: &user,
        };
        let mut index = KindIndex::new();
        for path in paths(kind) {
            let steps: Vec<&str> = path.split('.').collect();
            if let Some(map) = Self::index_path(&view, st, kind, &steps) {
                index.insert(*path, map);
            }
        }
        index
    }

    fn index_path(
        view: &View<'_>,
        st: &State,
        kind: Kind,
        steps: &[&str],
    ) -> Option<HashMap<Key, Vec<i64>>> {
        let mut map: HashMap<Key, Vec<i64>> = HashMap::new();
        let mut keys = Vec::new();
        for res in st.all(kind).values() {
            keys.clear();
            if steps == ["id"] {
                // Every kind with an `id` property stores it as the id.
                keys.push(number(res.id as f64));
            } else if !keys_at(view, &Node::Res(kind, res), steps, &mut keys) {
                return None;
            }
            for k in keys.drain(..) {
                let ids = map.entry(k).or_default();
                // Objects come in id order: a repeated value (two equal
                // tags) names the object once.
                if ids.last() != Some(&res.id) {
                    ids.push(res.id);
                }
            }
        }
        Some(map)
    }

    /// The ids of `kind` that can pass `filter` (one level, the list's
    /// root), when some condition of it is indexed; `None` when none is
    /// (every object must be matched).
    pub(crate) fn candidates(
        &self,
        kind: Kind,
        filter: &Map<String, Value>,
    ) -> Option<HashSet<i64>> {
        let index = self.kinds.get(&kind)?;
        let mut found: Option<HashSet<i64>> = None;
        let mut path = Vec::new();
        collect(filter, &mut path, &mut |path, cond| {
            let Some(by_value) = index.get(path) else {
                return;
            };
            let Some(operands) = operands(cond) else {
                return;
            };
            let mut ids = HashSet::new();
            for operand in &operands {
                let Some(keys) = operand_keys(operand) else {
                    return; // an operand the index cannot judge: no narrowing
                };
                for key in keys {
                    ids.extend(by_value.get(&key).into_iter().flatten().copied());
                }
            }
            found = Some(match found.take() {
                Some(prev) => prev.intersection(&ids).copied().collect(),
                None => ids,
            });
        });
        found
    }
}

/// Calls `each(path, condition)` for every `{"operation": ...}` reached
/// through plain keys (not the `or`/`and` extensions) from `filter`.
fn collect<'f>(
    filter: &'f Map<String, Value>,
    path: &mut Vec<&'f str>,
    each: &mut impl FnMut(&str, &'f Map<String, Value>),
) {
    for (key, cond) in filter {
        let Value::Object(cond) = cond else {
            continue;
        };
        if key == "or" || key == "and" {
            continue;
        }
        path.push(key);
        if cond.contains_key("operation") {
            each(&path.join("."), cond);
        } else {
            collect(cond, path, each);
        }
        path.pop();
    }
}

/// The operands an equality-like condition accepts: the `data` of `in`, or
/// the single value of a plain equality; `None` for anything else (a
/// comparison, `not in`, a pattern...), which the index does not narrow.
fn operands(cond: &Map<String, Value>) -> Option<Vec<Value>> {
    match cond.get("operation")? {
        Value::String(op) if op.trim() == "in" => Some(
            filter::option(cond.get("options"), "data")
                .into_iter()
                .cloned()
                .collect(),
        ),
        op @ Value::Number(_) => Some(vec![op.clone()]),
        Value::String(text) => filter::plain_equality(text).map(|v| vec![Value::String(v)]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use serde_json::json;

    use super::*;
    use crate::cancel::Clock;
    use crate::services::{Call, Reply, dispatch};

    /// Where each kind is listed and what its filter root is.
    const LISTS: [(Kind, &str, &str, Option<&str>); 11] = [
        (
            Kind::Guest,
            "SoftLayer_Account",
            "getVirtualGuests",
            Some("virtualGuests"),
        ),
        (
            Kind::Guest,
            "SoftLayer_Account",
            "getHourlyVirtualGuests",
            Some("hourlyVirtualGuests"),
        ),
        (
            Kind::Hardware,
            "SoftLayer_Account",
            "getHardware",
            Some("hardware"),
        ),
        (
            Kind::Storage,
            "SoftLayer_Account",
            "getNetworkStorage",
            Some("networkStorage"),
        ),
        (
            Kind::Storage,
            "SoftLayer_Account",
            "getIscsiNetworkStorage",
            Some("iscsiNetworkStorage"),
        ),
        (
            Kind::Subnet,
            "SoftLayer_Account",
            "getSubnets",
            Some("subnets"),
        ),
        (
            Kind::Vlan,
            "SoftLayer_Account",
            "getNetworkVlans",
            Some("networkVlans"),
        ),
        (
            Kind::GlobalIp,
            "SoftLayer_Account",
            "getGlobalIpRecords",
            Some("globalIpRecords"),
        ),
        (
            Kind::Adc,
            "SoftLayer_Account",
            "getAdcLoadBalancers",
            Some("adcLoadBalancers"),
        ),
        (
            Kind::Host,
            "SoftLayer_Account",
            "getDedicatedHosts",
            Some("dedicatedHosts"),
        ),
        (
            Kind::Lbaas,
            "SoftLayer_Network_LBaaS_LoadBalancer",
            "getAllObjects",
            None,
        ),
    ];

    fn rooted(root: Option<&str>, path: &str, cond: Value) -> Value {
        let mut value = cond;
        for key in path.rsplit('.') {
            value = json!({ key: value });
        }
        match root {
            Some(r) => json!({ r: value }),
            None => value,
        }
    }

    fn in_list(values: &[Value]) -> Value {
        json!({"operation": "in", "options": [{"name": "data", "value": values}]})
    }

    /// Values the world holds at `path` (from the index itself), a few of
    /// them, in the forms a client writes them.
    fn sample(index: &FilterIndex, kind: Kind, path: &str) -> Vec<Value> {
        let Some(by_value) = index.kinds[&kind].get(path) else {
            return Vec::new();
        };
        let mut keys: Vec<&Key> = by_value.keys().collect();
        keys.sort();
        keys.into_iter()
            .step_by((by_value.len() / 4).max(1))
            .take(4)
            .map(|k| match k {
                Key::Text(s) => json!(s),
                // Whole numbers as clients write ids and VLAN numbers.
                Key::Number(bits) => {
                    let x = f64::from_bits(*bits);
                    if x.fract() == 0.0 && x.abs() < 1e15 {
                        #[allow(clippy::cast_possible_truncation, reason = "whole and small")]
                        let whole = x as i64;
                        json!(whole)
                    } else {
                        json!(x)
                    }
                }
            })
            .collect()
    }

    /// Filters for one list: `in` lists and plain equalities on every indexed
    /// path (values that exist, a miss, numbers as strings), two indexed
    /// conditions together, an indexed one with an unindexed one, operands
    /// the index cannot judge.
    fn filters(index: &FilterIndex, kind: Kind, root: Option<&str>) -> Vec<Value> {
        let mut out = Vec::new();
        for path in paths(kind) {
            let mut values = sample(index, kind, path);
            if values.is_empty() {
                continue;
            }
            let text_forms: Vec<Value> = values
                .iter()
                .map(|v| match v {
                    Value::Number(n) => json!(format!(" {n}")),
                    other => other.clone(),
                })
                .collect();
            out.push(rooted(root, path, in_list(&values)));
            out.push(rooted(root, path, in_list(&text_forms)));
            out.push(rooted(root, path, json!({"operation": values[0].clone()})));
            if let Value::String(s) = &values[0] {
                out.push(rooted(root, path, json!({"operation": format!("= {s}")})));
                out.push(rooted(root, path, json!({"operation": format!("^= {s}")})));
            }
            values.push(json!("no-such-value"));
            values.push(json!(true));
            out.push(rooted(root, path, in_list(&values)));
            values.pop();
            out.push(rooted(root, path, in_list(&values)));
            out.push(rooted(
                root,
                path,
                json!({"operation": "not in", "options": [{"name": "data", "value": values}]}),
            ));
        }
        let all = paths(kind);
        if all.len() >= 2 {
            let (a, b) = (all[0], all[all.len() - 1]);
            let (va, vb) = (sample(index, kind, a), sample(index, kind, b));
            if !va.is_empty() && !vb.is_empty() {
                let mut f = rooted(root, a, in_list(&va));
                let g = rooted(root, b, in_list(&vb));
                merge(&mut f, &g);
                out.push(f.clone());
                let h = rooted(root, "id", json!({"operation": "> 0"}));
                merge(&mut f, &h);
                out.push(f);
            }
        }
        out
    }

    fn merge(into: &mut Value, from: &Value) {
        match (into, from) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    match a.get_mut(k) {
                        Some(existing) => merge(existing, v),
                        None => {
                            a.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            (slot, other) => *slot = other.clone(),
        }
    }

    fn call(st: &mut State, svc: &str, method: &str, filter: Value) -> Reply {
        let clock = Clock {
            now: "2026-11-22T12:00:00Z".parse().unwrap(),
            reclaim_after: SignedDuration::ZERO,
        };
        let call = Call {
            service: svc.into(),
            method: method.into(),
            mask: Some("mask[id]".into()),
            filter: Some(filter),
            ..Call::default()
        };
        dispatch(st, clock, &Value::Null, &call).unwrap()
    }

    /// On a generated world, every filtered list answers the same with the
    /// index as without it (the full match over every object), and the
    /// index does narrow most of them.
    #[test]
    fn indexed_lists_answer_as_unindexed() {
        let world =
            crate::World::from_json_str(&crate::generate_world(3_000, 5).to_string()).unwrap();
        let mut indexed = world.state;
        let mut plain = indexed.clone();
        plain.index.filters = FilterIndex::default();
        let (mut compared, mut narrowed, mut non_empty) = (0, 0, 0);
        for (kind, svc, method, root) in LISTS {
            for f in filters(&indexed.index.filters, kind, root) {
                let level = match root {
                    Some(r) => f[r].as_object().cloned().unwrap_or_default(),
                    None => f.as_object().cloned().unwrap_or_default(),
                };
                if indexed.index.filters.candidates(kind, &level).is_some() {
                    narrowed += 1;
                }
                let a = call(&mut indexed, svc, method, f.clone());
                let b = call(&mut plain, svc, method, f.clone());
                assert_eq!(a, b, "{method} {f}");
                compared += 1;
                if a.total.is_some_and(|t| t > 0) {
                    non_empty += 1;
                }
            }
        }
        assert!(compared > 200, "{compared}");
        assert!(narrowed * 2 > compared, "{narrowed} of {compared}");
        assert!(non_empty * 2 > compared, "{non_empty} of {compared}");
    }

    /// Equality keys: a string by text and number, a number by value;
    /// booleans make a path unindexable; objects and null match nothing.
    #[test]
    fn keys_follow_equality() {
        let mut keys = Vec::new();
        assert!(stored_keys(&json!(" 42"), &mut keys).is_some());
        assert_eq!(keys, vec![Key::Text(" 42".into()), number(42.0)]);
        keys.clear();
        assert!(stored_keys(&json!(-0.0), &mut keys).is_some());
        assert_eq!(keys, vec![number(0.0)]);
        assert!(stored_keys(&json!(true), &mut Vec::new()).is_none());
        keys.clear();
        assert!(stored_keys(&json!(null), &mut keys).is_some());
        assert!(stored_keys(&json!({"a": 1}), &mut keys).is_some());
        assert!(keys.is_empty());
        assert_eq!(operand_keys(&json!(7)), Some(vec![number(7.0)]));
        assert_eq!(operand_keys(&json!(true)), None);
        assert_eq!(operand_keys(&json!(null)), None);
    }

    /// Only `in` lists and plain equalities narrow; comparisons, patterns,
    /// dates and `not in` leave the list to the full match.
    #[test]
    fn only_equalities_narrow() {
        let cond = |op: Value| json!({"operation": op}).as_object().cloned().unwrap();
        assert_eq!(operands(&cond(json!("web-1"))), Some(vec![json!("web-1")]));
        assert_eq!(
            operands(&cond(json!("  = web-1 "))),
            Some(vec![json!("web-1")])
        );
        assert_eq!(operands(&cond(json!(5))), Some(vec![json!(5)]));
        for op in [
            "> 5", "^= web", "*= x", "_= WEB", "~ ^w", "is null", "not in", "sysdate", "orderBy",
            "isDate",
        ] {
            assert_eq!(operands(&cond(json!(op))), None, "{op}");
        }
    }
}
