//! The one integration-test binary: every test module is declared here.

mod client_transport;
mod support;
