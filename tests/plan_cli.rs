//! `slretire plan` and `show` over HTTP against the emulator: the account
//! guard, API call counts, determinism, guards, saved plans.

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use softlayer_emulator::Emulator;

use crate::support::{emulator, slretire, text};

/// The demo account snapshot the README plans against.
pub(crate) fn demo_world() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/demo-account.json"),
    )
    .unwrap()
}

/// Runs slretire with `args` against `emulator`, with explicit throwaway
/// credentials, a fixed plan time and a rate limit that does not slow tests.
pub(crate) fn run_against(emulator: &Emulator, dir: &Path, args: &[&str]) -> Output {
    let config = dir.join("empty.ini");
    std::fs::write(&config, "").unwrap();
    slretire()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .args([
            "--endpoint",
            &emulator.base_url(),
            "--username",
            "tester",
            "--api-key",
            "test-key-0123",
        ])
        .arg("--config")
        .arg(&config)
        .args(["--rate-limit", "500"])
        .env("SLRETIRE_NOW", "2026-11-22T12:00:00Z")
        .output()
        .unwrap()
}

/// A manifest file in `dir`.
pub(crate) fn manifest(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

fn plan_json(output: &Output) -> Value {
    let (stdout, stderr) = text(output);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not a plan ({e}): {stdout}\n{stderr}"))
}

/// A manifest pinned to another account stops before anything is listed.
#[test]
fn account_guard_comes_first() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(
        dir.path(),
        "m.yaml",
        "version: 1\naccount: 999\nretire:\n  - kind: virtual_guest\n    name: \"*\"\n",
    );
    let output = run_against(&emulator, dir.path(), &["plan", &file]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr
            .contains("the manifests pin account 999 but the credentials belong to account 278184"),
        "{stderr}"
    );
    let methods: Vec<String> = emulator
        .requests()
        .iter()
        .filter_map(|r| r.method_name.clone())
        .collect();
    assert_eq!(methods, ["getObject", "getCurrentUser"]);
}

/// Planning the examples costs one masked list per kind source and
/// narrowing, never a call per candidate object.
#[test]
fn call_counts_from_the_request_log() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let output = run_against(
        &emulator,
        dir.path(),
        &["plan", "manifests/examples", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let log = emulator.requests();
    let calls: Vec<String> = log
        .iter()
        .map(|r| {
            format!(
                "{}::{}",
                r.service.clone().unwrap_or_default(),
                r.method_name.clone().unwrap_or_default()
            )
        })
        .collect();
    // Two for the account guard; the rest are lists, and one lookup for the
    // one explicit billing item.
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.ends_with("::getCurrentUser"))
            .count(),
        1
    );
    let per_object: Vec<&String> = calls
        .iter()
        .filter(|c| c.ends_with("::getObject") && !c.starts_with("SoftLayer_Account::"))
        .collect();
    assert_eq!(
        per_object,
        ["SoftLayer_Billing_Item::getObject"],
        "{calls:#?}"
    );
    // Kinds whose narrowing would take more than two filtered calls are
    // counted and, on this small account, read whole.
    assert_eq!(log.len(), 16, "{calls:#?}");
    for request in &log {
        let query: Vec<&str> = request.query.iter().map(|(k, _)| k.as_str()).collect();
        if request
            .method_name
            .as_deref()
            .is_some_and(|m| m.starts_with("get") && m != "getObject" && m != "getCurrentUser")
        {
            assert!(
                query.contains(&"objectMask"),
                "a list without a mask: {request:?}"
            );
            assert!(
                query.contains(&"resultLimit"),
                "a list without paging: {request:?}"
            );
        }
    }
    let stderr = text(&output).1;
    assert!(stderr.contains("with 16 API calls"), "{stderr}");
}

