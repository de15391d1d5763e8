//! `kind: cdn` against the emulator over loopback: on today's API (no CDN
//! Marketplace) a plain warning, recorded in the plan; on a world from
//! before its removal (`cdnDomainMappings`) a plan, and an apply that
//! deletes each mapping with `deleteDomainMapping(uniqueId)` as slcli's
//! `cdn delete` does; snapshots leave out the list the API does not have;
//! the seed's CDN script is stale.

use std::path::Path;

use serde_json::{Value, json};
use slretire::softlayer::{Call, Client, Settings};
use softlayer_emulator::metadata::check_request;
use softlayer_emulator::{Config, Emulator, LoggedRequest};

use crate::plan_cli::{demo_world, manifest, run_against};
use crate::support::{emulator, emulator_with, explicit_connection, text};

const SERVICE: &str = "SoftLayer_Network_CdnMarketplace_Configuration_Mapping";

/// The warning's words, as a plan shows them.
const LEFT_THE_API: &str = "cdn: the CDN Marketplace has left the SoftLayer API (it answers that \
SoftLayer_Network_CdnMarketplace_Configuration_Mapping does not exist), so this entry selects \
nothing; retire a CDN billing item still on the account with `kind: billing_item` and its id";

/// The demo account with two CDN domain mappings, shaped like
/// softlayer-python 6.2.9's own fixtures
/// (`SoftLayer_Network_CdnMarketplace_Configuration_Mapping.py`).
pub(crate) fn mappings_world() -> String {
    let mut world: Value = serde_json::from_str(&demo_world()).unwrap();
    world["cdnDomainMappings"] = json!([
        {"cacheKeyQueryRule": "include-all", "cname": "cdnakauuiet7s6u6.cdnedge.bluemix.net",
         "createDate": "2020-09-29T15:19:01-06:00", "domain": "test.example.com",
         "header": "test.example.com", "httpPort": 80, "originHost": "1.1.1.1",
         "originType": "HOST_SERVER", "path": "/", "protocol": "HTTP",
         "status": "CNAME_CONFIGURATION", "uniqueId": "11223344", "vendorName": "akamai"},
        {"akamaiCname": "wildcard.appdomain.mdc.edgekey.net", "certificateType": "NO_CERT",
         "cname": "cdnakayq9fye4t88239.cdn.appdomain.cloud", "createDate": "2023-03-29T07:33:42-06:00",
         "domain": "www.test.com", "header": "www.header.com", "httpPort": 80, "httpsPort": null,
         "modifyDate": "2023-03-29T07:33:46-06:00", "originHost": "67.228.227.82",
         "originType": "HOST_SERVER", "path": "/path/*", "performanceConfiguration": "General web delivery",
         "protocol": "HTTP", "respectHeaders": false, "serveStale": true, "status": "RUNNING",
         "uniqueId": "303727924488685", "vendorName": "akamai"},
        {"cname": "keep.cdn.appdomain.cloud", "createDate": "2026-11-01T10:00:00-06:00",
         "domain": "keep.example.com", "status": "RUNNING", "uniqueId": "555000111",
         "vendorName": "akamai"},
    ]);
    world.to_string()
}

/// A cdn entry by domain glob, one by CNAME and age, one by uniqueId.
const CDN_ENTRIES: &str = r#"version: 1
account: 278184
retire:
  - kind: cdn
    name: "www*"
  - kind: cdn
    name: "cdnakauuiet7s6u6.cdnedge.bluemix.net"
    older_than: 52w
  - kind: cdn
    id: 11223344
"#;

fn run(emulator: &Emulator, dir: &Path, args: &[&str]) -> (String, String) {
    let output = run_against(emulator, dir, args);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{args:?}: {stdout}{stderr}");
    (stdout, stderr)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn cdn_requests(emulator: &Emulator) -> Vec<LoggedRequest> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.service.as_deref() == Some(SERVICE))
        .collect()
}

