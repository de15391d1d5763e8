//! The one integration-test binary: every test module is declared here.

mod cli_cases;
mod manifest_props;
mod manifest_codes;
mod manifest_schema;
mod cli_validate;
mod manifest_model;
