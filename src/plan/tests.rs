//! Plan building on plain values: every state, every guard, determinism.

use jiff::Timestamp;
use serde_json::json;

use super::anniversary::date_text;
use super::build::{PlanContext, build};
use super::code::Code;
use super::model::{Plan, PlanAccount, State, Timing};
use crate::manifest::model::{
    CancelOptions, Entry, IpPattern, Kind, LimitRule, LimitScope, Limits, Manifests, Origin,
    ProtectRule, Reason, Selector, Via, When,
};
use crate::resolve::money::Money;
use crate::resolve::resource::{BillingFacts, ObjectRef, Resource};
use crate::resolve::selection::select;

fn now() -> Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn context() -> PlanContext {
    PlanContext {
        clock: crate::plan::model::PlanClock::default(),
        account: PlanAccount {
            id: 278184,
            company: "Example Corp".into(),
        },
        endpoint: "test".into(),
        now: now(),
        retired: Vec::new(),
    }
}

fn options() -> CancelOptions {
    CancelOptions {
        when: When::Auto,
        via: Via::Api,
        reason: Reason::NoLongerNeeded,
        note: Some("OPS-1".into()),
    }
}

fn entry(line: u32, kind: Kind, selector: Selector) -> Entry {
    Entry {
        origin: Origin {
            file: "m.yaml".into(),
            line,
        },
        kind,
        selector,
        exclude: None,
        expect: None,
        options: options(),
    }
}

fn ids(ids: &[u64]) -> Selector {
    Selector {
        ids: ids.to_vec(),
        ..Selector::default()
    }
}

fn manifests(entries: Vec<Entry>) -> Manifests {
    Manifests {
        account: 278184,
        files: vec!["m.yaml".into()],
        digests: vec!["sha256:test".into()],
        entries,
        protect: Vec::new(),
        limits: Vec::new(),
    }
}

fn billing(id: u64, fee: &str, hourly: bool) -> BillingFacts {
    crate::kinds::read_billing_item(&json!({
        "id": id, "categoryCode": "x", "recurringFee": fee, "hourlyFlag": hourly,
        "nextBillDate": "2026-12-01T00:00:00-06:00", "allowCancellationFlag": 1
    }))
    .unwrap()
}

fn resource(kind: Kind, id: u64, name: &str, billing_item: Option<BillingFacts>) -> Resource {
    let mut r = Resource::new(kind, id);
    r.name = name.into();
    r.match_names = vec![name.into()];
    r.hourly = billing_item.as_ref().map(|b| b.hourly);
    r.billing = billing_item;
    r
}

fn plan(m: &Manifests, objects: impl AsRef<[Resource]>) -> Plan {
    let fetched = crate::resolve::fetch::candidates(m, objects.as_ref(), now());
    build(m, &select(m, &fetched), &context())
}

fn item(p: &Plan, kind: Kind, id: u64) -> &super::model::PlanItem {
    p.items
        .iter()
        .find(|i| i.kind == kind && i.id == id)
        .unwrap()
}

/// `when: auto` cancels hourly items now and monthly ones on their anniversary.
#[test]
fn auto_timing_follows_billing() {
    let m = manifests(vec![
        entry(1, Kind::VirtualGuest, ids(&[1, 2])),
        entry(2, Kind::Hardware, ids(&[3])),
    ]);
    let p = plan(
        &m,
        vec![
            resource(
                Kind::VirtualGuest,
                1,
                "hourly",
                Some(billing(11, "0", true)),
            ),
            resource(
                Kind::VirtualGuest,
                2,
                "monthly",
                Some(billing(12, "40", false)),
            ),
            resource(Kind::Hardware, 3, "server", Some(billing(13, "899", false))),
        ],
    );
    assert_eq!(
        item(&p, Kind::VirtualGuest, 1).timing,
        Some(Timing::Immediate)
    );
    assert_eq!(
        item(&p, Kind::VirtualGuest, 1)
            .call
            .as_ref()
            .unwrap()
            .method,
        "deleteObject"
    );
    let monthly = item(&p, Kind::VirtualGuest, 2);
    assert_eq!(monthly.timing, Some(Timing::Anniversary));
    assert_eq!(
        monthly.call.as_ref().unwrap().to_string(),
        r#"SoftLayer_Billing_Item(12)::cancelItem(false, false, "No longer needed", "OPS-1")"#
    );
    let server = item(&p, Kind::Hardware, 3);
    assert_eq!(
        server.effective_date,
        Some("2026-12-01T06:00:00Z".parse().unwrap())
    );
    assert_eq!(p.summary.cancel, 3);
    assert_eq!(p.summary.monthly_fee_retired, Money::parse("939").unwrap());
    assert!(p.errors.is_empty());
}

/// Monthly bare metal asked to go immediately is blocked with the reason;
/// `via: ticket` opens a cancel-server ticket instead.
#[test]
fn bare_metal_rules() {
    let mut immediate = entry(1, Kind::Hardware, ids(&[3]));
    immediate.options.when = When::Immediate;
    let mut ticket = entry(2, Kind::Hardware, ids(&[4]));
    ticket.options.via = Via::Ticket;
    let m = manifests(vec![immediate, ticket]);
    let p = plan(
        &m,
        vec![
            resource(Kind::Hardware, 3, "a", Some(billing(13, "899", false))),
            resource(Kind::Hardware, 4, "b", Some(billing(14, "899", false))),
        ],
    );
    let blocked = item(&p, Kind::Hardware, 3);
    assert_eq!(blocked.state, State::Blocked);
    assert!(
        blocked
            .detail
            .as_ref()
            .unwrap()
            .contains("monthly bare metal"),
        "{:?}",
        blocked.detail
    );
    let t = item(&p, Kind::Hardware, 4);
    assert_eq!(t.call.as_ref().unwrap().method, "createCancelServerTicket");
    assert_eq!(
        t.call.as_ref().unwrap().parameters,
        vec![
            json!(4),
            json!("No longer needed"),
            json!("OPS-1"),
            json!(false),
            json!("HARDWARE")
        ]
    );
}

