//! The one integration-test binary: every test module is declared here.

mod emulator_cli;
