//! The apply engine against an in-memory account: waves, read-backs,
//! drift, retries that are never blind, Ctrl-C.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};

use super::*;
use crate::kinds::Kind;
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
            exclude: None,
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
        clock: crate::plan::model::PlanClock::default(),
        account: PlanAccount {
            id: 1,
            company: "x".into(),
        },
        endpoint: "test".into(),
        now: Timestamp::now(),
        retired: Vec::new(),
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
        wait_for: None,
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
        wait_for: None,
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
            exclude: None,
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
            clock: crate::plan::model::PlanClock::default(),
            account: PlanAccount {
                id: 1,
                company: "x".into(),
            },
            endpoint: "test".into(),
            now: Timestamp::now(),
            retired: Vec::new(),
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
            wait_for: None,
        });
        assert_eq!(report.count(Outcome::Cancelled), 2, "{report:?}");
        assert_eq!(api.peak.load(Ordering::SeqCst), 2);
    }
}

/// `--wait`: waiting items performed once what they wait for is gone, in
/// dependency order, with spaced polls through the injected wait; what is
/// not gone when the wait ends stays undone.
mod waiting {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// An object of the fake network: its kind, its JSON, and the tick it
    /// is gone at once cancelled.
    type Object = (Kind, Value, Option<u64>);

    /// Guests 1 and 2 on VLAN 10; guest 1 also in subnet 7 (on VLAN 10).
    /// A cancelled object lingers `lag` waits before it is gone; the
    /// injected wait advances the clock by one tick.
    struct Network {
        /// id -> (kind, object, tick it goes at).
        objects: Mutex<BTreeMap<u64, Object>>,
        tick: AtomicU64,
        lag: u64,
        writes: Mutex<Vec<String>>,
    }

    impl Network {
        fn new(lag: u64) -> Network {
            let item = |id: u64, hourly: bool| {
                json!({"id": id, "recurringFee": if hourly { "0" } else { "10" },
                    "hourlyRecurringFee": ".1", "hourlyFlag": hourly, "allowCancellationFlag": 1,
                    "nextBillDate": "2026-12-01T00:00:00-06:00"})
            };
            let mut objects = BTreeMap::new();
            for id in [1, 2] {
                objects.insert(
                    id,
                    (
                        Kind::VirtualGuest,
                        json!({"id": id, "hostname": format!("g{id}"), "domain": "x",
                            "hourlyBillingFlag": true, "billingItem": item(100 + id, true)}),
                        None,
                    ),
                );
            }
            objects.insert(
                7,
                (
                    Kind::Subnet,
                    json!({"id": 7, "networkIdentifier": "10.0.0.0", "cidr": 28,
                        "subnetType": "SECONDARY_ON_VLAN", "billingItem": item(107, false)}),
                    None,
                ),
            );
            objects.insert(
                10,
                (
                    Kind::Vlan,
                    json!({"id": 10, "vlanNumber": 1234, "primaryRouter": {"hostname": "bcr01a.dal10"},
                        "billingItem": item(110, false)}),
                    None,
                ),
            );
            Network {
                objects: Mutex::new(objects),
                tick: AtomicU64::new(0),
                lag,
                writes: Mutex::new(Vec::new()),
            }
        }

        /// The objects still there, with the relations of those still there.
        fn visible(&self, kind: Kind) -> Vec<Value> {
            let now = self.tick.load(Ordering::SeqCst);
            let objects = self.objects.lock().unwrap();
            let there = |id: u64| {
                objects
                    .get(&id)
                    .is_some_and(|(_, _, gone)| gone.is_none_or(|t| now < t))
            };
            let refs = |ids: &[u64]| -> Vec<Value> {
                ids.iter()
                    .filter(|id| there(**id))
                    .map(|id| json!({"id": id, "subnetType": "SECONDARY_ON_VLAN"}))
                    .collect()
            };
            objects
                .iter()
                .filter(|(id, (k, _, _))| *k == kind && there(**id))
                .map(|(_, (_, object, _))| {
                    let mut object = object.clone();
                    match kind {
                        Kind::Subnet => object["virtualGuests"] = refs(&[1]).into(),
                        Kind::Vlan => {
                            object["virtualGuests"] = refs(&[1, 2]).into();
                            object["subnets"] = refs(&[7]).into();
                        }
                        _ => {}
                    }
                    object
                })
                .collect()
        }
    }

