//! The apply engine against an in-memory account: waves, read-backs,
//! drift, retries that are never blind, Ctrl-C.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};

use super::*;
use crate::manifest::model::{
    CancelOptions, Entry, Manifests, Origin, Reason, Selector, Via, When,
};
use crate::pipeline;
use crate::plan::build::PlanContext;
use crate::plan::model::PlanAccount;
use crate::resolve::fetch::{FetchError, ListRequest};

/// How the fake API answers the next mutating call.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    /// Takes effect and answers.
    Ok,
    /// Takes effect, then the answer is lost.
    Lost,
    /// Refuses without effect (a business rule).
    Refuse,
    /// Answers with a fault, without effect ("Internal Error").
    Fault,
    /// No answer and no effect (yet).
    Silent,
}

/// Guests by id, the answers to give, and every mutating call made.
struct Account {
    guests: Mutex<BTreeMap<u64, Value>>,
    answers: Mutex<VecDeque<Answer>>,
    writes: Mutex<Vec<String>>,
}

impl Account {
    fn new(ids: &[u64]) -> Account {
        let guests = ids
            .iter()
            .map(|&id| {
                (id, json!({"id": id, "hostname": format!("g{id}"), "domain": "x", "hourlyBillingFlag": true,
                    "billingItem": {"id": id + 1000, "recurringFee": "0", "hourlyRecurringFee": ".1", "hourlyFlag": true}}))
            })
            .collect();
        Account {
            guests: Mutex::new(guests),
            answers: Mutex::new(VecDeque::new()),
            writes: Mutex::new(Vec::new()),
        }
    }
}

impl Api for Account {
    fn list(&self, _request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError> {
        Ok(self.guests.lock().unwrap().values().cloned().collect())
    }
    fn object(&self, _service: &str, _id: u64, _mask: &str) -> Result<Option<Value>, FetchError> {
        Ok(None)
    }
}

impl Writer for Account {
    fn write(&self, call: &ApiCall) -> Result<Value, WriteError> {
        self.writes.lock().unwrap().push(call.to_string());
        let answer = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Answer::Ok);
        let id: u64 = call.id.as_deref().unwrap().parse().unwrap();
        if matches!(answer, Answer::Ok | Answer::Lost) {
            self.guests.lock().unwrap().remove(&id);
        }
        match answer {
            Answer::Ok => Ok(Value::Bool(true)),
            Answer::Lost => Err(WriteError::Unanswered("connection closed".into())),
            Answer::Refuse => Err(WriteError::Refused(
                "Guest has an active transaction".into(),
            )),
            Answer::Fault => Err(WriteError::Fault("Internal Error".into())),
            Answer::Silent => Err(WriteError::Unanswered("timed out".into())),
        }
    }
}

fn plan_for(account: &Account, ids: &[u64]) -> Plan {
    let manifests = Manifests {
        account: 1,
        files: vec!["m.yaml".into()],
        digests: vec!["sha256:test".into()],
        entries: vec![Entry {
            origin: Origin {
                file: "m.yaml".into(),
                line: 1,
            },
            kind: Kind::VirtualGuest,
            selector: Selector {
                ids: ids.to_vec(),
                ..Selector::default()
            },
            expect: None,
            options: CancelOptions {
                when: When::Immediate,
                via: Via::Api,
                reason: Reason::NoLongerNeeded,
                note: None,
            },
        }],
        protect: vec![],
        limits: Vec::new(),
    };
    let context = PlanContext {
        account: PlanAccount {
            id: 1,
            company: "x".into(),
        },
        endpoint: "test".into(),
        now: Timestamp::now(),
    };
    pipeline::plan(account, &manifests, &context).unwrap()
}

fn apply(account: &Account, plan: &Plan, stop: bool) -> Report {
    let stop = AtomicBool::new(stop);
    run(&Apply {
        plan,
        api: account,
        writer: account,
        observers: &[],
        parallelism: 2,
        stop: &stop,
        now: plan.created_at,
        wait: &|_| {},
    })
}

fn outcomes(report: &Report) -> Vec<Outcome> {
    report.results.iter().map(|r| r.outcome).collect()
}

/// Every planned item is cancelled once; a second apply finds them done.
#[test]
fn cancels_once_and_converges() {
    let account = Account::new(&[1, 2, 3]);
    let plan = plan_for(&account, &[1, 2, 3]);
    let first = apply(&account, &plan, false);
    assert_eq!(outcomes(&first), vec![Outcome::Cancelled; 3]);
    assert!(first.succeeded());
    assert_eq!(first.monthly_fee_retired.exact(), "219");
    let second = apply(&account, &plan, false);
    assert_eq!(outcomes(&second), vec![Outcome::AlreadyDone; 3]);
    assert_eq!(account.writes.lock().unwrap().len(), 3);
}

