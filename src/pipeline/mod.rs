//! The composition root: where the engines meet the API client. One place
//! assembles the pipeline (manifests -> fetch -> selection -> plan, and a
//! plan -> apply) for the commands, the tests and the benchmark alike, and
//! holds the decisions around it that are not about the terminal: which
//! account a run may touch, whether `apply` was given a plan or manifests.

mod adapter;
mod follow;
mod session;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::apply::{self, Apply, Observer, Report, journal};
use crate::manifest::{self, model::Manifests};
use crate::plan::build::{PlanContext, build};
use crate::plan::model::{Plan, PlanAccount};
use crate::plan::retired::Retired;
use crate::plan::target::{Target, narrow};
use crate::plan::verify;
use crate::resolve::fetch::{Api, FetchError, Fetched, fetch_observed};
use crate::resolve::progress::{FetchObserver, Unobserved};
use crate::resolve::selection::select;
use crate::terminal_text::escape_controls;

pub use follow::{Following, following, revert, revert_plan, status};
pub use session::{Session, fixed_now};

/// Plans `manifests` against what `api` returns.
pub fn plan(
    api: &dyn Api,
    manifests: &Manifests,
    context: &PlanContext,
) -> Result<Plan, FetchError> {
    plan_observed(api, manifests, context, &Unobserved)
}

/// [`plan`], telling `observer` how far reading each kind has come.
pub fn plan_observed(
    api: &dyn Api,
    manifests: &Manifests,
    context: &PlanContext,
    observer: &dyn FetchObserver,
) -> Result<Plan, FetchError> {
    let fetched = fetch_observed(api, manifests, context.now, observer)?;
    Ok(plan_fetched(manifests, &fetched, context))
}

/// Plans `manifests` from objects already fetched (and matched).
pub fn plan_fetched(manifests: &Manifests, fetched: &Fetched, context: &PlanContext) -> Plan {
    build(manifests, &select(manifests, fetched), context)
}

/// Plans `manifests` against the session's account, narrowed to `targets`
/// when there are any (a partial plan). The manifests' account must be the
/// credentials' account before anything else is read. What earlier applies
/// retired comes from `journal` (by default the account's journal, when
/// there is one). `observer` follows the reading (a progress display).
pub fn plan_account(
    session: &Session,
    manifests: &Manifests,
    journal: Option<&Path>,
    targets: &[Target],
    observer: &dyn FetchObserver,
) -> anyhow::Result<Plan> {
    let account = session.account()?;
    if account.id != manifests.account {
        anyhow::bail!(
            "the manifests pin account {} but the credentials belong to account {} ({}); nothing was read",
            manifests.account,
            account.id,
            escape_controls(&account.company)
        );
    }
    let context = PlanContext {
        account: PlanAccount {
            id: account.id,
            company: account.company,
        },
        endpoint: session.endpoint.clone(),
        now: session.now,
        clock: session.clock,
        retired: retired(manifests.account, journal)?,
    };
    let plan = plan_observed(&session.client, manifests, &context, observer)?;
    Ok(narrow(plan, targets))
}

/// What the journal says earlier applies on `account` cancelled. A journal
/// that does not exist yet holds nothing; one that cannot be read is an
/// error (a plan must not forget what was done).
pub fn retired(account: u64, journal: Option<&Path>) -> anyhow::Result<Vec<Retired>> {
    let path = journal.map_or_else(|| journal::default_path(account), Path::to_path_buf);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let lines = journal::read(&path)?;
    Ok(journal::retired(&lines, account))
}

/// What `apply` was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyInput {
    /// A saved plan file: performed without a prompt.
    PlanFile(PathBuf),
    /// Manifests: planned, shown and confirmed first.
    Manifests,
}

