//! The one integration-test binary: every test module is declared here.

mod cli_cases;
mod cli_validate;
mod client_transport;
mod manifest_codes;
mod manifest_model;
mod manifest_props;
mod manifest_schema;
mod plan_schema;
mod support;