/// Future cancellation dates and open tickets are already scheduled; no
/// billing item means absent; an unknown explicit id is absent with a warning.
#[test]
fn scheduled_and_absent() {
    let m = manifests(vec![entry(1, Kind::Hardware, ids(&[1, 2, 3, 9]))]);
    let mut pending = billing(11, "10", false);
    pending.cancellation_date = Some("2026-12-01T06:00:00Z".parse().unwrap());
    let mut ticketed = resource(Kind::Hardware, 2, "t", Some(billing(12, "10", false)));
    ticketed.open_ticket = Some(777);
    let p = plan(
        &m,
        vec![
            resource(Kind::Hardware, 1, "p", Some(pending)),
            ticketed,
            resource(Kind::Hardware, 3, "gone", None),
        ],
    );
    assert_eq!(item(&p, Kind::Hardware, 1).state, State::Scheduled);
    assert_eq!(item(&p, Kind::Hardware, 2).state, State::Scheduled);
    assert_eq!(item(&p, Kind::Hardware, 3).state, State::Absent);
    let missing = item(&p, Kind::Hardware, 9);
    assert_eq!(missing.state, State::Absent);
    assert_eq!(
        p.warnings,
        vec!["m.yaml:1: hardware 9 was not found on the account"]
    );
    assert!(p.summary_line_is_no_changes());
}

impl Plan {
    fn summary_line_is_no_changes(&self) -> bool {
        super::render_text::summary_line(self).starts_with("No changes")
    }
}

/// A glob hit on a protected resource is reported as protected; an explicit
/// id hit is an error.
#[test]
fn protection() {
    let mut m = manifests(vec![
        entry(
            1,
            Kind::VirtualGuest,
            Selector {
                names: vec!["web-*".into()],
                ..Selector::default()
            },
        ),
        entry(2, Kind::VirtualGuest, ids(&[2])),
    ]);
    m.protect.push(ProtectRule {
        origin: Origin {
            file: "m.yaml".into(),
            line: 9,
        },
        kind: None,
        selector: Selector {
            tags: vec!["keep".into()],
            ..Selector::default()
        },
    });
    let mut kept = resource(Kind::VirtualGuest, 1, "web-1", Some(billing(11, "1", true)));
    kept.tags = vec!["keep".into()];
    let mut explicit = resource(Kind::VirtualGuest, 2, "db-1", Some(billing(12, "1", true)));
    explicit.tags = vec!["keep".into()];
    let p = plan(&m, vec![kept, explicit]);
    assert_eq!(item(&p, Kind::VirtualGuest, 1).state, State::Protected);
    assert_eq!(
        item(&p, Kind::VirtualGuest, 1).detail.as_deref(),
        Some("protected by m.yaml:9")
    );
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].code, Code::ProtectedSelected);
}

/// A VLAN waits when every occupant is retired here, and is blocked by any
/// occupant outside the plan; an automatic VLAN cannot be cancelled.
#[test]
fn vlan_occupancy() {
    let m = manifests(vec![
        entry(1, Kind::VirtualGuest, ids(&[1])),
        entry(2, Kind::Vlan, ids(&[10, 11, 12])),
    ]);
    let mut waiting = resource(Kind::Vlan, 10, "w", Some(billing(20, "50", false)));
    waiting.occupants = vec![ObjectRef {
        kind: Kind::VirtualGuest,
        id: 1,
    }];
    let mut blocked = resource(Kind::Vlan, 11, "b", Some(billing(21, "50", false)));
    blocked.occupants = vec![
        ObjectRef {
            kind: Kind::VirtualGuest,
            id: 1,
        },
        ObjectRef {
            kind: Kind::VirtualGuest,
            id: 5,
        },
    ];
    let automatic = resource(Kind::Vlan, 12, "a", None);
    let p = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "g", Some(billing(11, "1", true))),
            waiting,
            blocked,
            automatic,
        ],
    );
    assert_eq!(item(&p, Kind::Vlan, 10).state, State::Waiting);
    let b = item(&p, Kind::Vlan, 11);
    assert_eq!(b.state, State::Blocked);
    assert_eq!(
        b.depends_on,
        vec![ObjectRef {
            kind: Kind::VirtualGuest,
            id: 5
        }]
    );
    assert_eq!(
        b.detail.as_deref(),
        Some("in use by objects outside this plan: 1 virtual_guest (5)")
    );
    assert!(
        item(&p, Kind::Vlan, 12)
            .detail
            .as_ref()
            .unwrap()
            .starts_with("automatic VLAN")
    );
}

