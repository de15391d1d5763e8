//! Every request slretire sends exists in the real API: each command that
//! talks to the API runs against the emulator, and every request the
//! emulator saw is checked against SoftLayer's own metadata
//! (`crates/softlayer-emulator/metadata/`): its service and method, every
//! objectMask property at every depth (casts honoured) and every
//! objectFilter key. The emulator shares slretire's beliefs; the metadata
//! does not.
//!
//! The CDN Marketplace mapping service left the API in 2025: its calls are
//! checked against the 2024-06 metadata the tables keep (marked
//! `removed_after`), and only on a world from before its removal; on
//! today's API the one probe of it must be answered 404.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;
use softlayer_emulator::metadata::check_request;
use softlayer_emulator::{Emulator, LoggedRequest};

use crate::cdn_cli::mappings_world;
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

/// The services table as the emulator crate holds it, removed entries too.
fn services() -> &'static Value {
    static SERVICES: OnceLock<Value> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/softlayer-emulator/metadata/softlayer-services.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

/// The method as the 2024-06 metadata had it, when it has been removed
/// since (it, or its whole service, is marked `removed_after`).
fn removed_method(service: &str, method: &str) -> Option<&'static Value> {
    let s = &services()["services"][service];
    let m = s.get(method)?;
    (s.get("removed_after").is_some() || m.get("removed_after").is_some()).then_some(m)
}

fn problems_of(request: &LoggedRequest) -> Vec<String> {
    let (Some(service), Some(method)) = (&request.service, &request.method_name) else {
        return vec![format!(
            "{} {}: no service and method",
            request.method, request.path
        )];
    };
    let query = |key: &str| {
        request
            .query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let mask = query("objectMask");
    let filter_text = query("objectFilter");
    if let Some(then) = removed_method(service, method) {
        let queried = mask.is_some() || filter_text.is_some();
        return removed_problems(request, service, method, then, queried);
    }
    let filter = match filter_text.map(|f| serde_json::from_str(&f)) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(e)) => {
            return vec![format!(
                "{service}::{method}: objectFilter is not JSON: {e}"
            )];
        }
    };
    check_request(service, method, mask.as_deref(), filter.as_ref())
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

/// A call of a method removed since the 2024-06 metadata (the CDN
/// Marketplace): a probe today's API answers 404, or, on a world from
/// before the removal, a call as that metadata describes it: its
/// parameters by number and type, no mask or filter (slretire sends none,
/// as slcli does not; the checker of masks knows only today's types).
fn removed_problems(
    request: &LoggedRequest,
    service: &str,
    method: &str,
    then: &Value,
    queried: bool,
) -> Vec<String> {
    let what = format!("{service}::{method}");
    if request.status == 404 {
        return Vec::new();
    }
    let mut found = Vec::new();
    if queried {
        found.push(format!("{what}: a mask or filter on a removed method"));
    }
    let wanted: Vec<&str> = then["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["type"].as_str())
        .collect();
    let sent = request.parameters.clone().unwrap_or_default();
    if sent.len() != wanted.len() {
        found.push(format!(
            "{what}: {} parameters, the 2024-06 metadata has {}",
            sent.len(),
            wanted.len()
        ));
    }
    for (i, (value, ty)) in sent.iter().zip(&wanted).enumerate() {
        let fits = match *ty {
            "string" => value.is_string(),
            "int" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            _ => value.is_object(),
        };
        if !fits {
            found.push(format!("{what}: parameter {i} is {value}, not a {ty}"));
        }
    }
    if request.id.is_some() {
        found.push(format!("{what}: an init id on a method that takes none"));
    }
    found
}

/// Runs `args` against `emulator` and requires exit code `code`.
fn run(emulator: &Emulator, dir: &Path, args: &[&str], code: i32) {
    let output = run_against(emulator, dir, args);
    let (stdout, stderr) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}: {stdout}{stderr}"
    );
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

