//! `slretire snapshot`.

use crate::cli::SnapshotArgs;
use crate::commands::Term;

pub(crate) fn run(_args: &SnapshotArgs, _term: &Term) -> anyhow::Result<i32> {
    anyhow::bail!("`slretire snapshot` is not built yet")
}
