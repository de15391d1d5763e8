//! Performing a reviewed plan, exactly: only its `cancel` items, each with
//! its planned call, in dependency waves, never twice.
//!
//! Safety model: before each wave the objects are read again; an item whose
//! object is gone, unbilled or already scheduled counts as done, one whose
//! facts changed is skipped as drifted. A call whose outcome is unknown
//! (timeout after sending, lost response, server error) is never repeated
//! blindly: the object is read back first, and the call is only sent again
//! when the read shows it did not take effect.

pub mod check;
pub mod journal;
pub mod lock;
pub mod reread;
mod wait;

pub use wait::duration_text;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::Value;

use crate::kinds::Wave;
use crate::plan::model::{ApiCall, Plan, PlanItem, State};
use crate::resolve::fetch::Api;
use crate::resolve::money::Money;
use check::{Check, check};
use reread::{Reread, Target, read_back};

/// Sends mutating calls; implemented by the SoftLayer client.
pub trait Writer: Sync {
    /// Performs `call` once. Never retried inside: apply decides.
    fn write(&self, call: &ApiCall) -> Result<Value, WriteError>;
}

/// Why a mutating call did not clearly succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// SoftLayer refused the call (a business rule, `false`, access): it
    /// did not take effect and sending it again would meet the same answer.
    #[error("{0}")]
    Refused(String),
    /// SoftLayer answered with a fault ("Internal Error", a garbled body),
    /// or the call was never sent: once a read shows no effect, it may be
    /// sent again.
    #[error("{0}")]
    Fault(String),
    /// No answer came (a timeout or a connection lost after sending): the
    /// call may still take effect, so it is never sent again in this run.
    #[error("no answer: {0}")]
    Unanswered(String),
}

/// What happened to one plan item (or, for `revert`, to one pending
/// cancellation).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Cancelled,
    AlreadyDone,
    Drifted,
    Failed,
    /// Not attempted: Ctrl-C came first.
    Skipped,
    /// `apply --wait`: what the item waits for was not gone when the wait
    /// ended (or cannot be gone by then); it stays undone.
    Waiting,
    /// `revert`: the pending cancellation was taken back.
    Voided,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Cancelled => "cancelled",
            Outcome::AlreadyDone => "already done",
            Outcome::Drifted => "drifted",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::Waiting => "still waiting",
            Outcome::Voided => "voided",
        }
    }
}

/// The result of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionResult {
    /// Position of the item in `plan.items`.
    pub index: usize,
    pub outcome: Outcome,
    /// Why, in words (the error for failures).
    pub detail: String,
    /// Mutating calls sent for the item.
    pub attempts: u32,
    pub elapsed: Duration,
    pub finished_at: Timestamp,
}

/// Follows an apply as it happens (progress display, journal).
pub trait Observer: Sync {
    /// The number of actions the apply will consider.
    fn start(&self, _total: usize) {}
    /// An item's call is about to be sent.
    fn started(&self, _item: &PlanItem) {}
    /// An item reached its outcome.
    fn finished(&self, _item: &PlanItem, _result: &ActionResult) {}
    /// Something worth telling the operator (a wave starting, a retry).
    fn note(&self, _message: &str) {}
    /// Whether the observer can no longer do its job (the journal cannot be
    /// written): no new action starts then.
    fn failed(&self) -> bool {
        false
    }
}

/// Everything an apply needs.
#[derive(Clone, Copy)]
pub struct Apply<'a> {
    pub plan: &'a Plan,
    pub api: &'a dyn Api,
    pub writer: &'a dyn Writer,
    pub observers: &'a [&'a dyn Observer],
    /// Calls in flight at once.
    pub parallelism: usize,
    /// Set by Ctrl-C: no new action starts once it is set.
    pub stop: &'a AtomicBool,
    /// The time dates are judged at (the clock, or `SLRETIRE_NOW`): an
    /// anniversary that has passed since the plan is drift.
    pub now: Timestamp,
    /// Waits before a call is sent again and between the polls of `--wait`
    /// (`std::thread::sleep`; tests record the waits instead of sleeping).
    pub wait: &'a (dyn Fn(Duration) + Sync),
    /// `--wait`: how long apply may wait, in all, for what `waiting` items
    /// wait for to be gone, performing each as soon as it is; `None` leaves
    /// waiting items to a later plan.
    pub wait_for: Option<Duration>,
}

