//! Connecting for `plan` and `apply`: the live API with the user's
//! credentials, or an embedded emulator serving a snapshot. Either way the
//! same client code path runs.

use std::path::Path;

use anyhow::Context as _;
use jiff::Timestamp;

use crate::kinds::Kind;
use crate::plan::model::PlanClock;
use crate::snapshot::SnapshotFile;
use crate::softlayer::{self, AccountInfo, Client, Overrides};

/// A client and, for `--snapshot`, the emulator it talks to.
pub struct Session {
    pub client: Client,
    /// Shown in plans: the endpoint, or `snapshot:FILE`.
    pub endpoint: String,
    /// The time plans are made and judged at: `SLRETIRE_NOW` when set, else
    /// a snapshot's `clock` (the moment it describes, so the bundled demo
    /// never ages), else the clock.
    pub now: Timestamp,
    /// Whose time `now` is.
    pub clock: PlanClock,
    /// Keeps the embedded emulator running as long as the session lives.
    _emulator: Option<softlayer_emulator::Emulator>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("endpoint", &self.endpoint)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Connects to the snapshot's emulator when given, else to the API.
    /// A snapshot must hold every list a plan of `kinds` reads: one taken
    /// with `snapshot --kinds` lacks the others, and reading a missing list
    /// as empty would show those objects as already gone.
    pub fn open(
        connection: &Overrides,
        snapshot: Option<&Path>,
        kinds: &[Kind],
    ) -> anyhow::Result<Session> {
        let fixed = fixed_now()?;
        match snapshot {
            Some(path) => {
                let file = SnapshotFile::read(path)?;
                file.require_lists(kinds)?;
                let (now, clock) = match (fixed, file.clock()) {
                    (Some(fixed), _) => (fixed, PlanClock::Fixed),
                    (None, Some(clock)) => (clock, PlanClock::Snapshot),
                    (None, None) => (Timestamp::now(), PlanClock::Now),
                };
                let (emulator, client) = file.start(connection, Some(now))?;
                Ok(Session {
                    client,
                    endpoint: format!("snapshot:{}", path.display()),
                    now,
                    clock,
                    _emulator: Some(emulator),
                })
            }
            None => {
                let settings = softlayer::Settings::resolve(connection)?;
                let client = Client::new(settings)?;
                let endpoint = client.endpoint().to_string();
                Ok(Session {
                    client,
                    endpoint,
                    now: fixed.unwrap_or_else(Timestamp::now),
                    clock: if fixed.is_some() {
                        PlanClock::Fixed
                    } else {
                        PlanClock::Now
                    },
                    _emulator: None,
                })
            }
        }
    }

    /// The account the credentials belong to.
    pub fn account(&self) -> anyhow::Result<AccountInfo> {
        softlayer::whoami(&self.client).context("checking the credentials")
    }
}

/// `SLRETIRE_NOW` (RFC 3339) when set, so plans and tests can be
/// reproduced.
pub fn fixed_now() -> anyhow::Result<Option<Timestamp>> {
    match std::env::var("SLRETIRE_NOW") {
        Ok(text) => text
            .parse()
            .map(Some)
            .with_context(|| format!("SLRETIRE_NOW={text:?} is not an RFC 3339 time")),
        Err(_) => Ok(None),
    }
}
