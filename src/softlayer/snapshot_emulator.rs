//! `plan`/`apply --snapshot FILE`: an emulator embedded in the process,
//! loaded from a world file, and a client pointed at it, so the very same
//! client code path runs as against the live API.

use std::path::{Path, PathBuf};

use softlayer_emulator::{Config, Emulator, World};

use crate::cli::ConnectionArgs;
use crate::softlayer::client::Client;
use crate::softlayer::settings::Settings;

/// Why the embedded emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The world file cannot be read.
    #[error("cannot read snapshot {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The world file is not a valid world.
    #[error("invalid snapshot {}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and where (the emulator's message).
        message: String,
    },
    /// The emulator could not listen on loopback.
    #[error("cannot start the embedded emulator: {0}")]
    Start(std::io::Error),
}

/// Starts an emulator serving the world file at `path` on loopback and
/// returns it with a client pointed at it (default connection settings).
/// Keep the emulator alive as long as the client is used.
pub fn start_snapshot_emulator(path: &Path) -> Result<(Emulator, Client), SnapshotError> {
    let connection = ConnectionArgs::default();
    start_snapshot_emulator_with(path, &connection, None)
}

/// [`start_snapshot_emulator`] with timeouts, rate limit and page size from
/// `connection`, and the emulator's clock fixed at `now` when given (the
/// plan's time, so a rehearsal judges dates exactly as the plan did).
pub fn start_snapshot_emulator_with(
    path: &Path,
    connection: &ConnectionArgs,
    now: Option<jiff::Timestamp>,
) -> Result<(Emulator, Client), SnapshotError> {
    let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let world = World::from_json_str(&text).map_err(|err| SnapshotError::Invalid {
        path: path.to_path_buf(),
        message: err.to_string(),
    })?;
    let config = Config {
        now,
        ..Config::default()
    };
    let emulator = Emulator::start(world, config, "127.0.0.1:0").map_err(SnapshotError::Start)?;
    let settings = Settings::for_emulator(&emulator.base_url(), connection);
    // Building a client for a loopback URL does not fail; the error type is shared with live settings.
    let client = Client::new(settings)
        .map_err(|err| SnapshotError::Start(std::io::Error::other(err.to_string())))?;
    Ok((emulator, client))
}