/// On today's API a cdn entry neither fails the run nor selects nothing in
/// silence: the plan warns, in words that say the product left the API
/// and what to do instead, and keeps the warning in the plan file; the
/// rest of the plan is made as usual.
#[test]
fn a_cdn_entry_on_todays_api_warns_plainly() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(
        dir.path(),
        "m.yaml",
        &format!("{CDN_ENTRIES}  - kind: virtual_guest\n    id: 70000101\n"),
    );
    let plan = dir.path().join("plan.json");
    let (stdout, _) = run(
        &emulator,
        dir.path(),
        &["plan", &file, "--out", plan.to_str().unwrap()],
    );
    for line in [4, 6, 9] {
        let warning = format!("{file}:{line}: {LEFT_THE_API}");
        assert!(stdout.contains(&warning), "{warning}\n{stdout}");
    }
    let saved = read_json(&plan);
    let warnings: Vec<&str> = saved["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|w| w.ends_with(LEFT_THE_API))
        .collect();
    assert_eq!(warnings.len(), 3, "{:#}", saved["warnings"]);
    let kinds: Vec<&str> = saved["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["virtual_guest"]);
    // One probe of the mapping service, answered as today's API answers.
    let probes = cdn_requests(&emulator);
    assert_eq!(probes.len(), 1, "{probes:?}");
    assert_eq!(probes[0].method_name.as_deref(), Some("listDomainMappings"));
    assert_eq!(probes[0].status, 404);
}

/// With mappings (a world from before the CDN Marketplace left the API),
/// cdn entries plan by domain, CNAME, age and uniqueId, with no billing
/// item of their own; apply deletes each with `deleteDomainMapping`
/// exactly as slcli's `cdn delete UNIQUE_ID` sends it (POST, no init id,
/// the uniqueId string as the one parameter), and a new plan sees the
/// deletions under way.
#[test]
fn cdn_plan_and_apply_against_mappings() {
    let emulator = emulator_with(
        &mappings_world(),
        Config {
            reclaim_after: std::time::Duration::from_secs(3600),
            ..Config::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(dir.path(), "m.yaml", CDN_ENTRIES);
    let plan = dir.path().join("plan.json");
    let (stdout, _) = run(
        &emulator,
        dir.path(),
        &["plan", &file, "--out", plan.to_str().unwrap()],
    );
    assert!(!stdout.contains("Warnings"), "{stdout}");
    let saved = read_json(&plan);
    let items = saved["items"].as_array().unwrap();
    let planned: Vec<(u64, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["id"].as_u64().unwrap(),
                i["name"].as_str().unwrap(),
                i["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        planned,
        [
            (11223344, "test.example.com", "cancel"),
            (303727924488685, "www.test.com", "cancel"),
        ],
        "keep.example.com is selected by no entry"
    );
    for item in items {
        let unique_id = item["id"].to_string();
        assert_eq!(
            item["call"],
            json!({"service": SERVICE, "id": null, "method": "deleteDomainMapping",
                   "parameters": [unique_id]})
        );
        assert_eq!(item["timing"], "immediate");
        assert_eq!(
            item["billing_item"],
            Value::Null,
            "a mapping has no billing item"
        );
        assert_eq!(item["observed"]["uuid"], json!(unique_id));
    }
    assert_eq!(
        items[0]["origins"],
        json!([format!("{file}:6"), format!("{file}:9")])
    );
    // The list is read once, as slcli reads it: no mask, no filter, no paging.
    let lists = cdn_requests(&emulator);
    assert_eq!(lists.len(), 1, "{lists:?}");
    assert_eq!(lists[0].method_name.as_deref(), Some("listDomainMappings"));
    assert!(lists[0].query.is_empty(), "{:?}", lists[0].query);

    let journal = dir.path().join("journal.jsonl");
    let (stdout, _) = run(
        &emulator,
        dir.path(),
        &[
            "apply",
            plan.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    assert!(stdout.contains("2 cancelled"), "{stdout}");
    let deletes: Vec<LoggedRequest> = cdn_requests(&emulator)
        .into_iter()
        .filter(|r| r.method_name.as_deref() == Some("deleteDomainMapping"))
        .collect();
    let path = format!("/rest/v3.1/{SERVICE}/deleteDomainMapping.json");
    for r in &deletes {
        assert_eq!(
            (
                r.method.as_str(),
                r.path.as_str(),
                r.id.as_deref(),
                r.status
            ),
            ("POST", path.as_str(), None, 200),
            "{r:?}"
        );
        assert!(r.query.is_empty(), "{r:?}");
    }
    let mut parameters: Vec<Value> = deletes.iter().map(|r| json!(r.parameters)).collect();
    parameters.sort_by_key(ToString::to_string);
    assert_eq!(
        parameters,
        [json!(["11223344"]), json!(["303727924488685"])],
        "each mapping deleted once, by its uniqueId string"
    );

    let world = emulator.world();
    let status: Vec<(&str, &str)> = world["cdnDomainMappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["uniqueId"].as_str().unwrap(),
                m["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("11223344", "DELETING"),
            ("303727924488685", "DELETING"),
            ("555000111", "RUNNING"),
        ]
    );

    // Planned again: the deletions are under way, nothing is left to do.
    let (stdout, _) = run(&emulator, dir.path(), &["plan", &file]);
    assert!(
        stdout.contains("already scheduled: deletion in progress (DELETING)"),
        "{stdout}"
    );
    assert!(stdout.contains("No changes"), "{stdout}");
    let (stdout, _) = run(
        &emulator,
        dir.path(),
        &["status", "--journal", journal.to_str().unwrap()],
    );
    assert!(stdout.contains("2 pending"), "{stdout}");
}

/// `slretire snapshot` of today's API leaves out the list the API does not
/// have (and says so), instead of failing or writing it empty; a plan
/// against that snapshot warns as the live plan does. A snapshot of a world
/// with mappings keeps them, and plans them back.
#[test]
fn snapshot_omits_a_list_the_api_does_not_have() {
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(dir.path(), "m.yaml", CDN_ENTRIES);

    let today = emulator(&demo_world());
    let snap = dir.path().join("today.json");
    let (_, stderr) = run(
        &today,
        dir.path(),
        &["snapshot", "--out", snap.to_str().unwrap()],
    );
    assert!(
        stderr.lines().any(|l| l.starts_with(
            "cdnDomainMappings: left out, the API does not have it: Service does not exist (1 call, "
        )),
        "{stderr}"
    );
    let world = read_json(&snap);
    assert!(world.get("cdnDomainMappings").is_none(), "{world:#}");
    assert!(world.get("cdnAccounts").is_none());
    assert!(world["virtualGuests"].is_array());
    let (stdout, _) = run(
        &today,
        dir.path(),
        &["plan", &file, "--snapshot", snap.to_str().unwrap()],
    );
    assert!(
        stdout.contains(&format!("{file}:4: {LEFT_THE_API}")),
        "{stdout}"
    );

    let before = emulator(&mappings_world());
    let snap = dir.path().join("before.json");
    let (_, stderr) = run(
        &before,
        dir.path(),
        &[
            "snapshot",
            "--kinds",
            "cdn",
            "--out",
            snap.to_str().unwrap(),
        ],
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("cdnDomainMappings: 3 objects (1 call, ")),
        "{stderr}"
    );
    let world = read_json(&snap);
    let ids: Vec<&str> = world["cdnDomainMappings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["uniqueId"].as_str())
        .collect();
    assert_eq!(ids, ["11223344", "303727924488685", "555000111"]);
    let (stdout, _) = run(
        &before,
        dir.path(),
        &["plan", &file, "--snapshot", snap.to_str().unwrap()],
    );
    assert!(
        stdout.contains("Plan: 2 to cancel (2 immediately)"),
        "{stdout}"
    );
}

/// The seed's "Cancel CDN Storage" script (kept as written in
/// `conformance/seeds/cancel_cdn.py`) is stale: its first call,
/// `SoftLayer_Account::getCdnAccounts`, left the API in 2019. The metadata
/// has no such method, the emulator refuses it as today's API does, and
/// `kind: cdn` never sends it.
#[test]
fn the_seeds_cdn_script_is_stale() {
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/seeds/cancel_cdn.py"),
    )
    .unwrap();
    assert!(
        seed.contains("accountService.getCdnAccounts(filter=objectFilter, mask=objectMask)"),
        "{seed}"
    );
    let filter = json!({"cdnAccounts": {"cdnAccountName": {"operation": "14793"}}});
    let problems = check_request(
        "SoftLayer_Account",
        "getCdnAccounts",
        Some("mask[billingItem]"),
        Some(&filter),
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].to_string(),
        "SoftLayer_Account::getCdnAccounts: SoftLayer_Account has no method getCdnAccounts"
    );

    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::resolve(&explicit_connection(
        &emulator.base_url(),
        "tester",
        "test-key-0123",
        dir.path(),
    ))
    .unwrap();
    let client = Client::new(settings).unwrap();
    let refused = client
        .read(
            &Call::new("SoftLayer_Account", "getCdnAccounts")
                .mask("mask[billingItem]")
                .filter(filter),
        )
        .unwrap_err();
    assert!(refused.is_unknown_method(), "{refused:?}");
    assert_eq!(
        refused.message(),
        "Function (\"getCdnAccounts\") is not a valid method for this service."
    );

    let file = manifest(dir.path(), "m.yaml", CDN_ENTRIES);
    let before = emulator.requests().len();
    run(&emulator, dir.path(), &["plan", &file]);
    let methods: Vec<String> = emulator.requests()[before..]
        .iter()
        .filter_map(|r| r.method_name.clone())
        .collect();
    assert!(
        methods.iter().any(|m| m == "listDomainMappings")
            && !methods.iter().any(|m| m == "getCdnAccounts"),
        "{methods:?}"
    );
}