impl std::fmt::Debug for Apply<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apply")
            .field("plan", &self.plan.digest)
            .field("parallelism", &self.parallelism)
            .finish_non_exhaustive()
    }
}

/// The outcome of an apply, in plan order.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub results: Vec<ActionResult>,
    /// The sum of the monthly fees of the items cancelled now.
    pub monthly_fee_retired: Money,
    pub interrupted: bool,
}

impl Report {
    /// How many items ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }

    /// `Apply complete: 3 cancelled, 1 already done, 0 drifted, 0 failed.`
    pub fn summary_line(&self) -> String {
        let head = if self.interrupted {
            "Apply interrupted"
        } else {
            "Apply complete"
        };
        let skipped = self.count(Outcome::Skipped);
        let skipped = if skipped > 0 {
            format!(", {skipped} not attempted")
        } else {
            String::new()
        };
        let waiting = match self.count(Outcome::Waiting) {
            0 => String::new(),
            n => format!(", {n} still waiting"),
        };
        format!(
            "{head}: {} cancelled, {} already done, {} drifted, {} failed{waiting}{skipped}. Monthly fees retired: {} USD.",
            self.count(Outcome::Cancelled),
            self.count(Outcome::AlreadyDone),
            self.count(Outcome::Drifted),
            self.count(Outcome::Failed),
            self.monthly_fee_retired.grouped()
        )
    }

    /// Whether the only items not done are waiting ones the wait could
    /// not perform: everything else ended cancelled or already done.
    pub fn only_waiting_left(&self) -> bool {
        !self.interrupted
            && self.count(Outcome::Waiting) > 0
            && self.results.iter().all(|r| {
                matches!(
                    r.outcome,
                    Outcome::Cancelled | Outcome::AlreadyDone | Outcome::Waiting
                )
            })
    }

    /// Whether every item ended cancelled or already done.
    pub fn succeeded(&self) -> bool {
        !self.interrupted
            && self
                .results
                .iter()
                .all(|r| matches!(r.outcome, Outcome::Cancelled | Outcome::AlreadyDone))
    }
}

/// Sends per item at most this many mutating calls (each after a read
/// proved the previous one did not take effect).
const MAX_ATTEMPTS: u32 = 3;

/// Performs every `cancel` item of the plan, then with `wait_for` its
/// `waiting` items as what they wait for goes.
pub fn run(apply: &Apply<'_>) -> Report {
    let cancels: Vec<usize> = (0..apply.plan.items.len())
        .filter(|&i| apply.plan.items[i].state == State::Cancel)
        .collect();
    let waiting: Vec<usize> = match apply.wait_for {
        Some(_) => (0..apply.plan.items.len())
            .filter(|&i| apply.plan.items[i].state == State::Waiting)
            .collect(),
        None => Vec::new(),
    };
    for o in apply.observers {
        o.start(cancels.len() + waiting.len());
    }
    let mut results: Vec<ActionResult> = Vec::new();
    // Objects first, then what they sit on (subnets, dedicated hosts),
    // then VLANs: each kind's room says its wave.
    let mut waves: BTreeMap<Wave, Vec<usize>> = BTreeMap::new();
    for &i in &cancels {
        waves
            .entry(apply.plan.items[i].kind.room().wave())
            .or_default()
            .push(i);
    }
    for indices in waves.values() {
        if stopping(apply) {
            results.extend(indices.iter().map(|&i| {
                finish(
                    apply,
                    i,
                    Outcome::Skipped,
                    "interrupted before this wave".into(),
                    0,
                    Instant::now(),
                )
            }));
            continue;
        }
        results.extend(run_wave(apply, indices));
    }
    if let Some(budget) = apply.wait_for {
        let waited = wait::perform_waiting(apply, &waiting, &results, budget);
        results.extend(waited);
    }
    results.sort_by_key(|r| r.index);
    let monthly_fee_retired = results
        .iter()
        .filter(|r| r.outcome == Outcome::Cancelled)
        .filter_map(|r| apply.plan.items[r.index].monthly_fee)
        .sum();
    Report {
        results,
        monthly_fee_retired,
        interrupted: apply.stop.load(Ordering::SeqCst),
    }
}

