//! `slretire schema`.

use crate::cli::SchemaArgs;

pub(crate) fn run(_args: &SchemaArgs) -> anyhow::Result<i32> {
    anyhow::bail!("`slretire schema` is not built yet")
}
