//! `apply --wait`: performing `waiting` items within the same reviewed run.
//!
//! Once the cancel waves are done, apply polls the objects the waiting
//! items wait for (one batched read per kind, through the same client and
//! rate limit as every other call), spaced out (1 s, doubling to 30 s) and
//! bounded (the waits add up to at most the `--wait` duration). A waiting
//! item is performed as soon as everything it waits for is gone, after the
//! same check as any item (read again; done, drifted or proceed), so
//! dependency order follows: a VLAN that waits for a subnet that waits for
//! guests goes after the subnet is gone, which goes after the guests are.
//! An item whose wait cannot end in this run (what it waits for failed,
//! drifted, or is cancelled on a date after the wait ends) stops waiting
//! at once; the rest stay undone when the wait ends.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use jiff::Timestamp;

use super::check::{Check, check};
use super::reread::{Target, read_back};
use super::{ActionResult, Apply, Outcome, finish, perform, read_items, stopping};
use crate::plan::anniversary::date_text;
use crate::plan::model::PlanItem;
use crate::resolve::resource::ObjectRef;

/// The first pause between polls; each next one doubles, up to [`LONGEST`].
const FIRST: Duration = Duration::from_secs(1);
/// The longest pause between two polls.
const LONGEST: Duration = Duration::from_secs(30);

/// Performs the `waiting` items (`indices`, in plan order) once what each
/// waits for is gone, waiting at most `budget` in all. `earlier` holds the
/// outcomes of the cancel waves.
pub(super) fn perform_waiting(
    apply: &Apply<'_>,
    indices: &[usize],
    earlier: &[ActionResult],
    budget: Duration,
) -> Vec<ActionResult> {
    let items = &apply.plan.items;
    let reference = |i: usize| ObjectRef {
        kind: items[i].kind,
        id: items[i].id,
    };
    let mut outcome: BTreeMap<ObjectRef, Outcome> = earlier
        .iter()
        .map(|r| (reference(r.index), r.outcome))
        .collect();
    let mut pending: Vec<usize> = indices.to_vec();
    pending.sort_by_key(|&i| (items[i].kind.room().wave(), i));
    let mut gone: BTreeSet<ObjectRef> = BTreeSet::new();
    // Objects still there with a cancellation date: when they will go.
    let mut dated: BTreeMap<ObjectRef, Timestamp> = BTreeMap::new();
    let mut results = Vec::new();
    let started = Instant::now();
    let mut waited = Duration::ZERO;
    let mut pause = FIRST;
    let end = apply
        .now
        .checked_add(jiff::SignedDuration::try_from(budget).unwrap_or(jiff::SignedDuration::MAX))
        .unwrap_or(Timestamp::MAX);
    loop {
        if stopping(apply) {
            for &i in &pending {
                results.push(finish(
                    apply,
                    i,
                    Outcome::Skipped,
                    "interrupted while waiting".into(),
                    0,
                    started,
                ));
            }
            break;
        }
        // Poll what the waiting items wait for; items still waiting
        // themselves are not cancelled yet, so they cannot be gone.
        let waiting: BTreeSet<ObjectRef> = pending.iter().map(|&i| reference(i)).collect();
        let mut polled: Vec<ObjectRef> = pending
            .iter()
            .filter(|&&i| items[i].call.is_some())
            .flat_map(|&i| items[i].depends_on.iter().cloned())
            .filter(|o| !gone.contains(o) && !waiting.contains(o))
            .collect();
        polled.sort();
        polled.dedup();
        let targets: Vec<Target> = polled
            .iter()
            .map(|o| Target {
                kind: o.kind,
                id: o.id,
                uuid: None,
            })
            .collect();
        for (o, read) in polled.iter().zip(read_back(apply.api, &targets, apply.now)) {
            match read {
                Ok(None) => {
                    gone.insert(o.clone());
                }
                Ok(Some(r)) => {
                    if let Some(date) = r.billing.and_then(|b| b.cancellation_date) {
                        dated.insert(o.clone(), date);
                    }
                }
                // Not known to be gone: polled again next time.
                Err(e) => {
                    for observer in apply.observers {
                        observer.note(&format!("reading {o} while waiting failed: {e}"));
                    }
                }
            }
        }
        // Items whose wait cannot end in this run stop waiting now.
        pending.retain(|&i| match hopeless(&items[i], &outcome, &dated, end) {
            Some(why) => {
                let result = finish(apply, i, Outcome::Waiting, why, 0, started);
                outcome.insert(reference(i), result.outcome);
                results.push(result);
                false
            }
            None => true,
        });
        if pending.is_empty() {
            break;
        }
        let ready: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|&i| is_ready(&items[i], &gone, &outcome))
            .collect();
        let finished = perform_ready(apply, &ready, started);
        if !finished.is_empty() {
            for r in &finished {
                outcome.insert(reference(r.index), r.outcome);
            }
            pending.retain(|i| !finished.iter().any(|r| r.index == *i));
            results.extend(finished);
            // What waited for the items just performed is polled at once.
            continue;
        }
        if waited >= budget {
            for &i in &pending {
                let left = not_gone(&items[i], &gone);
                let why = format!(
                    "still waiting after {}: {left} not gone yet",
                    duration_text(budget)
                );
                results.push(finish(apply, i, Outcome::Waiting, why, 0, started));
            }
            break;
        }
        let step = pause.min(budget.saturating_sub(waited));
        let mut awaited: Vec<String> = pending
            .iter()
            .flat_map(|&i| items[i].depends_on.iter())
            .filter(|o| !gone.contains(o))
            .map(ToString::to_string)
            .collect();
        awaited.sort();
        awaited.dedup();
        let more = match awaited.len() {
            n if n > 5 => format!(" and {} more", n - 5),
            _ => String::new(),
        };
        awaited.truncate(5);
        for observer in apply.observers {
            observer.note(&format!(
                "waiting {} for {}{more} to be gone ({} of {} waited)",
                duration_text(step),
                awaited.join(", "),
                duration_text(waited),
                duration_text(budget)
            ));
        }
        (apply.wait)(step);
        waited += step;
        pause = (pause * 2).min(LONGEST);
    }
    results
}

