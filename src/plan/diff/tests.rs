//! The comparison on plans the planner makes from plain values.

use jiff::Timestamp;
use serde_json::json;

use super::render_markdown;
use super::render_text;
use super::{FieldChange, ItemChange, PlanDiff, diff, render_json};
use crate::manifest::model::{
    CancelOptions, Entry, Kind, Manifests, Origin, Reason, Selector, Via, When,
};
use crate::plan::build::{PlanContext, build};
use crate::plan::model::{Plan, PlanAccount, State};
use crate::resolve::money::Money;
use crate::resolve::resource::{BillingFacts, Resource};
use crate::resolve::selection::select;

fn now() -> Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn billing(id: u64, fee: &str, hourly: bool) -> BillingFacts {
    crate::kinds::read_billing_item(&json!({
        "id": id, "categoryCode": "x", "recurringFee": fee, "hourlyFlag": hourly,
        "nextBillDate": "2026-12-01T00:00:00-06:00", "allowCancellationFlag": 1
    }))
    .unwrap()
}

fn resource(kind: Kind, id: u64, name: &str, fee: &str, hourly: bool) -> Resource {
    let mut r = Resource::new(kind, id);
    r.name = name.into();
    r.match_names = vec![name.into()];
    r.hourly = Some(hourly);
    r.billing = Some(billing(id + 1000, fee, hourly));
    r
}

/// The plan the planner makes when one entry per kind selects `objects`
/// by id, `when` as given, from manifest line `line`.
fn plan_with(objects: &[Resource], when: When, line: u32) -> Plan {
    let mut kinds: Vec<Kind> = objects.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    let entries = kinds
        .iter()
        .map(|kind| {
            (
                kind,
                objects
                    .iter()
                    .filter(|r| r.kind == *kind)
                    .collect::<Vec<_>>(),
            )
        })
        .map(|(kind, rs)| Entry {
            origin: Origin {
                file: "m.yaml".into(),
                line,
            },
            kind: *kind,
            selector: Selector {
                ids: rs.iter().map(|r| r.id).collect(),
                ..Selector::default()
            },
            exclude: None,
            expect: None,
            options: CancelOptions {
                when,
                via: Via::Api,
                reason: Reason::NoLongerNeeded,
                note: Some("OPS-1".into()),
            },
        })
        .collect();
    let manifests = Manifests {
        account: 278184,
        files: vec!["m.yaml".into()],
        digests: vec!["sha256:test".into()],
        entries,
        protect: Vec::new(),
        limits: Vec::new(),
    };
    let context = PlanContext {
        account: PlanAccount {
            id: 278184,
            company: "Example Corp".into(),
        },
        endpoint: "test".into(),
        now: now(),
        clock: crate::plan::model::PlanClock::default(),
        retired: Vec::new(),
    };
    let fetched = crate::resolve::fetch::candidates(&manifests, objects, now());
    build(&manifests, &select(&manifests, &fetched), &context)
}

fn plan(objects: &[Resource]) -> Plan {
    plan_with(objects, When::Auto, 1)
}

fn estate() -> Vec<Resource> {
    vec![
        resource(Kind::VirtualGuest, 1, "web-1", "0", true),
        resource(Kind::VirtualGuest, 2, "web-2", "40", false),
        resource(Kind::Vlan, 9, "vlan-9", "30", false),
    ]
}

fn compare(old: &Plan, new: &Plan) -> PlanDiff {
    diff("old.json", old, "new.json", new)
}

/// Two plans of the same objects and options are equal, whatever their
/// digests and times, and moving an entry to another line changes nothing.
#[test]
fn same_plan_is_equal() {
    let old = plan(&estate());
    let new = plan_with(&estate(), When::Auto, 40);
    assert_ne!(old.items[0].origins, new.items[0].origins);
    let d = compare(&old, &new);
    assert!(d.equal, "{d:#?}");
    assert!(d.items.is_empty());
    assert_eq!(d.summary.unchanged, 3);
    assert_eq!(
        render_text::summary_line(&d),
        "No differences: both plans hold the same 3 items."
    );
}

/// Items only one plan has are added or removed, listed in plan order
/// (kinds in apply order: the VLAN after the guests).
#[test]
fn added_and_removed_items() {
    let mut before = estate();
    before.remove(0);
    let mut after = estate();
    after.retain(|r| r.kind != Kind::Vlan);
    let d = compare(&plan(&before), &plan(&after));
    assert!(!d.equal);
    let listed: Vec<(Kind, u64, &str)> = d
        .items
        .iter()
        .map(|i| {
            let change = match i.change {
                ItemChange::Added { .. } => "added",
                ItemChange::Removed { .. } => "removed",
                ItemChange::Changed { .. } => "changed",
            };
            (i.kind, i.id, change)
        })
        .collect();
    assert_eq!(
        listed,
        vec![(Kind::VirtualGuest, 1, "added"), (Kind::Vlan, 9, "removed")]
    );
    assert_eq!((d.summary.added, d.summary.removed), (1, 1));
    assert_eq!(d.summary.unchanged, 1);
    // Fees retired: 40 + 30 before, 0 + 40 after.
    assert_eq!(d.fee_delta(), Money::parse("-30").unwrap());
    assert_eq!(
        render_text::summary_line(&d),
        "Diff: 1 added, 1 removed, 0 changed, 1 unchanged. Monthly fees retired: 70.00 -> 40.00 USD (-30.00)."
    );
}

