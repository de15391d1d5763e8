//! slretire: retire IBM Cloud Classic (SoftLayer) resources declaratively.
//!
//! The pipeline is visible in the modules: [`manifest`] (YAML to a validated
//! model) -> [`resolve`] (entries to live objects and billing items) ->
//! [`plan`] (states, guards, renderers) -> [`apply`] (performing a plan).
//! Only [`softlayer`] talks HTTP and only [`commands`] talks to the terminal.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod input_file;
pub mod manifest;
pub mod output_file;
pub mod plan;
pub mod resolve;
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