/// Items SoftLayer will not cancel through the API are blocked.
#[test]
fn not_cancellable() {
    let m = manifests(vec![entry(1, Kind::BillingItem, ids(&[5]))]);
    let mut b = billing(5, "10", false);
    b.allow_cancellation = false;
    let p = plan(&m, vec![resource(Kind::BillingItem, 5, "license", Some(b))]);
    assert_eq!(item(&p, Kind::BillingItem, 5).state, State::Blocked);
}

/// `expect`, `max_resources` and `max_monthly_fee` fail the plan.
#[test]
fn guards() {
    let mut e = entry(
        1,
        Kind::VirtualGuest,
        Selector {
            names: vec!["*".into()],
            ..Selector::default()
        },
    );
    e.expect = Some(1);
    let mut m = manifests(vec![e]);
    m.limits = vec![LimitRule {
        file: "m.yaml".into(),
        scope: LimitScope::File,
        limits: Limits {
            max_resources: Some(1),
            max_monthly_fee_cents: Some(100),
        },
    }];
    let p = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "a", Some(billing(11, "1.50", true))),
            resource(Kind::VirtualGuest, 2, "b", Some(billing(12, "1", true))),
        ],
    );
    let codes: Vec<&str> = p.errors.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(
        codes,
        vec![
            "plan::expectation-failed",
            "plan::limit-exceeded",
            "plan::limit-exceeded"
        ]
    );
}

/// A fee that cannot be read is unknown, never zero: the item shows it, a
/// warning names the value, the summary counts it apart, and a fee guard
/// fails closed although the known fees stay under it.
#[test]
fn unknown_fees_fail_fee_guards_closed() {
    let mut m = manifests(vec![entry(1, Kind::VirtualGuest, ids(&[1, 2]))]);
    m.limits = vec![LimitRule {
        file: "m.yaml".into(),
        scope: LimitScope::File,
        limits: Limits {
            max_resources: None,
            max_monthly_fee_cents: Some(100_000),
        },
    }];
    let unreadable = crate::kinds::read_billing_item(&json!({
        "id": 12, "categoryCode": "guest_core", "recurringFee": "None", "hourlyFlag": false,
        "nextBillDate": "2026-12-01T00:00:00-06:00"
    }));
    let p = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "a", Some(billing(11, "10", false))),
            resource(Kind::VirtualGuest, 2, "b", unreadable),
        ],
    );
    assert_eq!(item(&p, Kind::VirtualGuest, 2).monthly_fee, None);
    assert_eq!(p.summary.monthly_fee_unknown, 1);
    assert_eq!(p.summary.monthly_fee_retired.exact(), "10");
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert_eq!(p.errors[0].code, Code::FeeUnknown);
    assert!(
        p.errors[0].message.contains("virtual_guest 2"),
        "{}",
        p.errors[0].message
    );
    assert!(
        p.warnings.iter().any(|w| w.starts_with("virtual_guest 2: ")
            && w.contains("recurringFee is \"None\", not an amount")),
        "{:?}",
        p.warnings
    );
    let text = super::render_text::render(&p, false);
    assert!(text.contains("fee unknown"), "{text}");
    assert!(
        text.contains("Monthly fees retired: 10.00 USD, plus 1 item whose fee cannot be read."),
        "{text}"
    );
}

/// An object whose creation date cannot be read is not selected by an age
/// selector, and never silently: the plan names it, the entry and the key.
#[test]
fn unreadable_dates_are_named_not_skipped() {
    let m = manifests(vec![entry(
        1,
        Kind::Storage,
        Selector {
            names: vec!["SL01*".into()],
            older_than: Some(std::time::Duration::from_secs(30 * 86400)),
            ..Selector::default()
        },
    )]);
    let mut dated = resource(Kind::Storage, 1, "SL01-old", Some(billing(11, "10", false)));
    dated.created = Some("2026-01-01T00:00:00Z".parse().unwrap());
    let undated = resource(
        Kind::Storage,
        2,
        "SL01-undated",
        Some(billing(12, "10", false)),
    );
    let other = resource(Kind::Storage, 3, "other", Some(billing(13, "10", false)));
    let p = plan(&m, vec![dated, undated, other]);
    let ids: Vec<u64> = p.items.iter().map(|i| i.id).collect();
    assert_eq!(ids, [1]);
    assert_eq!(
        p.warnings,
        [
            "m.yaml:1: storage 2 (SL01-undated) has no readable creation date, so `older_than` cannot judge it; it is not selected"
        ]
    );
}

/// Entries selecting one resource with different `when` contradict each other.
#[test]
fn contradictions() {
    let a = entry(1, Kind::VirtualGuest, ids(&[1]));
    let mut b = entry(
        2,
        Kind::VirtualGuest,
        Selector {
            ips: vec![IpPattern::Addr("10.0.0.1".parse().unwrap())],
            ..Selector::default()
        },
    );
    b.options.when = When::Anniversary;
    let m = manifests(vec![a, b]);
    let mut r = resource(Kind::VirtualGuest, 1, "a", Some(billing(11, "1", true)));
    r.addresses = vec!["10.0.0.1".parse().unwrap()];
    let p = plan(&m, vec![r]);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].origins, vec!["m.yaml:1", "m.yaml:2"]);
    assert_eq!(p.errors[0].code, Code::ContradictoryOptions);
}

