//! The life of a retirement after the plan, with the binary against the
//! emulator over loopback: `apply --wait` finishing what waits in one run,
//! `status` following every retirement to its end, `revert` voiding what
//! can be voided, and re-planning converging after a partial apply.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use softlayer_emulator::{Config, Emulator};

use crate::plan_cli::{demo_world, manifest, run_against};
use crate::support::{emulator, emulator_with, text};

/// A VLAN holding two hourly guests and a secondary subnet; guest 1 is in
/// the subnet. Its clock is the tests' `SLRETIRE_NOW`, and runs on.
fn network_world() -> String {
    let item = |id: u64, category: &str, fee: &str, hourly: bool| {
        json!({"id": id, "categoryCode": category, "recurringFee": fee, "hourlyFlag": hourly,
            "hourlyRecurringFee": if hourly { ".05" } else { "0" },
            "nextBillDate": "2026-12-01T00:00:00-06:00", "allowCancellationFlag": 1})
    };
    json!({
        "format": "slretire-world/1",
        "clock": "2026-11-22T12:00:00Z",
        "account": {"id": 278184, "companyName": "Example Corp", "email": "ops@example.com"},
        "virtualGuests": [
            {"id": 1, "hostname": "app-1", "domain": "example.com", "hourlyBillingFlag": true,
             "primaryBackendIpAddress": "10.9.0.5", "networkVlans": [{"id": 700}],
             "billingItem": item(9001, "guest_core", "0", true)},
            {"id": 2, "hostname": "app-2", "domain": "example.com", "hourlyBillingFlag": true,
             "primaryBackendIpAddress": "10.8.0.6", "networkVlans": [{"id": 700}],
             "billingItem": item(9002, "guest_core", "0", true)},
        ],
        "subnets": [
            {"id": 801, "networkIdentifier": "10.9.0.0", "cidr": 28, "subnetType": "SECONDARY_ON_VLAN",
             "networkVlan": {"id": 700}, "billingItem": item(9801, "sov_sec_ip_addresses_priv", "16.00", false)},
        ],
        "networkVlans": [
            {"id": 700, "vlanNumber": 1234, "name": "old-app", "networkSpace": "PRIVATE",
             "primaryRouter": {"hostname": "bcr01a.dal10", "datacenter": {"name": "dal10"}},
             "billingItem": item(9700, "network_vlan", "30.00", false)},
        ],
    })
    .to_string()
}

/// Retires the whole network immediately.
const NETWORK_MANIFEST: &str = "version: 1
account: 278184
defaults:
  when: immediate
retire:
  - kind: virtual_guest
    id: [1, 2]
  - kind: subnet
    id: 801
  - kind: vlan
    id: 700
";

