//! Where the client's settings come from: flags, then the environment, then
//! the SDK's config file, as the official SDK does, so existing setups work.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;

use crate::input_file::{self, InputFileError};
use crate::softlayer::clock::{Clock, SystemClock};
use crate::softlayer::config_file::ConfigFile;
use crate::softlayer::endpoint::{self, DEFAULT_ENDPOINT, Endpoint};
use crate::softlayer::retry::RetryPolicy;
use crate::softlayer::scrub::Secrets;
use crate::terminal_text::escape_controls;

/// Seconds one call may take when neither `--timeout` nor the config file says.
pub(crate) const DEFAULT_TIMEOUT_SECS: f64 = 120.0;
/// Pages fetched at once when listing.
pub(crate) const DEFAULT_PAGE_WORKERS: usize = 8;
/// The username that marks an IBM Cloud API key (HTTP Basic `apikey:<key>`).
pub(crate) const IBM_CLOUD_API_KEY_USER: &str = "apikey";
/// The config file section the SDK reads.
const SECTION: &str = "softlayer";
/// Largest config file read: a real one is a few hundred bytes.
const MAX_CONFIG_FILE_BYTES: u64 = 1024 * 1024;
/// Seconds to wait for a connection when the caller does not say.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: f64 = 10.0;
/// API calls per second across all threads when the caller does not say:
/// SoftLayer's limit per API user. The client adapts below it when the API
/// says so.
pub const DEFAULT_RATE_LIMIT: f64 = 50.0;
/// Objects per page when listing, when the caller does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 500;
/// Calls per second to an embedded emulator when `--rate-limit` is left at
/// its default: the emulator has no limit to protect, and the default would
/// make a `--snapshot` plan spend nearly all its time waiting.
pub(crate) const EMULATOR_RATE_LIMIT: f64 = 1000.0;
/// Longest username or API key accepted. Classic keys are 64 characters,
/// IBM Cloud API keys 44; a longer value is a mistake (a file's content in
/// the variable) and would only fail later, after retries, as an oversized
/// header.
pub(crate) const MAX_CREDENTIAL_BYTES: usize = 1024;

/// What the caller says about the connection (the command line fills it
/// from its flags): `None` where nothing was given, so the SDK's other
/// sources and the defaults apply. `Debug` never shows the key.
#[derive(Clone, Default)]
pub struct Overrides {
    /// The API endpoint.
    pub endpoint: Option<String>,
    pub username: Option<String>,
    pub api_key: Option<String>,
    /// An SDK-style config file to read instead of `~/.softlayer`.
    pub config: Option<PathBuf>,
    /// Seconds one call may take.
    pub timeout: Option<f64>,
    /// Seconds to wait for a connection.
    pub connect_timeout: Option<f64>,
    /// API calls per second across all threads.
    pub rate_limit: Option<f64>,
    /// Objects per page when listing.
    pub page_size: Option<u32>,
}

impl fmt::Debug for Overrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overrides")
            .field("endpoint", &self.endpoint)
            .field("username", &self.username)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("config", &self.config)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("rate_limit", &self.rate_limit)
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// Everything the client needs to talk to the API.
#[derive(Clone)]
pub struct Settings {
    endpoint: Endpoint,
    credentials: Credentials,
    /// Where the endpoint came from, for `whoami`.
    pub endpoint_source: Source,
    /// Longest one HTTP exchange may take (connect, send, receive).
    pub timeout: Duration,
    /// Longest connection setup may take.
    pub connect_timeout: Duration,
    /// API calls per second across all threads.
    pub rate_limit: f64,
    /// Objects per page when listing.
    pub page_size: u32,
    /// Pages fetched in parallel once the total is known.
    pub page_workers: usize,
    /// How failed calls are repeated.
    pub retry: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Where a setting was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable, by name.
    Environment(&'static str),
    /// A config file.
    ConfigFile(PathBuf),
    /// The built-in default.
    Default,
    /// Set up by slretire itself (the embedded emulator).
    Internal,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("command-line flag"),
            Source::Environment(name) => write!(f, "environment variable {name}"),
            Source::ConfigFile(path) => write!(f, "config file {}", path.display()),
            Source::Default => f.write_str("default"),
            Source::Internal => f.write_str("embedded emulator"),
        }
    }
}

/// Username and API key. `Debug` never shows the key.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) username: String,
    api_key: String,
    pub(crate) username_source: Source,
    pub(crate) api_key_source: Source,
}