/// Forcing `when: immediate` changes the timing and the call of the
/// monthly guest, and only those.
#[test]
fn timing_and_call_changes() {
    let objects = vec![resource(Kind::VirtualGuest, 2, "web-2", "40", false)];
    let d = compare(&plan(&objects), &plan_with(&objects, When::Immediate, 1));
    let [item] = d.items.as_slice() else {
        panic!("{d:#?}")
    };
    let ItemChange::Changed { changes } = &item.change else {
        panic!("{item:#?}")
    };
    let fields: Vec<&str> = changes
        .iter()
        .map(|c| render_text::field_texts(c).0)
        .collect();
    assert_eq!(fields, ["timing", "call"]);
    let (_, old, new) = render_text::field_texts(&changes[0]);
    assert_eq!(
        (old.as_str(), new.as_str()),
        ("on 2026-12-01 (anniversary)", "immediately")
    );
    let (_, old, new) = render_text::field_texts(&changes[1]);
    assert!(old.contains("cancelItem"), "{old}");
    assert_eq!(new, "SoftLayer_Virtual_Guest(2)::deleteObject()");
}

/// Changed facts are named, nested ones by their path; the fee and the
/// state follow from them.
#[test]
fn facts_are_named() {
    let old = plan(&estate());
    let mut changed = estate();
    changed[1].tags = vec!["keep-me".into()];
    changed[1].billing = Some(billing(1002, "55", false));
    // The VLAN now has a guest on it that this plan does not retire.
    changed[2].occupants = vec![crate::resolve::resource::ObjectRef {
        kind: Kind::VirtualGuest,
        id: 77,
    }];
    let d = compare(&old, &plan(&changed));
    assert_eq!(d.summary.changed, 2, "{d:#?}");
    let changes_of = |id: u64| match &d.items.iter().find(|i| i.id == id).unwrap().change {
        ItemChange::Changed { changes } => changes.clone(),
        other => panic!("{other:#?}"),
    };
    let guest = changes_of(2);
    assert!(
        guest
            .iter()
            .any(|c| matches!(c, FieldChange::MonthlyFee { .. }))
    );
    let facts = guest
        .iter()
        .find_map(|c| match c {
            FieldChange::Facts { facts, .. } => facts.clone(),
            _ => None,
        })
        .unwrap();
    assert_eq!(facts, ["billing.recurring_fee", "tags"]);
    let vlan = changes_of(9);
    assert!(vlan.contains(&FieldChange::State {
        old: State::Cancel,
        new: State::Blocked
    }));
    let text = render_text::render(&d, false);
    assert!(
        text.contains("    fee       40.00 USD/month -> 55.00 USD/month\n"),
        "{text}"
    );
    assert!(
        text.contains("(billing.recurring_fee, tags changed)"),
        "{text}"
    );
    assert!(text.contains("    state     cancel -> blocked\n"), "{text}");
}

/// A fact the fingerprint leaves out (the next bill date) is no change of
/// facts; the effective date it moves is a change of timing.
#[test]
fn next_bill_date_alone_moves_the_timing_only() {
    let objects = vec![resource(Kind::VirtualGuest, 2, "web-2", "40", false)];
    let mut later = objects.clone();
    if let Some(b) = &mut later[0].billing {
        b.next_bill_date = Some("2027-01-01T00:00:00-06:00".parse().unwrap());
    }
    let d = compare(&plan(&objects), &plan(&later));
    let ItemChange::Changed { changes } = &d.items[0].change else {
        panic!("{d:#?}")
    };
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert!(matches!(changes[0], FieldChange::Timing { .. }));
}