/// Reordering the entries of a manifest changes nothing but line numbers.
#[test]
fn same_plan_whatever_the_entry_order() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let entries = [
        "  - kind: virtual_guest\n    name: \"ci-runner-*\"\n    tags: [ci]\n",
        "  - kind: vlan\n    number: 1234\n    router: bcr01a.dal10\n",
        "  - kind: subnet\n    cidr: 10.0.0.0/26\n",
        "  - kind: hardware\n    ip: 10.48.67.0/24\n",
        "  - kind: storage\n    id: [38642001, 38642003]\n",
    ];
    let header = "version: 1\naccount: 278184\nretire:\n";
    let forward = manifest(
        dir.path(),
        "a.yaml",
        &format!("{header}{}", entries.concat()),
    );
    let mut reversed = entries;
    reversed.reverse();
    let backward = manifest(
        dir.path(),
        "b.yaml",
        &format!("{header}{}", reversed.concat()),
    );
    let strip = |mut plan: Value| {
        for item in plan["items"].as_array_mut().unwrap() {
            item["origins"] = Value::Null;
        }
        plan["items"].clone()
    };
    let a = plan_json(&run_against(
        &emulator,
        dir.path(),
        &["plan", &forward, "--format", "json"],
    ));
    let b = plan_json(&run_against(
        &emulator,
        dir.path(),
        &["plan", &backward, "--format", "json"],
    ));
    assert_eq!(a["summary"], b["summary"]);
    assert!(a["summary"]["cancel"].as_u64().unwrap() > 0);
    assert_eq!(strip(a), strip(b));
}

/// Failed guards exit 1, list their errors, and never write `--out`.
#[test]
fn guards_fail_the_plan() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(
        dir.path(),
        "m.yaml",
        "version: 1\naccount: 278184\nlimits:\n  max_resources: 2\nprotect:\n  - tag: keep\nretire:\n  - kind: virtual_guest\n    name: \"ci-runner-*\"\n    expect: 3\n  - kind: virtual_guest\n    id: 70000302\n",
    );
    let out = dir.path().join("plan.json");
    let output = run_against(
        &emulator,
        dir.path(),
        &["plan", &file, "--out", out.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("error[plan::expectation-failed]"),
        "{stdout}"
    );
    assert!(stdout.contains("error[plan::limit-exceeded]"), "{stdout}");
    assert!(
        stdout.contains("error[plan::protected-selected]: virtual_guest 70000302 is protected"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Planning failed: 3 errors. This plan cannot be applied."),
        "{stdout}"
    );
    assert!(stderr.contains("was not written"), "{stderr}");
    assert!(!out.exists());
}

/// `--detailed-exitcode`: 2 with cancellations, 0 without.
#[test]
fn detailed_exit_codes() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let changes = manifest(
        dir.path(),
        "a.yaml",
        "version: 1\naccount: 278184\nretire:\n  - kind: billing_item\n    id: 998877\n",
    );
    let none = manifest(
        dir.path(),
        "b.yaml",
        "version: 1\naccount: 278184\nretire:\n  - kind: load_balancer\n    name: \"nothing-*\"\n",
    );
    assert_eq!(
        run_against(
            &emulator,
            dir.path(),
            &["plan", &changes, "--detailed-exitcode"]
        )
        .status
        .code(),
        Some(2)
    );
    let output = run_against(
        &emulator,
        dir.path(),
        &["plan", &none, "--detailed-exitcode"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text(&output).0.contains("No changes: nothing to cancel."),
        "{}",
        text(&output).0
    );
    assert_eq!(
        run_against(&emulator, dir.path(), &["plan", &changes])
            .status
            .code(),
        Some(0)
    );
}

/// A saved plan shows exactly as it was planned, offline.
#[test]
fn show_renders_a_saved_plan() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let planned = run_against(
        &emulator,
        dir.path(),
        &["plan", "manifests/examples", "--out", out.to_str().unwrap()],
    );
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned).1);
    let shown = slretire().arg("show").arg(&out).output().unwrap();
    assert_eq!(shown.status.code(), Some(0));
    assert_eq!(text(&shown).0, text(&planned).0);
    let markdown = slretire()
        .arg("show")
        .arg(&out)
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    assert!(
        text(&markdown)
            .0
            .starts_with("### slretire plan for account 278184")
    );
}

