//! The SoftLayer API client: the only module that talks HTTP.
//!
//! Requests are built exactly as the official Python SDK builds them
//! (`reference/softlayer-wire-protocol.md`): `/{Service}[/{id}]/{method}.json`,
//! GET without parameters and POST `{"parameters": [...]}` with them, the
//! mask, page and filter in the query string, JSON in Python's spacing.
//! Settings come from the SDK's sources ([`Settings::resolve`]); the
//! [`Client`] adds retries, one shared adaptive rate limit, one memory
//! budget for the answers being read, and parallel paging.

mod account;
mod call;
mod client;
mod clock;
mod config_file;
mod endpoint;
mod error;
mod memory_budget;
mod metered_json;
mod paging;
mod python_json;
mod rate_limit;
mod request;
mod retry;
mod scrub;
mod settings;
mod transport;

pub use account::{AccountInfo, whoami};
pub use call::Call;
pub use client::Client;
pub use endpoint::{DEFAULT_ENDPOINT, redact as redact_endpoint};
pub use error::ApiError;
pub use paging::{Paging, PagingObserver};
pub use python_json::python_json;
pub use retry::RetryPolicy;
pub use settings::{
    DEFAULT_CONNECT_TIMEOUT_SECS, DEFAULT_PAGE_SIZE, DEFAULT_RATE_LIMIT, Overrides, Settings,
    SettingsError, Source, parse_seconds,
};
