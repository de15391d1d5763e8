//! The terminal: colour decided once, for the whole program.

use std::io::{IsTerminal, Write};

use anyhow::Context as _;

use super::apply_progress::Style;
use crate::cli::{ColorChoice, ProgressChoice};

/// Where and how the program writes for people.
#[derive(Debug, Clone)]
pub struct Term {
    /// Whether stdout output may carry ANSI colours.
    pub stdout_color: bool,
    /// Whether stderr output may carry ANSI colours.
    pub stderr_color: bool,
    /// Whether stderr is an interactive terminal (progress bars, prompts).
    pub stderr_is_terminal: bool,
}

impl Term {
    /// Decides colour with anstream's order: an explicit `--color` wins,
    /// then NO_COLOR, CLICOLOR_FORCE, CLICOLOR=0, and last whether the
    /// stream is a terminal (TERM=dumb counts as not).
    pub fn new(choice: ColorChoice) -> Term {
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let decide = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if env("NO_COLOR").is_some() {
                    false
                } else if env("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                    true
                } else if env("CLICOLOR").is_some_and(|v| v == "0") {
                    false
                } else {
                    tty && std::env::var("TERM").map_or(true, |t| t != "dumb")
                }
            }
        };
        Term {
            stdout_color: decide(stdout_tty),
            stderr_color: decide(stderr_tty),
            stderr_is_terminal: stderr_tty,
        }
    }

    /// How `--progress` shows, for apply and plan alike: `auto` is bars on
    /// an interactive terminal outside CI, else `off_terminal`.
    pub fn progress_style(&self, choice: ProgressChoice, off_terminal: Style) -> Style {
        match choice {
            ProgressChoice::Bars => Style::Bars,
            ProgressChoice::Plain => Style::Plain,
            ProgressChoice::None => Style::Silent,
            ProgressChoice::Auto if self.stderr_is_terminal && std::env::var_os("CI").is_none() => {
                Style::Bars
            }
            ProgressChoice::Auto => off_terminal,
        }
    }

    /// Writes `text` to stdout. A closed pipe or a full disk is an error
    /// to report, never a panic (`print!` would panic).
    pub fn out(&self, text: &str) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .context("writing to stdout")
    }

    /// Writes `text` to stderr; errors are ignored, there is nowhere left to
    /// report them.
    pub fn say(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr
            .write_all(text.as_bytes())
            .and_then(|()| stderr.flush());
    }

    /// Prints `error: message` on stderr.
    pub fn error(&self, message: &str) {
        let label = if self.stderr_color {
            "\x1b[1;31merror\x1b[0m"
        } else {
            "error"
        };
        self.say(&format!("{label}: {message}\n"));
    }

    /// Prints `warning: message` on stderr.
    pub fn warning(&self, message: &str) {
        let label = if self.stderr_color {
            "\x1b[1;33mwarning\x1b[0m"
        } else {
            "warning"
        };
        self.say(&format!("{label}: {message}\n"));
    }
}