/// A multi-line note (manifests allow them) stays on its line in the text
/// plan and cannot close the markdown code block: nothing it holds renders
/// as markdown or HTML in the comment reviewers approve.
#[test]
fn notes_cannot_break_out_of_the_plan() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(
        dir.path(),
        "note.yaml",
        "version: 1\naccount: 278184\ndefaults:\n  note: \"a\\n```\\n</details>\\n\\n**INJECTED** \\u001b[2J\"\nretire:\n  - kind: virtual_guest\n    id: 70000101\n",
    );
    let output = run_against(&emulator, dir.path(), &["plan", &path]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains(r"/ a\n```\n</details>\n\n**INJECTED** \u{1b}[2J"),
        "{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "{stdout}");

    let output = run_against(
        &emulator,
        dir.path(),
        &["plan", &path, "--format", "markdown"],
    );
    let (markdown, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let fence = "````";
    assert!(
        markdown.contains(&format!("\n\n{fence}text\n")),
        "{markdown}"
    );
    assert_eq!(
        markdown.matches(&format!("\n{fence}\n")).count(),
        1,
        "{markdown}"
    );
    assert_eq!(
        markdown.matches("</details>").count(),
        markdown.matches("<details>").count() + 1
    );
}

/// The plan file is written before the plan is printed: a stdout that
/// cannot be written (a full disk, a closed pipe) fails the command but
/// does not cost the reviewed plan.
#[cfg(unix)]
#[test]
fn plan_file_is_written_before_stdout() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let config = dir.path().join("empty.ini");
    std::fs::write(&config, "").unwrap();
    let output = slretire()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["plan", "manifests/examples", "--format", "json", "--out"])
        .arg(&out)
        .args([
            "--endpoint",
            &emulator.base_url(),
            "--username",
            "u",
            "--api-key",
            "k",
        ])
        .arg("--config")
        .arg(&config)
        .env("SLRETIRE_NOW", "2026-11-22T12:00:00Z")
        .stdout(full)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        saved["format_version"],
        slretire::plan::model::FORMAT_VERSION
    );
}

/// Names and the company come from the API: escape sequences and bidi
/// overrides in them are shown escaped, never obeyed by the terminal.
#[test]
fn api_text_cannot_drive_the_terminal() {
    let mut world: Value = serde_json::from_str(&demo_world()).unwrap();
    world["account"]["companyName"] = "Evil\u{1b}[2J Corp\u{202e}".into();
    for guest in world["virtualGuests"].as_array_mut().unwrap() {
        if guest["id"] == 70000101 {
            guest["hostname"] = "web\u{1b}]0;owned\u{7}".into();
            guest["billingItem"]["categoryCode"] = "guest_core\u{9b}2J".into();
            guest["datacenter"]["name"] = "dal10\u{2066}".into();
        }
    }
    let emulator = emulator(&world.to_string());
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(
        dir.path(),
        "one.yaml",
        "version: 1\naccount: 278184\nretire:\n  - kind: virtual_guest\n    id: 70000101\n",
    );
    let output = run_against(&emulator, dir.path(), &["plan", &path]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains(r"Evil\u{1b}[2J Corp\u{202e}"), "{stdout}");
    assert!(stdout.contains(r"web\u{1b}]0;owned\u{7}"), "{stdout}");
    assert!(stdout.contains(r"guest_core\u{9b}2J"), "{stdout}");
    assert!(stdout.contains(r"dal10\u{2066}"), "{stdout}");
    assert!(
        !stdout.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{2066}']),
        "{stdout}"
    );
}

/// One entry naming 4,000 ids costs no more calls than listing the kind
/// whole: on an account of 2,000 guests, one call to count them and four
/// pages, not 40 id chunks (DESIGN §7: the cheaper of the two).
#[test]
fn a_long_id_list_costs_no_more_than_the_whole_list() {
    let world = crate::support::world_with_guests(2000);
    let emulator = crate::support::emulator(&world);
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (1000..5000).map(|id| id.to_string()).collect();
    let file = manifest(
        dir.path(),
        "ids.yaml",
        &format!(
            "version: 1\naccount: 278184\nretire:\n  - kind: virtual_guest\n    id: [{}]\n",
            ids.join(", ")
        ),
    );
    let output = slretire()
        .current_dir(dir.path())
        .args(["plan", &file, "--endpoint", &emulator.base_url()])
        .args([
            "--username",
            "testuser",
            "--api-key",
            crate::support::TEST_API_KEY,
        ])
        .args(["--rate-limit", "500", "--format", "json"])
        .env("SLRETIRE_NOW", "2026-11-22T12:00:00Z")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["summary"]["cancel"], 2000);
    let lists = emulator
        .requests()
        .iter()
        .filter(|r| r.method_name.as_deref() == Some("getVirtualGuests"))
        .count();
    assert_eq!(lists, 1 + 4, "one count and four pages of 500");
}

