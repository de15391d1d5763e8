//! `slretire emulator`: serve a world file as a local SoftLayer REST API, or
//! generate a realistic world file with `--generate N --out FILE`.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use softlayer_emulator::{Config, Emulator, World, generate_world, parse_duration};

use crate::cli::EmulatorArgs;
use crate::commands::{EXIT_OK, Term};

pub(crate) fn run(args: &EmulatorArgs, _term: &Term) -> anyhow::Result<i32> {
    let config = config(args)?;
    if let Some(objects) = args.generate {
        let Some(out) = &args.out else {
            bail!("--generate needs --out FILE");
        };
        return generate(objects, config.seed, out);
    }
    let Some(path) = &args.world else {
        bail!("--world FILE is required (or --generate N --out FILE)");
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read world file {}", path.display()))?;
    let world = World::from_json_str(&text)
        .map_err(|e| anyhow::anyhow!("invalid world file {}: {e}", path.display()))?;
    let emulator = Emulator::start(world, config, &args.listen)
        .with_context(|| format!("cannot start the emulator on {}", args.listen))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", emulator.base_url())?;
    stdout.flush()?;
    drop(stdout);
    // Serve until the process is killed (Ctrl-C or a signal).
    loop {
        std::thread::park();
    }
}

fn config(args: &EmulatorArgs) -> anyhow::Result<Config> {
    let reclaim_after =
        parse_duration(&args.reclaim_after).map_err(|e| anyhow::anyhow!("--reclaim-after: {e}"))?;
    for (flag, value) in [
        ("--fail-rate", args.fail_rate),
        ("--lose-response-rate", args.lose_response_rate),
    ] {
        if !(0.0..=1.0).contains(&value) {
            bail!("{flag} must be between 0 and 1, got {value}");
        }
    }
    Ok(Config {
        latency: Duration::from_millis(args.latency_ms),
        fail_rate: args.fail_rate,
        lose_response_rate: args.lose_response_rate,
        rate_limit: args.rate_limit,
        reclaim_after,
        seed: args.seed,
        now: None,
    })
}

/// Writes a generated world atomically: a temporary file next to the
/// target, renamed over it once complete.
fn generate(objects: usize, seed: u64, out: &Path) -> anyhow::Result<i32> {
    if objects == 0 {
        bail!("--generate needs a positive number of objects");
    }
    let world = generate_world(objects, seed);
    let text = serde_json::to_string_pretty(&world)?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "world.json".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, out)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", out.display()));
    }
    Ok(EXIT_OK)
}
