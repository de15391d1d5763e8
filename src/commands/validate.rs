//! `slretire validate`: check manifests offline and report every problem.
//!
//! Human diagnostics go to stderr (stdout keeps the one-line summary);
//! `json` and `github` output goes to stdout, where CI tools read it.
//! Every write is checked: a closed pipe or a full disk ends the run with
//! exit 1, never a panic.

use std::io::Write;

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
    let summary = summary_line(summary, errors, warnings);
    let written = match args.message_format {
        MessageFormat::Human => {
            let report = manifest::render_human(&diags, &sources, term.stderr_color);
            write_err(&report).and_then(|()| {
                if valid {
                    write_out(&format!("{summary}\n"))
                } else {
                    write_err(&error_line(&summary, term.stderr_color))
                }
            })
        }
        MessageFormat::Json => write_out(&manifest::render_json(&diags, &sources)),
        MessageFormat::Github => {
            let report = manifest::render_github(&diags, &sources);
            write_out(&format!("{report}{summary}\n"))
        }
    };
    match written {
        Ok(()) if valid => Ok(EXIT_OK),
        Ok(()) => Ok(EXIT_FAILURE),
        Err(err) => {
            output_failed(&err);
            Ok(EXIT_FAILURE)
        }
    }
}

/// `error: <summary>` as the other commands print errors, coloured alike.
fn error_line(summary: &str, color: bool) -> String {
    if color {
        format!("\x1b[1;31merror\x1b[0m: {summary}\n")
    } else {
        format!("error: {summary}\n")
    }
}

fn write_out(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

fn write_err(text: &str) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    err.write_all(text.as_bytes())?;
    err.flush()
}

/// Says on stderr that the output could not be written; if stderr is
/// closed too there is no one left to tell, so that error is dropped.
fn output_failed(err: &std::io::Error) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "error: cannot write the output: {err}"
    );
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
