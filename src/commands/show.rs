//! `slretire show`: render a saved plan again, offline.

use crate::cli::ShowArgs;
use crate::commands::{EXIT_OK, Term};
use crate::input_file;
use crate::plan::file;
use crate::plan::model::Plan;

pub(crate) fn run(args: &ShowArgs, term: &Term) -> anyhow::Result<i32> {
    let plan = read_plan(&args.plan)?;
    // The digest ties what is shown to the pull-request comment reviewed.
    term.say(&format!(
        "plan file {}, digest {}\n",
        args.plan.display(),
        plan.digest
    ));
    term.out(&super::plan::render(&plan, args.format, term.stdout_color))?;
    Ok(EXIT_OK)
}

/// Plans of real accounts are a few MB; anything far bigger is not one.
const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// Reads and checks a plan file (size, format, digest, item consistency).
pub(crate) fn read_plan(path: &std::path::Path) -> anyhow::Result<Plan> {
    let text = input_file::read_text(path, MAX_PLAN_BYTES, "a plan file")?;
    Ok(file::parse(&path.display().to_string(), &text)?)
}
