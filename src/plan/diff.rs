//! Comparing two plans (`slretire diff OLD NEW`): the items only one of
//! them has, and for the items both have, what changed in what apply would
//! do and in the facts it rests on. Pure data and renderers; the `diff`
//! command prints.
//!
//! Items are matched by kind and id, and for load balancers also by the
//! LBaaS uuid in the observed facts (a legacy VIP and an LBaaS instance can
//! share an id). The observed facts are compared as JSON values, so the
//! comparison names facts by their field names in the plan document and
//! does not depend on the type that holds them.

pub mod render_markdown;
pub mod render_text;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::model::{ApiCall, Plan, PlanAccount, PlanError, PlanItem, State, Timing};
use crate::manifest::model::Kind;
use crate::resolve::money::Money;

/// The version of the diff document (`diff --format json`).
pub const DIFF_FORMAT_VERSION: &str = "1";

/// What separates two plans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanDiff {
    /// Version of this document format (currently "1").
    pub format_version: &'static str,
    /// Whether the plans do the same: no item added, removed or changed,
    /// the same account and the same errors.
    pub equal: bool,
    pub old: PlanRef,
    pub new: PlanRef,
    /// Set when the plans belong to different accounts.
    pub account: Option<Pair<PlanAccount>>,
    pub summary: DiffSummary,
    /// Every item added, removed or changed, in plan order (kind in apply
    /// order, then id).
    pub items: Vec<ItemDiff>,
    /// Failed guards only the new plan has.
    pub errors_added: Vec<PlanError>,
    /// Failed guards only the old plan had.
    pub errors_removed: Vec<PlanError>,
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRef {
    /// The plan file as named on the command line.
    pub path: String,
    pub digest: String,
    pub created_at: Timestamp,
    pub account: PlanAccount,
}

/// An old and a new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair<T> {
    pub old: T,
    pub new: T,
}

/// Counts, and the monthly fees each plan retires.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffSummary {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    /// Items in both plans that did not change.
    pub unchanged: usize,
    pub monthly_fee_retired: Pair<Money>,
    pub currency: String,
}

/// An item only one plan has, or one whose plan changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemDiff {
    pub kind: Kind,
    pub id: u64,
    /// The LBaaS uuid, for LBaaS load balancers.
    pub uuid: Option<String>,
    /// The item's name in the new plan (the old one's when removed).
    pub name: String,
    #[serde(flatten)]
    pub change: ItemChange,
}

/// How an item differs between the plans.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ItemChange {
    /// Only the new plan has it.
    Added { item: Box<PlanItem> },
    /// Only the old plan had it.
    Removed { item: Box<PlanItem> },
    /// Both have it; these are its differences.
    Changed { changes: Vec<FieldChange> },
}

/// One difference of an item that both plans have.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum FieldChange {
    State {
        old: State,
        new: State,
    },
    /// Why the item is in its state (blocked, waiting, scheduled, ...).
    Detail {
        old: Option<String>,
        new: Option<String>,
    },
    /// When the cancellation takes effect.
    Timing {
        old: When,
        new: When,
    },
    Call {
        old: Option<ApiCall>,
        new: Option<ApiCall>,
    },
    Reason {
        old: Option<String>,
        new: Option<String>,
    },
    Note {
        old: Option<String>,
        new: Option<String>,
    },
    MonthlyFee {
        old: Fee,
        new: Fee,
    },
    /// The fingerprint changed: the facts the decision rests on differ.
    Facts {
        old: String,
        new: String,
        /// The observed facts that differ (`tags`, `billing.recurring_fee`),
        /// when both plans carry observed facts for the item.
        facts: Option<Vec<String>>,
    },
}

/// The timing of an item: immediately or on the anniversary, and the date
/// it takes effect (also set for `scheduled` items).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct When {
    pub timing: Option<Timing>,
    pub effective_date: Option<Timestamp>,
}

/// A monthly fee (`null` when a fee it is made of cannot be read) and
/// whether it is estimated from hourly rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fee {
    pub monthly_fee: Option<Money>,
    pub estimated: bool,
}

impl PlanDiff {
    /// The change of the monthly fees retired, new minus old.
    pub fn fee_delta(&self) -> Money {
        let fees = &self.summary.monthly_fee_retired;
        fees.new + fees.old.times(-1)
    }
}