impl Credentials {
    /// The `Authorization` header value; the same for classic and IBM Cloud keys.
    pub(crate) fn authorization(&self) -> String {
        let pair = format!("{}:{}", self.username, self.api_key);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    /// What error messages must never show. The embedded emulator's dummy
    /// key is no secret (and scrubbing the word "emulator" would garble
    /// messages).
    pub(crate) fn secrets(&self) -> Secrets {
        if self.api_key_source == Source::Internal && self.api_key == EMULATOR_API_KEY {
            return Secrets::none();
        }
        Secrets::of(&self.username, &self.api_key)
    }
}

/// The key an embedded emulator without `users` is called with.
const EMULATOR_API_KEY: &str = "emulator";

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("api_key", &"<redacted>")
            .field("username_source", &self.username_source)
            .field("api_key_source", &self.api_key_source)
            .finish()
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("endpoint", &self.endpoint.url)
            .field("endpoint_source", &self.endpoint_source)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("rate_limit", &self.rate_limit)
            .field("page_size", &self.page_size)
            .field("page_workers", &self.page_workers)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Why settings could not be resolved. Never carries the API key.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Neither flags, environment nor config file gave a username and key.
    #[error(
        "no SoftLayer credentials ({missing} missing). Provide them in one of three ways: \
         the --username and --api-key flags; the SL_USERNAME and SL_API_KEY environment variables; \
         or `username` and `api_key` in the [softlayer] section of {config}"
    )]
    MissingCredentials {
        /// What is missing: "username", "API key" or both.
        missing: &'static str,
        /// The config file that was looked at.
        config: String,
    },
    /// The config file exists but cannot be read: not a regular file, too
    /// large, not UTF-8 (the message names the file).
    #[error("config file: {0}")]
    ConfigRead(InputFileError),
    /// The config file is not valid INI.
    #[error("{}:{line}: {message}", path.display())]
    ConfigSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The endpoint URL is unusable.
    #[error("invalid endpoint `{url}` (from {source_name}): {reason}")]
    Endpoint {
        /// The URL as given (credentials in it are hidden).
        url: String,
        /// Where it came from.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// A numeric setting is out of range.
    #[error("invalid {what}: {message}")]
    Invalid {
        /// The setting, e.g. `--timeout`.
        what: String,
        /// What is wrong.
        message: String,
    },
}

/// What `Settings::resolve` reads besides the flags: injectable for tests.
pub(crate) struct Environment<'a> {
    /// Looks up an environment variable.
    pub(crate) var: &'a dyn Fn(&str) -> Option<OsString>,
    /// The home directory, where `.softlayer` lives.
    pub(crate) home: Option<PathBuf>,
}

impl Environment<'_> {
    /// A set, non-blank variable; one that is not UTF-8 is an error that
    /// names it (reading it as unset would report the key "missing").
    fn get(&self, name: &str) -> Result<Option<String>, SettingsError> {
        match (self.var)(name).map(OsString::into_string) {
            None => Ok(None),
            Some(Ok(value)) => Ok(Some(value).filter(|v| !v.trim().is_empty())),
            Some(Err(_)) => Err(SettingsError::Invalid {
                what: format!("environment variable {name}"),
                message: "it is not valid UTF-8 (its value is not shown)".into(),
            }),
        }
    }
}

impl Settings {
    /// Resolves settings from flags, then `SL_USERNAME`/`SL_API_KEY` (and
    /// `SL_ENDPOINT_URL`), then the `[softlayer]` section of `~/.softlayer`
    /// or `--config FILE`; each value from the first source that has it.
    pub fn resolve(args: &Overrides) -> Result<Settings, SettingsError> {
        let var = |name: &str| std::env::var_os(name);
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Settings::resolve_in(args, &Environment { var: &var, home })
    }

