//! `slretire schema`: print a JSON Schema.

use crate::cli::{SchemaArgs, SchemaKind};
use crate::commands::{EXIT_FAILURE, EXIT_OK};

pub(crate) fn run(args: &SchemaArgs) -> anyhow::Result<i32> {
    match args.which {
        SchemaKind::Manifest => {
            print!("{}", crate::manifest::manifest_schema_json());
            Ok(EXIT_OK)
        }
        SchemaKind::Plan => {
            eprintln!("error: the plan schema is provided by the planner");
            Ok(EXIT_FAILURE)
        }
    }
}
