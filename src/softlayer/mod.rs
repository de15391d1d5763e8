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
mod pipeline;
mod python_json;
mod rate_limit;
mod request;
mod retry;
mod scrub;
mod settings;
mod snapshot_emulator;
mod transport;
mod world_export;

pub use account::{AccountInfo, whoami};
pub use call::Call;
pub use client::Client;
pub use endpoint::{DEFAULT_ENDPOINT, redact as redact_endpoint};
pub use error::ApiError;
pub use python_json::python_json;
pub use retry::RetryPolicy;
pub use settings::{Settings, SettingsError, Source, parse_seconds};
pub use snapshot_emulator::{
    MAX_WORLD_FILE_BYTES, SnapshotError, SnapshotFile, start_snapshot_emulator,
    start_snapshot_emulator_with,
};
pub use world_export::{
    ExportError, ListReport, WORLD_FORMAT, WORLD_LISTS, WorldList, export_world, lists_for,
    missing_lists, parse_kinds,
};
