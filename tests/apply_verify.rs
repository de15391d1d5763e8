//! Apply verifies a saved plan instead of trusting it: a re-hashed plan
//! whose decisions its manifests do not imply is refused before anything is
//! read from the account; plans too old, from the future or with an item
//! twice are refused; with `SLRETIRE_PLAN_KEY` only signed plans apply; two
//! applies of one plan at once make one cancel call per object.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use slretire::kinds::Kind;
use slretire::manifest::model::{CancelOptions, Reason, Via, When};
use slretire::plan::model::{Plan, State, Timing};

use crate::plan_cli::{demo_world, run_against};
use crate::support::{emulator_with, slretire, text};

const NOW: &str = "2026-11-22T12:00:00Z";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `slretire ARGS` in the repository (where the example manifests are),
/// at the demo's clock, with `SLRETIRE_PLAN_KEY` set to `key` when given.
fn run(args: &[&str], key: Option<&str>) -> Output {
    let mut command = slretire();
    command
        .current_dir(repo())
        .args(args)
        .env("SLRETIRE_NOW", NOW)
        .env_remove("SLRETIRE_PLAN_KEY");
    if let Some(key) = key {
        command.env("SLRETIRE_PLAN_KEY", key);
    }
    command.output().unwrap()
}

/// The demo plan, saved to `dir/plan.json` (signed when `key` is given).
fn demo_plan(dir: &Path, key: Option<&str>) -> (PathBuf, Plan) {
    let out = dir.join("plan.json");
    let output = run(
        &[
            "plan",
            "manifests/examples",
            "--snapshot",
            "manifests/demo-account.json",
            "--out",
            out.to_str().unwrap(),
        ],
        key,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let plan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    (out, plan)
}

/// Writes `plan` re-sealed (its digest recomputed, as anyone can), and
/// applies it against the demo snapshot.
fn apply_forged(dir: &Path, name: &str, plan: Plan) -> (i32, String) {
    let path = dir.join(name);
    let sealed = slretire::plan::digest::seal(plan);
    std::fs::write(&path, slretire::plan::render_json(&sealed)).unwrap();
    apply(
        &path,
        &["--journal", dir.join("journal.jsonl").to_str().unwrap()],
        None,
    )
}

fn apply(path: &Path, extra: &[&str], key: Option<&str>) -> (i32, String) {
    let mut args = vec![
        "apply",
        path.to_str().unwrap(),
        "--snapshot",
        "manifests/demo-account.json",
    ];
    args.extend(extra);
    let output = run(&args, key);
    let (stdout, stderr) = text(&output);
    (output.status.code().unwrap_or(-1), stdout + &stderr)
}

fn item_mut(plan: &mut Plan, kind: Kind, id: u64) -> &mut slretire::plan::model::PlanItem {
    plan.items
        .iter_mut()
        .find(|i| i.kind == kind && i.id == id)
        .unwrap()
}

/// The call the kind's room makes for a plan item's facts.
fn call_for(plan: &Plan, kind: Kind, id: u64, timing: Timing) -> slretire::plan::model::ApiCall {
    let item = plan
        .items
        .iter()
        .find(|i| i.kind == kind && i.id == id)
        .unwrap();
    let resource = item
        .observed
        .as_ref()
        .unwrap()
        .to_resource(kind, id)
        .unwrap();
    let options = CancelOptions {
        when: match timing {
            Timing::Immediate => When::Immediate,
            Timing::Anniversary => When::Anniversary,
        },
        via: Via::Api,
        reason: item
            .reason
            .as_deref()
            .and_then(Reason::parse)
            .unwrap_or(Reason::NoLongerNeeded),
        note: item.note.clone(),
    };
    kind.room()
        .cancel_call(&resource, timing, &options)
        .unwrap()
}

/// The untouched plan applies (the baseline every forgery is measured against).
#[test]
fn an_unedited_plan_applies() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = demo_plan(dir.path(), None);
    let journal = dir.path().join("journal.jsonl");
    let (code, out) = apply(&path, &["--journal", journal.to_str().unwrap()], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Apply complete: 29 cancelled"), "{out}");
}

/// Re-hashed plans whose decisions the manifests do not imply are refused,
/// each with the item and what is wrong, before anything is performed.
#[test]
fn rehashed_forgeries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, plan) = demo_plan(dir.path(), None);
    let mut cases: Vec<(&str, Plan, &str)> = Vec::new();

    // A monthly guest on its anniversary switched to an immediate delete.
    let (kind, id) = (Kind::VirtualGuest, 70000402);
    assert_eq!(
        plan.items.iter().find(|i| i.id == id).unwrap().timing,
        Some(Timing::Anniversary)
    );
    let mut now = plan.clone();
    let call = call_for(&now, kind, id, Timing::Immediate);
    let item = item_mut(&mut now, kind, id);
    item.timing = Some(Timing::Immediate);
    item.effective_date = None;
    item.call = Some(call);
    now.summary = recount(&now);
    cases.push((
        "immediate.json",
        now,
        "virtual_guest 70000402: its timing is immediate, but the planner decides anniversary",
    ));

    // A protected guest switched to cancel with its real facts.
    let (kind, id) = (Kind::VirtualGuest, 70000302);
    let mut protected = plan.clone();
    let call = call_for(&protected, kind, id, Timing::Immediate);
    let item = item_mut(&mut protected, kind, id);
    assert_eq!(item.state, State::Protected);
    item.state = State::Cancel;
    item.detail = None;
    item.timing = Some(Timing::Immediate);
    item.call = Some(call);
    protected.summary = recount(&protected);
    cases.push((
        "protected.json",
        protected,
        "virtual_guest 70000302: its state is cancel, but the planner decides protected",
    ));

    // A server listed twice (two cancel tickets for one server).
    let mut twice = plan.clone();
    let copy = twice
        .items
        .iter()
        .find(|i| i.id == 1403530)
        .unwrap()
        .clone();
    twice.items.push(copy);
    twice.summary = recount(&twice);
    cases.push(("twice.json", twice, "hardware 1403530 is listed 2 times"));

    // What `show` and the pull request show, changed.
    let mut renamed = plan.clone();
    item_mut(&mut renamed, Kind::Storage, 4471311).name = "harmless-scratch".into();
    cases.push(("renamed.json", renamed, "storage 4471311: its name differs"));
    let mut cheaper = plan.clone();
    item_mut(&mut cheaper, Kind::Storage, 4471311).monthly_fee =
        slretire::resolve::money::Money::parse("0.01");
    cheaper.summary = recount(&cheaper);
    cases.push((
        "fee.json",
        cheaper,
        "storage 4471311: its monthly fee differs",
    ));
    let mut noted = plan.clone();
    let item = item_mut(&mut noted, Kind::Hardware, 1403539);
    item.note = Some("approved by the CFO".into());
    let call = call_for(&noted, Kind::Hardware, 1403539, Timing::Anniversary);
    item_mut(&mut noted, Kind::Hardware, 1403539).call = Some(call);
    cases.push(("note.json", noted, "hardware 1403539: its note differs"));

    // Dated long ago, or ahead.
    let mut old = plan.clone();
    old.created_at = "2020-01-01T00:00:00Z".parse().unwrap();
    cases.push(("old.json", old, "more than 7d ago"));
    let mut ahead = plan.clone();
    ahead.created_at = "2099-01-01T00:00:00Z".parse().unwrap();
    cases.push(("ahead.json", ahead, "which is in the future"));

    for (name, forged, expected) in cases {
        let (code, out) = apply_forged(dir.path(), name, forged);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(
            out.contains(expected),
            "{name}: expected {expected:?} in {out}"
        );
        assert!(out.contains("nothing was applied"), "{name}: {out}");
        assert!(!out.contains("Applying"), "{name}: {out}");
    }
}