/// Every cdn selector, on a world with CDN mappings.
const CDN: &str = r#"version: 1
account: 278184
retire:
  - kind: cdn
    name: "www*"
  - kind: cdn
    name_regex: "^test\\."
    older_than: 52w
  - kind: cdn
    id: 11223344
    created_before: 2026-01-01
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
    run(
        &emulator,
        dir.path(),
        &["snapshot", "--out", world.to_str().unwrap()],
        0,
    );
    let part = dir.path().join("part.json");
    run(
        &emulator,
        dir.path(),
        &[
            "snapshot",
            "--kinds",
            "vlan,storage",
            "--out",
            part.to_str().unwrap(),
        ],
        0,
    );
    let plan = dir.path().join("plan.json");
    run(
        &emulator,
        dir.path(),
        &[
            "plan",
            "manifests/examples",
            "--out",
            plan.to_str().unwrap(),
        ],
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
        &[
            "apply",
            immediate.to_str().unwrap(),
            "--auto-approve",
            "--journal",
            journal,
        ],
        0,
    );

    run(&fresh, dir.path(), &["status", "--journal", journal], 0);

    // CDN mappings: a world from before the CDN Marketplace left the API.
    let before = crate::support::emulator(&mappings_world());
    let cdn = dir.path().join("cdn.yaml");
    std::fs::write(&cdn, CDN).unwrap();
    let cdn_journal = dir.path().join("cdn.jsonl");
    let cdn_journal = cdn_journal.to_str().unwrap();
    run(&before, dir.path(), &["plan", every.to_str().unwrap()], 0);
    let cdn_world = dir.path().join("cdn-world.json");
    run(
        &before,
        dir.path(),
        &["snapshot", "--out", cdn_world.to_str().unwrap()],
        0,
    );
    run(
        &before,
        dir.path(),
        &[
            "apply",
            cdn.to_str().unwrap(),
            "--auto-approve",
            "--journal",
            cdn_journal,
        ],
        0,
    );
    run(
        &before,
        dir.path(),
        &["status", "--journal", cdn_journal],
        0,
    );

    let methods: std::collections::BTreeSet<String> = emulator
        .requests()
        .iter()
        .chain(fresh.requests().iter())
        .chain(before.requests().iter())
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
        "listDomainMappings",
        "deleteDomainMapping",
    ] {
        assert!(methods.contains(call), "no {call} was sent: {methods:?}");
    }
    let mut found = problems(&emulator);
    found.extend(problems(&fresh));
    found.extend(problems(&before));
    assert!(
        found.is_empty(),
        "requests the real API refuses:\n{}",
        found.join("\n")
    );
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
    assert!(
        !check_request("SoftLayer_Account", "getVirtualGuests", None, Some(&filter)).is_empty()
    );
}

/// The check of removed CDN calls finds what the 2024-06 API refused: a
/// uniqueId sent as a number, an init id, a mask; a call of a method no
/// metadata has (the seed's getCdnAccounts) is a problem even when the
/// emulator answered 404.
#[test]
fn the_cdn_check_finds_wrong_calls() {
    let request =
        |method: &str, id: Option<&str>, parameters: Vec<Value>, status: u16| LoggedRequest {
            method: "POST".into(),
            path: format!("/rest/v3.1/X/{method}.json"),
            query: Vec::new(),
            status,
            service: Some(
                if method == "getCdnAccounts" {
                    "SoftLayer_Account"
                } else {
                    "SoftLayer_Network_CdnMarketplace_Configuration_Mapping"
                }
                .into(),
            ),
            method_name: Some(method.into()),
            id: id.map(str::to_string),
            parameters: Some(parameters),
            service_us: 0,
            lock_wait_us: 0,
        };
    let right = request(
        "deleteDomainMapping",
        None,
        vec![Value::from("11223344")],
        200,
    );
    assert!(problems_of(&right).is_empty(), "{:?}", problems_of(&right));
    let number = request(
        "deleteDomainMapping",
        None,
        vec![Value::from(11_223_344)],
        200,
    );
    assert_eq!(problems_of(&number).len(), 1, "{:?}", problems_of(&number));
    let with_id = request(
        "deleteDomainMapping",
        Some("1"),
        vec![Value::from("1")],
        200,
    );
    assert_eq!(
        problems_of(&with_id).len(),
        1,
        "{:?}",
        problems_of(&with_id)
    );
    let none = request("deleteDomainMapping", None, Vec::new(), 200);
    assert_eq!(problems_of(&none).len(), 1, "{:?}", problems_of(&none));
    let mut masked = request("listDomainMappings", None, Vec::new(), 200);
    masked.query = vec![("objectMask".into(), "mask[uniqueId]".into())];
    assert_eq!(problems_of(&masked).len(), 1, "{:?}", problems_of(&masked));
    let probe = request("listDomainMappings", None, Vec::new(), 404);
    assert!(problems_of(&probe).is_empty());
    let seed = request("getCdnAccounts", None, Vec::new(), 404);
    assert_eq!(problems_of(&seed).len(), 1, "{:?}", problems_of(&seed));
}
