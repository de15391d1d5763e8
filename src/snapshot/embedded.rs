//! `plan`/`apply --snapshot FILE`: an emulator embedded in the process,
//! loaded from a world file, and a client pointed at it, so the very same
//! client code path runs as against the live API.

use std::path::{Path, PathBuf};

use softlayer_emulator::{Config, Emulator, World};

use super::export::missing_from;
use crate::input_file::{self, InputFileError};
use crate::kinds::Kind;
use crate::softlayer::{Client, Overrides, Settings};

/// Largest world file read (`--snapshot`, `emulator --world`). A generated
/// world of 250,000 objects, the most `emulator --generate` writes, is about
/// 450 MB; loaded, a world takes about eight times its size in memory.
pub const MAX_WORLD_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Why the embedded emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The world file cannot be read: missing, not a regular file, too
    /// large or not UTF-8 (the message names the file).
    #[error("snapshot: {0}")]
    Read(InputFileError),
    /// The world file is not a valid world.
    #[error("invalid snapshot {}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and where (the emulator's message).
        message: String,
    },
    /// The world file lacks lists a plan of the manifests' kinds reads
    /// (it was written with `snapshot --kinds`).
    #[error(
        "snapshot {} has no {}, which a plan of {} needs; a missing list is not an empty one. \
         It was probably written with `slretire snapshot --kinds`: snapshot again with \
         --kinds {} (or without --kinds)",
        path.display(),
        lists.join(", "),
        names(kinds, " and "),
        names(kinds, ",")
    )]
    MissingLists {
        /// The file.
        path: PathBuf,
        /// The world keys it lacks, e.g. `virtualGuests`.
        lists: Vec<&'static str>,
        /// The kinds that need them.
        kinds: Vec<Kind>,
    },
    /// The emulator could not listen on loopback.
    #[error("cannot start the embedded emulator: {0}")]
    Start(std::io::Error),
}

fn names(kinds: &[Kind], separator: &str) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    names.join(separator)
}

/// A world file read and validated once: what `--snapshot FILE` serves.
pub struct SnapshotFile {
    path: PathBuf,
    world: World,
    /// The first of the world's `users`: who the embedded client signs in
    /// as, since such a world refuses any other credentials.
    user: Option<WorldUser>,
}

/// `Debug` shows neither the world (it holds the users' keys) nor the key.
impl std::fmt::Debug for SnapshotFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotFile")
            .field("path", &self.path)
            .field("lists", &self.world.lists().collect::<Vec<_>>())
            .field("user", &self.user.as_ref().map(|u| u.username.as_str()))
            .finish_non_exhaustive()
    }
}

/// A user of the world file, as far as signing in needs it.
struct WorldUser {
    username: String,
    api_key: String,
}

impl SnapshotFile {
    /// Reads and validates the world file at `path` (a regular file of at
    /// most [`MAX_WORLD_FILE_BYTES`]).
    pub fn read(path: &Path) -> Result<SnapshotFile, SnapshotError> {
        let text = input_file::read_text(path, MAX_WORLD_FILE_BYTES, "a world file")
            .map_err(SnapshotError::Read)?;
        let invalid = |message: String| SnapshotError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let world = World::from_json_str(&text).map_err(|err| invalid(err.to_string()))?;
        let user = match world.users() {
            None => None,
            Some(users) => {
                let (username, api_key) = users.first().ok_or_else(|| {
                    invalid(
                        "`users` is an empty list, so every call would be refused; \
                         list a user or leave `users` out"
                            .into(),
                    )
                })?;
                Some(WorldUser {
                    username: (*username).to_owned(),
                    api_key: (*api_key).to_owned(),
                })
            }
        };
        Ok(SnapshotFile {
            path: path.to_path_buf(),
            world,
            user,
        })
    }

    /// The world keys a plan of `kinds` needs that the file does not have
    /// (see [`super::missing_lists`]).
    pub fn missing_lists(&self, kinds: &[Kind]) -> Vec<&'static str> {
        missing_from(|key| self.world.lists().any(|l| l == key), kinds)
    }

    /// The moment the snapshot describes (its `clock`), if it names one.
    pub fn clock(&self) -> Option<jiff::Timestamp> {
        self.world.clock()
    }

    /// [`SnapshotFile::missing_lists`] as an error naming the lists, the
    /// kinds that need them and how to take a snapshot that has them.
    pub fn require_lists(&self, kinds: &[Kind]) -> Result<(), SnapshotError> {
        let lists = self.missing_lists(kinds);
        if lists.is_empty() {
            return Ok(());
        }
        let kinds = kinds
            .iter()
            .copied()
            .filter(|kind| {
                kind.room()
                    .snapshot_reads()
                    .iter()
                    .any(|key| lists.contains(key))
            })
            .collect();
        Err(SnapshotError::MissingLists {
            path: self.path.clone(),
            lists,
            kinds,
        })
    }

    /// Starts an emulator serving the world on loopback and returns it with
    /// a client pointed at it, signed in as the world's first user when it
    /// lists `users` (any credentials do otherwise): timeouts and page size from `connection`
    /// (see [`Settings::for_emulator`]), the emulator's clock fixed at
    /// `now` when given (the plan's time, so a rehearsal judges dates
    /// exactly as the plan did). Keep the emulator alive as long as the
    /// client is used.
    pub fn start(
        self,
        connection: &Overrides,
        now: Option<jiff::Timestamp>,
    ) -> Result<(Emulator, Client), SnapshotError> {
        let config = Config {
            now,
            ..Config::default()
        };
        let emulator =
            Emulator::start(self.world, config, "127.0.0.1:0").map_err(SnapshotError::Start)?;
        let mut settings = Settings::for_emulator(&emulator.base_url(), connection);
        if let Some(user) = &self.user {
            settings = settings.signed_in_as(&user.username, &user.api_key);
        }
        // Building a client for a loopback URL does not fail; the error type is shared with live settings.
        let client = Client::new(settings)
            .map_err(|err| SnapshotError::Start(std::io::Error::other(err.to_string())))?;
        Ok((emulator, client))
    }
}

/// Starts an emulator serving the world file at `path` on loopback and
/// returns it with a client pointed at it (default connection settings).
/// Keep the emulator alive as long as the client is used.
pub fn start_snapshot_emulator(path: &Path) -> Result<(Emulator, Client), SnapshotError> {
    start_snapshot_emulator_with(path, &Overrides::default(), None)
}

/// [`SnapshotFile::read`] then [`SnapshotFile::start`], without checking
/// the lists: for callers that do not plan particular kinds.
pub fn start_snapshot_emulator_with(
    path: &Path,
    connection: &Overrides,
    now: Option<jiff::Timestamp>,
) -> Result<(Emulator, Client), SnapshotError> {
    SnapshotFile::read(path)?.start(connection, now)
}