fn recount(plan: &Plan) -> slretire::plan::model::Summary {
    // The summary counts the items; a forger recounts it too.
    let mut copy = plan.clone();
    copy.digest = String::new();
    let text = slretire::plan::render_json(&copy);
    let value: Value = serde_json::from_str(&text).unwrap();
    let items = value["items"].as_array().unwrap();
    let count = |state: &str| items.iter().filter(|i| i["state"] == state).count();
    let mut summary = plan.summary.clone();
    summary.cancel = count("cancel");
    summary.protected = count("protected");
    let cancels = plan.items.iter().filter(|i| i.state == State::Cancel);
    summary.cancel_immediately = cancels
        .clone()
        .filter(|i| i.timing == Some(Timing::Immediate))
        .count();
    summary.cancel_on_anniversary = cancels
        .clone()
        .filter(|i| i.timing == Some(Timing::Anniversary))
        .count();
    summary.monthly_fee_retired = cancels.filter_map(|i| i.monthly_fee).sum();
    summary
}

/// A manifest changed since the plan (or missing) stops the apply; the
/// same files in a checkout elsewhere (`--manifests`) are accepted.
#[test]
fn the_recorded_manifests_must_be_the_ones_read() {
    let dir = tempfile::tempdir().unwrap();
    let checkout = dir.path().join("checkout");
    std::fs::create_dir_all(checkout.join("manifests/examples")).unwrap();
    for entry in std::fs::read_dir(repo().join("manifests/examples")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            checkout.join("manifests/examples").join(entry.file_name()),
        )
        .unwrap();
    }
    let (path, _) = demo_plan(dir.path(), None);
    let journal = dir.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let elsewhere = [
        "--journal",
        journal,
        "--manifests",
        checkout.to_str().unwrap(),
    ];
    let ci = checkout.join("manifests/examples/ci-runners.yaml");
    let original = std::fs::read_to_string(&ci).unwrap();
    std::fs::write(&ci, original.replace("OPS-2211", "OPS-9999")).unwrap();
    let (code, out) = apply(&path, &elsewhere, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the manifests differ from the ones the plan was made from (changed or missing: manifests/examples/ci-runners.yaml)"),
        "{out}"
    );
    std::fs::remove_file(&ci).unwrap();
    let (code, out) = apply(&path, &elsewhere, None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nothing was applied"), "{out}");
    std::fs::write(&ci, original).unwrap();
    let (code, out) = apply(&path, &elsewhere, None);
    assert_eq!(code, 0, "{out}");
}

