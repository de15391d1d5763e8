//! `slretire show`.

use crate::cli::ShowArgs;
use crate::commands::Term;

pub(crate) fn run(_args: &ShowArgs, _term: &Term) -> anyhow::Result<i32> {
    anyhow::bail!("`slretire show` is not built yet")
}
