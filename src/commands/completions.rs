//! `slretire completions SHELL`: a completion script for the command line
//! as `cli.rs` defines it (clap_complete), so it never falls behind.

use clap::CommandFactory;
use clap_complete::Shell as Generator;

use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::commands::{EXIT_OK, Term};

pub(crate) fn run(args: &CompletionsArgs, term: &Term) -> anyhow::Result<i32> {
    term.out(&script(args.shell))?;
    Ok(EXIT_OK)
}

/// The completion script for `shell`.
pub(crate) fn script(shell: Shell) -> String {
    let generator = match shell {
        Shell::Bash => Generator::Bash,
        Shell::Zsh => Generator::Zsh,
        Shell::Fish => Generator::Fish,
        Shell::Powershell => Generator::PowerShell,
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "slretire", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
