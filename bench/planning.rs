//! Planning CPU time without the network: matching, selection and plan
//! building on objects already fetched.
//!
//! `cargo bench --bench planning -- --world FILE --manifests PATH [--repeat N]`
//!
//! The objects are fetched first as `plan --snapshot` fetches them (an
//! emulator in this process serving the world file, the real client, the
//! same calls, masks and kind readers), but keeping every object the calls
//! return (`fetch_all`; a real plan drops the ones no entry wants while
//! reading). That part is reported, not timed as planning. Then matching
//! every object against the entries (`resolve::fetch::candidates`, what a
//! real plan does as each page arrives) and `pipeline::plan_fetched`
//! (selection and plan building) run `--repeat` times on all of them; the
//! fastest and the median run are reported, as thread CPU time (Linux
//! `/proc/thread-self/schedstat`) and wall time. Prints one JSON object.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use slretire::pipeline;
use slretire::plan::build::PlanContext;
use slretire::plan::model::PlanAccount;
use slretire::resolve::fetch;
use slretire::snapshot::SnapshotFile;
use slretire::softlayer::Overrides;

struct Args {
    world: PathBuf,
    manifests: PathBuf,
    repeat: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut world = None;
    let mut manifests = None;
    let mut repeat = 5;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--world" => world = it.next().map(PathBuf::from),
            "--manifests" => manifests = it.next().map(PathBuf::from),
            "--repeat" => {
                repeat = it
                    .next()
                    .context("--repeat needs a number")?
                    .parse()
                    .context("--repeat needs a number")?;
            }
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(Args {
        world: world.context("--world FILE is required")?,
        manifests: manifests.context("--manifests PATH is required")?,
        repeat: repeat.max(1),
    })
}

/// CPU time of the calling thread so far; `None` off Linux.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let loaded = match slretire::manifest::load(std::slice::from_ref(&args.manifests)) {
        Ok(loaded) => loaded,
        Err(failure) => bail!(
            "the manifests do not validate: {} findings",
            failure.diagnostics.len()
        ),
    };
    let manifests = loaded.manifests;
    let connection = Overrides {
        rate_limit: Some(1_000_000.0),
        ..Overrides::default()
    };
    let started = Instant::now();
    let file = SnapshotFile::read(&args.world)?;
    // The moment the world describes, as `plan --snapshot` would use it.
    let now = file.clock().unwrap_or_else(jiff::Timestamp::now);
    let (emulator, client) = file.start(&connection, Some(now))?;
    let loaded_in = started.elapsed();
    let started = Instant::now();
    let fetched = fetch::fetch_all(&client, &manifests, now)?;
    let fetched_in = started.elapsed();
    let calls = client.calls_made();
    drop(client);
    emulator.stop();
    let objects: usize = fetched.values().map(Vec::len).sum();
    // What was read, as plain objects: matching them against the entries
    // (which a real plan does as each page arrives) is timed with the rest.
    let resources: Vec<_> = fetched
        .into_values()
        .flatten()
        .map(|candidate| candidate.resource)
        .collect();

    let context = PlanContext {
        clock: slretire::plan::model::PlanClock::default(),
        account: PlanAccount {
            id: manifests.account,
            company: "bench".into(),
        },
        endpoint: "bench".into(),
        now,
        retired: Vec::new(),
    };
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    let mut items = 0;
    for _ in 0..args.repeat {
        let cpu_before = thread_cpu();
        let started = Instant::now();
        let matched = fetch::candidates(&manifests, &resources, now);
        let plan = pipeline::plan_fetched(&manifests, &matched, &context);
        wall.push(started.elapsed());
        if let (Some(before), Some(after)) = (cpu_before, thread_cpu()) {
            cpu.push(after.saturating_sub(before));
        }
        items = plan.items.len();
        std::hint::black_box(plan);
    }
    cpu.sort();
    wall.sort();
    let secs = |d: Option<&Duration>| d.map(Duration::as_secs_f64);
    let report = serde_json::json!({
        "entries": manifests.entries.len(),
        "objects_fetched": objects,
        "plan_items": items,
        "repeat": args.repeat,
        "planning_cpu_s_min": secs(cpu.first()),
        "planning_cpu_s_median": secs(cpu.get(cpu.len() / 2)),
        "planning_wall_s_min": secs(wall.first()),
        "planning_wall_s_median": secs(wall.get(wall.len() / 2)),
        "emulator_load_s": loaded_in.as_secs_f64(),
        "fetch_s": fetched_in.as_secs_f64(),
        "fetch_calls": calls,
    });
    println!("{report}");
    Ok(())
}
