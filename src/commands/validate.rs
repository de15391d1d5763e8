//! `slretire validate`: check manifests offline and report every problem.
//!
//! Human diagnostics go to stderr (stdout keeps the one-line summary);
//! `json` and `github` output goes to stdout, where CI tools read it.

use crate::cli::{MessageFormat, ValidateArgs};
use crate::commands::{EXIT_FAILURE, EXIT_OK, Term};
use crate::manifest::{self, Summary, diagnostic};

pub(crate) fn run(args: &ValidateArgs, term: &Term) -> anyhow::Result<i32> {
    let (diags, sources, summary, valid) = match manifest::load(&args.paths) {
        Ok(loaded) => {
            let summary = loaded.summary();
            (loaded.warnings, loaded.sources, summary, true)
        }
        Err(failure) => (failure.diagnostics, failure.sources, failure.summary, false),
    };
    let (errors, warnings) = diagnostic::count(&diags);
    match args.message_format {
        MessageFormat::Human => {
            eprint!(
                "{}",
                manifest::render_human(&diags, &sources, term.stderr_color)
            );
            if valid {
                println!("{}", summary_line(summary, errors, warnings));
            } else {
                term.error(&summary_line(summary, errors, warnings));
            }
        }
        MessageFormat::Json => print!("{}", manifest::render_json(&diags, &sources)),
        MessageFormat::Github => {
            print!("{}", manifest::render_github(&diags, &sources));
            println!("{}", summary_line(summary, errors, warnings));
        }
    }
    Ok(if valid { EXIT_OK } else { EXIT_FAILURE })
}

/// `3 files, 14 entries: valid` or `2 files, 5 entries: 2 errors, 1 warning`.
fn summary_line(summary: Summary, errors: usize, warnings: usize) -> String {
    let counted = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let read = format!(
        "{}, {}",
        counted(summary.files, "file"),
        counted(summary.entries, "entry").replace("entrys", "entries")
    );
    match (errors, warnings) {
        (0, 0) => format!("{read}: valid"),
        (0, w) => format!("{read}: valid, {}", counted(w, "warning")),
        (e, 0) => format!("{read}: {}", counted(e, "error")),
        (e, w) => format!("{read}: {}, {}", counted(e, "error"), counted(w, "warning")),
    }
}