    /// [`Settings::resolve`] with the environment given explicitly.
    pub(crate) fn resolve_in(
        args: &Overrides,
        env: &Environment<'_>,
    ) -> Result<Settings, SettingsError> {
        let (config_path, config) = load_config(args.config.as_deref(), env.home.as_deref())?;
        let from_file = |key: &str| {
            config
                .as_ref()
                .and_then(|c| c.get(SECTION, key))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let file_source = || Source::ConfigFile(config_path.clone().unwrap_or_default());

        type Picked = Result<Option<(String, Source)>, SettingsError>;
        let pick = |flag: &Option<String>, var: &'static str, key: &str| -> Picked {
            if let Some(value) = flag.as_ref().filter(|v| !v.trim().is_empty()) {
                return Ok(Some((value.clone(), Source::Flag)));
            }
            if let Some(value) = env.get(var)? {
                return Ok(Some((value, Source::Environment(var))));
            }
            Ok(from_file(key).map(|value| (value, file_source())))
        };
        let username = pick(&args.username, "SL_USERNAME", "username")?;
        let api_key = pick(&args.api_key, "SL_API_KEY", "api_key")?;
        let (username, api_key) = match (username, api_key) {
            (Some(username), Some(api_key)) => (username, api_key),
            (username, api_key) => {
                let missing = match (username.is_some(), api_key.is_some()) {
                    (true, _) => "API key",
                    (false, true) => "username",
                    (false, false) => "username and API key",
                };
                let config = match &args.config {
                    Some(path) => path.display().to_string(),
                    None => "~/.softlayer (or of the file given with --config)".into(),
                };
                return Err(SettingsError::MissingCredentials { missing, config });
            }
        };
        let credentials = Credentials {
            username: username.0.trim().to_string(),
            api_key: api_key.0.trim().to_string(),
            username_source: username.1,
            api_key_source: api_key.1,
        };
        for (what, value, source) in [
            (
                "username",
                &credentials.username,
                &credentials.username_source,
            ),
            ("API key", &credentials.api_key, &credentials.api_key_source),
        ] {
            if value.len() > MAX_CREDENTIAL_BYTES {
                return Err(SettingsError::Invalid {
                    what: format!("{what} (from {source})"),
                    message: format!(
                        "it is {} bytes long, more than the {MAX_CREDENTIAL_BYTES} accepted \
                         (SoftLayer keys are 64 characters, IBM Cloud API keys 44); \
                         check what was put there (the value is not shown)",
                        value.len()
                    ),
                });
            }
        }

        let (raw_endpoint, endpoint_source) =
            pick(&args.endpoint, "SL_ENDPOINT_URL", "endpoint_url")?
                .unwrap_or_else(|| (DEFAULT_ENDPOINT.to_string(), Source::Default));
        let endpoint =
            endpoint::parse(&raw_endpoint).map_err(|reason| SettingsError::Endpoint {
                url: endpoint::redact(&raw_endpoint),
                source_name: endpoint_source.to_string(),
                reason,
            })?;

        let timeout = match args.timeout {
            Some(secs) => flag_seconds("--timeout", secs)?,
            None => match from_file("timeout") {
                // The SDK reads 0 as "no timeout" (slcli writes `timeout = 0`);
                // slretire always keeps one: its default.
                Some(text) if text.trim().parse::<f64>().is_ok_and(|secs| secs == 0.0) => {
                    Duration::from_secs_f64(DEFAULT_TIMEOUT_SECS)
                }
                Some(text) => {
                    // The value is never echoed: a config line may be a
                    // mistyped key (`timeout = <the API key>`).
                    let secs = parse_seconds(&text).map_err(|_| SettingsError::Invalid {
                        what: format!(
                            "`timeout` in {}",
                            config_path.as_deref().unwrap_or(Path::new("")).display()
                        ),
                        message: format!("{SECONDS_RANGE}; the value is not shown"),
                    })?;
                    Duration::from_secs_f64(secs)
                }
                None => Duration::from_secs_f64(DEFAULT_TIMEOUT_SECS),
            },
        };
        let connect_timeout = flag_seconds(
            "--connect-timeout",
            args.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS),
        )?;
        let rate_limit = args.rate_limit.unwrap_or(DEFAULT_RATE_LIMIT);
        if !(rate_limit.is_finite() && rate_limit > 0.0) {
            return Err(SettingsError::Invalid {
                what: "--rate-limit".into(),
                message: format!("{rate_limit} is not a positive number of calls per second"),
            });
        }
        let page_size = args.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page_size == 0 {
            return Err(SettingsError::Invalid {
                what: "--page-size".into(),
                message: "must be at least 1".into(),
            });
        }
        Ok(Settings {
            endpoint,
            credentials,
            endpoint_source,
            timeout,
            connect_timeout,
            rate_limit,
            page_size,
            page_workers: DEFAULT_PAGE_WORKERS,
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
        })
    }

    /// Settings for an emulator on loopback: fixed dummy credentials (a world
    /// without `users` accepts any), timeouts and page size from
    /// `connection`; its rate limit when it gives one, else
    /// [`EMULATOR_RATE_LIMIT`].
    pub fn for_emulator(base_url: &str, connection: &Overrides) -> Settings {
        let endpoint = endpoint::parse(base_url).unwrap_or_else(|_| Endpoint {
            url: format!("{}/", base_url.trim().trim_end_matches('/')),
            loopback: true,
        });
        let secs = |value: f64, default: f64| {
            Duration::try_from_secs_f64(value)
                .ok()
                .filter(|d| !d.is_zero())
                .unwrap_or(Duration::from_secs_f64(default))
        };
        Settings {
            endpoint,
            credentials: Credentials {
                username: "slretire".into(),
                api_key: EMULATOR_API_KEY.into(),
                username_source: Source::Internal,
                api_key_source: Source::Internal,
            },
            endpoint_source: Source::Internal,
            timeout: secs(
                connection.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS),
                DEFAULT_TIMEOUT_SECS,
            ),
            connect_timeout: secs(
                connection
                    .connect_timeout
                    .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS),
                DEFAULT_CONNECT_TIMEOUT_SECS,
            ),
            rate_limit: connection
                .rate_limit
                .filter(|limit| limit.is_finite() && *limit > 0.0)
                .unwrap_or(EMULATOR_RATE_LIMIT),
            page_size: connection.page_size.unwrap_or(DEFAULT_PAGE_SIZE).max(1),
            page_workers: DEFAULT_PAGE_WORKERS,
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// These settings with `username` and `api_key` as the credentials (an
    /// embedded emulator whose world lists `users`).
    pub(crate) fn signed_in_as(mut self, username: &str, api_key: &str) -> Settings {
        self.credentials.username = username.to_string();
        self.credentials.api_key = api_key.to_string();
        self
    }

    /// The REST endpoint, normalised, ending in `/`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint.url
    }

    /// Whether the endpoint is on loopback (plain HTTP allowed, no proxy).
    pub fn is_loopback(&self) -> bool {
        self.endpoint.loopback
    }

    /// The API username.
    pub fn username(&self) -> &str {
        &self.credentials.username
    }

    /// Where the username and the API key came from.
    pub fn credential_sources(&self) -> (&Source, &Source) {
        (
            &self.credentials.username_source,
            &self.credentials.api_key_source,
        )
    }

    /// Whether the key is an IBM Cloud API key (username `apikey`).
    pub fn is_ibm_cloud_api_key(&self) -> bool {
        self.credentials.username == IBM_CLOUD_API_KEY_USER
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    #[cfg(test)]
    pub(crate) fn with_clock(mut self, clock: Arc<dyn Clock>) -> Settings {
        self.clock = clock;
        self
    }
}