/// The ids of a plan's items, and of what `exclude` left out.
fn item_ids(plan: &Value, key: &str) -> Vec<u64> {
    plan[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect()
}

/// A manifest using `name_regex`, `exclude` and the property keys plans
/// exactly the objects it means over HTTP: the masks bring the power state,
/// notes and VLANs home, the regex matches whole hostnames (a glob written
/// the same way selects nothing), and nothing is looked up per object.
#[test]
fn regex_exclude_and_properties_select_exactly() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(
        dir.path(),
        "m.yaml",
        r#"version: 1
account: 278184
retire:
  - kind: virtual_guest
    name_regex: 'qa-vm-10[0-9]'
    power_state: halted
    vlan: {number: 1234, router: bcr01a.dal13}
    exclude:
      notes: "*reference image*"
  - kind: virtual_guest
    name_regex: 'ci-runner-0[1-3]'
    hourly: true
    exclude:
      id: 70000102
  - kind: virtual_guest
    name: "^ci-runner-.*$"
  - kind: subnet
    vlan: 563320
    untagged: true
"#,
    );
    let output = run_against(&emulator, dir.path(), &["plan", &file, "--format", "json"]);
    let plan = plan_json(&output);
    let stderr = text(&output).1;
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("name-looks-like-regex"), "{stderr}");
    assert_eq!(
        item_ids(&plan, "items"),
        [70000101, 70000103, 70000601, 70000602, 70000605, 85467],
        "qa-vm-104 runs, qa-vm-103 is excluded, ci-runner-02 is excluded by id"
    );
    assert_eq!(item_ids(&plan, "excluded"), [70000102, 70000603]);
    let excluded_from: Vec<&str> = plan["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["excluded_from"][0].as_str().unwrap())
        .collect();
    assert_eq!(excluded_from, [format!("{file}:10"), format!("{file}:4")]);
    assert!(
        plan["warnings"].as_array().unwrap().is_empty(),
        "an id the entry excludes is not 'missing': {:#}",
        plan["warnings"]
    );
    let guest = &plan["items"][2]["observed"];
    assert_eq!(guest["power_state"], "HALTED");
    assert_eq!(guest["vlans"][0]["router"], "bcr01a.dal13");
    // Recorded, so apply can judge the `notes` selector again.
    assert!(guest["notes"].is_string(), "{guest}");
    let per_object = emulator
        .requests()
        .iter()
        .filter(|r| {
            r.method_name.as_deref() == Some("getObject")
                && r.service.as_deref() != Some("SoftLayer_Account")
        })
        .count();
    assert_eq!(per_object, 0);
}

/// `--target` narrows the plan to the item and what it waits for, and a
/// partial plan saved with `--out` is one apply accepts.
#[test]
fn target_narrows_the_plan() {
    let emulator = emulator(&demo_world());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("partial.json");
    let output = run_against(
        &emulator,
        dir.path(),
        &[
            "plan",
            "manifests/examples",
            "--target",
            "vlan:563320",
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let plan = plan_json(&output);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    assert_eq!(plan["targets"], serde_json::json!(["vlan:563320"]));
    assert_eq!(item_ids(&plan, "items"), [85467, 563320]);
    assert_eq!(plan["summary"]["cancel"], 1);
    assert_eq!(plan["summary"]["waiting"], 1);
    assert!(
        plan["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("Resource targeting is in effect")
    );
    let saved = slretire::plan::file::read(&out).unwrap();
    assert!(saved.is_partial());
}
