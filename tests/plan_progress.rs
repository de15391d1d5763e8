//! Progress while planning: what the observer hears from real paging over
//! loopback, and that `plan` off a terminal shows none (`--progress`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use slretire::kinds::Kind;
use slretire::pipeline::{self, Session};
use slretire::resolve::progress::{FetchObserver, Reading};

use crate::plan_cli::{manifest, run_against};
use crate::support::{TEST_API_KEY, emulator, explicit_connection, text, world_with_guests};

/// Two kinds: 23 guests, and servers of which the world has none.
const MANIFEST: &str = "version: 1\naccount: 278184\nretire:\n  - kind: virtual_guest\n    name: \"vs*\"\n  - kind: hardware\n    name: \"*\"\n";

/// Records every reading per kind and which kinds finished.
#[derive(Default)]
struct Heard {
    readings: Mutex<BTreeMap<Kind, Vec<Reading>>>,
    finished: Mutex<Vec<Kind>>,
}

impl FetchObserver for Heard {
    fn reading(&self, kind: Kind, reading: Reading) {
        let mut readings = self.readings.lock().unwrap();
        readings.entry(kind).or_default().push(reading);
    }

    fn finished(&self, kind: Kind) {
        self.finished.lock().unwrap().push(kind);
    }
}

/// Planning 23 guests in pages of 5: the observer hears the total the first
/// page reveals before anything is counted as read, then each page, never
/// going back, up to 23 of 23; a kind with no objects ends at 0 of 0; both
/// kinds finish.
#[test]
fn observer_hears_each_kind_read_of_the_total() {
    let emulator = emulator(&world_with_guests(23));
    let dir = tempfile::tempdir().unwrap();
    let mut connection =
        explicit_connection(&emulator.base_url(), "testuser", TEST_API_KEY, dir.path());
    connection.page_size = Some(5);
    let file = manifest(dir.path(), "m.yaml", MANIFEST);
    let manifests = slretire::manifest::load(&[file.into()])
        .unwrap_or_else(|_| panic!("manifest does not load"))
        .manifests;
    let session = Session::open(&connection, None, &manifests.kinds()).unwrap();
    let heard = Heard::default();
    let journal = dir.path().join("journal.jsonl");
    let plan = pipeline::plan_account(&session, &manifests, Some(&journal), &[], &heard).unwrap();
    assert_eq!(plan.summary.cancel, 23);

    let readings = heard.readings.into_inner().unwrap();
    let guests = &readings[&Kind::VirtualGuest];
    assert_eq!(guests[0], Reading { read: 0, total: 23 }, "{guests:?}");
    assert_eq!(
        guests.last(),
        Some(&Reading {
            read: 23,
            total: 23
        })
    );
    // One reading for the total, one per page: 5, 5, 5, 5, 3.
    assert_eq!(guests.len(), 1 + 5, "{guests:?}");
    assert!(
        guests
            .windows(2)
            .all(|w| w[0].read <= w[1].read && w[1].total == 23),
        "{guests:?}"
    );
    let guest_pages = emulator
        .requests()
        .iter()
        .filter(|r| r.method_name.as_deref() == Some("getVirtualGuests"))
        .count();
    assert_eq!(guest_pages, 5);
    assert_eq!(
        readings[&Kind::Hardware].last(),
        Some(&Reading { read: 0, total: 0 })
    );
    let mut finished = heard.finished.into_inner().unwrap();
    finished.sort();
    let mut expected = vec![Kind::VirtualGuest, Kind::Hardware];
    expected.sort();
    assert_eq!(finished, expected);
}

/// Off a terminal (as here) `plan` shows no progress, whatever
/// `--progress` says but `plain`; the plan on stdout is the same with every
/// value, and `plain` adds one line per kind on stderr only.
#[test]
fn no_progress_off_a_terminal() {
    // No users: any credentials are the account's, as `run_against` sends.
    let mut world: serde_json::Value = serde_json::from_str(&world_with_guests(23)).unwrap();
    world.as_object_mut().unwrap().remove("users");
    let emulator = emulator(&world.to_string());
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(dir.path(), "m.yaml", MANIFEST);
    let run = |extra: &[&str]| {
        let mut args = vec!["plan", file.as_str(), "--page-size", "5"];
        args.extend_from_slice(extra);
        let output = run_against(&emulator, dir.path(), &args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{extra:?}: {stderr}");
        (stdout, stderr)
    };
    let (plan, stderr) = run(&[]);
    assert!(plan.contains("23 to cancel"), "{plan}");
    // Only the summary line: no bar, no line per kind.
    let only_summary =
        |stderr: &str| stderr.lines().count() == 1 && stderr.starts_with("Planned 2 entries in ");
    assert!(only_summary(&stderr), "{stderr}");
    for value in ["auto", "none", "bars"] {
        let (stdout, stderr) = run(&["--progress", value]);
        assert_eq!(stdout, plan, "--progress {value}");
        assert!(only_summary(&stderr), "--progress {value}: {stderr}");
    }
    let (stdout, stderr) = run(&["--progress", "plain"]);
    assert_eq!(stdout, plan);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    let mut kinds: Vec<&str> = lines[..2]
        .iter()
        .map(|l| l.split_once(" (").unwrap().0)
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["hardware: 0 objects read", "virtual_guest: 23 objects read"]
    );
    assert!(lines[2].starts_with("Planned 2 entries in "), "{stderr}");
}

/// `--progress` takes apply's values and nothing else.
#[test]
fn progress_values_are_apply_s() {
    let output = crate::support::slretire()
        .args(["plan", "--progress", "loud"])
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("[possible values: auto, bars, plain, none]"),
        "{stderr}"
    );
}
