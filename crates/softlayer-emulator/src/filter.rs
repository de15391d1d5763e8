//! objectFilter: matching objects and ordering lists.
//!
//! A filter mirrors the property tree: nest through relational properties
//! down to a property, then give `{"operation": ..., "options": [...]}`.
//! Keys are ANDed; a list relation matches when ANY element matches (so
//! `tagReferences.tag.name` finds objects with at least one such tag); a
//! condition through a missing relation never matches. Keys that are not
//! properties of the type, and shapes that make no sense, are ignored
//! silently, as the real API does.

use std::cmp::Ordering;

use jiff::Timestamp;
use regex_lite::Regex;
use serde_json::{Map, Value};

use crate::dates::{add_days, central_date, parse_filter_date, parse_ts};
use crate::node::{Node, Prop, View};

/// Whether `node` passes every condition of `filter` (one level of it).
pub(crate) fn matches(view: &View<'_>, node: &Node<'_>, filter: &Map<String, Value>) -> bool {
    let ty = node.type_def();
    for (key, cond) in filter {
        // Extension: {"or": [{...}, {...}]} and {"and": [...]} at a level.
        if let ("or" | "and", Value::Array(parts)) = (key.as_str(), cond) {
            let subs = parts.iter().filter_map(Value::as_object);
            let ok = if key == "or" {
                subs.clone().next().is_none() || subs.clone().any(|f| matches(view, node, f))
            } else {
                subs.clone().all(|f| matches(view, node, f))
            };
            if !ok {
                return false;
            }
            continue;
        }
        let Value::Object(cond) = cond else {
            continue;
        };
        if !ty.open && ty.prop(key).is_none() {
            continue;
        }
        let prop = view.prop(node, key);
        if let Some(op) = cond.get("operation") {
            let value = match &prop {
                Prop::Scalar(v) => Some(v.as_ref()),
                Prop::Missing => None,
                // An operation on a relation itself means nothing: ignore.
                Prop::One(_) | Prop::Many(_) => continue,
            };
            if !eval(op, cond.get("options"), value, view.now) {
                return false;
            }
            continue;
        }
        let ok = match prop {
            Prop::One(child) => matches(view, &child, cond),
            Prop::Many(children) => children.iter().any(|c| matches(view, c, cond)),
            Prop::Missing => !has_condition(cond),
            Prop::Scalar(_) => true,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Whether a nested filter holds any real condition (orderBy alone is not).
fn has_condition(filter: &Map<String, Value>) -> bool {
    filter.iter().any(|(k, v)| match v {
        Value::Object(m) => match m.get("operation") {
            Some(Value::String(s)) if s == "orderBy" => false,
            Some(_) => true,
            None => has_condition(m),
        },
        Value::Array(_) => k == "or" || k == "and",
        _ => false,
    })
}

/// One parsed operation.
#[derive(Debug)]
enum Op {
    Eq(Operand),
    Ne(String),
    Cmp(Ordering, bool, String),
    Starts(String, bool),
    Ends(String, bool),
    Contains(String, bool),
    EqNoCase(String),
    Regex(String, bool),
    IsNull,
    NotNull,
    OrderBy,
}

#[derive(Debug)]
enum Operand {
    Text(String),
    Number(f64),
    Bool(bool),
}

fn parse_op(text: &str) -> Op {
    let t = text.trim();
    match t {
        "is null" => return Op::IsNull,
        "not null" => return Op::NotNull,
        "orderBy" => return Op::OrderBy,
        _ => {}
    }
    const PREFIXES: [&str; 15] = [
        "!^=", "!$=", "!*=", "!=", ">=", "<=", "^=", "$=", "*=", "_=", "!~", ">", "<", "~", "=",
    ];
    for p in PREFIXES {
        if let Some(rest) = t.strip_prefix(p) {
            let v = rest.trim().to_owned();
            return match p {
                "!^=" => Op::Starts(v, true),
                "!$=" => Op::Ends(v, true),
                "!*=" => Op::Contains(v, true),
                "!=" => Op::Ne(v),
                ">=" => Op::Cmp(Ordering::Greater, true, v),
                "<=" => Op::Cmp(Ordering::Less, true, v),
                "^=" => Op::Starts(v, false),
                "$=" => Op::Ends(v, false),
                "*=" => Op::Contains(v, false),
                "_=" => Op::EqNoCase(v),
                "!~" => Op::Regex(v, true),
                ">" => Op::Cmp(Ordering::Greater, false, v),
                "<" => Op::Cmp(Ordering::Less, false, v),
                "~" => Op::Regex(v, false),
                _ => Op::Eq(Operand::Text(v)),
            };
        }
    }
    Op::Eq(Operand::Text(t.to_owned()))
}

/// The `value` list of the option called `name`.
pub(crate) fn option<'a>(options: Option<&'a Value>, name: &str) -> Vec<&'a Value> {
    options
        .and_then(Value::as_array)
        .map(|opts| {
            opts.iter()
                .filter(|o| o.get("name").and_then(Value::as_str) == Some(name))
                .flat_map(|o| match o.get("value") {
                    Some(Value::Array(v)) => v.iter().collect::<Vec<_>>(),
                    Some(v) => vec![v],
                    None => Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Evaluates an `operation` (with its `options`) against a property value.
fn eval(op: &Value, options: Option<&Value>, value: Option<&Value>, now: Timestamp) -> bool {
    let value = value.filter(|v| !v.is_null());
    let text = match op {
        Value::String(s) => s.as_str(),
        Value::Number(n) => {
            return value.is_some_and(|v| equals(v, &Operand::Number(n.as_f64().unwrap_or(0.0))));
        }
        Value::Bool(b) => return value.is_some_and(|v| equals(v, &Operand::Bool(*b))),
        _ => return true,
    };
    match text.trim() {
        "in" | "not in" => {
            let data = option(options, "data");
            let found = value.is_some_and(|v| data.iter().any(|d| equals(v, &operand_of(d))));
            return if text.trim() == "in" {
                found
            } else {
                value.is_some() && !found
            };
        }
        "or" | "and" => {
            let data = option(options, "data");
            let mut results = data.iter().map(|d| match d {
                Value::String(_) => eval(d, None, value, now),
                other => value.is_some_and(|v| equals(v, &operand_of(other))),
            });
            return if text.trim() == "or" {
                results.any(|r| r)
            } else {
                results.all(|r| r)
            };
        }
        "isDate" | "lessThanDate" | "greaterThanDate" | "betweenDate" => {
            return eval_date(text.trim(), options, value);
        }
        _ => {}
    }
    if let Some(ts) = relative_date(text, now) {
        let Some(v) = value.and_then(Value::as_str).and_then(parse_ts) else {
            return false;
        };
        let t = text.trim();
        return if t.starts_with(">=") {
            v >= ts
        } else if t.starts_with("<=") {
            v <= ts
        } else if t.starts_with('>') {
            v > ts
        } else if t.starts_with('<') {
            v < ts
        } else {
            v == ts
        };
    }
    eval_parsed(&parse_op(text), value)
}

/// The operand of an operation string that [`eval`] reads as plain
/// equality (`"web-1"`, `"= web-1"`, surrounding spaces trimmed as it trims
/// them); `None` for every other operation.
pub(crate) fn plain_equality(text: &str) -> Option<String> {
    if matches!(
        text.trim(),
        "in" | "not in"
            | "or"
            | "and"
            | "isDate"
            | "lessThanDate"
            | "greaterThanDate"
            | "betweenDate"
    ) || relative_date(text, Timestamp::UNIX_EPOCH).is_some()
    {
        return None;
    }
    match parse_op(text) {
        Op::Eq(Operand::Text(v)) => Some(v),
        _ => None,
    }
}

/// `> sysdate - 30` / `>= currentDate - 30`: the instant the operand means.
fn relative_date(text: &str, now: Timestamp) -> Option<Timestamp> {
    let t = text.trim().trim_start_matches(['>', '<', '=']).trim();
    let lower = t.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("sysdate")
        .or_else(|| lower.strip_prefix("currentdate"))?
        .trim();
    if rest.is_empty() {
        return Some(now);
    }
    let (sign, num) = rest.split_at(1);
    let days: i64 = num.trim().parse().ok()?;
    match sign {
        "-" => Some(add_days(now, -days)),
        "+" => Some(add_days(now, days)),
        _ => None,
    }
}

fn eval_parsed(op: &Op, value: Option<&Value>) -> bool {
    match op {
        Op::IsNull => return value.is_none(),
        Op::NotNull => return value.is_some(),
        Op::OrderBy => return true,
        _ => {}
    }
    let Some(v) = value else {
        return false;
    };
    let s = as_text(v);
    match op {
        Op::Eq(operand) => equals(v, operand),
        Op::Ne(x) => !equals(v, &Operand::Text(x.clone())),
        Op::Cmp(dir, or_equal, x) => match compare(v, x) {
            Some(Ordering::Equal) => *or_equal,
            Some(o) => o == *dir,
            None => false,
        },
        Op::Starts(x, neg) => lower(&s).starts_with(&lower(x)) != *neg,
        Op::Ends(x, neg) => lower(&s).ends_with(&lower(x)) != *neg,
        Op::Contains(x, neg) => lower(&s).contains(&lower(x)) != *neg,
        Op::EqNoCase(x) => lower(&s) == lower(x),
        Op::Regex(x, neg) => match Regex::new(x) {
            Ok(re) => re.is_match(&s) != *neg,
            Err(_) => false,
        },
        Op::IsNull | Op::NotNull | Op::OrderBy => true,
    }
}

fn eval_date(op: &str, options: Option<&Value>, value: Option<&Value>) -> bool {
    let Some(ts) = value.and_then(Value::as_str).and_then(parse_ts) else {
        return false;
    };
    let date = |name: &str, i: usize| {
        option(options, name)
            .get(i)
            .and_then(|v| v.as_str())
            .and_then(parse_filter_date)
    };
    match op {
        "isDate" => match date("date", 0) {
            Some((d, true)) => ts == d,
            Some((d, false)) => central_date(ts) == central_date(d),
            None => false,
        },
        "lessThanDate" => date("date", 0).is_some_and(|(d, _)| ts < d),
        "greaterThanDate" => date("date", 0).is_some_and(|(d, _)| ts > d),
        _ => {
            let start = date("startDate", 0).or_else(|| date("date", 0));
            let end = date("endDate", 0).or_else(|| date("date", 1));
            match (start, end) {
                (Some((a, _)), Some((b, timed))) => {
                    // A date-only end includes that whole day.
                    let b = if timed { b } else { add_days(b, 1) };
                    ts >= a && (if timed { ts <= b } else { ts < b })
                }
                _ => false,
            }
        }
    }
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn operand_of(v: &Value) -> Operand {
    match v {
        Value::Number(n) => Operand::Number(n.as_f64().unwrap_or(0.0)),
        Value::Bool(b) => Operand::Bool(*b),
        other => Operand::Text(as_text(other)),
    }
}

/// Equality: numbers numerically, booleans against 1/0/true/false, strings
/// exactly.
fn equals(v: &Value, operand: &Operand) -> bool {
    match (v, operand) {
        (Value::Number(n), Operand::Number(x)) => n.as_f64() == Some(*x),
        (Value::Number(n), Operand::Text(x)) => x.trim().parse::<f64>().ok() == n.as_f64(),
        (Value::String(s), Operand::Number(x)) => s.trim().parse::<f64>().ok() == Some(*x),
        (Value::String(s), Operand::Text(x)) => s == x,
        (Value::Bool(b), Operand::Bool(x)) => b == x,
        (Value::Bool(b), Operand::Number(x)) => (*x != 0.0) == *b,
        (Value::Bool(b), Operand::Text(x)) => match x.trim() {
            "1" | "true" => *b,
            "0" | "false" => !*b,
            _ => false,
        },
        (other, Operand::Bool(x)) => equals(other, &Operand::Number(f64::from(u8::from(*x)))),
        _ => false,
    }
}

/// Orders a value against an operand: numbers, then dates, then text.
fn compare(v: &Value, operand: &str) -> Option<Ordering> {
    let x = operand.trim();
    let num = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    if let (Some(a), Ok(b)) = (num, x.parse::<f64>()) {
        return a.partial_cmp(&b);
    }
    if let (Some(a), Some((b, _))) = (v.as_str().and_then(parse_ts), parse_filter_date(x)) {
        return Some(a.cmp(&b));
    }
    Some(as_text(v).as_str().cmp(x))
}

/// One `orderBy` found in a filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrderBy {
    pub(crate) path: Vec<String>,
    pub(crate) descending: bool,
    pub(crate) priority: i64,
}

/// Every orderBy in `filter`, by `sortOrder` then position.
pub(crate) fn order_bys(filter: &Map<String, Value>) -> Vec<OrderBy> {
    let mut out = Vec::new();
    collect_order(filter, &mut Vec::new(), &mut out);
    out.sort_by_key(|o| o.priority);
    out
}

fn collect_order(filter: &Map<String, Value>, path: &mut Vec<String>, out: &mut Vec<OrderBy>) {
    for (key, cond) in filter {
        let Value::Object(cond) = cond else {
            continue;
        };
        path.push(key.clone());
        if cond.get("operation").and_then(Value::as_str) == Some("orderBy") {
            let options = cond.get("options");
            let descending = option(options, "sort")
                .first()
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.eq_ignore_ascii_case("DESC"));
            let priority = option(options, "sortOrder")
                .first()
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                .unwrap_or(i64::MAX);
            out.push(OrderBy {
                path: path.clone(),
                descending,
                priority,
            });
        } else if !cond.contains_key("operation") {
            collect_order(cond, path, out);
        }
        path.pop();
    }
}

/// The value at a dotted path (first element of lists).
fn value_at(view: &View<'_>, node: &Node<'_>, path: &[String]) -> Option<Value> {
    let (first, rest) = path.split_first()?;
    if !node.type_def().open && node.type_def().prop(first).is_none() {
        return None;
    }
    match view.prop(node, first) {
        Prop::Scalar(v) if rest.is_empty() => Some(v.into_owned()),
        Prop::One(child) => value_at(view, &child, rest),
        Prop::Many(children) => children.first().and_then(|c| value_at(view, c, rest)),
        _ => None,
    }
}

fn sort_cmp(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => {
            let num = |v: &Value| match v {
                Value::Number(n) => n.as_f64(),
                Value::Bool(b) => Some(f64::from(u8::from(*b))),
                _ => None,
            };
            match (num(x), num(y)) {
                (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
                _ => as_text(x).cmp(&as_text(y)),
            }
        }
    }
}

/// Sorts `nodes` (already in id order) by the orderBys; stable, so id order
/// breaks ties.
pub(crate) fn sort(view: &View<'_>, nodes: &mut [Node<'_>], orders: &[OrderBy]) {
    if orders.is_empty() {
        return;
    }
    if let Some(ids) = resource_ids(nodes, orders) {
        // Every client pages with an orderBy on `id`: over resources that
        // is their stored id, so sort on it without reading properties.
        sort_by_keys(nodes, &ids, |a, b| {
            let c = a.cmp(b);
            if orders[0].descending { c.reverse() } else { c }
        });
        return;
    }
    let keys: Vec<Vec<Option<Value>>> = nodes
        .iter()
        .map(|n| orders.iter().map(|o| value_at(view, n, &o.path)).collect())
        .collect();
    sort_by_keys(nodes, &keys, |a, b| {
        for (i, o) in orders.iter().enumerate() {
            let c = sort_cmp(a[i].as_ref(), b[i].as_ref());
            let c = if o.descending { c.reverse() } else { c };
            if c != Ordering::Equal {
                return c;
            }
        }
        Ordering::Equal
    });
}

/// Stable sort of `nodes` by their `keys` (one per node, same order).
fn sort_by_keys<K>(nodes: &mut [Node<'_>], keys: &[K], cmp: impl Fn(&K, &K) -> Ordering) {
    let mut idx: Vec<usize> = (0..nodes.len()).collect();
    idx.sort_by(|&a, &b| cmp(&keys[a], &keys[b]));
    if idx.iter().enumerate().all(|(at, &i)| at == i) {
        return; // already in order, as id-ordered lists usually are
    }
    let sorted: Vec<Node<'_>> = idx.iter().map(|&i| nodes[i].clone()).collect();
    for (slot, n) in nodes.iter_mut().zip(sorted) {
        *slot = n;
    }
}

/// The ids of `nodes` when the only ordering is by `id` and every node is
/// a stored resource (whose `id` property is its id), else `None`.
fn resource_ids(nodes: &[Node<'_>], orders: &[OrderBy]) -> Option<Vec<i64>> {
    let [order] = orders else {
        return None;
    };
    if order.path != ["id"] {
        return None;
    }
    nodes
        .iter()
        .map(|n| match n {
            Node::Res(_, r) => Some(r.id),
            _ => None,
        })
        .collect()
}

/// Whether `filter` (one level) holds nothing but `orderBy` operations on
/// its own keys: such a filter keeps every object (an orderBy always
/// matches), so matching can be skipped. Nested or combined filters are
/// not judged here.
pub(crate) fn orders_only(filter: &Map<String, Value>) -> bool {
    filter.values().all(|cond| {
        cond.as_object()
            .and_then(|c| c.get("operation"))
            .and_then(Value::as_str)
            .is_some_and(|op| op.trim() == "orderBy")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        parse_ts(s).unwrap()
    }

    #[allow(clippy::needless_pass_by_value)]
    fn ev(op: Value, options: Option<Value>, value: Option<Value>) -> bool {
        eval(
            &op,
            options.as_ref(),
            value.as_ref(),
            ts("2026-06-30T12:00:00-06:00"),
        )
    }

    /// Plain and numeric equality, and inequality.
    #[test]
    fn equality() {
        assert!(ev(json!("web-1"), None, Some(json!("web-1"))));
        assert!(!ev(json!("web-1"), None, Some(json!("WEB-1"))));
        assert!(ev(json!(42), None, Some(json!(42))));
        assert!(ev(json!("42"), None, Some(json!(42))));
        assert!(ev(json!("!= a"), None, Some(json!("b"))));
        assert!(!ev(json!("!= a"), None, Some(json!("a"))));
        assert!(ev(json!("_= WEB-1"), None, Some(json!("web-1"))));
        assert!(ev(json!("1"), None, Some(json!(true))));
    }

    /// Comparisons order numbers, money strings and dates.
    #[test]
    fn comparisons() {
        assert!(ev(json!("> 10"), None, Some(json!(11))));
        assert!(!ev(json!("> 10"), None, Some(json!(10))));
        assert!(ev(json!(">= 10"), None, Some(json!(10))));
        assert!(ev(json!("< 900"), None, Some(json!("899.00"))));
        assert!(ev(json!("<= 899"), None, Some(json!("899.00"))));
        assert!(ev(
            json!("< 01/01/2026"),
            None,
            Some(json!("2025-12-31T10:00:00-06:00"))
        ));
    }

    /// Prefix, suffix and substring operators and their negations.
    #[test]
    fn string_operators() {
        let v = Some(json!("ci-runner-07"));
        assert!(ev(json!("^= ci-"), None, v.clone()));
        assert!(ev(json!("!^= web"), None, v.clone()));
        assert!(ev(json!("$= -07"), None, v.clone()));
        assert!(!ev(json!("!$= -07"), None, v.clone()));
        assert!(ev(json!("*= runner"), None, v.clone()));
        assert!(ev(json!("!*= db"), None, v.clone()));
        assert!(ev(json!("~ ^ci-runner-[0-9]+$"), None, v.clone()));
        assert!(ev(json!("!~ ^web"), None, v));
    }

    /// Null checks and missing values.
    #[test]
    fn null_checks() {
        assert!(ev(json!("is null"), None, None));
        assert!(ev(json!("is null"), None, Some(Value::Null)));
        assert!(!ev(json!("not null"), None, None));
        assert!(ev(json!("not null"), None, Some(json!("x"))));
        assert!(!ev(json!("x"), None, None));
    }

    /// in / not in / or / and with data options.
    #[test]
    fn list_operators() {
        let data = Some(json!([{"name": "data", "value": ["dal10", "dal13"]}]));
        assert!(ev(json!("in"), data.clone(), Some(json!("dal13"))));
        assert!(!ev(json!("in"), data.clone(), Some(json!("ams01"))));
        assert!(ev(json!("not in"), data, Some(json!("ams01"))));
        let ors = Some(json!([{"name": "data", "value": ["^= tor", "^= sjc"]}]));
        assert!(ev(json!("or"), ors.clone(), Some(json!("sjc01"))));
        assert!(!ev(json!("or"), ors, Some(json!("dal01"))));
        let ands = Some(json!([{"name": "data", "value": [">= 1024", "<= 16384"]}]));
        assert!(ev(json!("and"), ands.clone(), Some(json!(2048))));
        assert!(!ev(json!("and"), ands, Some(json!(32768))));
    }

    /// Date operations, both betweenDate forms and relative days.
    #[test]
    fn date_operators() {
        let v = Some(json!("2026-03-15T10:00:00-06:00"));
        let d = |s: &str| Some(json!([{"name": "date", "value": [s]}]));
        assert!(ev(json!("isDate"), d("03/15/2026"), v.clone()));
        assert!(!ev(json!("isDate"), d("03/16/2026"), v.clone()));
        assert!(ev(json!("lessThanDate"), d("03/16/2026"), v.clone()));
        assert!(ev(json!("greaterThanDate"), d("03/15/2026"), v.clone()));
        let between = Some(json!([
            {"name": "startDate", "value": ["03/01/2026"]},
            {"name": "endDate", "value": ["03/15/2026"]}
        ]));
        assert!(ev(json!("betweenDate"), between, v.clone()));
        let two = Some(json!([
            {"name": "date", "value": ["03/16/2026"]},
            {"name": "date", "value": ["03/20/2026"]}
        ]));
        assert!(!ev(json!("betweenDate"), two, v.clone()));
        // now is 2026-06-30: 2026-03-15 is more than 30 days ago.
        assert!(ev(json!("< sysdate - 30"), None, v.clone()));
        assert!(!ev(json!(">= currentDate - 30"), None, v));
    }

    /// orderBy specs are collected with direction and priority.
    /// Sorting resources by id takes the shortcut and agrees with sorting
    /// through their properties, both directions, from any order.
    #[test]
    fn id_order_shortcut_agrees_with_properties() {
        let world = crate::World::from_json_str(
            r#"{"format": "slretire-world/1", "account": {"id": 1},
                "virtualGuests": [{"id": 30, "hostname": "c"}, {"id": 4, "hostname": "a"}, {"id": 200, "hostname": "b"}]}"#,
        )
        .unwrap();
        let user = Value::Null;
        let view = View {
            st: &world.state,
            now: ts("2026-06-30T12:00:00-06:00"),
            user: &user,
        };
        let ids = |nodes: &[Node<'_>]| -> Vec<i64> {
            nodes
                .iter()
                .map(|n| match n {
                    Node::Res(_, r) => r.id,
                    _ => 0,
                })
                .collect()
        };
        for descending in [false, true] {
            let by_id = [OrderBy {
                path: vec!["id".into()],
                descending,
                priority: 0,
            }];
            let mut shortcut: Vec<Node<'_>> = [200, 4, 30]
                .iter()
                .map(|id| {
                    Node::Res(
                        crate::state::Kind::Guest,
                        &world.state.all(crate::state::Kind::Guest)[id],
                    )
                })
                .collect();
            let mut general = shortcut.clone();
            sort(&view, &mut shortcut, &by_id);
            let keys: Vec<Vec<Option<Value>>> = general
                .iter()
                .map(|n| vec![value_at(&view, n, &by_id[0].path)])
                .collect();
            sort_by_keys(&mut general, &keys, |a, b| {
                let c = sort_cmp(a[0].as_ref(), b[0].as_ref());
                if descending { c.reverse() } else { c }
            });
            assert_eq!(ids(&shortcut), ids(&general));
            let expected = if descending {
                vec![200, 30, 4]
            } else {
                vec![4, 30, 200]
            };
            assert_eq!(ids(&shortcut), expected);
        }
    }

    /// Only a level made of plain orderBy operations may skip matching.
    #[test]
    fn orders_only_is_strict() {
        let order =
            json!({"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]});
        let f = |v: Value| v.as_object().unwrap().clone();
        assert!(orders_only(&f(json!({"id": order.clone()}))));
        assert!(orders_only(&f(json!({}))));
        assert!(!orders_only(&f(
            json!({"id": order.clone(), "hostname": {"operation": "a"}})
        )));
        assert!(!orders_only(&f(
            json!({"tagReferences": {"tag": {"name": order.clone()}}})
        )));
        assert!(!orders_only(&f(json!({"or": [{"id": order}]}))));
    }

    #[test]
    fn collects_order_bys() {
        let f = json!({
            "virtualGuests": {
                "hostname": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}, {"name": "sortOrder", "value": [1]}]},
                "datacenter": {"name": {"operation": "orderBy", "options": [{"name": "sortOrder", "value": [0]}]}}
            }
        });
        let orders = order_bys(f["virtualGuests"].as_object().unwrap());
        assert_eq!(orders[0].path, vec!["datacenter", "name"]);
        assert!(!orders[0].descending);
        assert_eq!(orders[1].path, vec!["hostname"]);
        assert!(orders[1].descending);
    }
}