    impl Api for Network {
        fn list(&self, request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError> {
            Ok(match request.method {
                "getVirtualGuests" => self.visible(Kind::VirtualGuest),
                "getSubnets" => self.visible(Kind::Subnet),
                "getNetworkVlans" => self.visible(Kind::Vlan),
                _ => Vec::new(),
            })
        }
        fn object(
            &self,
            _service: &str,
            _id: u64,
            _mask: &str,
        ) -> Result<Option<Value>, FetchError> {
            // Lists return everything there: what they leave out is gone.
            Ok(None)
        }
    }

    impl Writer for Network {
        fn write(&self, call: &ApiCall) -> Result<Value, WriteError> {
            self.writes.lock().unwrap().push(call.to_string());
            let id: u64 = call.id.as_deref().unwrap().parse().unwrap();
            // Billing items are 100 + the object's id.
            let object = if id > 100 { id - 100 } else { id };
            let at = self.tick.load(Ordering::SeqCst) + self.lag;
            let mut objects = self.objects.lock().unwrap();
            let entry = objects.get_mut(&object).unwrap();
            entry.1.as_object_mut().unwrap().remove("billingItem");
            entry.2 = Some(at);
            Ok(Value::Bool(true))
        }
    }

    fn entry(line: u32, kind: Kind, id: u64) -> Entry {
        Entry {
            origin: Origin {
                file: "m.yaml".into(),
                line,
            },
            kind,
            selector: Selector {
                ids: vec![id],
                ..Selector::default()
            },
            exclude: None,
            expect: None,
            options: CancelOptions {
                when: When::Immediate,
                via: Via::Api,
                reason: Reason::NoLongerNeeded,
                note: None,
            },
        }
    }

    fn plan_of(network: &Network) -> Plan {
        let manifests = Manifests {
            account: 1,
            files: vec!["m.yaml".into()],
            digests: vec!["sha256:test".into()],
            entries: vec![
                entry(1, Kind::VirtualGuest, 1),
                entry(2, Kind::VirtualGuest, 2),
                entry(3, Kind::Subnet, 7),
                entry(4, Kind::Vlan, 10),
            ],
            protect: vec![],
            limits: Vec::new(),
        };
        let context = PlanContext {
            account: PlanAccount {
                id: 1,
                company: "x".into(),
            },
            endpoint: "test".into(),
            now: "2026-11-22T12:00:00Z".parse().unwrap(),
            clock: crate::plan::model::PlanClock::default(),
            retired: Vec::new(),
        };
        pipeline::plan(network, &manifests, &context).unwrap()
    }

    fn run_waiting(
        network: &Network,
        plan: &Plan,
        wait_for: Option<Duration>,
    ) -> (Report, Vec<Duration>) {
        let stop = AtomicBool::new(false);
        let waits = Mutex::new(Vec::new());
        let report = run(&Apply {
            plan,
            api: network,
            writer: network,
            observers: &[],
            parallelism: 2,
            stop: &stop,
            now: plan.created_at,
            wait: &|d| {
                waits.lock().unwrap().push(d);
                network.tick.fetch_add(1, Ordering::SeqCst);
            },
            wait_for,
        });
        (report, waits.into_inner().unwrap())
    }