/// A lost response is settled by reading back: no second call.
#[test]
fn lost_response_is_read_back() {
    let account = Account::new(&[1]);
    account.answers.lock().unwrap().push_back(Answer::Lost);
    let plan = plan_for(&account, &[1]);
    let report = apply(&account, &plan, false);
    assert_eq!(outcomes(&report), vec![Outcome::Cancelled]);
    assert!(
        report.results[0]
            .detail
            .starts_with("confirmed by reading it back"),
        "{}",
        report.results[0].detail
    );
    assert_eq!(account.writes.lock().unwrap().len(), 1);
}

/// After a fault the call is sent again once a read shows it had no
/// effect, at most three times; a refusal or a missing answer is never
/// followed by another call.
#[test]
fn resends_only_after_faults() {
    let account = Account::new(&[1, 2, 3, 4]);
    account.answers.lock().unwrap().extend([
        Answer::Fault,
        Answer::Ok,
        Answer::Fault,
        Answer::Fault,
        Answer::Fault,
        Answer::Refuse,
        Answer::Silent,
    ]);
    let plan = plan_for(&account, &[1, 2, 3, 4]);
    let stop = AtomicBool::new(false);
    let waits = Mutex::new(Vec::new());
    let report = run(&Apply {
        plan: &plan,
        api: &account,
        writer: &account,
        observers: &[],
        parallelism: 1,
        stop: &stop,
        now: plan.created_at,
        wait: &|d| waits.lock().unwrap().push(d),
    });
    // Each resend waits longer, through the injected wait, never a real sleep.
    assert_eq!(
        waits.into_inner().unwrap(),
        [250, 250, 500].map(Duration::from_millis)
    );
    assert_eq!(
        outcomes(&report),
        vec![
            Outcome::Cancelled,
            Outcome::Failed,
            Outcome::Failed,
            Outcome::Failed
        ]
    );
    let attempts: Vec<u32> = report.results.iter().map(|r| r.attempts).collect();
    assert_eq!(attempts, [2, 3, 1, 1]);
    assert!(
        report.results[3].detail.contains("not sent again"),
        "{}",
        report.results[3].detail
    );
    assert_eq!(account.writes.lock().unwrap().len(), 7);
    assert!(!report.succeeded());
}

/// An object that changed since the plan is skipped as drifted.
#[test]
fn drift_is_skipped() {
    let account = Account::new(&[1]);
    let plan = plan_for(&account, &[1]);
    account.guests.lock().unwrap().get_mut(&1).unwrap()["hostname"] = json!("renamed");
    let report = apply(&account, &plan, false);
    assert_eq!(outcomes(&report), vec![Outcome::Drifted]);
    assert!(
        report.results[0].detail.contains("match_names"),
        "{}",
        report.results[0].detail
    );
    assert!(account.writes.lock().unwrap().is_empty());
}

/// After Ctrl-C nothing new starts.
#[test]
fn stop_skips_everything_not_started() {
    let account = Account::new(&[1, 2]);
    let plan = plan_for(&account, &[1, 2]);
    let report = apply(&account, &plan, true);
    assert_eq!(outcomes(&report), vec![Outcome::Skipped; 2]);
    assert!(report.interrupted);
    assert!(account.writes.lock().unwrap().is_empty());
}

/// The reads before a wave: every kind of the wave at once.
#[cfg(test)]
mod wave_read_tests {
    use std::sync::atomic::AtomicUsize;

    use serde_json::json;

    use super::*;
    use crate::manifest::model::{
        CancelOptions, Entry, Manifests, Origin, Reason, Selector, Via, When,
    };
    use crate::plan::build::PlanContext;
    use crate::plan::model::PlanAccount;
    use crate::resolve::fetch::{FetchError, ListRequest};

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
                    vec![
                        json!({"id": 2, "username": "SL01-2", "nasType": "ISCSI", "billingItem": billing(2)}),
                    ]
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
            digests: vec!["sha256:test".into()],
            entries: vec![entry(Kind::VirtualGuest, 1), entry(Kind::Storage, 2)],
            protect: vec![],
            limits: Vec::new(),
        };
        let context = PlanContext {
            account: PlanAccount {
                id: 1,
                company: "x".into(),
            },
            endpoint: "test".into(),
            now: Timestamp::now(),
        };
        let plan = pipeline::plan(&api, &manifests, &context).unwrap();
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
            now: plan.created_at,
            wait: &|_| {},
        });
        assert_eq!(report.count(Outcome::Cancelled), 2, "{report:?}");
        assert_eq!(api.peak.load(Ordering::SeqCst), 2);
    }
}
