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
pub mod progress;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::Value;

use crate::manifest::model::Kind;
use crate::plan::model::{ApiCall, Plan, PlanItem, State};
use crate::resolve::fetch::{Api, FetchError, fetch_ids};
use crate::resolve::money::Money;
use crate::resolve::resource::Resource;
use check::{Check, check};

/// Sends mutating calls; implemented by the SoftLayer client.
pub trait Writer: Sync {
    /// Performs `call` once. Never retried inside: apply decides.
    fn write(&self, call: &ApiCall) -> Result<Value, WriteError>;
}

/// Why a mutating call did not clearly succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The API answered with a refusal: the call did not take effect.
    #[error("{0}")]
    Refused(String),
    /// The outcome is unknown (sent, but no or no clear answer).
    #[error("outcome unknown: {0}")]
    Ambiguous(String),
}

/// What happened to one plan item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Cancelled,
    AlreadyDone,
    Drifted,
    Failed,
    /// Not attempted: Ctrl-C came first.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Cancelled => "cancelled",
            Outcome::AlreadyDone => "already done",
            Outcome::Drifted => "drifted",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
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
        format!(
            "{head}: {} cancelled, {} already done, {} drifted, {} failed{skipped}. Monthly fees retired: {} USD.",
            self.count(Outcome::Cancelled),
            self.count(Outcome::AlreadyDone),
            self.count(Outcome::Drifted),
            self.count(Outcome::Failed),
            self.monthly_fee_retired.grouped()
        )
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

/// The wave an item's kind belongs to: objects first, then what they sit
/// on (subnets, dedicated hosts), then VLANs.
pub fn wave(kind: Kind) -> usize {
    match kind {
        Kind::Subnet | Kind::DedicatedHost => 1,
        Kind::Vlan => 2,
        _ => 0,
    }
}

/// Performs every `cancel` item of the plan.
pub fn run(apply: &Apply<'_>) -> Report {
    let cancels: Vec<usize> = (0..apply.plan.items.len())
        .filter(|&i| apply.plan.items[i].state == State::Cancel)
        .collect();
    for o in apply.observers {
        o.start(cancels.len());
    }
    let mut results: Vec<ActionResult> = Vec::new();
    let mut waves: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &i in &cancels {
        waves
            .entry(wave(apply.plan.items[i].kind))
            .or_default()
            .push(i);
    }
    for indices in waves.values() {
        if apply.stop.load(Ordering::SeqCst) {
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
    results.sort_by_key(|r| r.index);
    let monthly_fee_retired = results
        .iter()
        .filter(|r| r.outcome == Outcome::Cancelled)
        .map(|r| apply.plan.items[r.index].monthly_fee)
        .sum();
    Report {
        results,
        monthly_fee_retired,
        interrupted: apply.stop.load(Ordering::SeqCst),
    }
}

/// Reads the wave's objects again (one batched read per kind), then works
/// through the items that still need their call with bounded parallelism.
fn run_wave(apply: &Apply<'_>, indices: &[usize]) -> Vec<ActionResult> {
    let mut results = Vec::new();
    let mut by_kind: BTreeMap<Kind, Vec<usize>> = BTreeMap::new();
    for &i in indices {
        by_kind.entry(apply.plan.items[i].kind).or_default().push(i);
    }
    let mut queue: VecDeque<usize> = VecDeque::new();
    // The kinds of a wave are read at once; their checks then run in order.
    let started = Instant::now();
    let now = Timestamp::now();
    let reads: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = by_kind
            .iter()
            .map(|(kind, items)| {
                let ids: Vec<u64> = items.iter().map(|&i| apply.plan.items[i].id).collect();
                scope.spawn(move || fetch_ids(apply.api, *kind, &ids, now))
            })
            .collect();
        handles
            .into_iter()
            .zip(by_kind.keys())
            .map(|(handle, kind)| {
                handle.join().unwrap_or_else(|_| {
                    Err(FetchError::new(kind.as_str(), "the read thread failed"))
                })
            })
            .collect()
    });
    for ((_, items), read) in by_kind.iter().zip(reads) {
        match read {
            Err(e) => {
                for &i in items {
                    results.push(finish(
                        apply,
                        i,
                        Outcome::Failed,
                        format!("could not read the object before acting: {e}"),
                        0,
                        started,
                    ));
                }
            }
            Ok(found) => {
                for &i in items {
                    match check(&apply.plan.items[i], find(&found, &apply.plan.items[i])) {
                        Check::Proceed => queue.push_back(i),
                        Check::Done(why) => {
                            results.push(finish(apply, i, Outcome::AlreadyDone, why, 0, started));
                        }
                        Check::Drifted(why) => {
                            results.push(finish(apply, i, Outcome::Drifted, why, 0, started));
                        }
                    }
                }
            }
        }
    }
    let queue = Mutex::new(queue);
    let done = Mutex::new(Vec::new());
    let workers = apply
        .parallelism
        .max(1)
        .min(queue.lock().map(|q| q.len()).unwrap_or(1).max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if apply.stop.load(Ordering::SeqCst) {
                        break;
                    }
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

/// Performs one item's call; settles every unclear outcome by reading the
/// object back, never by resending blindly.
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
    let mut sent_unclear = false;
    loop {
        attempts += 1;
        let Err(error) = apply.writer.write(call) else {
            return finish(
                apply,
                i,
                Outcome::Cancelled,
                format!("{}::{} succeeded", call.service, call.method),
                attempts,
                started,
            );
        };
        sent_unclear |= matches!(error, WriteError::Ambiguous(_));
        let read = fetch_ids(apply.api, item.kind, &[item.id], Timestamp::now());
        let check = match read {
            Ok(found) => check(item, find(&found, item)),
            Err(read_error) => {
                let detail = format!(
                    "{error}; reading the object back failed: {read_error}; run apply again to settle it"
                );
                return finish(apply, i, Outcome::Failed, detail, attempts, started);
            }
        };
        match check {
            Check::Done(why) if sent_unclear => {
                return finish(
                    apply,
                    i,
                    Outcome::Cancelled,
                    format!("confirmed by reading it back ({why}) after: {error}"),
                    attempts,
                    started,
                );
            }
            Check::Done(why) => {
                return finish(
                    apply,
                    i,
                    Outcome::AlreadyDone,
                    format!("{why} (the API said: {error})"),
                    attempts,
                    started,
                );
            }
            Check::Drifted(why) => {
                return finish(apply, i, Outcome::Drifted, why, attempts, started);
            }
            Check::Proceed if attempts >= MAX_ATTEMPTS => {
                return finish(
                    apply,
                    i,
                    Outcome::Failed,
                    format!("{error} (after {attempts} attempts)"),
                    attempts,
                    started,
                );
            }
            Check::Proceed if apply.stop.load(Ordering::SeqCst) => {
                return finish(
                    apply,
                    i,
                    Outcome::Skipped,
                    format!("interrupted; the last attempt did not take effect: {error}"),
                    attempts,
                    started,
                );
            }
            Check::Proceed => {
                for o in apply.observers {
                    o.note(&format!("{} {}: {error}; the read-back shows it did not take effect, sending it again", item.kind, item.id));
                }
                std::thread::sleep(Duration::from_millis(250 * u64::from(attempts)));
            }
        }
    }
}

/// The object a plan item refers to among freshly read ones.
fn find<'r>(found: &'r [Resource], item: &PlanItem) -> Option<&'r Resource> {
    let uuid = item.observed.as_ref().and_then(|o| o.uuid.as_ref());
    found
        .iter()
        .find(|r| r.id == item.id && r.uuid.as_ref() == uuid)
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