/// The same entries in another order give the same items.
#[test]
fn order_independent() {
    let entries = vec![
        entry(1, Kind::Vlan, ids(&[10])),
        entry(
            2,
            Kind::VirtualGuest,
            Selector {
                names: vec!["a*".into()],
                ..Selector::default()
            },
        ),
        entry(3, Kind::VirtualGuest, ids(&[2])),
    ];
    let mut vlan = resource(Kind::Vlan, 10, "v", Some(billing(20, "5", false)));
    vlan.occupants = vec![ObjectRef {
        kind: Kind::VirtualGuest,
        id: 1,
    }];
    let objects = vec![
        resource(Kind::VirtualGuest, 1, "a1", Some(billing(11, "1", true))),
        resource(Kind::VirtualGuest, 2, "b2", Some(billing(12, "1", true))),
        vlan,
    ];
    let forward = plan(&manifests(entries.clone()), objects.clone());
    let mut reversed_entries = entries;
    reversed_entries.reverse();
    let mut reversed_objects = objects;
    reversed_objects.reverse();
    let backward = plan(&manifests(reversed_entries), reversed_objects);
    assert_eq!(forward.items, backward.items);
    assert_eq!(forward.digest, backward.digest);
}

/// The digest seals the document: any edit breaks it.
#[test]
fn digest_detects_edits() {
    let m = manifests(vec![entry(1, Kind::VirtualGuest, ids(&[1]))]);
    let p = plan(
        &m,
        vec![resource(
            Kind::VirtualGuest,
            1,
            "a",
            Some(billing(11, "1", true)),
        )],
    );
    assert!(super::digest::is_sealed(&p));
    let mut edited = p.clone();
    edited.items[0].id = 2;
    assert!(!super::digest::is_sealed(&edited));
    let text = super::render_json(&p);
    assert_eq!(super::file::parse("p.json", &text).unwrap(), p);
    assert!(super::file::parse("p.json", &text[..text.len() / 2]).is_err());
}

/// A raw billing item that a kind of its own models is blocked: protect
/// rules and preconditions only see it through that kind.
#[test]
fn raw_billing_items_of_modelled_kinds_are_blocked() {
    let m = manifests(vec![entry(1, Kind::BillingItem, ids(&[11, 12]))]);
    let mut guest_item = billing(11, "50", false);
    guest_item.category = "guest_core".into();
    let mut license = billing(12, "35", false);
    license.category = "software_license".into();
    let p = plan(
        &m,
        vec![
            resource(Kind::BillingItem, 11, "vs", Some(guest_item)),
            resource(Kind::BillingItem, 12, "license", Some(license)),
        ],
    );
    let guest = item(&p, Kind::BillingItem, 11);
    assert_eq!(guest.state, State::Blocked);
    assert!(
        guest
            .detail
            .as_ref()
            .unwrap()
            .contains("retire it with `kind: virtual_guest`")
    );
    assert_eq!(item(&p, Kind::BillingItem, 12).state, State::Cancel);
}

/// Objects billed by one item go together or not at all.
#[test]
fn shared_billing_items() {
    let vip = |id: u64, others: &[u64]| {
        let mut r = resource(
            Kind::LoadBalancer,
            id,
            &format!("vip-{id}"),
            Some(billing(900, "199", false)),
        );
        r.account_id = Some(278184);
        r.shares_billing_with = others
            .iter()
            .map(|&id| ObjectRef {
                kind: Kind::LoadBalancer,
                id,
            })
            .collect();
        r
    };
    let one = manifests(vec![entry(1, Kind::LoadBalancer, ids(&[1]))]);
    let p = plan(&one, vec![vip(1, &[2]), vip(2, &[1])]);
    let blocked = item(&p, Kind::LoadBalancer, 1);
    assert_eq!(blocked.state, State::Blocked);
    assert_eq!(
        blocked.depends_on,
        vec![ObjectRef {
            kind: Kind::LoadBalancer,
            id: 2
        }]
    );
    let both = manifests(vec![entry(1, Kind::LoadBalancer, ids(&[1, 2]))]);
    let p = plan(&both, vec![vip(1, &[2]), vip(2, &[1])]);
    assert_eq!(item(&p, Kind::LoadBalancer, 1).state, State::Cancel);
    assert_eq!(item(&p, Kind::LoadBalancer, 2).state, State::Waiting);
    assert_eq!(p.summary.monthly_fee_retired, Money::parse("199").unwrap());
}

/// One billing item cancelled through two items is a plan error.
#[test]
fn one_billing_item_twice() {
    let m = manifests(vec![
        entry(1, Kind::Storage, ids(&[5])),
        entry(2, Kind::BillingItem, ids(&[77])),
    ]);
    let mut raw = billing(77, "10", false);
    raw.category = "software_license".into();
    let p = plan(
        &m,
        vec![
            resource(Kind::Storage, 5, "vol", Some(billing(77, "10", false))),
            resource(Kind::BillingItem, 77, "x", Some(raw)),
        ],
    );
    assert_eq!(
        p.errors.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(),
        ["plan::same-billing-item"]
    );
}

/// A cancel-server ticket is the remedy for items the API will not cancel.
#[test]
fn tickets_for_items_the_api_refuses() {
    let mut e = entry(1, Kind::Hardware, ids(&[3]));
    e.options.via = Via::Ticket;
    let mut b = billing(13, "899", false);
    b.allow_cancellation = false;
    let p = plan(
        &manifests(vec![e]),
        vec![resource(Kind::Hardware, 3, "s", Some(b))],
    );
    assert_eq!(
        item(&p, Kind::Hardware, 3).call.as_ref().unwrap().method,
        "createCancelServerTicket"
    );
}