/// Why `item` cannot stop waiting in this run, if it cannot: something it
/// waits for ended without being cancelled, or is cancelled only after the
/// wait ends (`end`).
fn hopeless(
    item: &PlanItem,
    outcome: &BTreeMap<ObjectRef, Outcome>,
    dated: &BTreeMap<ObjectRef, Timestamp>,
    end: Timestamp,
) -> Option<String> {
    for o in &item.depends_on {
        if let Some(
            what @ (Outcome::Failed | Outcome::Drifted | Outcome::Skipped | Outcome::Waiting),
        ) = outcome.get(o)
        {
            return Some(format!(
                "stays waiting: {o} was not cancelled ({})",
                what.as_str()
            ));
        }
        if let Some(date) = dated.get(o).filter(|d| **d > end) {
            return Some(format!(
                "stays waiting: {o} is cancelled on {}, after the wait ends",
                date_text(*date)
            ));
        }
    }
    None
}

/// Whether a waiting item may be looked at now: everything it waits for is
/// gone; for an item without a call of its own (it goes with another's
/// billing item), once that one is cancelled.
fn is_ready(
    item: &PlanItem,
    gone: &BTreeSet<ObjectRef>,
    outcome: &BTreeMap<ObjectRef, Outcome>,
) -> bool {
    match item.call {
        Some(_) => item.depends_on.iter().all(|o| gone.contains(o)),
        None => item.depends_on.iter().all(|o| {
            matches!(
                outcome.get(o),
                Some(Outcome::Cancelled | Outcome::AlreadyDone)
            )
        }),
    }
}

/// Checks the ready items against a fresh read and performs those that
/// proceed; an item whose object still holds what it waits for (the API
/// lags behind) keeps waiting and is not among the results.
fn perform_ready(apply: &Apply<'_>, ready: &[usize], started: Instant) -> Vec<ActionResult> {
    if ready.is_empty() {
        return Vec::new();
    }
    let mut results = Vec::new();
    let mut queue = Vec::new();
    for (&i, read) in ready.iter().zip(read_items(apply, ready)) {
        let item = &apply.plan.items[i];
        let (outcome, why) = match read.map(|r| check(item, r.as_ref(), apply.now)) {
            Err(e) => (
                Outcome::Failed,
                format!("could not read the object before acting: {e}"),
            ),
            Ok(Check::Proceed) if item.call.is_some() => {
                queue.push(i);
                continue;
            }
            Ok(Check::Proceed) => (
                Outcome::Waiting,
                "stays waiting: it has no call of its own, and what it goes with did not cancel it"
                    .into(),
            ),
            Ok(Check::Done(why)) => (Outcome::AlreadyDone, why),
            Ok(Check::Drifted(why)) => (Outcome::Drifted, why),
            Ok(Check::NotYet(_)) => continue,
        };
        results.push(finish(apply, i, outcome, why, 0, started));
    }
    results.extend(perform(apply, queue));
    results
}

/// `subnet 7, virtual_guest 1 is`/`are`: what an item waits for that is
/// not gone.
fn not_gone(item: &PlanItem, gone: &BTreeSet<ObjectRef>) -> String {
    let left: Vec<String> = item
        .depends_on
        .iter()
        .filter(|o| !gone.contains(o))
        .map(ToString::to_string)
        .collect();
    match left.len() {
        0 => "its own object still holds them, so it is".into(),
        1 => format!("{} is", left[0]),
        n if n > 5 => format!("{}, +{} more are", left[..5].join(", "), n - 5),
        _ => format!("{} are", left.join(", ")),
    }
}

/// `500ms`, `1.5s`, `30s`, `5m`, `1h30m`.
pub fn duration_text(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 60_000 && !ms.is_multiple_of(1000) {
        return format!("{:.1}s", d.as_secs_f64());
    }
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}
