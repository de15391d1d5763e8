//! The one integration-test binary: every test module is declared here.

mod client_paging;
mod client_requests;
mod client_secrets;
mod client_snapshot;
mod client_transport;
mod client_whoami;
mod support;
