//! `slretire emulator`: serve a world file as a local SoftLayer REST API, or
//! generate a realistic world file with `--generate N --out FILE`.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use softlayer_emulator::{Config, Emulator, World, generate_world, parse_duration};

use crate::cli::EmulatorArgs;
use crate::commands::{EXIT_OK, Term};
use crate::input_file;
use crate::output_file;
use crate::snapshot::MAX_WORLD_FILE_BYTES;

/// Most objects `--generate` writes: about 460 MB of world file, the
/// largest that stays under the world file limit and so can be served.
const MAX_GENERATED_OBJECTS: usize = 250_000;

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
    let text = input_file::read_text(path, MAX_WORLD_FILE_BYTES, "a world file")
        .map_err(|e| anyhow::anyhow!("world file: {e}"))?;
    let world = World::from_json_str(&text)
        .map_err(|e| anyhow::anyhow!("invalid world file {}: {e}", path.display()))?;
    drop(text);
    let emulator = Emulator::start(world, config, &args.listen)
        .with_context(|| format!("cannot start the emulator on {}", args.listen))?;
    // Whoever started the emulator reads its URL from this line: if it
    // cannot be written, nobody can use the emulator, so it ends here.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", emulator.base_url())
        .and_then(|()| stdout.flush())
        .context("cannot write the emulator's URL to stdout")?;
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
        rate_limit_status: args.rate_limit_status,
        reclaim_after,
        seed: args.seed,
        now: None,
    })
}

/// Writes a generated world with the shared output policy: a regular file
/// is replaced whole, a device or pipe written in place, a symlink's target
/// replaced, missing directories created.
fn generate(objects: usize, seed: u64, out: &Path) -> anyhow::Result<i32> {
    if objects == 0 {
        bail!("--generate needs a positive number of objects");
    }
    if objects > MAX_GENERATED_OBJECTS {
        bail!(
            "--generate {objects} is too many: at most {MAX_GENERATED_OBJECTS} objects \
             (a larger world file could not be served)"
        );
    }
    let world = generate_world(objects, seed);
    let mut text = serde_json::to_string_pretty(&world)?;
    drop(world);
    text.push('\n');
    output_file::write_text(out, &text, &[])?;
    Ok(EXIT_OK)
}