/// An `expect` entry that matches nothing is taken as done, with a warning.
#[test]
fn expectations_of_finished_entries() {
    let mut e = entry(
        1,
        Kind::VirtualGuest,
        Selector {
            names: vec!["gone-*".into()],
            ..Selector::default()
        },
    );
    e.expect = Some(3);
    let p = plan(&manifests(vec![e]), vec![]);
    assert!(p.errors.is_empty());
    assert_eq!(
        p.warnings,
        [
            "m.yaml:1: matched nothing, so `expect: 3` is taken as done; remove the entry once it has done its work"
        ]
    );
}

/// A plan file whose call was pointed at another object is refused, even
/// with a recomputed digest.
#[test]
fn calls_are_bound_to_their_facts() {
    let m = manifests(vec![entry(1, Kind::VirtualGuest, ids(&[2]))]);
    let p = plan(
        &m,
        vec![resource(
            Kind::VirtualGuest,
            2,
            "b",
            Some(billing(12, "40", false)),
        )],
    );
    assert!(super::file::check_items("p.json", &p).is_ok());
    let mut edited = p.clone();
    edited.items[0].call.as_mut().unwrap().id = Some("9201".into());
    let edited = super::digest::seal(edited);
    let text = super::render_json(&edited);
    let err = super::file::parse("p.json", &text).unwrap_err().to_string();
    assert!(
        err.contains("the call is not the one its facts and options imply"),
        "{err}"
    );
    let mut refingered = p.clone();
    refingered.items[0]
        .observed
        .as_mut()
        .unwrap()
        .billing
        .as_mut()
        .unwrap()
        .id = 9201;
    let err = super::file::check_items("p.json", &refingered)
        .unwrap_err()
        .to_string();
    assert!(err.contains("fingerprint"), "{err}");
}

/// A resealed plan whose item was switched to `cancel` against its own
/// facts, or whose summary no longer counts its items, is refused.
#[test]
fn resealed_plans_must_agree_with_their_facts() {
    let m = manifests(vec![
        entry(1, Kind::Subnet, ids(&[7])),
        entry(2, Kind::Subnet, ids(&[8])),
    ]);
    let mut busy = resource(
        Kind::Subnet,
        7,
        "10.0.1.16/28",
        Some(billing(70, "16", false)),
    );
    busy.occupants = vec![ObjectRef {
        kind: Kind::VirtualGuest,
        id: 99,
    }];
    let free = resource(
        Kind::Subnet,
        8,
        "10.0.2.0/28",
        Some(billing(80, "16", false)),
    );
    let p = plan(&m, vec![busy, free]);
    assert_eq!(item(&p, Kind::Subnet, 7).state, State::Blocked);
    let mut edited = p.clone();
    let free_call = item(&p, Kind::Subnet, 8).call.clone().unwrap();
    let blocked = edited.items.iter_mut().find(|i| i.id == 7).unwrap();
    blocked.state = State::Cancel;
    blocked.timing = Some(Timing::Anniversary);
    let mut call = free_call;
    call.id = Some("70".into());
    blocked.call = Some(call);
    edited.summary = super::build::summarise(&edited.items);
    let err = super::file::check_items("p.json", &edited)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "subnet 7: its own facts forbid cancelling it (in use by objects outside this plan: 1 virtual_guest (99))"
        ),
        "{err}"
    );
    let mut cut = p.clone();
    cut.items.retain(|i| i.id != 8);
    let err = super::file::check_items("p.json", &cut)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the summary does not count the items"),
        "{err}"
    );
}

/// A next bill date the API has not moved on yet is never shown as the
/// effective date: the cancellation takes effect on the next anniversary,
/// a warning says so, and no cut-off warning is given for a past date.
#[test]
fn past_bill_dates_move_to_the_next_anniversary() {
    let m = manifests(vec![entry(1, Kind::VirtualGuest, ids(&[1, 2]))]);
    let mut stale = billing(11, "10", false);
    stale.next_bill_date = Some("2026-11-01T00:00:00-06:00".parse().unwrap());
    let p = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "stale", Some(stale)),
            resource(
                Kind::VirtualGuest,
                2,
                "current",
                Some(billing(12, "10", false)),
            ),
        ],
    );
    let date = |id| {
        item(&p, Kind::VirtualGuest, id)
            .effective_date
            .map(date_text)
    };
    assert_eq!(date(1).as_deref(), Some("2026-12-01"));
    assert_eq!(date(2).as_deref(), Some("2026-12-01"));
    assert_eq!(
        p.warnings,
        vec![
            "virtual_guest 1: the API still gives its next bill date as 2026-11-01, which has passed; \
             the cancellation takes effect on the next anniversary, 2026-12-01"
                .to_string()
        ]
    );
}