/// Plans `manifest` against `emulator` into `dir/plan.json`; the text plan.
fn save_plan(emulator: &Emulator, dir: &Path, manifest: &str) -> (String, String) {
    let out = dir.join("plan.json");
    let output = run_against(
        emulator,
        dir,
        &["plan", manifest, "--out", out.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    (out.display().to_string(), stdout)
}

/// The journal's lines.
fn journal(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The position in the request log of the first request matching `f`.
fn first(emulator: &Emulator, f: impl Fn(&softlayer_emulator::LoggedRequest) -> bool) -> usize {
    emulator
        .requests()
        .iter()
        .position(f)
        .expect("no such request")
}

/// Mutating calls the emulator answered, as `method:id`.
fn writes(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .iter()
        .filter(|r| {
            let m = r.method_name.as_deref().unwrap_or("");
            r.status == 200
                && (m.starts_with("cancel")
                    || m.starts_with("void")
                    || m == "deleteObject"
                    || m == "createObject"
                    || m == "createCancelServerTicket")
        })
        .map(|r| {
            format!(
                "{}:{}",
                r.method_name.clone().unwrap_or_default(),
                r.id.clone().unwrap_or_default()
            )
        })
        .collect()
}

/// A VLAN that waits on guests and a subnet the plan also retires is
/// shown as waiting "after ... are gone" with its call, and one
/// `apply --wait` completes the whole plan: the subnet once guest 1 is
/// gone, the VLAN once both guests and the subnet are (reclaimed half a
/// second after their cancellation), each sent once, never refused.
#[test]
fn apply_wait_completes_a_vlan_with_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path(), "network.yaml", NETWORK_MANIFEST);
    let target = emulator_with(
        &network_world(),
        Config {
            reclaim_after: Duration::from_millis(500),
            ..Config::default()
        },
    );
    let (plan, shown) = save_plan(&target, dir.path(), &m);
    assert!(
        shown.contains("waiting: will be cancelled immediately after virtual_guest 1 is gone (apply --wait, or a later plan)"),
        "{shown}"
    );
    assert!(
        shown.contains("waiting: will be cancelled immediately after virtual_guest 1, 2 and subnet 801 are gone"),
        "{shown}"
    );
    assert!(
        shown.contains("call      SoftLayer_Billing_Item(9700)::cancelService()"),
        "{shown}"
    );
    let j = dir.path().join("j.jsonl");
    let output = run_against(
        &target,
        dir.path(),
        &[
            "apply",
            &plan,
            "--wait",
            "2m",
            "--journal",
            j.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("Apply complete: 4 cancelled, 0 already done, 0 drifted, 0 failed."),
        "{stdout}"
    );
    assert!(
        stderr.contains("and up to 2 waiting items (waiting at most 2m)"),
        "{stderr}"
    );
    // Whenever apply read the account again after its first cancellation
    // (a list call repeated: the first read still found something the VLAN
    // or subnet waits on), it paused and said so. Under load the 500 ms
    // reclaim can end before the first read; then there is no pause.
    let log = target.requests();
    let first_write = first(&target, |r| {
        r.method_name.as_deref() == Some("deleteObject")
    });
    let mut lists: Vec<&str> = log[first_write..]
        .iter()
        .filter(|r| r.id.is_none())
        .filter_map(|r| r.method_name.as_deref())
        .collect();
    let reads = lists.len();
    lists.sort_unstable();
    lists.dedup();
    let found_present = reads > lists.len();
    assert_eq!(
        stderr.contains("note: waiting 1s for"),
        found_present,
        "{stderr}"
    );
    // The two guests are cancelled side by side, in either order; what
    // waits on them follows.
    let mut sent = writes(&target);
    sent[..2].sort();
    assert_eq!(
        sent,
        [
            "deleteObject:1",
            "deleteObject:2",
            "cancelItem:9801",
            "cancelService:9700"
        ]
    );
    // Each went only once what it waited for was confirmed gone (404).
    let gone = |id: &'static str| {
        move |r: &softlayer_emulator::LoggedRequest| {
            r.status == 404
                && r.id.as_deref() == Some(id)
                && r.method_name.as_deref() == Some("getObject")
        }
    };
    let call = |id: &'static str| {
        move |r: &softlayer_emulator::LoggedRequest| {
            r.status == 200
                && r.id.as_deref() == Some(id)
                && r.method_name
                    .as_deref()
                    .is_some_and(|m| m.starts_with("cancel"))
        }
    };
    assert!(first(&target, gone("1")) < first(&target, call("9801")));
    assert!(first(&target, gone("801")) < first(&target, call("9700")));
    let lines = journal(&j);
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| l["outcome"] == "cancelled"));
    assert!(
        lines
            .iter()
            .all(|l| l["origins"].as_array().is_some_and(|o| !o.is_empty()))
    );
}