    /// The subnet waits for guest 1, the VLAN for both guests and the
    /// subnet: the plan carries their calls, and one apply performs them
    /// in that order, each once what it waits for is gone, polling at
    /// 1 s, 2 s, 4 s, ... (injected, never slept).
    #[test]
    fn waiting_items_go_in_dependency_order() {
        let network = Network::new(2);
        let plan = plan_of(&network);
        let states: Vec<(Kind, State)> = plan.items.iter().map(|i| (i.kind, i.state)).collect();
        assert_eq!(
            states,
            [
                (Kind::VirtualGuest, State::Cancel),
                (Kind::VirtualGuest, State::Cancel),
                (Kind::Subnet, State::Waiting),
                (Kind::Vlan, State::Waiting),
            ]
        );
        let vlan_call = plan.items[3].call.as_ref().map(ToString::to_string);
        assert_eq!(
            vlan_call.as_deref(),
            Some("SoftLayer_Billing_Item(110)::cancelService()")
        );
        let (report, waits) = run_waiting(&network, &plan, Some(Duration::from_secs(600)));
        assert_eq!(outcomes(&report), vec![Outcome::Cancelled; 4], "{report:?}");
        assert!(report.succeeded());
        assert_eq!(
            *network.writes.lock().unwrap(),
            [
                "SoftLayer_Virtual_Guest(1)::deleteObject()",
                "SoftLayer_Virtual_Guest(2)::deleteObject()",
                "SoftLayer_Billing_Item(107)::cancelItem(true, false, \"No longer needed\", null)",
                "SoftLayer_Billing_Item(110)::cancelService()",
            ]
        );
        // Guests gone after 2 ticks (1 s + 2 s), the subnet 2 ticks after
        // its cancellation (4 s + 8 s).
        assert_eq!(waits, [1, 2, 4, 8].map(Duration::from_secs));
        assert!(report.summary_line().contains("4 cancelled"));
    }

    /// When what an item waits for is not gone by the end of the wait,
    /// it stays undone (and so does what waits for it, which waits for
    /// it too); the waits add up to the duration given, no more.
    #[test]
    fn the_wait_is_bounded() {
        let network = Network::new(1000);
        let plan = plan_of(&network);
        let (report, waits) = run_waiting(&network, &plan, Some(Duration::from_secs(10)));
        assert_eq!(
            outcomes(&report),
            [
                Outcome::Cancelled,
                Outcome::Cancelled,
                Outcome::Waiting,
                Outcome::Waiting
            ]
        );
        assert_eq!(waits, [1, 2, 4, 3].map(Duration::from_secs));
        assert_eq!(waits.iter().sum::<Duration>(), Duration::from_secs(10));
        assert_eq!(network.writes.lock().unwrap().len(), 2);
        assert!(
            report.results[2]
                .detail
                .starts_with("still waiting after 10s: virtual_guest 1 is not gone yet"),
            "{}",
            report.results[2].detail
        );
        assert!(
            report.results[3].detail
                == "still waiting after 10s: virtual_guest 1, virtual_guest 2, subnet 7 are not gone yet",
            "{}",
            report.results[3].detail
        );
        assert!(!report.succeeded() && report.only_waiting_left());
        assert!(
            report
                .summary_line()
                .contains("2 cancelled, 0 already done, 0 drifted, 0 failed, 2 still waiting."),
            "{}",
            report.summary_line()
        );
    }

    /// Without a wait, waiting items are left to a later plan, as before.
    #[test]
    fn without_wait_waiting_items_are_left() {
        let network = Network::new(0);
        let plan = plan_of(&network);
        let (report, waits) = run_waiting(&network, &plan, None);
        assert_eq!(outcomes(&report), [Outcome::Cancelled, Outcome::Cancelled]);
        assert!(waits.is_empty());
        assert_eq!(network.writes.lock().unwrap().len(), 2);
    }

    /// A VLAN that gained a guest since the plan has drifted: not cancelled.
    #[test]
    fn a_waiting_item_that_changed_is_drifted() {
        let network = Network::new(0);
        let plan = plan_of(&network);
        network.objects.lock().unwrap().get_mut(&10).unwrap().1["name"] = json!("renamed");
        let (report, _) = run_waiting(&network, &plan, Some(Duration::from_secs(60)));
        assert_eq!(report.results[3].outcome, Outcome::Drifted, "{report:?}");
        assert_eq!(network.writes.lock().unwrap().len(), 3);
    }
}
