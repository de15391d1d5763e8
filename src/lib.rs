//! slretire: retire IBM Cloud Classic (SoftLayer) resources declaratively.
//!
//! The pipeline is visible in the modules: [`manifest`] (YAML to a validated
//! model) -> [`resolve`] (entries to live objects and billing items) ->
//! [`plan`] (states, guards, renderers) -> [`apply`] (performing a plan),
//! with [`kinds`] beside it as the one place per resource kind, and
//! [`follow`] after it (`status` and `revert`). [`pipeline`]
//! assembles it; [`snapshot`] exports accounts and serves them back.
//! Only [`softlayer`] talks HTTP (and knows no domain) and only [`commands`]
//! talks to the terminal. `docs/architecture.md` draws it.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod follow;
pub mod input_file;
pub mod kinds;
pub mod manifest;
pub mod output_file;
pub mod pipeline;
pub mod plan;
pub mod resolve;
pub mod snapshot;
pub mod softlayer;
pub mod terminal_text;

/// Runs the command line and returns the process exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    commands::run(args)
}
