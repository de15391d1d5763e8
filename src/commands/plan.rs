//! `slretire plan`.

use crate::cli::PlanArgs;
use crate::commands::Term;

pub(crate) fn run(_args: &PlanArgs, _term: &Term) -> anyhow::Result<i32> {
    anyhow::bail!("`slretire plan` is not built yet")
}
