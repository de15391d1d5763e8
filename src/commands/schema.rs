//! `slretire schema`: print a JSON Schema, byte for byte the text checked
//! in under `schema/` (the function's text already ends in a newline).

use std::io::Write;

use crate::cli::{SchemaArgs, SchemaKind};
use crate::commands::{EXIT_FAILURE, EXIT_OK};

pub(crate) fn run(args: &SchemaArgs) -> anyhow::Result<i32> {
    let text = match args.which {
        SchemaKind::Manifest => crate::manifest::manifest_schema_json(),
        SchemaKind::Plan => crate::plan::schema::plan_schema_json(),
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(EXIT_OK),
        Err(err) => {
            // A closed pipe or a full disk: say so if stderr still
            // listens, and never panic.
            let _ = writeln!(
                std::io::stderr().lock(),
                "error: cannot write the schema: {err}"
            );
            Ok(EXIT_FAILURE)
        }
    }
}
