//! The one integration-test binary: every test module is declared here.

// Production code may not unwrap (clippy.toml, `[workspace.lints]`); test
// helpers outside `#[test]` functions may, since a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod api_metadata;
mod apply_cli;
mod apply_verify;
mod architecture;
mod cdn_cli;
mod cli_cases;
mod cli_completions;
mod cli_validate;
mod client_hostile;
mod client_paging;
mod client_rate_limit;
mod client_requests;
mod client_secrets;
mod client_snapshot;
mod client_transport;
mod client_whoami;
mod emulator_cli;
mod follow_cli;
mod manifest_codes;
mod manifest_links;
mod manifest_model;
mod manifest_props;
mod manifest_schema;
mod plan_cli;
mod plan_progress;
mod plan_schema;
mod support;
