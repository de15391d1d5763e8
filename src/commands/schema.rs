//! `slretire schema`: print a JSON Schema.

use crate::cli::{SchemaArgs, SchemaKind};
use crate::commands::EXIT_OK;

pub(crate) fn run(args: &SchemaArgs) -> anyhow::Result<i32> {
    match args.which {
        SchemaKind::Manifest => print!("{}", crate::manifest::manifest_schema_json()),
        SchemaKind::Plan => print!("{}", crate::plan::schema::plan_schema_json()),
    }
    Ok(EXIT_OK)
}