/// Plan-file refusals say what is wrong: a version of the wrong type, a
/// field of the wrong type with its position, a plan that failed its guards
/// (which `show` still reads, and apply refuses).
#[test]
fn plan_file_messages() {
    let m = manifests(vec![entry(1, Kind::VirtualGuest, ids(&[1]))]);
    let p = plan(
        &m,
        vec![resource(
            Kind::VirtualGuest,
            1,
            "a",
            Some(billing(11, "1", true)),
        )],
    );
    let text = super::render_json(&p);
    let err = |text: &str| super::file::parse("p.json", text).unwrap_err().to_string();
    assert_eq!(
        err(&text.replacen("\"format_version\": \"2\"", "\"format_version\": 2", 1)),
        "p.json: not a plan file (format_version must be a string such as \"2\", found 2)"
    );
    assert_eq!(
        err(&text.replacen("\"format_version\": \"2\"", "\"format_version\": \"1\"", 1)),
        "p.json: this plan was written by an older format (1) of slretire, which this version no longer applies; make a new plan"
    );
    let wrong = err(&text.replacen("\"id\": 278184", "\"id\": \"abc\"", 1));
    assert!(wrong.contains("expected u64 at line "), "{wrong}");

    let mut failed = p.clone();
    failed.errors.push(super::model::PlanError {
        code: Code::LimitExceeded,
        message: "too many".into(),
        origins: vec![],
    });
    let failed = super::digest::seal(failed);
    let read = super::file::parse("p.json", &super::render_json(&failed)).unwrap();
    assert_eq!(
        super::file::applicable("p.json", &read)
            .unwrap_err()
            .to_string(),
        "p.json: this plan failed its guards (1 error) and cannot be applied; fix the manifests and plan again"
    );
    assert!(super::file::applicable("p.json", &p).is_ok());
}

/// The markdown carries a diagram of what waits on what only when
/// something waits or is blocked; its nodes sit in apply's waves.
#[test]
fn mermaid_diagram_only_when_something_waits() {
    let plain = manifests(vec![entry(1, Kind::VirtualGuest, ids(&[1]))]);
    let p = plan(
        &plain,
        vec![resource(
            Kind::VirtualGuest,
            1,
            "a",
            Some(billing(11, "1", true)),
        )],
    );
    assert_eq!(super::render_mermaid::render(&p), None);
    assert!(!super::render_markdown::render(&p).contains("```mermaid"));

    let m = manifests(vec![
        entry(1, Kind::VirtualGuest, ids(&[1])),
        entry(2, Kind::Vlan, ids(&[9])),
    ]);
    let mut vlan = resource(
        Kind::Vlan,
        9,
        "1234 on bcr01a",
        Some(billing(90, "30", false)),
    );
    vlan.occupants = vec![ObjectRef {
        kind: Kind::VirtualGuest,
        id: 1,
    }];
    let p = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "a", Some(billing(11, "1", true))),
            vlan,
        ],
    );
    let diagram = super::render_mermaid::render(&p).unwrap();
    assert!(
        diagram.starts_with("```mermaid\nflowchart LR\n"),
        "{diagram}"
    );
    assert!(
        diagram.contains("subgraph objects[\"1: servers, volumes, addresses\"]"),
        "{diagram}"
    );
    assert!(
        diagram.contains("virtual_guest_1[\"virtual_guest 1<br/>cancel\"]:::cancel"),
        "{diagram}"
    );
    assert!(
        diagram.contains("vlan_9[\"vlan 9<br/>waiting\"]:::waiting"),
        "{diagram}"
    );
    assert!(
        diagram.contains("  virtual_guest_1 --> vlan_9\n"),
        "{diagram}"
    );
    assert!(super::render_markdown::render(&p).contains(&diagram));
}

/// A waiting item carries the call apply --wait makes once what it waits
/// for is gone, judged on its facts without those occupants; the text
/// shows it as "after X is gone"; the plan-file check verifies that call
/// like a cancellation's, and refuses one pointed elsewhere. A VIP that
/// goes with another's billing item needs no call.
#[test]
fn waiting_items_carry_their_call() {
    let m = manifests(vec![
        entry(1, Kind::VirtualGuest, ids(&[1])),
        entry(2, Kind::Vlan, ids(&[10])),
    ]);
    let mut vlan = resource(
        Kind::Vlan,
        10,
        "1234 on bcr01a",
        Some(billing(20, "50", false)),
    );
    vlan.occupants = vec![ObjectRef {
        kind: Kind::VirtualGuest,
        id: 1,
    }];
    let p = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "g", Some(billing(11, "1", true))),
            vlan,
        ],
    );
    let waiting = item(&p, Kind::Vlan, 10);
    assert_eq!(waiting.state, State::Waiting);
    assert_eq!(waiting.timing, Some(Timing::Anniversary));
    assert_eq!(
        waiting.call.as_ref().map(ToString::to_string).as_deref(),
        Some("SoftLayer_Billing_Item(20)::cancelServiceOnAnniversaryDate()")
    );
    assert_eq!(
        super::render_text::headline(waiting),
        "waiting: will be cancelled on 2026-12-01 (anniversary) after virtual_guest 1 is gone (apply --wait, or a later plan)"
    );
    assert!(
        super::render_text::summary_line(&p)
            .ends_with("; 50.00 USD more with the 1 waiting item (apply --wait)."),
        "{}",
        super::render_text::summary_line(&p)
    );
    assert!(
        super::render_markdown::render(&p).contains("2026-12-01, after virtual_guest 1 is gone")
    );
    assert!(super::file::check_items("p.json", &p).is_ok());
    let mut edited = p.clone();
    let vlan = edited
        .items
        .iter_mut()
        .find(|i| i.kind == Kind::Vlan)
        .unwrap();
    vlan.call.as_mut().unwrap().id = Some("11".into());
    let err = super::file::check_items("p.json", &edited)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("vlan 10: the call is not the one its facts and options imply"),
        "{err}"
    );
    let mut unhooked = p.clone();
    let vlan = unhooked
        .items
        .iter_mut()
        .find(|i| i.kind == Kind::Vlan)
        .unwrap();
    vlan.depends_on.clear();
    let err = super::file::check_items("p.json", &unhooked)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("do not make it wait for the objects it names"),
        "{err}"
    );

    let vip = |id: u64, other: u64| {
        let mut r = resource(
            Kind::LoadBalancer,
            id,
            "vip",
            Some(billing(900, "199", false)),
        );
        r.account_id = Some(278184);
        r.shares_billing_with = vec![ObjectRef {
            kind: Kind::LoadBalancer,
            id: other,
        }];
        r
    };
    let both = manifests(vec![entry(1, Kind::LoadBalancer, ids(&[1, 2]))]);
    let p = plan(&both, vec![vip(1, 2), vip(2, 1)]);
    assert_eq!(item(&p, Kind::LoadBalancer, 2).state, State::Waiting);
    assert_eq!(item(&p, Kind::LoadBalancer, 2).call, None);
}

