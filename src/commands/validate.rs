//! `slretire validate`.

use crate::cli::ValidateArgs;
use crate::commands::Term;

pub(crate) fn run(_args: &ValidateArgs, _term: &Term) -> anyhow::Result<i32> {
    anyhow::bail!("`slretire validate` is not built yet")
}
