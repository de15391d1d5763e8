//! `slretire emulator`.

use crate::cli::EmulatorArgs;
use crate::commands::Term;

pub(crate) fn run(_args: &EmulatorArgs, _term: &Term) -> anyhow::Result<i32> {
    anyhow::bail!("`slretire emulator` is not built yet")
}
