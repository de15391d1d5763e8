//! `slretire show`: render a saved plan again, offline.

use anyhow::Context as _;

use crate::cli::ShowArgs;
use crate::commands::{EXIT_OK, Term};
use crate::plan::file;

pub(crate) fn run(args: &ShowArgs, term: &Term) -> anyhow::Result<i32> {
    let path = args.plan.display().to_string();
    let text = read_plan_text(&args.plan).with_context(|| format!("reading {path}"))?;
    let plan = file::parse(&path, &text)?;
    print!(
        "{}",
        super::plan::render(&plan, args.format, term.stdout_color)
    );
    Ok(EXIT_OK)
}

/// Plans are small; anything over this is not one of ours.
const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a plan file, refusing absurd sizes before reading them.
pub(crate) fn read_plan_text(path: &std::path::Path) -> anyhow::Result<String> {
    let size = std::fs::metadata(path)?.len();
    if size > MAX_PLAN_BYTES {
        anyhow::bail!("{size} bytes is too large for a plan file");
    }
    let bytes = std::fs::read(path)?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("not UTF-8, so not a plan file"))
}
