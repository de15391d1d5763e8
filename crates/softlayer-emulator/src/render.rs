//! Applying an object mask: which properties of an object go into the JSON.
//!
//! Rules (as the API documents them): without a mask, every local property;
//! when a level lists any local property, only the listed locals; relational
//! properties only when listed; empty or null relational properties are left
//! out. Items guarded by a cast apply only to objects of that type.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::filter;
use crate::mask::{Mask, MaskItem};
use crate::metadata;
use crate::node::{Node, Prop, View};
use crate::types::PropDef;

/// Renders `node` with the mask `levels` (several levels merge; none means
/// "locals only"). `filtered` is the objectFilter subtree for this object
/// when a `filteredMask` asks for nested lists to be filtered too.
pub(crate) fn render(
    view: &View<'_>,
    node: &Node<'_>,
    levels: &[&Mask],
    filtered: Option<&Value>,
) -> Value {
    let ty = node.type_def();
    let applicable: Vec<&MaskItem> = levels
        .iter()
        .flat_map(|m| m.items.iter())
        .filter(|it| {
            it.guard
                .as_deref()
                .is_none_or(|g| ty.is_a(g) || metadata::is_a(ty.name, g))
        })
        .collect();
    if ty.open {
        return render_open(node, &applicable);
    }
    let mut out = Map::new();
    let lists_local = applicable
        .iter()
        .any(|it| matches!(ty.prop(&it.name), Some(PropDef::Local(..))));
    if !lists_local {
        for name in ty.all_locals() {
            if let Prop::Scalar(v) = view.prop(node, name) {
                out.insert(name.to_owned(), v.into_owned());
            }
        }
    }
    for (name, subs) in merged_items(&applicable) {
        let Some(def) = ty.prop(name) else {
            continue;
        };
        let sub_filter = filtered.and_then(|f| f.get(name)).filter(|f| f.is_object());
        match view.prop(node, name) {
            Prop::Missing => {}
            Prop::Scalar(v) => {
                let relational_null = matches!(def, PropDef::Rel(_)) && v.is_null();
                if !relational_null {
                    out.insert(name.to_owned(), v.into_owned());
                }
            }
            Prop::One(child) => {
                out.insert(name.to_owned(), render(view, &child, &subs, sub_filter));
            }
            Prop::Many(children) => {
                let rendered: Vec<Value> = children
                    .iter()
                    .filter(|c| {
                        sub_filter
                            .and_then(Value::as_object)
                            .is_none_or(|f| filter::matches(view, c, f))
                    })
                    .map(|c| render(view, c, &subs, sub_filter))
                    .collect();
                // A masked list relation the object has is sent even when
                // empty (slcli's `subnet list` indexes `subnet['hardware']`).
                out.insert(name.to_owned(), Value::Array(rendered));
            }
        }
    }
    Value::Object(out)
}

/// Each property of a level once, in mask order, with the sub-masks of all
/// its mentions merged. A mask may name thousands of properties, so beyond
/// a few the names are indexed rather than searched.
fn merged_items<'m>(items: &[&'m MaskItem]) -> Vec<(&'m str, Vec<&'m Mask>)> {
    const SEARCHED: usize = 32;
    let mut out: Vec<(&'m str, Vec<&'m Mask>)> = Vec::new();
    let mut index: HashMap<&'m str, usize> = HashMap::new();
    for item in items {
        let name = item.name.as_str();
        let indexed = items.len() > SEARCHED;
        let found = if indexed {
            index.get(name).copied()
        } else {
            out.iter().position(|(n, _)| *n == name)
        };
        let at = found.unwrap_or_else(|| {
            if indexed {
                index.insert(name, out.len());
            }
            out.push((name, Vec::new()));
            out.len() - 1
        });
        out[at].1.extend(item.sub.as_ref());
    }
    out
}

/// An open (pass-through) object: everything, or only the listed keys.
fn render_open(node: &Node<'_>, applicable: &[&MaskItem]) -> Value {
    let Node::Json(_, value) = node else {
        return Value::Null;
    };
    if applicable.is_empty() {
        return value.clone().into_owned();
    }
    project(value, applicable)
}

fn project(value: &Value, items: &[&MaskItem]) -> Value {
    let Some(map) = value.as_object() else {
        return value.clone();
    };
    let mut out = Map::new();
    for item in items {
        let Some(v) = map.get(&item.name) else {
            continue;
        };
        let sub: Vec<&MaskItem> = item.sub.iter().flat_map(|m| m.items.iter()).collect();
        let projected = match (v, sub.is_empty()) {
            (_, true) => v.clone(),
            (Value::Array(list), false) => {
                Value::Array(list.iter().map(|x| project(x, &sub)).collect())
            }
            (_, false) => project(v, &sub),
        };
        out.insert(item.name.clone(), projected);
    }
    Value::Object(out)
}