/// Load balancers pair by uuid too: a different LBaaS instance under the
/// same id is one removed and one added, not a change.
#[test]
fn lbaas_pairs_by_uuid() {
    let lbaas = |uuid: &str| {
        let mut r = Resource::new(Kind::LoadBalancer, 5);
        r.name = "lb".into();
        r.match_names = vec!["lb".into()];
        r.variant = crate::kinds::Variant::Lbaas;
        r.status = Some("ACTIVE".into());
        r.uuid = Some(uuid.into());
        r
    };
    let d = compare(&plan(&[lbaas("aaa")]), &plan(&[lbaas("bbb")]));
    let listed: Vec<(Option<&str>, bool)> = d
        .items
        .iter()
        .map(|i| {
            (
                i.uuid.as_deref(),
                matches!(i.change, ItemChange::Added { .. }),
            )
        })
        .collect();
    assert_eq!(listed, [(Some("aaa"), false), (Some("bbb"), true)]);
    let text = render_text::render(&d, false);
    assert!(text.contains("- load_balancer 5 (aaa)  lb\n"), "{text}");
    assert!(text.contains("+ load_balancer 5 (bbb)  lb\n"), "{text}");
}

/// Plans of different accounts, or with different failed guards, differ
/// even when their items agree.
#[test]
fn account_and_errors_count() {
    let old = plan(&estate());
    let mut other = old.clone();
    other.account.id = 1;
    let d = compare(&old, &other);
    assert!(!d.equal && d.items.is_empty());
    assert!(render_text::render(&d, false).contains("different accounts: 278184"));

    let mut failed = old.clone();
    failed.errors.push(crate::plan::model::PlanError {
        code: crate::plan::code::Code::LimitExceeded,
        message: "too much".into(),
        origins: vec!["m.yaml:1".into()],
    });
    let d = compare(&old, &failed);
    assert!(!d.equal);
    assert_eq!(d.errors_added.len(), 1);
    let md = render_markdown::render(&d);
    assert!(md.contains("> - `plan::limit-exceeded` too much"), "{md}");
    // The other way round it is an error removed.
    assert_eq!(compare(&failed, &old).errors_removed.len(), 1);
}

/// Names from the API cannot break the table or close the folded block.
#[test]
fn markdown_escapes_names() {
    let old = plan(&estate());
    let mut hostile = estate();
    hostile[0].name = "a|b</details>```".into();
    hostile[0].match_names = vec![hostile[0].name.clone()];
    let d = compare(&old, &plan(&hostile));
    let md = render_markdown::render(&d);
    assert!(md.contains("| a\\|b&lt;/details&gt;``` |"), "{md}");
    // The text diff inside holds the name as is, in a fence it cannot close.
    assert!(md.contains("````text\n"), "{md}");
    assert!(md.ends_with("````\n\n</details>\n\n"), "{md}");
}

/// The JSON document carries the counts, the change of each item and the
/// field changes with their old and new values.
#[test]
fn json_document() {
    let objects = vec![resource(Kind::VirtualGuest, 2, "web-2", "40", false)];
    let d = compare(&plan(&objects), &plan_with(&objects, When::Immediate, 1));
    let v: serde_json::Value = serde_json::from_str(&render_json(&d)).unwrap();
    assert_eq!(v["format_version"], "1");
    assert_eq!(v["equal"], false);
    assert_eq!(v["summary"]["changed"], 1);
    assert_eq!(v["items"][0]["change"], "changed");
    assert_eq!(v["items"][0]["kind"], "virtual_guest");
    let timing = &v["items"][0]["changes"][0];
    assert_eq!(timing["field"], "timing");
    assert_eq!(timing["old"]["timing"], "anniversary");
    assert_eq!(timing["new"]["timing"], "immediate");
    assert_eq!(v["items"][0]["changes"][1]["new"]["method"], "deleteObject");
}

/// Manifest locations in details and errors are no change: the same rule
/// on another line, or the same manifests in another directory.
#[test]
fn locations_are_not_changes() {
    let files = |f: &str| vec![f.to_string()];
    assert_eq!(
        super::without_locations(
            "protected by a/p.yaml:9, see a/p.yaml:12",
            &files("a/p.yaml")
        ),
        "protected by <manifest>, see <manifest>"
    );
    // Only the plan's own manifests, with or without a line number.
    assert_eq!(
        super::without_locations("x.yaml:3 and a/p.yaml: here", &files("a/p.yaml")),
        "x.yaml:3 and <manifest>: here"
    );
    let old = plan(&estate());
    let mut new = old.clone();
    new.manifests = vec![crate::plan::model::PlanManifest {
        path: "moved/m.yaml".into(),
        sha256: String::new(),
    }];
    let error = |origin: &str| crate::plan::model::PlanError {
        code: crate::plan::code::Code::ProtectedSelected,
        message: format!("virtual_guest 1 is protected by {origin}"),
        origins: vec![origin.into()],
    };
    let mut old = old;
    old.errors.push(error("m.yaml:4"));
    new.errors.push(error("moved/m.yaml:40"));
    new.items[0].detail = Some("protected by moved/m.yaml:7".into());
    old.items[0].detail = Some("protected by m.yaml:2".into());
    assert!(compare(&old, &new).equal);
    new.items[0].detail = Some("protected by moved/m.yaml:7 (tag keep)".into());
    assert!(!compare(&old, &new).equal);
}