/// Whether apply must stop scheduling: Ctrl-C, or an observer (the
/// journal) that cannot keep track any more.
fn stopping(apply: &Apply<'_>) -> bool {
    if apply.observers.iter().any(|o| o.failed()) {
        apply.stop.store(true, Ordering::SeqCst);
    }
    apply.stop.load(Ordering::SeqCst)
}

/// The plan item's object, as a target of a read.
fn target(item: &PlanItem) -> Target {
    Target {
        kind: item.kind,
        id: item.id,
        uuid: item.uuid().map(str::to_string),
    }
}

/// Reads the items' objects again (one batched read per kind, kinds in
/// parallel), in the order given.
fn read_items(apply: &Apply<'_>, indices: &[usize]) -> Vec<Reread> {
    let targets: Vec<Target> = indices
        .iter()
        .map(|&i| target(&apply.plan.items[i]))
        .collect();
    read_back(apply.api, &targets, apply.now)
}

/// Reads the wave's objects again, then works through the items that
/// still need their call with bounded parallelism.
fn run_wave(apply: &Apply<'_>, indices: &[usize]) -> Vec<ActionResult> {
    let mut results = Vec::new();
    let started = Instant::now();
    let reads = read_items(apply, indices);
    let mut queue: Vec<usize> = Vec::new();
    for (&i, now) in indices.iter().zip(reads) {
        let item = &apply.plan.items[i];
        if stopping(apply) {
            results.push(finish(
                apply,
                i,
                Outcome::Skipped,
                "interrupted before this action".into(),
                0,
                started,
            ));
            continue;
        }
        match now.map(|r| check(item, r.as_ref(), apply.now)) {
            Err(e) => results.push(finish(
                apply,
                i,
                Outcome::Failed,
                format!("could not read the object before acting: {e}"),
                0,
                started,
            )),
            Ok(Check::Proceed) => queue.push(i),
            Ok(Check::Done(why)) => {
                results.push(finish(apply, i, Outcome::AlreadyDone, why, 0, started));
            }
            // Only waiting items wait for occupants; a cancel item that
            // still has them has changed since the plan.
            Ok(Check::Drifted(why) | Check::NotYet(why)) => {
                results.push(finish(apply, i, Outcome::Drifted, why, 0, started));
            }
        }
    }
    results.extend(perform(apply, queue));
    results
}

/// Performs the items' calls with bounded parallelism; items Ctrl-C left
/// unstarted are skipped.
fn perform(apply: &Apply<'_>, queue: Vec<usize>) -> Vec<ActionResult> {
    let mut results = Vec::new();
    let queue = Mutex::new(VecDeque::from(queue));
    let done = Mutex::new(Vec::new());
    let workers = apply
        .parallelism
        .max(1)
        .min(queue.lock().map_or(1, |q| q.len()).max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !stopping(apply) {
                    let Some(i) = queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                        break;
                    };
                    let result = act(apply, i);
                    if let Ok(mut d) = done.lock() {
                        d.push(result);
                    }
                }
            });
        }
    });
    results.extend(done.into_inner().unwrap_or_default());
    let left: Vec<usize> = queue.into_inner().map(Vec::from).unwrap_or_default();
    for i in left {
        results.push(finish(
            apply,
            i,
            Outcome::Skipped,
            "interrupted before this action".into(),
            0,
            Instant::now(),
        ));
    }
    results
}

