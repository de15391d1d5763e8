//! `slretire diff`: compare two saved plans, offline.

use crate::cli::{DiffArgs, DiffFormat};
use crate::commands::{EXIT_CHANGES, EXIT_OK, Term};
use crate::plan::{diff, file};

pub(crate) fn run(args: &DiffArgs, term: &Term) -> anyhow::Result<i32> {
    // Both files are checked as `show` checks one: a truncated or edited
    // plan is an error (exit 1), never a difference.
    let old = file::read(&args.old)?;
    let new = file::read(&args.new)?;
    let old_path = args.old.display().to_string();
    let new_path = args.new.display().to_string();
    let diff = diff::diff(&old_path, &old, &new_path, &new);
    let text = match args.format {
        DiffFormat::Text => diff::render_text::render(&diff, term.stdout_color),
        DiffFormat::Json => diff::render_json(&diff),
        DiffFormat::Markdown => diff::render_markdown::render(&diff),
    };
    term.out(&text)?;
    Ok(if diff.equal { EXIT_OK } else { EXIT_CHANGES })
}