/// The diff document (`diff --format json`).
pub fn render_json(diff: &PlanDiff) -> String {
    let mut text = serde_json::to_string_pretty(diff).unwrap_or_default();
    text.push('\n');
    text
}

/// Compares `old` (read from `old_path`) with `new`.
pub fn diff(old_path: &str, old: &Plan, new_path: &str, new: &Plan) -> PlanDiff {
    let mut pairs: BTreeMap<Key, (Vec<&PlanItem>, Vec<&PlanItem>)> = BTreeMap::new();
    for item in &old.items {
        pairs.entry(key(item)).or_default().0.push(item);
    }
    for item in &new.items {
        pairs.entry(key(item)).or_default().1.push(item);
    }
    let (old_files, new_files) = (manifest_paths(old), manifest_paths(new));
    let locations = Locations {
        old: &old_files,
        new: &new_files,
    };
    let mut items = Vec::new();
    let mut unchanged = 0;
    for (key, (olds, news)) in pairs {
        // A plan holds each key once; should a file hold one twice, the
        // occurrences pair up in order and the rest count as added or removed.
        let both = olds.len().min(news.len());
        for (o, n) in olds.iter().zip(&news) {
            let changes = item_changes(o, n, &locations);
            if changes.is_empty() {
                unchanged += 1;
            } else {
                items.push(item_diff(&key, n, ItemChange::Changed { changes }));
            }
        }
        for o in &olds[both..] {
            let change = ItemChange::Removed {
                item: Box::new((*o).clone()),
            };
            items.push(item_diff(&key, o, change));
        }
        for n in &news[both..] {
            let change = ItemChange::Added {
                item: Box::new((*n).clone()),
            };
            items.push(item_diff(&key, n, change));
        }
    }
    let count = |pred: fn(&ItemChange) -> bool| items.iter().filter(|i| pred(&i.change)).count();
    let summary = DiffSummary {
        added: count(|c| matches!(c, ItemChange::Added { .. })),
        removed: count(|c| matches!(c, ItemChange::Removed { .. })),
        changed: count(|c| matches!(c, ItemChange::Changed { .. })),
        unchanged,
        monthly_fee_retired: Pair {
            old: old.summary.monthly_fee_retired,
            new: new.summary.monthly_fee_retired,
        },
        currency: new.summary.currency.clone(),
    };
    let account = (old.account != new.account).then(|| Pair {
        old: old.account.clone(),
        new: new.account.clone(),
    });
    let errors_added = only_in(&new.errors, new, &old.errors, old);
    let errors_removed = only_in(&old.errors, old, &new.errors, new);
    PlanDiff {
        format_version: DIFF_FORMAT_VERSION,
        equal: items.is_empty()
            && account.is_none()
            && errors_added.is_empty()
            && errors_removed.is_empty(),
        old: plan_ref(old_path, old),
        new: plan_ref(new_path, new),
        account,
        summary,
        items,
        errors_added,
        errors_removed,
    }
}

/// Kind (in apply order), id, LBaaS uuid: what names an object in a plan.
type Key = (usize, Kind, u64, Option<String>);

fn key(item: &PlanItem) -> Key {
    let order = Kind::ALL
        .iter()
        .position(|k| *k == item.kind)
        .unwrap_or(Kind::ALL.len());
    let uuid = observed_value(item)
        .get("uuid")
        .and_then(Value::as_str)
        .map(str::to_string);
    (order, item.kind, item.id, uuid)
}

fn item_diff(key: &Key, item: &PlanItem, change: ItemChange) -> ItemDiff {
    ItemDiff {
        kind: key.1,
        id: key.2,
        uuid: key.3.clone(),
        name: item.name.clone(),
        change,
    }
}

fn plan_ref(path: &str, plan: &Plan) -> PlanRef {
    PlanRef {
        path: path.to_string(),
        digest: plan.digest.clone(),
        created_at: plan.created_at,
        account: plan.account.clone(),
    }
}

/// The errors of `these` (of plan `a`) that `those` (of plan `b`) does not
/// have, by code and message, manifest locations left out.
fn only_in(these: &[PlanError], a: &Plan, those: &[PlanError], b: &Plan) -> Vec<PlanError> {
    these
        .iter()
        .filter(|e| {
            let message = without_locations(&e.message, &manifest_paths(a));
            !those.iter().any(|o| {
                o.code == e.code && without_locations(&o.message, &manifest_paths(b)) == message
            })
        })
        .cloned()
        .collect()
}