/// Reads `--config FILE` (which must exist) or `~/.softlayer` (if present).
fn load_config(
    explicit: Option<&Path>,
    home: Option<&Path>,
) -> Result<(Option<PathBuf>, Option<ConfigFile>), SettingsError> {
    let (path, required) = match (explicit, home) {
        (Some(path), _) => (path.to_path_buf(), true),
        (None, Some(home)) => (home.join(".softlayer"), false),
        (None, None) => return Ok((None, None)),
    };
    if !required
        && std::fs::metadata(&path).is_err_and(|err| err.kind() == std::io::ErrorKind::NotFound)
    {
        return Ok((Some(path), None));
    }
    let text = input_file::read_text(&path, MAX_CONFIG_FILE_BYTES, "a config file")
        .map_err(SettingsError::ConfigRead)?;
    let config = ConfigFile::parse(&text).map_err(|err| SettingsError::ConfigSyntax {
        path: path.clone(),
        line: err.line,
        message: err.message,
    })?;
    Ok((Some(path), Some(config)))
}

/// Longest timeout accepted, in seconds: a day.
pub(crate) const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// The range [`parse_seconds`] accepts, as its messages say it.
const SECONDS_RANGE: &str = "expected a number of seconds more than 0 and at most 86400 (a day)";

/// Parses a timeout in seconds, as `--timeout`, `--connect-timeout` and the
/// config file's `timeout` give it: a finite number more than 0 and at most
/// [`MAX_TIMEOUT_SECS`] (fractions allowed). Not a number, negative, zero,
/// NaN, infinite or larger is refused with a message that says the range;
/// the caller names where the text came from.
pub fn parse_seconds(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let secs: f64 = trimmed.parse().map_err(|_| {
        let shown: String = trimmed.chars().take(40).collect();
        format!(
            "`{}` is not a number of seconds; {SECONDS_RANGE}",
            escape_controls(&shown)
        )
    })?;
    check_seconds(secs)
}

/// [`parse_seconds`] for a value that is already a number.
fn check_seconds(secs: f64) -> Result<f64, String> {
    if secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT_SECS {
        Ok(secs)
    } else {
        Err(format!("{secs} is out of range; {SECONDS_RANGE}"))
    }
}