impl ApplyInput {
    /// A single file that is not a manifest (`*.yaml`/`*.yml`) is a plan
    /// file; directories and manifests mean "plan these". Both at once, or
    /// several plan files, are refused.
    pub fn of(paths: &[PathBuf]) -> anyhow::Result<ApplyInput> {
        let extension = |p: &Path| {
            p.extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default()
        };
        let is_manifest = |p: &Path| p.is_dir() || matches!(extension(p).as_str(), "yaml" | "yml");
        match paths {
            [path] if is_manifest(path) => Ok(ApplyInput::Manifests),
            [path] if path.exists() => Ok(ApplyInput::PlanFile(path.clone())),
            [path] if extension(path) == "json" => anyhow::bail!(
                "{}: no such plan file (give a plan file from `plan --out`, or manifests: *.yaml files or directories)",
                path.display()
            ),
            // Neither a plan file nor a manifest that exists: the manifest
            // loader names it (`manifest::path-not-found`), as `plan` does.
            [_] => Ok(ApplyInput::Manifests),
            _ if paths.iter().all(|p| is_manifest(p)) => Ok(ApplyInput::Manifests),
            _ if paths.iter().all(|p| !is_manifest(p)) => anyhow::bail!(
                "give one plan file, not {}: apply performs one reviewed plan at a time",
                paths.len()
            ),
            _ => anyhow::bail!(
                "give one plan file (from `plan --out`), or manifests (*.yaml files or directories), not both"
            ),
        }
    }
}

/// Refuses to apply the saved plan at `shown` with this session: a plan
/// made against a snapshot needs `--snapshot`, and the credentials must
/// belong to the plan's account.
pub fn check_saved_plan(
    session: &Session,
    plan: &Plan,
    shown: &str,
    rehearsal: bool,
) -> anyhow::Result<()> {
    if plan.endpoint.starts_with("snapshot:") && !rehearsal {
        anyhow::bail!(
            "{shown} was planned against a snapshot ({}): plan against the live account to apply, or rehearse this plan with --snapshot",
            plan.endpoint
        );
    }
    let account = session.account()?;
    if account.id != plan.account.id {
        anyhow::bail!(
            "{shown} was made for account {} but the credentials belong to account {} ({}); refusing to apply it",
            plan.account.id,
            account.id,
            escape_controls(&account.company)
        );
    }
    Ok(())
}

/// Verifies a saved plan before it is applied (see `plan::verify`): its
/// signature when `key` is set, then its age and every decision, judged
/// again from the manifests it records, read from their recorded paths
/// (below `checkout` when given). On failure the diagnostics of manifests
/// that no longer validate come back to be shown.
pub fn verify_saved_plan(
    plan: &Plan,
    checkout: Option<&Path>,
    key: Option<&str>,
    now: jiff::Timestamp,
    max_age: std::time::Duration,
) -> Result<(), SavedPlanError> {
    if let Some(key) = key {
        verify::check_signature(plan, key)?;
    }
    let recorded: Vec<String> = plan.manifests.iter().map(|m| m.path.clone()).collect();
    let loaded = manifest::load_recorded(checkout, &recorded).map_err(SavedPlanError::Manifests)?;
    let max_age = jiff::SignedDuration::try_from(max_age).unwrap_or(jiff::SignedDuration::MAX);
    verify::verify(plan, &loaded.manifests, now, max_age)?;
    Ok(())
}

/// Why a saved plan is not applied.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    /// The recorded manifests cannot be read or no longer validate.
    #[error("the plan's manifests cannot be read as they were recorded")]
    Manifests(manifest::LoadFailure),
    #[error(transparent)]
    Verify(#[from] verify::VerifyError),
}

/// Performs `plan` through the session's client; with `wait_for`, its
/// waiting items too, as what they wait for goes.
pub fn apply(
    session: &Session,
    plan: &Plan,
    observers: &[&dyn Observer],
    parallelism: usize,
    stop: &AtomicBool,
    wait_for: Option<std::time::Duration>,
) -> Report {
    apply::run(&Apply {
        plan,
        api: &session.client,
        writer: &session.client,
        observers,
        parallelism,
        stop,
        now: session.now,
        wait: &std::thread::sleep,
        wait_for,
    })
}
