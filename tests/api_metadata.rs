//! Every request slretire sends exists in the real API: each command that
//! talks to the API runs against the emulator, and every request the
//! emulator saw is checked against SoftLayer's own metadata
//! (`crates/softlayer-emulator/metadata/`): its service and method, every
//! objectMask property at every depth (casts honoured) and every
//! objectFilter key. The emulator shares slretire's beliefs; the metadata
//! does not.

use std::path::Path;

use softlayer_emulator::metadata::check_request;
use softlayer_emulator::{Emulator, LoggedRequest};

use crate::plan_cli::{demo_world, run_against};
use crate::support::{emulator, text};

/// The problems the metadata finds in the requests `emulator` received.
fn problems(emulator: &Emulator) -> Vec<String> {
    let mut found = Vec::new();
    for request in emulator.requests() {
        found.extend(problems_of(&request));
    }
    found.sort();
    found.dedup();
    found
}

fn problems_of(request: &LoggedRequest) -> Vec<String> {
    let (Some(service), Some(method)) = (&request.service, &request.method_name) else {
        return vec![format!("{} {}: no service and method", request.method, request.path)];
    };
    // A probe for a product the API dropped (the CDN Marketplace service):
    // today's API answers 404 "does not exist", as the emulator did, and
    // slretire reads that as "this kind has nothing here". Anything else
    // the metadata lacks is a request the real API would refuse.
    let absent = !softlayer_emulator::metadata::service_exists(service)
        || softlayer_emulator::metadata::method(service, method).is_none();
    if absent && request.status == 404 {
        return Vec::new();
    }
    let query = |key: &str| {
        request
            .query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let mask = query("objectMask");
    let filter = match query("objectFilter").map(|f| serde_json::from_str(&f)) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(e)) => return vec![format!("{service}::{method}: objectFilter is not JSON: {e}")],
    };
    check_request(service, method, mask.as_deref(), filter.as_ref())
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

/// Runs `args` against `emulator` and requires exit code `code`.
fn run(emulator: &Emulator, dir: &Path, args: &[&str], code: i32) {
    let output = run_against(emulator, dir, args);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {stdout}{stderr}");
}

/// A manifest with an entry for every selector key of every kind, and
/// one that cancels immediately what the examples cancel on anniversary.
const EVERY_SELECTOR: &str = r#"version: 1
account: 278184
retire:
  - kind: virtual_guest
    id: [12345678, 70000101]
  - kind: virtual_guest
    ip: [10.177.20.11, 169.61.70.0/24]
  - kind: virtual_guest
    name: "stg-*"
    datacenter: dal09
    tags: [staging]
    older_than: 30d
  - kind: virtual_guest
    created_before: 2026-01-01
  - kind: hardware
    ip: 10.48.66.132
  - kind: hardware
    name: "db*"
    tags: [legacy]
    datacenter: dal09
  - kind: storage
    name: "SL01*"
    datacenter: dal09
    older_than: 1d
  - kind: storage
    ip: 10.1.2.3
  - kind: subnet
    cidr: 10.0.0.0/26
  - kind: subnet
    ip: 10.0.8.1
    datacenter: dal10
    tags: [lab]
  - kind: vlan
    number: 1234
    router: bcr01a.dal10
  - kind: vlan
    name: "lab-*"
    datacenter: dal10
    tags: [lab]
  - kind: global_ip
    ip: [169.1.2.3, 169.45.12.0/24]
  - kind: load_balancer
    id: 109225
  - kind: load_balancer
    name: "edge-*"
    datacenter: dal13
  - kind: load_balancer
    ip: 169.45.3.3
  - kind: cdn
    name: "*"
  - kind: dedicated_host
    name: "dh-*"
    tags: [old]
    datacenter: dal09
  - kind: billing_item
    id: 998877
"#;

const IMMEDIATE: &str = r#"version: 1
account: 278184
defaults:
  when: immediate
retire:
  - kind: storage
    id: 4471311
  - kind: dedicated_host
    id: 4001001
  - kind: global_ip
    id: 880617
"#;

/// whoami, plans of every kind and selector, full and partial snapshots,
/// and applies of every cancel call send only what the API has.
#[test]
fn every_request_exists_in_the_api() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let every = dir.path().join("every.yaml");
    std::fs::write(&every, EVERY_SELECTOR).unwrap();
    let immediate = dir.path().join("immediate.yaml");
    std::fs::write(&immediate, IMMEDIATE).unwrap();
    let journal = dir.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();

    run(&emulator, dir.path(), &["whoami"], 0);
    run(&emulator, dir.path(), &["plan", every.to_str().unwrap()], 0);
    let world = dir.path().join("world.json");
    run(&emulator, dir.path(), &["snapshot", "--out", world.to_str().unwrap()], 0);
    let part = dir.path().join("part.json");
    run(
        &emulator,
        dir.path(),
        &["snapshot", "--kinds", "vlan,storage", "--out", part.to_str().unwrap()],
        0,
    );
    let plan = dir.path().join("plan.json");
    run(
        &emulator,
        dir.path(),
        &["plan", "manifests/examples", "--out", plan.to_str().unwrap()],
        0,
    );
    run(
        &emulator,
        dir.path(),
        &["apply", plan.to_str().unwrap(), "--journal", journal],
        0,
    );
    // The immediate calls, on an account the examples have not touched.
    let fresh = crate::support::emulator(&demo_world());
    run(
        &fresh,
        dir.path(),
        &["apply", immediate.to_str().unwrap(), "--auto-approve", "--journal", journal],
        0,
    );

    let methods: std::collections::BTreeSet<String> = emulator
        .requests()
        .iter()
        .chain(fresh.requests().iter())
        .filter_map(|r| r.method_name.clone())
        .collect();
    for call in [
        "deleteObject",
        "cancelItem",
        "cancelService",
        "cancelServiceOnAnniversaryDate",
        "createObject",
        "createCancelServerTicket",
        "cancelLoadBalancer",
    ] {
        assert!(methods.contains(call), "no {call} was sent: {methods:?}");
    }
    let mut found = problems(&emulator);
    found.extend(problems(&fresh));
    assert!(found.is_empty(), "requests the real API refuses:\n{}", found.join("\n"));
}

/// The check fails on what the real API refuses: a mask property the type
/// lacks, a property of a subtype without its cast, a removed method.
#[test]
fn the_check_finds_what_the_api_refuses() {
    let wrong = check_request(
        "SoftLayer_Account",
        "getAdcLoadBalancers",
        Some("mask[id,name,ipAddress[ipAddress]]"),
        None,
    );
    assert_eq!(wrong.len(), 1, "{wrong:?}");
    assert!(wrong[0].to_string().contains("name"), "{}", wrong[0]);
    let uncast = check_request(
        "SoftLayer_Account",
        "getHardware",
        Some("mask[id,activeTransaction[id]]"),
        None,
    );
    assert_eq!(uncast.len(), 1, "{uncast:?}");
    let cast = check_request(
        "SoftLayer_Account",
        "getHardware",
        Some("mask(SoftLayer_Hardware_Server)[id,activeTransaction[id]]"),
        None,
    );
    assert!(cast.is_empty(), "{cast:?}");
    assert!(!check_request("SoftLayer_Account", "getCdnAccounts", None, None).is_empty());
    let filter = serde_json::json!({"virtualGuests": {"nickname": {"operation": "x"}}});
    assert!(!check_request("SoftLayer_Account", "getVirtualGuests", None, Some(&filter)).is_empty());
}
