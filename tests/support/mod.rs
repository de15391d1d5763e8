//! The shared test harness: emulators, a clean `slretire` command, a raw
//! capture server, and client settings for library-level tests.
//!
//! Not every test module uses every helper.
#![allow(dead_code)]

pub(crate) mod capture;
mod emulators;

pub(crate) use emulators::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use slretire::softlayer::Overrides;

/// The slretire binary with a clean environment: no `SL_*` variables, no
/// proxy variables, `HOME` an empty directory shared by the test process
/// (use [`slretire_with_home`] to give it a config file).
pub(crate) fn slretire() -> Command {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    let home = HOME.get_or_init(|| tempfile::tempdir().expect("temp home"));
    slretire_with_home(home.path())
}

/// The slretire binary with a clean environment and `HOME` at `home`.
pub(crate) fn slretire_with_home(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slretire"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        let upper = name.to_ascii_uppercase();
        if upper.starts_with("SL_") || upper.starts_with("SLCLI") || upper.ends_with("_PROXY") {
            command.env_remove(&name);
        }
    }
    command
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    command
}

/// stdout and stderr of a finished command, as text.
pub(crate) fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Connection settings with nothing set but a rate limit no test waits on.
pub(crate) fn connection() -> Overrides {
    Overrides {
        rate_limit: Some(1000.0),
        ..Overrides::default()
    }
}

/// Connection flags naming `endpoint` and credentials explicitly, with an
/// empty config file, so the test does not depend on the caller's
/// environment or `~/.softlayer`.
pub(crate) fn explicit_connection(
    endpoint: &str,
    username: &str,
    api_key: &str,
    dir: &Path,
) -> Overrides {
    let config: PathBuf = dir.join("empty.ini");
    std::fs::write(&config, "").expect("write empty config");
    Overrides {
        endpoint: Some(endpoint.to_string()),
        username: Some(username.to_string()),
        api_key: Some(api_key.to_string()),
        config: Some(config),
        ..connection()
    }
}
