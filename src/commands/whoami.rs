//! `slretire whoami`.

use crate::cli::WhoamiArgs;
use crate::commands::Term;

pub(crate) fn run(_args: &WhoamiArgs, _term: &Term) -> anyhow::Result<i32> {
    anyhow::bail!("`slretire whoami` is not built yet")
}
