//! `slretire apply` over HTTP against the emulator: exactly the planned
//! items, never twice, through faults and lost responses; convergence;
//! drift; refusals; the journal.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use softlayer_emulator::{Config, Emulator};

use crate::plan_cli::{demo_world, manifest, run_against};
use crate::support::{emulator, emulator_with, text};

/// Billing item id -> cancellationDate, for every billing item of a world.
fn cancellations(world: &Value) -> BTreeMap<u64, Value> {
    fn walk(value: &Value, out: &mut BTreeMap<u64, Value>) {
        match value {
            Value::Object(map) => {
                if let (Some(id), Some(_)) = (
                    map.get("id").and_then(Value::as_u64),
                    map.get("categoryCode"),
                ) {
                    out.insert(
                        id,
                        map.get("cancellationDate").cloned().unwrap_or(Value::Null),
                    );
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(world, &mut out);
    out
}

/// LBaaS uuid -> provisioningStatus.
fn lbaas_status(world: &Value) -> BTreeMap<String, Value> {
    world["lbaasLoadBalancers"]
        .as_array()
        .map(|lbs| {
            lbs.iter()
                .map(|lb| {
                    (
                        lb["uuid"].as_str().unwrap().to_string(),
                        lb["provisioningStatus"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Plans the examples against `emulator` into `dir/plan.json`.
fn save_plan(emulator: &Emulator, dir: &Path) -> (String, Value) {
    let out = dir.join("plan.json");
    let output = run_against(
        emulator,
        dir,
        &["plan", "manifests/examples", "--out", out.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    (out.display().to_string(), plan)
}

/// The billing items (or LBaaS uuids) the plan's cancel items retire.
fn planned_targets(plan: &Value) -> (Vec<u64>, Vec<String>) {
    let mut items = Vec::new();
    let mut uuids = Vec::new();
    for item in plan["items"].as_array().unwrap() {
        if item["state"] != "cancel" {
            continue;
        }
        match item["billing_item"]["id"].as_u64() {
            Some(id) => items.push(id),
            None => uuids.push(item["observed"]["uuid"].as_str().unwrap().to_string()),
        }
    }
    (items, uuids)
}

/// Mutating calls that succeeded, per target (billing item id, object id or uuid).
fn successful_writes(emulator: &Emulator) -> BTreeMap<String, usize> {
    let mut writes = BTreeMap::new();
    for r in emulator.requests() {
        let method = r.method_name.clone().unwrap_or_default();
        let mutating =
            method.starts_with("cancel") || method == "deleteObject" || method == "createObject";
        if mutating && r.status == 200 {
            let target = r.id.clone().unwrap_or_else(|| {
                r.parameters
                    .as_ref()
                    .map(|p| p[0].to_string())
                    .unwrap_or_default()
            });
            *writes.entry(format!("{method}:{target}")).or_default() += 1;
        }
    }
    writes
}

/// Applies a saved plan against an emulator with `config` faults and checks
/// that exactly the planned items changed, each by one successful call.
fn apply_exactly(config: Config) {
    let dir = tempfile::tempdir().unwrap();
    let (path, plan) = {
        let clean = emulator(&demo_world());
        save_plan(&clean, dir.path())
    };
    let faulty = emulator_with(&demo_world(), config);
    let before = faulty.world();
    let journal = dir.path().join("journal.jsonl");
    let output = run_against(
        &faulty,
        dir.path(),
        &["apply", &path, "--journal", journal.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Apply complete: 29 cancelled, 0 already done, 0 drifted, 0 failed."),
        "{stdout}\n{stderr}"
    );
    let after = faulty.world();
    let (items, uuids) = planned_targets(&plan);
    let (b, a) = (cancellations(&before), cancellations(&after));
    let changed: Vec<u64> = b
        .keys()
        .filter(|id| a.get(id) != b.get(id))
        .copied()
        .collect();
    let mut expected: Vec<u64> = items.clone();
    // Children go with their parents.
    for item in plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] == "cancel")
    {
        if let Some(children) = item["billing_item"]["children"].as_array() {
            expected.extend(children.iter().filter_map(|c| c["id"].as_u64()));
        }
    }
    expected.sort_unstable();
    let mut gone: Vec<u64> = b.keys().filter(|id| !a.contains_key(id)).copied().collect();
    gone.sort_unstable();
    let mut touched: Vec<u64> = changed;
    touched.sort_unstable();
    touched.dedup();
    assert_eq!(
        touched, expected,
        "billing items changed by apply (missing from the world after: {gone:?})"
    );
    let statuses = lbaas_status(&after);
    for uuid in &uuids {
        // Deleting, or already gone once the reclaim delay (0 here) passed.
        assert!(
            statuses.get(uuid).is_none_or(|s| s == "DELETE_PENDING"),
            "{uuid}: {statuses:?}"
        );
    }
    assert_eq!(
        lbaas_status(&before)
            .values()
            .filter(|s| *s == "DELETE_PENDING")
            .count(),
        0
    );
    for (target, count) in successful_writes(&faulty) {
        assert_eq!(count, 1, "{target} was cancelled {count} times");
    }
    let lines = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(lines.lines().count(), 29);
}

/// Through random 500s every planned item is cancelled once, nothing else.
#[test]
fn apply_through_random_failures() {
    apply_exactly(Config {
        fail_rate: 0.2,
        seed: 7,
        ..Config::default()
    });
}

/// Through lost responses (the call takes effect, the answer never comes)
/// apply reads back instead of cancelling twice.
#[test]
fn apply_through_lost_responses() {
    apply_exactly(Config {
        lose_response_rate: 0.3,
        seed: 11,
        ..Config::default()
    });
}

/// A second apply of the same plan sends nothing.
#[test]
fn second_apply_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(&demo_world());
    let (path, _) = save_plan(&emulator, dir.path());
    let journal = dir.path().join("j.jsonl");
    let first = run_against(
        &emulator,
        dir.path(),
        &["apply", &path, "--journal", journal.to_str().unwrap()],
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first).1);
    let writes_before = successful_writes(&emulator);
    let second = run_against(
        &emulator,
        dir.path(),
        &["apply", &path, "--journal", journal.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&second);
    assert_eq!(second.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("Apply complete: 0 cancelled, 29 already done, 0 drifted, 0 failed."),
        "{stdout}"
    );
    assert_eq!(successful_writes(&emulator), writes_before);
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap().lines().count(),
        58
    );
}

/// Applying the manifests again and again converges: objects that were
/// waiting for others go once those are gone, then nothing is left to do
/// and the plan shows no changes.
#[test]
fn repeated_applies_converge() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(&demo_world());
    let journal = dir.path().join("j.jsonl");
    let args = [
        "apply",
        "manifests/examples",
        "--auto-approve",
        "--journal",
        journal.to_str().unwrap(),
    ];
    let mut summaries = Vec::new();
    for _ in 0..4 {
        let output = run_against(&emulator, dir.path(), &args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
        let last = stdout.lines().last().unwrap_or_default().to_string();
        let converged = last == "Nothing to apply.";
        summaries.push(last);
        if converged {
            break;
        }
    }
    assert_eq!(
        summaries,
        [
            "Apply complete: 29 cancelled, 0 already done, 0 drifted, 0 failed. Monthly fees retired: 4,236.14 USD.",
            "Apply complete: 1 cancelled, 0 already done, 0 drifted, 0 failed. Monthly fees retired: 1,598.70 USD.",
            "Nothing to apply.",
        ]
    );
    let plan = run_against(
        &emulator,
        dir.path(),
        &["plan", "manifests/examples", "--detailed-exitcode"],
    );
    let (stdout, _) = text(&plan);
    assert_eq!(plan.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No changes: nothing to cancel"), "{stdout}");
}

/// An object that changed between plan and apply is skipped as drifted.
#[test]
fn drift_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = save_plan(&emulator(&demo_world()), dir.path());
    let mut world: Value = serde_json::from_str(&demo_world()).unwrap();
    let guest = world["virtualGuests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g["id"] == 70000101)
        .unwrap();
    guest["tagReferences"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"tag": {"name": "added-later"}}));
    let changed = emulator(&world.to_string());
    let output = run_against(
        &changed,
        dir.path(),
        &[
            "apply",
            &path,
            "--journal",
            dir.path().join("j").to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("28 cancelled, 0 already done, 1 drifted, 0 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains("drifted      virtual_guest 70000101 ci-runner-01.example.com"),
        "{stderr}"
    );
    assert!(stderr.contains("changed since the plan: tags"), "{stderr}");
    assert!(
        !successful_writes(&changed)
            .keys()
            .any(|k| k.contains("70000101"))
    );
}

/// Plan files that are truncated, edited, of another format or another
/// account are refused before any call that changes anything.
#[test]
fn bad_plan_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(&demo_world());
    let (path, plan) = save_plan(&emulator, dir.path());
    let text_of = std::fs::read_to_string(&path).unwrap();
    let mut cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated.json",
            text_of[..text_of.len() / 2].to_string(),
            "not a plan file",
        ),
        (
            "edited.json",
            text_of.replacen("\"id\": 70000101", "\"id\": 70000109", 1),
            "digest does not match",
        ),
    ];
    let mut future = plan.clone();
    future["format_version"] = "9".into();
    cases.push((
        "future.json",
        future.to_string(),
        "plan format version \"9\" is not supported",
    ));
    for (name, body, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, body).unwrap();
        let output = run_against(&emulator, dir.path(), &["apply", file.to_str().unwrap()]);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    let mut foreign_world: Value = serde_json::from_str(&demo_world()).unwrap();
    foreign_world["account"]["id"] = 4242.into();
    let foreign = crate::support::emulator(&foreign_world.to_string());
    let output = run_against(&foreign, dir.path(), &["apply", &path]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("was made for account 278184 but the credentials belong to account 4242"),
        "{stderr}"
    );
    assert!(successful_writes(&emulator).is_empty());
    assert!(successful_writes(&foreign).is_empty());
}

/// A journal that cannot keep lines (`/dev/null`, `/dev/full`, a pipe) is
/// refused before any cancellation, not found out after the first ones.
#[cfg(unix)]
#[test]
fn journal_must_be_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(&demo_world());
    let (path, _) = save_plan(&emulator, dir.path());
    for journal in ["/dev/null", "/dev/full"] {
        let output = run_against(
            &emulator,
            dir.path(),
            &["apply", &path, "--journal", journal],
        );
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{journal}: {stderr}");
        assert!(
            stderr.contains(&format!("opening the journal {journal}"))
                && stderr.contains("not a regular file"),
            "{journal}: {stderr}"
        );
    }
    assert!(successful_writes(&emulator).is_empty());
}

/// Two plan files are refused as such; a missing manifest path is reported
/// by the manifest loader, a missing `*.json` as a missing plan file.
#[test]
fn apply_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(&demo_world());
    let (path, _) = save_plan(&emulator, dir.path());
    let cases: [(&[&str], &str); 3] = [
        (&["apply", &path, &path], "give one plan file, not 2"),
        (&["apply", "absent.json"], "absent.json: no such plan file"),
        (
            &["apply", "--auto-approve", "absent-dir"],
            "manifest::path-not-found",
        ),
    ];
    for (args, expected) in cases {
        let output = run_against(&emulator, dir.path(), args);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(successful_writes(&emulator).is_empty());
}

/// Manifests need a person or `--auto-approve`: without a terminal, apply
/// refuses before reading the account.
#[test]
fn manifests_need_approval() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(&demo_world());
    let output = run_against(&emulator, dir.path(), &["apply", "manifests/examples"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("stdin is not a terminal"), "{stderr}");
    assert!(
        emulator.requests().is_empty(),
        "refused before reading anything"
    );
}

/// The journal holds one JSON line per action with the call and outcome,
/// and never the API key.
#[test]
fn journal_lines() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(&demo_world());
    let file = manifest(
        dir.path(),
        "m.yaml",
        "version: 1\naccount: 278184\nretire:\n  - kind: virtual_guest\n    id: [12345678, 70000101]\n",
    );
    let journal = dir.path().join("journal.jsonl");
    let output = run_against(
        &emulator,
        dir.path(),
        &[
            "apply",
            &file,
            "--auto-approve",
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let body = std::fs::read_to_string(&journal).unwrap();
    assert!(!body.contains("test-key-0123"));
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let mut ids: Vec<u64> = lines
        .iter()
        .map(|l| l["item"]["id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, [12345678, 70000101]);
    for line in &lines {
        assert_eq!(line["outcome"], "cancelled");
        assert_eq!(line["account"], 278184);
        assert_eq!(line["error"], Value::Null);
        assert_eq!(line["reason"], "No longer needed");
        assert!(
            line["call"]
                .as_str()
                .unwrap()
                .starts_with("SoftLayer_Virtual_Guest(")
        );
        assert!(
            line["time"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .is_ok()
        );
        assert!(line["plan"].as_str().unwrap().starts_with("sha256:"));
    }
}

/// Ctrl-C stops scheduling: the call in flight finishes, nothing new
/// starts, the journal holds every outcome, the exit code is 130, and only
/// journalled cancellations happened.
#[test]
fn ctrl_c_stops_scheduling() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = save_plan(&emulator(&demo_world()), dir.path());
    let slow = emulator_with(
        &demo_world(),
        Config {
            latency: std::time::Duration::from_millis(150),
            ..Config::default()
        },
    );
    let journal = dir.path().join("journal.jsonl");
    let config = dir.path().join("empty.ini");
    std::fs::write(&config, "").unwrap();
    let child = crate::support::slretire()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "apply",
            &path,
            "--parallelism",
            "1",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .args([
            "--endpoint",
            &slow.base_url(),
            "--username",
            "u",
            "--api-key",
            "k",
            "--rate-limit",
            "500",
        ])
        .arg("--config")
        .arg(&config)
        .env("SLRETIRE_NOW", "2026-11-22T12:00:00Z")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first finished action, then interrupt.
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&journal).map_or(true, |j| j.lines().count() == 0) {
        assert!(
            started.elapsed().as_secs() < 60,
            "apply never finished an action"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(130), "{stdout}{stderr}");
    assert!(stdout.starts_with("Apply interrupted: "), "{stdout}");
    let lines: Vec<Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 29, "every item has an outcome in the journal");
    let cancelled = lines.iter().filter(|l| l["outcome"] == "cancelled").count();
    let skipped = lines.iter().filter(|l| l["outcome"] == "skipped").count();
    assert!(
        cancelled >= 1 && skipped >= 1,
        "{cancelled} cancelled, {skipped} skipped"
    );
    assert_eq!(cancelled + skipped, 29);
    assert_eq!(successful_writes(&slow).len(), cancelled);
    assert!(
        stdout.contains(&format!("{cancelled} cancelled")),
        "{stdout}"
    );
}

/// A closed stderr (the operator's terminal or log is gone) stops apply like
/// Ctrl-C: no panic, every finished action journalled, nothing unjournalled.
#[test]
fn closed_output_stops_apply_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = save_plan(&emulator(&demo_world()), dir.path());
    let target = emulator(&demo_world());
    let journal = dir.path().join("journal.jsonl");
    let config = dir.path().join("empty.ini");
    std::fs::write(&config, "").unwrap();
    let mut child = crate::support::slretire()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "apply",
            &path,
            "--parallelism",
            "1",
            "--progress",
            "plain",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .args([
            "--endpoint",
            &target.base_url(),
            "--username",
            "u",
            "--api-key",
            "k",
            "--rate-limit",
            "500",
        ])
        .arg("--config")
        .arg(&config)
        .env("SLRETIRE_NOW", "2026-11-22T12:00:00Z")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "a clean failure, not a panic (101)");
    let lines: Vec<Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let cancelled = lines.iter().filter(|l| l["outcome"] == "cancelled").count();
    assert!(
        cancelled < 29,
        "apply stopped early ({cancelled} cancelled)"
    );
    assert_eq!(
        successful_writes(&target).len(),
        cancelled,
        "every cancellation is in the journal"
    );
}

/// A closed stdout ends `show` with exit 1 and a message, not a panic.
#[test]
fn closed_stdout_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = save_plan(&emulator(&demo_world()), dir.path());
    let mut child = crate::support::slretire()
        .args(["show", &path, "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0_u8; 10];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).1.contains("error: writing to stdout"),
        "{}",
        text(&output).1
    );
}

/// `apply --target` with manifests cancels the target and what it waits
/// for, and nothing else the manifests select.
#[test]
fn apply_target_changes_only_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(&demo_world());
    let before = cancellations(&emulator.world());
    let journal = dir.path().join("journal.jsonl");
    let output = run_against(
        &emulator,
        dir.path(),
        &[
            "apply",
            "manifests/examples",
            "--auto-approve",
            "--target",
            "subnet:85467",
            "--target",
            "virtual_guest:70000601",
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("Partial plan: only --target virtual_guest:70000601, subnet:85467"),
        "{stdout}"
    );
    assert!(stdout.contains("Apply complete: 2 cancelled"), "{stdout}");
    let after = cancellations(&emulator.world());
    let changed: Vec<u64> = before
        .iter()
        .filter(|(id, date)| after.get(*id) != Some(*date))
        .map(|(id, _)| *id)
        .collect();
    // The subnet's billing item and qa-vm-101's (with its two children),
    // nothing else.
    assert_eq!(changed, [90000070, 90000603, 90000604, 90000605]);
}