/// The reads before a wave: every kind of the wave at once.
#[cfg(test)]
mod wave_read_tests {
    use std::sync::atomic::AtomicUsize;

    use serde_json::json;

    use super::*;
    use crate::manifest::model::{
        CancelOptions, Entry, Manifests, Origin, Reason, Selector, Via, When,
    };
    use crate::plan::build::{PlanContext, build};
    use crate::plan::model::PlanAccount;
    use crate::resolve::fetch::{FetchError, ListRequest, fetch};
    use crate::resolve::selection::select;

    /// Guests and volumes that answer slowly, counting reads in flight.
    struct Slow {
        in_flight: AtomicUsize,
        peak: AtomicUsize,
    }

    impl Api for Slow {
        fn list(&self, request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError> {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let billing =
                |id: u64| json!({"id": id + 1000, "recurringFee": "5.00", "hourlyFlag": false});
            Ok(match request.method {
                "getVirtualGuests" => vec![json!({"id": 1, "hostname": "g", "domain": "x",
                    "hourlyBillingFlag": false, "billingItem": billing(1)})],
                "getNetworkStorage" => {
                    vec![json!({"id": 2, "username": "SL01-2", "billingItem": billing(2)})]
                }
                _ => Vec::new(),
            })
        }
        fn object(&self, _: &str, _: u64, _: &str) -> Result<Option<Value>, FetchError> {
            Ok(None)
        }
    }

    impl Writer for Slow {
        fn write(&self, _call: &ApiCall) -> Result<Value, WriteError> {
            Ok(Value::Bool(true))
        }
    }

    fn entry(kind: Kind, id: u64) -> Entry {
        Entry {
            origin: Origin {
                file: "m.yaml".into(),
                line: 1,
            },
            kind,
            selector: Selector {
                ids: vec![id],
                ..Selector::default()
            },
            expect: None,
            options: CancelOptions {
                when: When::Immediate,
                via: Via::Api,
                reason: Reason::NoLongerNeeded,
                note: None,
            },
        }
    }

    /// A wave of guests and volumes reads both kinds concurrently, then
    /// performs every item.
    #[test]
    fn kinds_of_a_wave_are_read_at_once() {
        let api = Slow {
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        };
        let manifests = Manifests {
            account: 1,
            files: vec!["m.yaml".into()],
            entries: vec![entry(Kind::VirtualGuest, 1), entry(Kind::Storage, 2)],
            protect: vec![],
            limits: Vec::new(),
        };
        let now = Timestamp::now();
        let fetched = fetch(&api, &manifests, now).unwrap();
        let context = PlanContext {
            account: PlanAccount {
                id: 1,
                company: "x".into(),
            },
            endpoint: "test".into(),
            now,
        };
        let plan = build(&manifests, &select(&manifests, &fetched, now), &context);
        assert_eq!(plan.summary.cancel, 2, "{:?}", plan.items);
        api.peak.store(0, Ordering::SeqCst);
        let stop = AtomicBool::new(false);
        let report = run(&Apply {
            plan: &plan,
            api: &api,
            writer: &api,
            observers: &[],
            parallelism: 1,
            stop: &stop,
        });
        assert_eq!(report.count(Outcome::Cancelled), 2, "{report:?}");
        assert_eq!(api.peak.load(Ordering::SeqCst), 2);
    }
}