/// A seconds flag set in code rather than parsed by clap: checked the same way.
fn flag_seconds(flag: &str, secs: f64) -> Result<Duration, SettingsError> {
    check_seconds(secs)
        .map(Duration::from_secs_f64)
        .map_err(|message| SettingsError::Invalid {
            what: flag.into(),
            message,
        })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn args() -> Overrides {
        Overrides::default()
    }

    fn resolve(
        args: &Overrides,
        vars: &[(&str, &str)],
        home: Option<&Path>,
    ) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let var = move |name: &str| vars.get(name).map(OsString::from);
        Settings::resolve_in(
            args,
            &Environment {
                var: &var,
                home: home.map(Path::to_path_buf),
            },
        )
    }

    fn home_with(config: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".softlayer"), config).unwrap();
        dir
    }

    /// Flags win over the environment, which wins over the config file, value by value.
    #[test]
    fn precedence_flags_env_file() {
        let home = home_with(
            "[softlayer]\nusername = fileuser\napi_key = filekey\nendpoint_url = https://file.example.com/rest/v3.1/\n",
        );
        let env = [("SL_USERNAME", "envuser"), ("SL_API_KEY", "envkey")];
        let settings = resolve(&args(), &env, Some(home.path())).unwrap();
        assert_eq!(settings.username(), "envuser");
        assert_eq!(settings.credentials().api_key, "envkey");
        assert_eq!(settings.endpoint(), "https://file.example.com/rest/v3.1/");
        assert_eq!(
            settings.endpoint_source,
            Source::ConfigFile(home.path().join(".softlayer"))
        );

        let mut flags = args();
        flags.username = Some("flaguser".into());
        let settings = resolve(&flags, &env, Some(home.path())).unwrap();
        assert_eq!(settings.username(), "flaguser");
        assert_eq!(settings.credentials().api_key, "envkey");
        assert_eq!(
            settings.credential_sources(),
            (&Source::Flag, &Source::Environment("SL_API_KEY"))
        );

        let settings = resolve(&args(), &[], Some(home.path())).unwrap();
        assert_eq!(
            (settings.username(), settings.credentials().api_key.as_str()),
            ("fileuser", "filekey")
        );
    }

    /// The endpoint comes from --endpoint, then SL_ENDPOINT_URL, then the file, then the default.
    #[test]
    fn endpoint_precedence() {
        let env = [("SL_USERNAME", "u"), ("SL_API_KEY", "k")];
        assert_eq!(
            resolve(&args(), &env, None).unwrap().endpoint(),
            DEFAULT_ENDPOINT
        );
        let env_url = [
            ("SL_USERNAME", "u"),
            ("SL_API_KEY", "k"),
            ("SL_ENDPOINT_URL", "http://127.0.0.1:9/rest/v3.1"),
        ];
        let settings = resolve(&args(), &env_url, None).unwrap();
        assert_eq!(settings.endpoint(), "http://127.0.0.1:9/rest/v3.1/");
        assert!(settings.is_loopback());
        let mut flags = args();
        flags.endpoint = Some("https://api.service.softlayer.com/xmlrpc/v3.1".into());
        let settings = resolve(&flags, &env_url, None).unwrap();
        assert_eq!(
            settings.endpoint(),
            "https://api.service.softlayer.com/rest/v3.1/"
        );
        assert_eq!(settings.endpoint_source, Source::Flag);
    }

    /// An slcli config with the SDK's default XML-RPC endpoint maps to REST.
    #[test]
    fn slcli_config_maps_to_rest() {
        let home = home_with(
            "[softlayer]\nusername = u\napi_key = k\nendpoint_url = https://api.softlayer.com/xmlrpc/v3.1/\ntimeout = 0\n",
        );
        let settings = resolve(&args(), &[], Some(home.path())).unwrap();
        assert_eq!(settings.endpoint(), DEFAULT_ENDPOINT);
        assert_eq!(
            settings.timeout,
            Duration::from_secs(120),
            "timeout 0 means the default"
        );
    }

    /// Missing credentials name all three ways to provide them and which part is missing.
    #[test]
    fn missing_credentials_message() {
        let err = resolve(&args(), &[], None).unwrap_err().to_string();
        for needle in [
            "--username",
            "--api-key",
            "SL_USERNAME",
            "SL_API_KEY",
            "~/.softlayer",
            "[softlayer]",
            "username and API key",
        ] {
            assert!(err.contains(needle), "{needle} missing from: {err}");
        }
        let err = resolve(&args(), &[("SL_USERNAME", "u")], None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("(API key missing)"), "{err}");
        let err = resolve(&args(), &[("SL_API_KEY", "k")], None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("(username missing)"), "{err}");
        let err = resolve(&args(), &[("SL_USERNAME", " "), ("SL_API_KEY", "k")], None).unwrap_err();
        assert!(
            matches!(err, SettingsError::MissingCredentials { .. }),
            "blank counts as missing"
        );
    }

    /// --config replaces ~/.softlayer and must exist; syntax errors carry file and line.
    #[test]
    fn explicit_config_file() {
        let home = home_with("[softlayer]\nusername = homeuser\napi_key = homekey\n");
        let other = home.path().join("other.ini");
        std::fs::write(
            &other,
            "[softlayer]\nusername: otheruser\napi_key: otherkey\ntimeout = 7.5\n",
        )
        .unwrap();
        let mut flags = args();
        flags.config = Some(other.clone());
        let settings = resolve(&flags, &[], Some(home.path())).unwrap();
        assert_eq!(settings.username(), "otheruser");
        assert_eq!(settings.timeout, Duration::from_millis(7500));

        flags.config = Some(home.path().join("absent.ini"));
        let err = resolve(&flags, &[], Some(home.path())).unwrap_err();
        assert!(matches!(err, SettingsError::ConfigRead { .. }));
        // anyhow's `{:#}` adds each cause: the reason must be said once.
        let chain = format!("{:#}", anyhow::Error::new(err));
        assert_eq!(
            chain.matches("No such file or directory").count(),
            1,
            "{chain}"
        );
        assert!(chain.contains("absent.ini"), "{chain}");

        std::fs::write(&other, "[softlayer]\nusername = u\nbroken line\n").unwrap();
        flags.config = Some(other.clone());
        let err = resolve(&flags, &[], Some(home.path()))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&format!("{}:3:", other.display())), "{err}");
    }

    /// A config file that is not a small regular file is refused, never read without end.
    #[test]
    fn config_file_must_be_a_small_regular_file() {
        let home = tempfile::tempdir().unwrap();
        let mut flags = args();
        for path in [Path::new("/dev/zero"), home.path()] {
            flags.config = Some(path.to_path_buf());
            let err = resolve(&flags, &[], None).unwrap_err().to_string();
            assert!(err.contains("is not a regular file"), "{err}");
        }
        let big = home.path().join("big.ini");
        let line = "# padding\n".repeat(120_000);
        std::fs::write(&big, format!("[softlayer]\n{line}")).unwrap();
        flags.config = Some(big);
        let err = resolve(&flags, &[], None).unwrap_err().to_string();
        assert!(err.contains("too large for a config file"), "{err}");
        // ~/.softlayer as a directory is an error too, not "absent".
        std::fs::create_dir(home.path().join(".softlayer")).unwrap();
        assert!(matches!(
            resolve(&args(), &[], Some(home.path())).unwrap_err(),
            SettingsError::ConfigRead(_)
        ));
    }

    /// A missing ~/.softlayer is not an error.
    #[test]
    fn absent_home_config_is_fine() {
        let home = tempfile::tempdir().unwrap();
        let settings = resolve(
            &args(),
            &[("SL_USERNAME", "u"), ("SL_API_KEY", "k")],
            Some(home.path()),
        )
        .unwrap();
        assert_eq!(settings.username(), "u");
    }

    /// Plain http to a remote host is refused with the source named; URL credentials are hidden.
    #[test]
    fn insecure_endpoint_refused() {
        let env = [
            ("SL_USERNAME", "u"),
            ("SL_API_KEY", "k"),
            ("SL_ENDPOINT_URL", "http://api.softlayer.com/rest/v3.1/"),
        ];
        let err = resolve(&args(), &env, None).unwrap_err().to_string();
        assert!(
            err.contains("SL_ENDPOINT_URL") && err.contains("loopback"),
            "{err}"
        );
        let mut flags = args();
        flags.endpoint = Some("https://u:topsecret@api.softlayer.com/rest/v3.1/".into());
        let err = resolve(&flags, &env, None).unwrap_err().to_string();
        assert!(!err.contains("topsecret"), "{err}");
    }

    /// Numeric settings are validated.
    #[test]
    fn numeric_settings_validated() {
        let env = [("SL_USERNAME", "u"), ("SL_API_KEY", "k")];
        let mut flags = args();
        flags.timeout = Some(0.0);
        assert!(
            resolve(&flags, &env, None)
                .unwrap_err()
                .to_string()
                .contains("--timeout")
        );
        let mut flags = args();
        flags.rate_limit = Some(0.0);
        assert!(
            resolve(&flags, &env, None)
                .unwrap_err()
                .to_string()
                .contains("--rate-limit")
        );
        let mut flags = args();
        flags.page_size = Some(0);
        assert!(
            resolve(&flags, &env, None)
                .unwrap_err()
                .to_string()
                .contains("--page-size")
        );
        let mut flags = args();
        flags.connect_timeout = Some(-1.0);
        assert!(
            resolve(&flags, &env, None)
                .unwrap_err()
                .to_string()
                .contains("--connect-timeout")
        );
    }

    /// A config file's `timeout` value is never echoed: it may be a mistyped key.
    #[test]
    fn config_timeout_value_is_not_echoed() {
        let secret = "0123456789abcdef0123456789abcdef";
        let home = home_with(&format!(
            "[softlayer]\nusername = u\napi_key = k\ntimeout = {secret}\n"
        ));
        let err = resolve(&args(), &[], Some(home.path()))
            .unwrap_err()
            .to_string();
        assert!(!err.contains(secret) && !err.contains("0123"), "{err}");
        assert!(
            err.contains("`timeout` in") && err.contains("the value is not shown"),
            "{err}"
        );
    }

    /// A credential variable that is not UTF-8 is named as such, not reported missing,
    /// and its bytes are not shown; a flag makes it irrelevant.
    #[test]
    fn non_utf8_environment_is_named() {
        use std::os::unix::ffi::OsStringExt as _;
        let var = |name: &str| match name {
            "SL_USERNAME" => Some(OsString::from("u")),
            "SL_API_KEY" => Some(OsString::from_vec(b"s3cr\xffet-key".to_vec())),
            _ => None,
        };
        let env = Environment {
            var: &var,
            home: None,
        };
        let err = Settings::resolve_in(&args(), &env).unwrap_err();
        assert!(!matches!(err, SettingsError::MissingCredentials { .. }));
        let text = err.to_string();
        assert!(
            text.contains("SL_API_KEY") && text.contains("not valid UTF-8"),
            "{text}"
        );
        assert!(
            !text.contains("s3cr") && !text.contains("missing"),
            "{text}"
        );
        let mut flags = args();
        flags.api_key = Some("flag-key".into());
        assert!(Settings::resolve_in(&flags, &env).is_ok());
    }

    /// A credential of 100 KB is refused before any call, with its size and source, unshown.
    #[test]
    fn oversized_credentials_are_refused() {
        let key = "k".repeat(100 * 1024);
        let err = resolve(&args(), &[("SL_USERNAME", "u"), ("SL_API_KEY", &key)], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "invalid API key (from environment variable SL_API_KEY): it is 102400 bytes long"
            ),
            "{err}"
        );
        assert!(!err.contains("kkkk"), "{err}");
        let err = resolve(&args(), &[("SL_USERNAME", &key), ("SL_API_KEY", "k")], None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("invalid username"), "{err}");
        let fits = "k".repeat(MAX_CREDENTIAL_BYTES);
        assert!(
            resolve(
                &args(),
                &[("SL_USERNAME", "u"), ("SL_API_KEY", &fits)],
                None
            )
            .is_ok()
        );
    }

    /// One parser for every timeout: finite, more than 0, at most a day; the message says the range.
    #[test]
    fn parse_seconds_is_strict() {
        assert_eq!(parse_seconds("7.5"), Ok(7.5));
        assert_eq!(parse_seconds(" 30 "), Ok(30.0));
        assert_eq!(parse_seconds("86400"), Ok(86_400.0));
        for bad in [
            "", "soon", "10s", "0", "0.0", "-1", "-0.5", "NaN", "nan", "inf", "-inf", "infinity",
            "86400.5", "1e300", "1e999",
        ] {
            let err = parse_seconds(bad).expect_err(bad);
            assert!(
                err.contains("more than 0 and at most 86400"),
                "{bad}: {err}"
            );
        }
        assert!(parse_seconds("soon").unwrap_err().contains("`soon`"));
        let err = parse_seconds("\u{1b}[2J").unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err}");
    }

    /// The config file's timeout is refused when not a number in range, naming file and key;
    /// 0 is the SDK's "no timeout" and gives the default.
    #[test]
    fn config_file_timeout_is_strict() {
        for bad in ["soon", "-5", "NaN", "inf", "100000", "1e12"] {
            let home = home_with(&format!(
                "[softlayer]\nusername = u\napi_key = k\ntimeout = {bad}\n"
            ));
            let err = resolve(&args(), &[], Some(home.path()))
                .unwrap_err()
                .to_string();
            let file = home.path().join(".softlayer");
            assert!(
                err.contains(&format!("`timeout` in {}", file.display()))
                    && err.contains("more than 0 and at most 86400"),
                "{bad}: {err}"
            );
        }
        let home = home_with("[softlayer]\nusername = u\napi_key = k\ntimeout = 0.0\n");
        let settings = resolve(&args(), &[], Some(home.path())).unwrap();
        assert_eq!(settings.timeout, Duration::from_secs(120));
        // A flag wins over a broken file value, which is then not read.
        let home = home_with("[softlayer]\nusername = u\napi_key = k\ntimeout = soon\n");
        let mut flags = args();
        flags.timeout = Some(3.0);
        let settings = resolve(&flags, &[], Some(home.path())).unwrap();
        assert_eq!(settings.timeout, Duration::from_secs(3));
    }

    /// Timeouts set in code (not through clap) are checked by the same rule.
    #[test]
    fn timeouts_set_in_code_are_checked() {
        let env = [("SL_USERNAME", "u"), ("SL_API_KEY", "k")];
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            let mut flags = args();
            flags.timeout = Some(bad);
            let err = resolve(&flags, &env, None).unwrap_err().to_string();
            assert!(
                err.contains("--timeout") && err.contains("at most 86400"),
                "{err}"
            );
            let mut flags = args();
            flags.connect_timeout = Some(bad);
            let err = resolve(&flags, &env, None).unwrap_err().to_string();
            assert!(err.contains("--connect-timeout"), "{err}");
        }
    }

    /// Username `apikey` marks an IBM Cloud key; the Basic header is built the same way.
    #[test]
    fn ibm_cloud_api_key() {
        let settings = resolve(
            &args(),
            &[("SL_USERNAME", "apikey"), ("SL_API_KEY", "IAMKEY123")],
            None,
        )
        .unwrap();
        assert!(settings.is_ibm_cloud_api_key());
        assert_eq!(
            settings.credentials().authorization(),
            "Basic YXBpa2V5OklBTUtFWTEyMw=="
        );
    }

    /// The Basic header matches the reference capture.
    #[test]
    fn basic_header_matches_capture() {
        let key = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
        let settings = resolve(
            &args(),
            &[("SL_USERNAME", "testuser"), ("SL_API_KEY", key)],
            None,
        )
        .unwrap();
        assert_eq!(
            settings.credentials().authorization(),
            "Basic dGVzdHVzZXI6YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OQ=="
        );
    }

    /// Debug output of settings never shows the key.
    #[test]
    fn debug_hides_the_key() {
        let settings = resolve(
            &args(),
            &[("SL_USERNAME", "u"), ("SL_API_KEY", "s3cr3t-k3y")],
            None,
        )
        .unwrap();
        let debug = format!("{settings:?} {:?}", settings.credentials());
        assert!(!debug.contains("s3cr3t-k3y"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    /// Debug output of the connection flags never shows the key.
    #[test]
    fn connection_args_debug_hides_the_key() {
        let mut flags = args();
        flags.api_key = Some("flag-k3y-secret".into());
        let debug = format!("{flags:?}");
        assert!(
            !debug.contains("flag-k3y-secret") && debug.contains("<redacted>"),
            "{debug}"
        );
    }

    /// Emulator settings point at the loopback URL with dummy credentials and the given knobs.
    #[test]
    fn emulator_settings() {
        let mut connection = args();
        connection.page_size = Some(7);
        let settings = Settings::for_emulator("http://127.0.0.1:4567/rest/v3.1/", &connection);
        assert_eq!(settings.endpoint(), "http://127.0.0.1:4567/rest/v3.1/");
        assert!(settings.is_loopback());
        assert_eq!(settings.page_size, 7);
        assert_eq!(settings.endpoint_source, Source::Internal);
    }

    /// The default rate limit is lifted for an emulator; an explicit other one is kept.
    #[test]
    fn emulator_rate_limit() {
        let url = "http://127.0.0.1:4567/rest/v3.1/";
        let settings = Settings::for_emulator(url, &args());
        assert_eq!(settings.rate_limit, EMULATOR_RATE_LIMIT);
        let mut connection = args();
        connection.rate_limit = Some(3.0);
        assert_eq!(Settings::for_emulator(url, &connection).rate_limit, 3.0);
        connection.rate_limit = Some(f64::NAN);
        assert_eq!(
            Settings::for_emulator(url, &connection).rate_limit,
            EMULATOR_RATE_LIMIT
        );
    }
}
