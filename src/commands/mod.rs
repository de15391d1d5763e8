//! One file per subcommand: wiring between the command line, the library and
//! the terminal. Business logic lives in `manifest/`, `resolve/`, `plan/` and
//! `apply/`; this is the only module that prints.

mod apply;
mod apply_progress;
mod completions;
mod connection;
mod diff;
mod emulator;
mod man;
mod plan;
mod plan_progress;
mod planning;
mod revert;
mod schema;
mod show;
mod snapshot;
mod status;
mod term;
mod validate;
mod whoami;

use clap::Parser;

use crate::cli::{Cli, Command};

pub use term::Term;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for any error, failed guard or refusal.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code of `plan --detailed-exitcode` when the plan cancels something.
pub const EXIT_CHANGES: i32 = 2;
/// Exit code after Ctrl-C.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Parses `args`, runs the command and returns the exit code.
pub(crate) fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // Usage errors exit 1, not clap's 2: with `--detailed-exitcode`
            // a 2 means "changes present" and a mistyped flag must not look
            // like that to a pipeline.
            let code = if err.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            };
            let _ = err.print();
            return code;
        }
    };
    let term = Term::new(cli.color);
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args, &term),
        Command::Schema(args) => schema::run(&args),
        Command::Plan(args) => plan::run(&args, &term),
        Command::Show(args) => show::run(&args, &term),
        Command::Diff(args) => diff::run(&args, &term),
        Command::Apply(args) => apply::run(&args, &term),
        Command::Status(args) => status::run(&args, &term),
        Command::Revert(args) => revert::run(&args, &term),
        Command::Whoami(args) => whoami::run(&args, &term),
        Command::Snapshot(args) => snapshot::run(&args, &term),
        Command::Emulator(args) => emulator::run(&args, &term),
        Command::Completions(args) => completions::run(&args, &term),
        Command::Man(args) => man::run(&args, &term),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            term.error(&format!("{err:#}"));
            EXIT_FAILURE
        }
    }
}
