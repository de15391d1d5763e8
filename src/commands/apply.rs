//! `slretire apply`.

use crate::cli::ApplyArgs;
use crate::commands::Term;

pub(crate) fn run(_args: &ApplyArgs, _term: &Term) -> anyhow::Result<i32> {
    anyhow::bail!("`slretire apply` is not built yet")
}
