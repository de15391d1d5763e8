//! A stateful, wire-faithful emulator of the SoftLayer REST API parts that
//! slretire and the SoftLayer cancellation documentation use.
//!
//! It speaks what the official Python SDK sends and expects (routes, verbs,
//! `{"parameters": [...]}` bodies, object masks, object filters,
//! `resultLimit` with `SoftLayer-Total-Items`, Basic auth, error bodies and
//! statuses) and reproduces SoftLayer's cancellation rules and error texts.
//! It works on `serde_json::Value` and its own types only: it shares nothing
//! with the slretire client, so a client bug cannot be mirrored here. What
//! exists is decided by the API's own metadata ([`metadata`]): a service or
//! method it lacks gets the API's 404, a mask property the (cast) type lacks
//! its 500.
//!
//! ```no_run
//! use softlayer_emulator::{Config, Emulator, World};
//!
//! let world = World::from_json_str(r#"{"format": "slretire-world/1", "account": {"id": 1}}"#)?;
//! let emulator = Emulator::start(world, Config::default(), "127.0.0.1:0")?;
//! println!("{}", emulator.base_url()); // http://127.0.0.1:PORT/rest/v3.1/
//! let state = emulator.world();         // current state, world format
//! let log = emulator.requests();        // every API request answered so far
//! emulator.stop();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Public API:
//! - [`Config`] (faults, reclaim delay, seed, fixed clock) and
//!   [`parse_duration`] for `--reclaim-after` style durations;
//! - [`World`]: a validated world file ([`World::from_json_str`],
//!   [`World::to_json`]); [`LoadError`] names the position of a problem;
//! - [`Emulator`]: [`Emulator::start`], [`Emulator::base_url`],
//!   [`Emulator::world`], [`Emulator::requests`] ([`LoggedRequest`]),
//!   [`Emulator::stop`] (also on drop);
//! - [`generate_world`]: a deterministic, realistic world of about N objects;
//! - [`metadata`]: the API's own metadata (which services, methods, types
//!   and properties exist today) and [`metadata::check_request`], which
//!   checks one request's service, method, objectMask and objectFilter
//!   against it, as the real API would.
//!
//! Control endpoints (never faulted, never logged): `GET /__emulator/world`,
//! `GET /__emulator/requests` and `GET /__emulator/stats`.

mod api_error;
mod api_schema;
mod cancel;
mod config;
mod dates;
mod faults;
mod filter;
mod filter_index;
mod generate;
mod http;
mod ip;
mod load;
mod load_error;
mod mask;
pub mod metadata;
mod node;
mod render;
mod request_log;
mod server;
mod services;
mod state;
mod stats;
mod types;
mod void;
mod wire;
mod world;
mod writes;

pub use config::{Config, parse_duration};
pub use generate::generate_world;
pub use load_error::LoadError;
pub use request_log::LoggedRequest;
pub use server::Emulator;
pub use world::World;
