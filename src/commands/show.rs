//! `slretire show`: render a saved plan again, offline.

use crate::cli::ShowArgs;
use crate::commands::{EXIT_OK, Term};
use crate::plan::file;

pub(crate) fn run(args: &ShowArgs, term: &Term) -> anyhow::Result<i32> {
    let plan = file::read(&args.plan)?;
    // The digest ties what is shown to the pull-request comment reviewed.
    term.say(&format!(
        "plan file {}, digest {}\n",
        args.plan.display(),
        plan.digest
    ));
    term.out(&super::plan::render(&plan, args.format, term.stdout_color))?;
    Ok(EXIT_OK)
}