/// With `SLRETIRE_PLAN_KEY`, `plan --out` signs and apply requires a valid
/// signature; the key itself is never printed.
#[test]
fn signed_plans() {
    let key = "plan-key-5f0c1e9a";
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let journal = ["--journal", journal.to_str().unwrap()];
    let (unsigned, _) = demo_plan(dir.path(), None);
    let (code, out) = apply(&unsigned, &journal, Some(key));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the plan is not signed"), "{out}");

    let signed_dir = dir.path().join("signed");
    std::fs::create_dir(&signed_dir).unwrap();
    let (signed, plan) = demo_plan(&signed_dir, Some(key));
    assert!(
        plan.signature
            .as_deref()
            .is_some_and(|s| s.starts_with("hmac-sha256:"))
    );
    let (code, out) = apply(&signed, &journal, Some("another-key"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("signature does not match"), "{out}");
    assert!(!out.contains(key), "{out}");
    let (code, out) = apply(&signed, &journal, Some(key));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains(key), "{out}");
}

/// Two applies of one plan started together: one runs, the other is
/// refused by the lock, and every object gets exactly one cancel call.
#[test]
fn concurrent_applies_cancel_once() {
    let config = softlayer_emulator::Config {
        latency: std::time::Duration::from_millis(100),
        ..softlayer_emulator::Config::default()
    };
    let emulator = emulator_with(&demo_world(), config);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let output = run_against(
        &emulator,
        dir.path(),
        &["plan", "manifests/examples", "--out", out.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let journal = dir.path().join("journal.jsonl");
    let (a, b) = std::thread::scope(|scope| {
        let run = || {
            run_against(
                &emulator,
                dir.path(),
                &[
                    "apply",
                    out.to_str().unwrap(),
                    "--journal",
                    journal.to_str().unwrap(),
                ],
            )
        };
        let a = scope.spawn(run);
        let b = scope.spawn(run);
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(1)], "{}\n{}", text(&a).1, text(&b).1);
    let refused = if a.status.code() == Some(1) { &a } else { &b };
    assert!(
        text(refused)
            .1
            .contains("another apply for account 278184 is running"),
        "{}",
        text(refused).1
    );
    let mut per_target = std::collections::BTreeMap::<String, usize>::new();
    for r in emulator.requests() {
        let method = r.method_name.clone().unwrap_or_default();
        let mutating = method.starts_with("cancel")
            || method == "deleteObject"
            || method == "createObject"
            || method == "createCancelServerTicket";
        if mutating {
            let target = format!(
                "{method}:{}:{}",
                r.id.clone().unwrap_or_default(),
                r.parameters
                    .as_ref()
                    .map(|p| Value::from(p.clone()).to_string())
                    .unwrap_or_default()
            );
            *per_target.entry(target).or_default() += 1;
        }
    }
    assert_eq!(per_target.len(), 29, "{per_target:#?}");
    assert!(per_target.values().all(|n| *n == 1), "{per_target:#?}");
}