/// Guards count the waiting items apply --wait cancels.
#[test]
fn limits_count_waiting_items() {
    let mut m = manifests(vec![
        entry(1, Kind::VirtualGuest, ids(&[1])),
        entry(2, Kind::Vlan, ids(&[10])),
    ]);
    m.limits = vec![LimitRule {
        file: "m.yaml".into(),
        scope: LimitScope::Run,
        limits: Limits {
            max_resources: Some(1),
            max_monthly_fee_cents: None,
        },
    }];
    let mut vlan = resource(Kind::Vlan, 10, "v", Some(billing(20, "50", false)));
    vlan.occupants = vec![ObjectRef {
        kind: Kind::VirtualGuest,
        id: 1,
    }];
    let p = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "g", Some(billing(11, "1", true))),
            vlan,
        ],
    );
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert_eq!(
        p.errors[0].message,
        "the plan cancel 2 resources (with the waiting items apply --wait cancels); limits.max_resources in m.yaml is 1"
    );
}

/// After a partial apply, objects the journal says an earlier apply of
/// this entry retired count toward `expect` and are reported as done;
/// without that memory the entry fails as before.
#[test]
fn retired_objects_count_toward_expect() {
    let mut e = entry(
        7,
        Kind::VirtualGuest,
        Selector {
            names: vec!["ci-*".into()],
            ..Selector::default()
        },
    );
    e.expect = Some(3);
    let m = manifests(vec![e]);
    let left = vec![resource(
        Kind::VirtualGuest,
        3,
        "ci-3",
        Some(billing(13, "1", true)),
    )];
    let fetched = crate::resolve::fetch::candidates(&m, &left, now());
    let forgetful = build(&m, &select(&m, &fetched), &context());
    assert_eq!(
        forgetful.errors[0].message,
        "m.yaml:7: expected 3 virtual_guest to match, found 1"
    );
    let retired = |id: u64, origin: &str| super::retired::Retired {
        kind: Kind::VirtualGuest,
        id,
        uuid: None,
        name: format!("ci-{id}"),
        origins: vec![origin.into()],
        at: now(),
        plan: "sha256:0c27ab12cd34ef567890".into(),
    };
    let mut remembering = context();
    remembering.retired = vec![
        retired(1, "m.yaml:7"),
        retired(2, "m.yaml:7"),
        retired(9, "other.yaml:1"),
    ];
    let p = build(&m, &select(&m, &fetched), &remembering);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let done = item(&p, Kind::VirtualGuest, 1);
    assert_eq!(done.state, State::Absent);
    assert_eq!(
        done.detail.as_deref(),
        Some(
            "retired by an earlier apply on 2026-11-22 (plan sha256:0c27ab12...); gone from the account"
        )
    );
    assert_eq!(
        p.summary.absent, 2,
        "the other manifest's object is not this plan's"
    );
    assert_eq!(item(&p, Kind::VirtualGuest, 3).state, State::Cancel);
}

/// A plan narrowed to targets keeps them and what they wait for, says it is
/// partial, counts only what it keeps, and reads back as a consistent plan
/// file; a target the plan does not hold is an error.
#[test]
fn targets_keep_what_they_wait_for() {
    use super::target::{Target, narrow};
    let m = manifests(vec![
        entry(1, Kind::VirtualGuest, ids(&[1, 2])),
        entry(2, Kind::Vlan, ids(&[10])),
    ]);
    let mut vlan = resource(Kind::Vlan, 10, "v", Some(billing(20, "50", false)));
    vlan.occupants = vec![ObjectRef {
        kind: Kind::VirtualGuest,
        id: 1,
    }];
    let whole = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "a", Some(billing(11, "1", true))),
            resource(Kind::VirtualGuest, 2, "b", Some(billing(12, "2", true))),
            vlan,
        ],
    );
    assert_eq!(whole.items.len(), 3);
    assert!(!whole.is_partial());
    let target: Target = "vlan:10".parse().unwrap();
    let partial = narrow(whole.clone(), &[target]);
    let kept: Vec<(Kind, u64)> = partial.items.iter().map(|i| (i.kind, i.id)).collect();
    assert_eq!(kept, vec![(Kind::VirtualGuest, 1), (Kind::Vlan, 10)]);
    assert_eq!(partial.targets, vec!["vlan:10"]);
    assert!(partial.warnings[0].starts_with("Resource targeting is in effect"));
    assert_eq!(partial.summary.cancel, 1);
    assert_eq!(partial.summary.waiting, 1);
    assert_eq!(
        partial.summary.monthly_fee_retired,
        Money::parse("1").unwrap()
    );
    assert!(partial.errors.is_empty());
    assert!(super::render_text::summary_line(&partial).starts_with("Partial plan: 1 to cancel"));
    assert!(
        super::render_text::render(&partial, false).contains("Partial plan: only --target vlan:10")
    );
    assert!(super::render_markdown::render(&partial).contains("**Partial plan**"));
    let read = super::file::parse("p.json", &super::render_json(&partial)).unwrap();
    assert_eq!(read, partial);
    // A target that is not in the plan fails it; no targets leave it whole.
    let missing = narrow(whole.clone(), &["virtual_guest:3".parse().unwrap()]);
    assert_eq!(missing.errors[0].code, Code::TargetNotFound);
    assert!(missing.items.is_empty());
    assert_eq!(narrow(whole.clone(), &[]), whole);
}