/// The paths of a plan's manifest files, as its origins name them.
fn manifest_paths(plan: &Plan) -> Vec<String> {
    plan.manifests.iter().map(|m| m.path.clone()).collect()
}

/// The manifest files of each plan, to recognise locations in texts.
#[derive(Debug, Clone, Copy)]
pub struct Locations<'a> {
    pub old: &'a [String],
    pub new: &'a [String],
}

/// `text` with every `FILE:LINE` or `FILE` of one of `files` (a manifest
/// location) written as `<manifest>`: the same rule moved to another line,
/// or the same manifests in another directory, is no change.
fn without_locations(text: &str, files: &[String]) -> String {
    let mut files: Vec<&String> = files.iter().filter(|f| !f.is_empty()).collect();
    // Longest first, so `a/b.yaml` is not taken for `b.yaml`.
    files.sort_by_key(|f| std::cmp::Reverse(f.len()));
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for file in &files {
            if let Some(after) = rest.strip_prefix(file.as_str()) {
                // The line number too, when there is one.
                let digits = after.strip_prefix(':').unwrap_or_default();
                let n = digits.bytes().take_while(u8::is_ascii_digit).count();
                out.push_str("<manifest>");
                rest = if n > 0 { &digits[n..] } else { after };
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// What changed between two plans of one object. Compared: what apply does
/// (state, timing, call, reason, note), why (detail, manifest locations
/// left out), the fee, and the facts (fingerprint). Not compared: the
/// origins (line numbers move with any edit of a manifest), and the name,
/// addresses, datacenter and billing item, which are observed facts the
/// fingerprint covers.
pub fn item_changes(old: &PlanItem, new: &PlanItem, locations: &Locations<'_>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    if old.state != new.state {
        changes.push(FieldChange::State {
            old: old.state,
            new: new.state,
        });
    }
    let detail = |item: &PlanItem, files: &[String]| {
        item.detail.as_deref().map(|d| without_locations(d, files))
    };
    if detail(old, locations.old) != detail(new, locations.new) {
        changes.push(FieldChange::Detail {
            old: old.detail.clone(),
            new: new.detail.clone(),
        });
    }
    let (old_when, new_when) = (when(old), when(new));
    if old_when != new_when {
        changes.push(FieldChange::Timing {
            old: old_when,
            new: new_when,
        });
    }
    if old.call != new.call {
        changes.push(FieldChange::Call {
            old: old.call.clone(),
            new: new.call.clone(),
        });
    }
    if old.reason != new.reason {
        changes.push(FieldChange::Reason {
            old: old.reason.clone(),
            new: new.reason.clone(),
        });
    }
    if old.note != new.note {
        changes.push(FieldChange::Note {
            old: old.note.clone(),
            new: new.note.clone(),
        });
    }
    let (old_fee, new_fee) = (fee(old), fee(new));
    if old_fee != new_fee {
        changes.push(FieldChange::MonthlyFee {
            old: old_fee,
            new: new_fee,
        });
    }
    if old.fingerprint != new.fingerprint {
        let facts = match (&old.observed, &new.observed) {
            (Some(_), Some(_)) => {
                let mut names = Vec::new();
                changed_facts(&observed_value(old), &observed_value(new), "", &mut names);
                Some(names)
            }
            _ => None,
        };
        changes.push(FieldChange::Facts {
            old: old.fingerprint.clone(),
            new: new.fingerprint.clone(),
            facts,
        });
    }
    changes
}

fn when(item: &PlanItem) -> When {
    When {
        timing: item.timing,
        effective_date: item.effective_date,
    }
}

fn fee(item: &PlanItem) -> Fee {
    Fee {
        monthly_fee: item.monthly_fee,
        estimated: item.monthly_fee_estimated,
    }
}

/// The observed facts as the plan document holds them (`null` when none).
fn observed_value(item: &PlanItem) -> Value {
    serde_json::to_value(&item.observed).unwrap_or(Value::Null)
}

/// Collects the dotted names of the facts that differ: objects are entered
/// (`billing.recurring_fee`), anything else (lists included) is one fact.
fn changed_facts(old: &Value, new: &Value, path: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let name = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let missing = Value::Null;
                changed_facts(
                    a.get(k).unwrap_or(&missing),
                    b.get(k).unwrap_or(&missing),
                    &name,
                    out,
                );
            }
        }
        _ if old != new => out.push(path.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