/// Reads one object again: through its kind's filtered list, confirmed with
/// the object itself when the list does not return it.
fn read_object(apply: &Apply<'_>, item: &PlanItem) -> Reread {
    read_back(apply.api, &[target(item)], apply.now)
        .pop()
        .unwrap_or(Ok(None))
}

/// Performs one item's call. Every failure is followed by a read of the
/// object; the call is only sent again after a fault the read shows had no
/// effect, never after a refusal or a missing answer.
fn act(apply: &Apply<'_>, i: usize) -> ActionResult {
    let item = &apply.plan.items[i];
    let started = Instant::now();
    let Some(call) = &item.call else {
        return finish(
            apply,
            i,
            Outcome::Failed,
            "the plan item has no call".into(),
            0,
            started,
        );
    };
    for o in apply.observers {
        o.started(item);
    }
    let mut attempts = 0;
    let mut maybe_ours = false;
    loop {
        attempts += 1;
        let Err(error) = apply.writer.write(call) else {
            let detail = format!("{}::{} succeeded", call.service, call.method);
            return finish(apply, i, Outcome::Cancelled, detail, attempts, started);
        };
        maybe_ours |= !matches!(error, WriteError::Refused(_));
        let check = match read_object(apply, item) {
            Ok(now) => check(item, now.as_ref(), apply.now),
            Err(read_error) => {
                let detail = format!(
                    "{error}; reading the object back failed: {read_error}; run apply again to settle it"
                );
                return finish(apply, i, Outcome::Failed, detail, attempts, started);
            }
        };
        let (outcome, detail) = match (check, &error) {
            (Check::Done(why), _) if maybe_ours => (
                Outcome::Cancelled,
                format!("confirmed by reading it back ({why}) after: {error}"),
            ),
            (Check::Done(why), _) => (
                Outcome::AlreadyDone,
                format!("{why} (the API said: {error})"),
            ),
            (Check::Drifted(why), _) => (Outcome::Drifted, why),
            (Check::Proceed | Check::NotYet(_), WriteError::Refused(_)) => {
                (Outcome::Failed, error.to_string())
            }
            (Check::Proceed | Check::NotYet(_), WriteError::Unanswered(_)) => (
                Outcome::Failed,
                format!(
                    "{error}; the object does not show the cancellation, but the call may still take effect, so it is not sent again: run apply again later to settle it"
                ),
            ),
            (Check::Proceed | Check::NotYet(_), WriteError::Fault(_))
                if attempts >= MAX_ATTEMPTS =>
            {
                (
                    Outcome::Failed,
                    format!("{error} (after {attempts} attempts)"),
                )
            }
            (Check::Proceed | Check::NotYet(_), WriteError::Fault(_)) if stopping(apply) => (
                Outcome::Skipped,
                format!("interrupted; the last attempt did not take effect: {error}"),
            ),
            (Check::Proceed | Check::NotYet(_), WriteError::Fault(_)) => {
                for o in apply.observers {
                    o.note(&format!(
                        "{} {}: {error}; the read-back shows it did not take effect, sending it again",
                        item.kind, item.id
                    ));
                }
                (apply.wait)(Duration::from_millis(250 * u64::from(attempts)));
                continue;
            }
        };
        return finish(apply, i, outcome, detail, attempts, started);
    }
}

fn finish(
    apply: &Apply<'_>,
    index: usize,
    outcome: Outcome,
    detail: String,
    attempts: u32,
    started: Instant,
) -> ActionResult {
    let result = ActionResult {
        index,
        outcome,
        detail,
        attempts,
        elapsed: started.elapsed(),
        finished_at: Timestamp::now(),
    };
    for o in apply.observers {
        o.finished(&apply.plan.items[index], &result);
    }
    result
}

#[cfg(test)]
mod tests;