/// Objects billed by one item travel together: targeting either keeps both.
#[test]
fn targets_keep_billing_siblings() {
    use super::target::narrow;
    let vip = |id: u64, other: u64| {
        let mut r = resource(
            Kind::LoadBalancer,
            id,
            &format!("vip-{id}"),
            Some(billing(900, "199", false)),
        );
        r.account_id = Some(278184);
        r.shares_billing_with = vec![ObjectRef {
            kind: Kind::LoadBalancer,
            id: other,
        }];
        r
    };
    let m = manifests(vec![entry(1, Kind::LoadBalancer, ids(&[1, 2]))]);
    let whole = plan(&m, vec![vip(1, 2), vip(2, 1)]);
    for target in ["load_balancer:1", "load_balancer:2"] {
        let partial = narrow(whole.clone(), &[target.parse().unwrap()]);
        assert_eq!(partial.items.len(), 2, "{target}");
        super::file::parse("p.json", &super::render_json(&partial)).unwrap();
    }
}

/// The guards of a partial plan are those of the whole plan: a target
/// cannot slip past a limit the manifests set.
#[test]
fn targets_keep_the_guards() {
    use super::target::narrow;
    let mut m = manifests(vec![entry(1, Kind::VirtualGuest, ids(&[1, 2]))]);
    m.limits.push(LimitRule {
        file: "m.yaml".into(),
        scope: LimitScope::File,
        limits: Limits {
            max_resources: Some(1),
            max_monthly_fee_cents: None,
        },
    });
    let whole = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "a", Some(billing(11, "1", true))),
            resource(Kind::VirtualGuest, 2, "b", Some(billing(12, "2", true))),
        ],
    );
    let partial = narrow(whole, &["virtual_guest:1".parse().unwrap()]);
    assert_eq!(partial.items.len(), 1);
    assert_eq!(partial.errors[0].code, Code::LimitExceeded);
}

/// `--target` values are KIND:ID.
#[test]
fn target_values() {
    use super::target::Target;
    let t: Target = "subnet:85467".parse().unwrap();
    assert_eq!(
        (t.kind, t.id, t.to_string()),
        (Kind::Subnet, 85467, "subnet:85467".into())
    );
    for bad in ["subnet", "vm:1", "subnet:x", "subnet:0", "subnet:-1", ""] {
        assert!(bad.parse::<Target>().is_err(), "{bad}");
    }
}

/// What an entry's `exclude` leaves out is not its item, is listed with
/// the entry, and an id the entry names and excludes is not "missing";
/// another entry may still select it.
#[test]
fn excluded_objects_are_listed() {
    let mut web = entry(
        1,
        Kind::VirtualGuest,
        Selector {
            names: vec!["web-*".into()],
            ids: vec![],
            ..Selector::default()
        },
    );
    web.exclude = Some(Selector {
        tags: vec!["keep".into()],
        ..Selector::default()
    });
    let mut by_id = entry(2, Kind::VirtualGuest, ids(&[2, 3]));
    by_id.exclude = Some(ids(&[3]));
    let m = manifests(vec![web, by_id]);
    let mut kept = resource(Kind::VirtualGuest, 2, "web-2", Some(billing(12, "1", true)));
    kept.tags = vec!["keep".into()];
    let p = plan(
        &m,
        vec![
            resource(Kind::VirtualGuest, 1, "web-1", Some(billing(11, "1", true))),
            kept,
            resource(Kind::VirtualGuest, 3, "db-3", Some(billing(13, "1", true))),
        ],
    );
    let items: Vec<(u64, Vec<String>)> =
        p.items.iter().map(|i| (i.id, i.origins.clone())).collect();
    assert_eq!(
        items,
        vec![
            (1, vec!["m.yaml:1".to_string()]),
            (2, vec!["m.yaml:2".to_string()]),
        ]
    );
    let excluded: Vec<(u64, Vec<String>)> = p
        .excluded
        .iter()
        .map(|x| (x.id, x.excluded_from.clone()))
        .collect();
    assert_eq!(
        excluded,
        vec![
            (2, vec!["m.yaml:1".to_string()]),
            (3, vec!["m.yaml:2".to_string()])
        ]
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let text = super::render_text::render(&p, false);
    assert!(text.contains("Excluded by `exclude`"), "{text}");
    assert!(
        text.contains("  virtual_guest 3  db-3\n    from      m.yaml:2"),
        "{text}"
    );
    assert!(super::render_markdown::render(&p).contains("| virtual_guest | 3 | db-3 | m.yaml:2 |"));
}