/// Without `--wait` the waiting items are left, as before; with a wait
/// too short for what they wait for they stay undone: the summary says
/// so, the journal records them as waiting, the exit code is 2, and no
/// call is sent for them. Items waiting on an anniversary cancellation
/// stop waiting at once (it cannot end in time).
#[test]
fn items_still_waiting_when_the_wait_ends() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path(), "network.yaml", NETWORK_MANIFEST);
    let slow = emulator_with(
        &network_world(),
        Config {
            reclaim_after: Duration::from_secs(3600),
            ..Config::default()
        },
    );
    let (plan, _) = save_plan(&slow, dir.path(), &m);
    let j = dir.path().join("j.jsonl");
    let output = run_against(
        &slow,
        dir.path(),
        &[
            "apply",
            &plan,
            "--wait",
            "2s",
            "--journal",
            j.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "Apply complete: 2 cancelled, 0 already done, 0 drifted, 0 failed, 2 still waiting."
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("waiting items are still undone"),
        "{stderr}"
    );
    // The two guests are cancelled side by side: in either order.
    let mut sent = writes(&slow);
    sent.sort();
    assert_eq!(sent, ["deleteObject:1", "deleteObject:2"]);
    let lines = journal(&j);
    let waiting: Vec<&Value> = lines.iter().filter(|l| l["outcome"] == "waiting").collect();
    assert_eq!(waiting.len(), 2);
    assert!(
        waiting
            .iter()
            .any(|l| l["detail"] == "still waiting after 2s: virtual_guest 1 is not gone yet"),
        "{waiting:?}"
    );

    // The demo: the VLANs wait for subnets cancelled on their anniversary.
    let demo = emulator(&demo_world());
    let output = run_against(
        &demo,
        dir.path(),
        &[
            "apply",
            "manifests/examples",
            "--auto-approve",
            "--wait",
            "10m",
            "--journal",
            dir.path().join("demo.jsonl").to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "Apply complete: 30 cancelled, 0 already done, 0 drifted, 0 failed, 2 still waiting."
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "stays waiting: subnet 85467 is cancelled on 2026-12-01, after the wait ends"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("note: waiting"),
        "nothing left worth waiting for: {stderr}"
    );
}

/// `status` reads every item of an applied plan back and says where each
/// stands: immediate cancellations reclaimed, anniversary ones pending
/// with their date, a server with an open ticket ticket_open, items never
/// applied active; fees retired and still to retire. Exit 0, or 2 with
/// `--detailed-exitcode` while anything is pending. Each object is read
/// at most once, lists per kind.
#[test]
fn status_follows_an_applied_plan() {
    let dir = tempfile::tempdir().unwrap();
    let demo = emulator(&demo_world());
    let (plan, _) = save_plan(&demo, dir.path(), "manifests/examples");
    let j = dir.path().join("j.jsonl");
    let applied = run_against(
        &demo,
        dir.path(),
        &["apply", &plan, "--journal", j.to_str().unwrap()],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied).1);
    let before = demo.requests().len();
    let output = run_against(
        &demo,
        dir.path(),
        &[
            "status",
            &plan,
            "--journal",
            j.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let status_of = |kind: &str, id: u64| {
        let item = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == kind && i["id"] == id)
            .unwrap_or_else(|| panic!("{kind} {id} not in {report}"));
        (
            item["status"].as_str().unwrap().to_string(),
            item["detail"].as_str().unwrap().to_string(),
            item["date"].clone(),
        )
    };
    assert_eq!(status_of("virtual_guest", 70000101).0, "reclaimed");
    let storage = status_of("storage", 4471311);
    assert_eq!(
        (storage.0.as_str(), storage.2.as_str()),
        ("pending", Some("2026-12-01T06:00:00Z"))
    );
    assert_eq!(
        status_of("hardware", 1403551).0,
        "ticket_open",
        "scheduled by someone else"
    );
    let vlan = status_of("vlan", 563320);
    assert_eq!(vlan.0, "active");
    assert!(
        vlan.1.contains("waiting, still holds subnet 85467"),
        "{}",
        vlan.1
    );
    let counts = &report["summary"]["counts"];
    assert_eq!(counts["still_billed"], 0);
    assert_eq!(
        report["items"].as_array().unwrap().len(),
        29 + 3 + 2,
        "cancel, waiting and scheduled items"
    );
    assert!(report["summary"]["monthly_fee_retired"].as_str().unwrap() != "0");
    // One list per kind and source, a getObject only to confirm what a
    // list no longer returns (and for billing items, looked up by id).
    let mut seen = std::collections::BTreeSet::new();
    for r in &demo.requests()[before..] {
        let key = format!(
            "{:?} {:?} {:?} {:?}",
            r.service, r.method_name, r.id, r.query
        );
        assert!(seen.insert(key.clone()), "read twice: {key}");
        assert_eq!(r.method, "GET", "status only reads: {key}");
    }
    let text_output = run_against(
        &demo,
        dir.path(),
        &[
            "status",
            &plan,
            "--journal",
            j.to_str().unwrap(),
            "--detailed-exitcode",
        ],
    );
    let (stdout, _) = text(&text_output);
    assert_eq!(text_output.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains(
            "pending       storage 4471311  SL01SEL123-1: cancellation scheduled for 2026-12-01"
        ),
        "{stdout}"
    );
    assert!(
        stdout.lines().last().unwrap().starts_with("Status: "),
        "{stdout}"
    );
    let markdown = run_against(
        &demo,
        dir.path(),
        &[
            "status",
            j.to_str().unwrap(),
            "--journal",
            j.to_str().unwrap(),
            "--format",
            "markdown",
        ],
    );
    let (stdout, _) = text(&markdown);
    assert!(
        stdout.contains("| pending | storage | 4471311 | SL01SEL123-1 |"),
        "{stdout}"
    );
}

/// A cancellation this tool made that no longer holds once its date has
/// passed is still billed: exit 1, in every format. An object that changed
/// since a plan that was never applied is drifted.
#[test]
fn still_billed_and_drifted() {
    let dir = tempfile::tempdir().unwrap();
    let demo = emulator(&demo_world());
    let m = manifest(
        dir.path(),
        "m.yaml",
        "version: 1\naccount: 278184\nretire:\n  - kind: storage\n    id: 4471311\n  - kind: virtual_guest\n    id: 70000101\n    when: immediate\n",
    );
    let j = dir.path().join("j.jsonl");
    let applied = run_against(
        &demo,
        dir.path(),
        &[
            "apply",
            &m,
            "--auto-approve",
            "--journal",
            j.to_str().unwrap(),
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied).1);
    // Someone voids the volume's cancellation outside slretire.
    let url = format!(
        "{}SoftLayer_Billing_Item/90000058/voidCancelService.json",
        demo.base_url()
    );
    let voided = ureq::get(&url)
        .header("Authorization", "Basic dTpr")
        .call()
        .unwrap();
    assert_eq!(voided.status(), 200);
    let config = dir.path().join("empty.ini");
    let after_due = crate::support::slretire()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "status",
            "--journal",
            j.to_str().unwrap(),
            "--endpoint",
            &demo.base_url(),
        ])
        .args(["--username", "u", "--api-key", "k", "--rate-limit", "500"])
        .arg("--config")
        .arg(&config)
        .env("SLRETIRE_NOW", "2026-12-02T12:00:00Z")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&after_due);
    assert_eq!(after_due.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("still_billed  storage 4471311  SL01SEL123-1: slretire cancelled it on "),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            ", due on 2026-12-01, but it is still billed and no cancellation is in place"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("reclaimed     virtual_guest 70000101"),
        "{stdout}"
    );

    let fresh = emulator(&demo_world());
    let (plan, _) = save_plan(&fresh, dir.path(), &m);
    let mut world: Value = serde_json::from_str(&demo_world()).unwrap();
    let guest = world["virtualGuests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g["id"] == 70000101)
        .unwrap();
    guest["hostname"] = "renamed".into();
    let changed = emulator(&world.to_string());
    let output = run_against(
        &changed,
        dir.path(),
        &[
            "status",
            &plan,
            "--journal",
            dir.path().join("none.jsonl").to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("drifted       virtual_guest 70000101"),
        "{stdout}"
    );
    assert!(
        stdout.contains("active        storage 4471311  SL01SEL123-1: not cancelled"),
        "{stdout}"
    );
}

/// `revert` shows what it will void and what cannot be undone before it
/// asks; it voids a pending storage cancellation and a load balancer's
/// cancellation request, names the immediate deletion, the virtual
/// server's anniversary cancellation and the subnet's as impossible, and
/// journals every void; a second revert finds nothing to do.
#[test]
fn revert_voids_what_can_be_voided() {
    let dir = tempfile::tempdir().unwrap();
    let demo = emulator(&demo_world());
    let m = manifest(
        dir.path(),
        "m.yaml",
        "version: 1
account: 278184
retire:
  - kind: storage
    id: 4471311
  - kind: virtual_guest
    id: 70000101
    when: immediate
  - kind: virtual_guest
    id: 70000402
    when: anniversary
  - kind: subnet
    id: 85467
  - kind: load_balancer
    id: 109225
",
    );
    let j = dir.path().join("j.jsonl");
    let applied = run_against(
        &demo,
        dir.path(),
        &[
            "apply",
            &m,
            "--auto-approve",
            "--journal",
            j.to_str().unwrap(),
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied).1);
    let applied_writes = writes(&demo).len();

    let refused = run_against(
        &demo,
        dir.path(),
        &["revert", "--journal", j.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused).1.contains("stdin is not a terminal"),
        "{}",
        text(&refused).1
    );
    assert_eq!(writes(&demo).len(), applied_writes);

    let output = run_against(
        &demo,
        dir.path(),
        &["revert", "--auto-approve", "--journal", j.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let (will, rest) = stdout.split_once("Cannot be undone:").unwrap();
    assert!(will.contains("+ storage 4471311  SL01SEL123-1"), "{stdout}");
    assert!(
        will.contains("call      SoftLayer_Billing_Item(90000058)::voidCancelService()"),
        "{stdout}"
    );
    assert!(will.contains("::void(true)"), "{stdout}");
    assert!(rest.contains("! virtual_guest 70000101  ci-runner-01.example.com\n    why       cancelled immediately"), "{stdout}");
    assert!(rest.contains("! virtual_guest 70000402  stg-web-02.example.com\n    why       SoftLayer does not void the cancellation of a server through the API: ask IBM Cloud sales or support"), "{stdout}");
    assert!(rest.contains("! subnet 85467"), "{stdout}");
    assert!(
        stdout.contains("Revert: 2 to void, 3 cannot be undone, 0 nothing to undo."),
        "{stdout}"
    );
    assert!(stdout.contains("Revert complete: 2 voided, 0 not cancelled any more, 0 changed, 0 failed; 3 cannot be undone."), "{stdout}");
    let new_writes: Vec<String> = writes(&demo).split_off(applied_writes);
    assert_eq!(new_writes.len(), 2, "{new_writes:?}");
    assert!(
        new_writes.contains(&"voidCancelService:90000058".to_string()),
        "{new_writes:?}"
    );
    assert!(
        new_writes.iter().any(|w| w.starts_with("void:")),
        "{new_writes:?}"
    );
    let world = demo.world();
    let volume = world["networkStorage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == 4471311)
        .unwrap();
    assert!(
        volume["billingItem"]
            .get("cancellationDate")
            .is_none_or(Value::is_null),
        "{volume}"
    );
    let voids: Vec<Value> = journal(&j)
        .into_iter()
        .filter(|l| l["action"] == "void")
        .collect();
    assert_eq!(voids.len(), 2);
    assert!(voids.iter().all(|l| l["outcome"] == "voided"));

    let status = run_against(
        &demo,
        dir.path(),
        &["status", "--journal", j.to_str().unwrap()],
    );
    let (stdout, _) = text(&status);
    assert!(stdout.contains("active        storage 4471311  SL01SEL123-1: reverted: slretire voided its cancellation on"), "{stdout}");

    let again = run_against(
        &demo,
        dir.path(),
        &["revert", "--auto-approve", "--journal", j.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&again);
    assert_eq!(again.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.ends_with("Nothing to revert.\n"), "{stdout}");
    assert!(
        stdout.contains("why       slretire voided its cancellation already"),
        "{stdout}"
    );
}

/// After an apply that finished only part of an entry with `expect: 5`
/// (one runner changed between plan and apply), the runners it cancelled
/// are gone; re-planning with the journal counts them as done and
/// succeeds, where planning without it fails as before.
#[test]
fn replanning_converges_after_a_partial_apply() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(
        dir.path(),
        "runners.yaml",
        "version: 1\naccount: 278184\nretire:\n  - kind: virtual_guest\n    name: \"ci-runner-*\"\n    expect: 5\n    when: immediate\n",
    );
    let (plan, _) = save_plan(&emulator(&demo_world()), dir.path(), &m);
    let mut world: Value = serde_json::from_str(&demo_world()).unwrap();
    let guest = world["virtualGuests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g["id"] == 70000104)
        .unwrap();
    guest["tagReferences"] = json!([{"tag": {"name": "keep-for-now"}}]);
    let target = emulator(&world.to_string());
    let j = dir.path().join("j.jsonl");
    let partial = run_against(
        &target,
        dir.path(),
        &["apply", &plan, "--journal", j.to_str().unwrap()],
    );
    let (stdout, _) = text(&partial);
    assert_eq!(partial.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("4 cancelled, 0 already done, 1 drifted"),
        "{stdout}"
    );

    let forgetful = run_against(
        &target,
        dir.path(),
        &[
            "plan",
            &m,
            "--journal",
            dir.path().join("none.jsonl").to_str().unwrap(),
        ],
    );
    let (stdout, _) = text(&forgetful);
    assert_eq!(forgetful.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("expected 5 virtual_guest to match, found 1"),
        "{stdout}"
    );

    let replanned = run_against(
        &target,
        dir.path(),
        &[
            "plan",
            &m,
            "--journal",
            j.to_str().unwrap(),
            "--detailed-exitcode",
        ],
    );
    let (stdout, stderr) = text(&replanned);
    assert_eq!(replanned.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains("? virtual_guest 70000101  ci-runner-01.example.com\n    absent: retired by an earlier apply on"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Plan: 1 to cancel (1 immediately), 4 absent."),
        "{stdout}"
    );
    let finished = run_against(
        &target,
        dir.path(),
        &[
            "apply",
            &m,
            "--auto-approve",
            "--journal",
            j.to_str().unwrap(),
        ],
    );
    assert_eq!(finished.status.code(), Some(0), "{}", text(&finished).0);
    let done = run_against(
        &target,
        dir.path(),
        &["plan", &m, "--journal", j.to_str().unwrap()],
    );
    let (stdout, _) = text(&done);
    assert_eq!(done.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("No changes: nothing to cancel (5 absent)."),
        "{stdout}"
    );
}
