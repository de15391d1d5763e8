//! Command-line definitions (clap derive) and nothing else: the commands in
//! `commands/` give these values their meaning.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::plan::target::Target;
use crate::softlayer::parse_seconds;

/// A `--target` value.
fn parse_target(text: &str) -> Result<Target, String> {
    text.parse()
}

/// Retire IBM Cloud Classic (SoftLayer) resources declaratively.
///
/// Manifests in git say which resources must be gone; `plan` shows what that
/// means (costs, dates, blockers) for review; `apply` performs exactly the
/// reviewed plan.
#[derive(Debug, Parser)]
#[command(name = "slretire", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// When to use colours: auto honours NO_COLOR, CLICOLOR and CLICOLOR_FORCE
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests offline: syntax, keys, values, contradictions
    // Negative numbers reach the value checks ("must be at least ..."),
    // instead of clap's advice to put them after `--`.
    #[command(allow_negative_numbers = true)]
    Validate(ValidateArgs),
    /// Print the JSON Schema of the manifest (or of the plan document)
    #[command(allow_negative_numbers = true)]
    Schema(SchemaArgs),
    /// Resolve manifests against the account and print what apply would do
    #[command(allow_negative_numbers = true)]
    Plan(PlanArgs),
    /// Render a saved plan file again, offline
    #[command(allow_negative_numbers = true)]
    Show(ShowArgs),
    /// Compare two plan files: items added, removed and changed
    #[command(
        allow_negative_numbers = true,
        after_help = "Exit status: 0 when the plans do the same, 2 when they differ, 1 on error."
    )]
    Diff(DiffArgs),
    /// Perform a reviewed plan file, or plan and apply manifests after confirmation
    #[command(allow_negative_numbers = true)]
    Apply(ApplyArgs),
    /// Follow applied retirements to their end: reclaimed, pending, ticket open, still billed
    #[command(allow_negative_numbers = true)]
    Status(StatusArgs),
    /// Void pending cancellations this tool made (shows what it will void first)
    #[command(allow_negative_numbers = true)]
    Revert(RevertArgs),
    /// Check the credentials and print the account they belong to
    #[command(allow_negative_numbers = true)]
    Whoami(WhoamiArgs),
    /// Export the account's inventory as an emulator world file (no secrets)
    #[command(allow_negative_numbers = true)]
    Snapshot(SnapshotArgs),
    /// Serve a world file as a local SoftLayer REST API emulator
    #[command(allow_negative_numbers = true)]
    Emulator(EmulatorArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell)
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command
    Man(ManArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered diagnostics with the offending value underlined
    Human,
    /// One JSON document with every diagnostic
    Json,
    /// GitHub Actions workflow commands (`::error file=...,line=...,col=...::`)
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Terraform-like text
    Text,
    /// The plan document (the same one `--out` writes)
    Json,
    /// A pull-request comment
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Terraform-like text
    Text,
    /// The diff document
    Json,
    /// A pull-request comment section
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The manifest schema (schema/manifest.schema.json)
    Manifest,
    /// The plan document schema (schema/plan.schema.json)
    Plan,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Manifest files or directories (all *.yaml/*.yml below, sorted)
    #[arg(value_name = "PATH", default_value = "manifests")]
    pub paths: Vec<PathBuf>,

    /// How to report problems
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema to print
    #[arg(value_enum, default_value_t = SchemaKind::Manifest)]
    pub which: SchemaKind,
}

/// How to reach the API: the same sources as the official SDK.
/// `Debug` is written by hand so the API key never shows.
#[derive(Clone, Args)]
pub struct ConnectionArgs {
    /// API endpoint [env: SL_ENDPOINT_URL; else the config file; else the public REST endpoint]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// API username [else SL_USERNAME, else the config file]
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,

    /// API key [else SL_API_KEY, else the config file]; prefer the environment, flags show in `ps`
    #[arg(long, value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// SDK-style config file with a [softlayer] section [default: ~/.softlayer]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Seconds one API call may take, sending and receiving; reads that fail
    /// are retried, so a run can wait several times this [default: config
    /// file, else 120]
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,

    /// Seconds to wait for a connection
    #[arg(long, value_name = "SECS", default_value_t = ConnectionArgs::CONNECT_TIMEOUT, value_parser = parse_seconds)]
    pub connect_timeout: f64,

    /// Most API calls per second, 0.1 to 1000, shared by all threads: slretire starts there
    /// (SoftLayer allows 50 per user) and slows down while the API refuses calls for their rate
    /// [default: 50]
    #[arg(long, value_name = "N", value_parser = calls_per_second)]
    pub rate_limit: Option<f64>,

    /// Objects per page when listing, 1 to 10000
    #[arg(long, value_name = "N", default_value_t = ConnectionArgs::PAGE_SIZE, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub page_size: u32,
}

/// A rate limit: 0.1 to 1000 calls per second.
fn calls_per_second(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.1..=1000.0).contains(&value) {
        Ok(value)
    } else {
        Err("must be between 0.1 and 1000 calls per second".into())
    }
}

impl ConnectionArgs {
    /// Default of `--connect-timeout`, in seconds.
    pub const CONNECT_TIMEOUT: f64 = crate::softlayer::DEFAULT_CONNECT_TIMEOUT_SECS;
    /// Default of `--page-size`.
    pub const PAGE_SIZE: u32 = crate::softlayer::DEFAULT_PAGE_SIZE;
}

impl Default for ConnectionArgs {
    /// What the command line gives when no connection flag is set.
    fn default() -> ConnectionArgs {
        ConnectionArgs {
            endpoint: None,
            username: None,
            api_key: None,
            config: None,
            timeout: None,
            connect_timeout: ConnectionArgs::CONNECT_TIMEOUT,
            rate_limit: None,
            page_size: ConnectionArgs::PAGE_SIZE,
        }
    }
}

impl std::fmt::Debug for ConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionArgs")
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

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Manifest files or directories
    #[arg(value_name = "PATH", default_value = "manifests")]
    pub paths: Vec<PathBuf>,

    /// Write the plan document to FILE (only when every guard passes)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Output format on stdout
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,

    /// Exit 2 when the plan contains cancellations (0 none, 1 error)
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Where earlier applies recorded what they retired [default: .slretire/journal-<account>.jsonl]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Only this item (KIND:ID, e.g. virtual_guest:12345678) and what it waits for: a partial
    /// plan, marked as such; repeatable
    #[arg(long, value_name = "KIND:ID", value_parser = parse_target)]
    pub target: Vec<Target>,

    /// Plan against an account snapshot (world file) in an embedded emulator; no credentials needed
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    /// Progress while the account is read: a bar per kind on a terminal, nothing otherwise (plain:
    /// a line per kind)
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub progress: ProgressChoice,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan file written by `plan --out`
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

/// `diff` exits 0 when the plans do the same, 2 when they differ, 1 on error
/// (as `plan --detailed-exitcode`; `diff(1)` uses 1 for "differ", which
/// here means an error).
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier plan file (for a pull request: the base branch's plan)
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The later plan file
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// One reviewed plan file (from `plan --out`), or manifest files (*.yaml)
    /// and directories to plan and apply
    #[arg(value_name = "PLAN|PATH", default_value = "manifests")]
    pub paths: Vec<PathBuf>,

    /// Apply manifests without asking (a plan file never asks)
    #[arg(long)]
    pub auto_approve: bool,

    /// With manifests: plan and apply only this item (KIND:ID) and what it waits for; repeatable
    #[arg(long, value_name = "KIND:ID", value_parser = parse_target)]
    pub target: Vec<Target>,

    /// Cancellations in flight at once, 1 to 64
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: u16,

    /// Append one JSON line per action here [default: .slretire/journal-<account>.jsonl]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Progress display: bars on a terminal, plain lines otherwise
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub progress: ProgressChoice,

    /// Also perform `waiting` items: poll what they wait for (spaced, at most DURATION in all) and
    /// cancel each once everything it waits for is gone (500ms, 30s, 10m, 2h)
    #[arg(long, value_name = "DURATION", value_parser = wait_duration)]
    pub wait: Option<Duration>,

    /// Rehearse against an account snapshot (world file) in an embedded emulator
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    /// Where the plan's manifests are checked out, when not where `plan` ran
    /// (their recorded paths are read below DIR)
    #[arg(long, value_name = "DIR")]
    pub manifests: Option<PathBuf>,

    /// Refuse a plan file older than this (7d, 12h, 2w)
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = crate::manifest::parse_duration)]
    pub max_plan_age: std::time::Duration,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// A `--wait` duration: a whole number and a unit (ms, s, m, h, d).
fn wait_duration(text: &str) -> Result<Duration, String> {
    softlayer_emulator::parse_duration(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// One line per retirement and a summary
    Text,
    /// A tracking comment for an issue or pull request
    Markdown,
    /// One JSON document
    Json,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Applied plan files and journals to follow [default: the account's journal]
    #[arg(value_name = "PLAN|JOURNAL")]
    pub paths: Vec<PathBuf>,

    /// Output format on stdout
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,

    /// Exit 2 while any cancellation is pending or its ticket open (0 all done, 1 still billed or
    /// an error)
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// The journal of the applies [default: .slretire/journal-<account>.jsonl]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct RevertArgs {
    /// Applied plan files and journals whose pending cancellations to void [default: the
    /// account's journal]
    #[arg(value_name = "PLAN|JOURNAL")]
    pub paths: Vec<PathBuf>,

    /// Void without asking for the account id
    #[arg(long)]
    pub auto_approve: bool,

    /// The journal of the applies, where revert appends its own lines [default:
    /// .slretire/journal-<account>.jsonl]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressChoice {
    Auto,
    Bars,
    Plain,
    None,
}

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Where to write the world file
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Only these kinds (comma separated manifest kind names); default all
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    pub kinds: Vec<String>,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `--rate-limit-status`: 500 or 429.
fn parse_rate_limit_status(text: &str) -> Result<u16, String> {
    match text.trim() {
        "500" => Ok(500),
        "429" => Ok(429),
        _ => Err(format!("expected 500 or 429, got '{text}'")),
    }
}

#[derive(Debug, Args)]
#[command(after_help = "\
Install, for example:
  bash:        slretire completions bash > ~/.local/share/bash-completion/completions/slretire
  zsh:         slretire completions zsh > \"${fpath[1]}/_slretire\"
  fish:        slretire completions fish > ~/.config/fish/completions/slretire.fish
  powershell:  slretire completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write slretire.1 and slretire-COMMAND.1 for every command into DIR
    /// instead of printing slretire.1
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// The world file to serve
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "generate",
        conflicts_with = "generate"
    )]
    pub world: Option<PathBuf>,

    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,

    /// Added to every request
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,

    /// Share of API requests answered with a random 500 (0.0 to 1.0)
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub fail_rate: f64,

    /// Share of mutating calls that take effect but lose their response (0.0 to 1.0)
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub lose_response_rate: f64,

    /// Requests per second per user before SoftLayer's rate-limit error (0 = unlimited)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub rate_limit: u32,

    /// HTTP status of the rate-limit error: 500 (as SoftLayer was seen to answer) or 429 (with
    /// Retry-After); the body is SoftLayer's either way
    #[arg(long, value_name = "STATUS", default_value_t = 500, value_parser = parse_rate_limit_status)]
    pub rate_limit_status: u16,

    /// How long an immediately cancelled object stays visible before it is gone (404): a whole
    /// number and a unit, ms, s, m, h or d (500ms, 30s, 5m, 2h, 1d)
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub reclaim_after: String,

    /// Seed for the random faults, so a run can be reproduced
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Instead of serving: generate a realistic world of N objects
    #[arg(long, value_name = "N", requires = "out")]
    pub generate: Option<usize>,

    /// With --generate: where to write the world file
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
