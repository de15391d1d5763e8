//! The planning pipeline as `plan` and `apply` run it: manifests, the
//! account guard, fetching, selection, the plan.

use std::time::Instant;

use jiff::Timestamp;

use super::Term;
use super::session::Session;
use crate::manifest::{self, model::Manifests};
use crate::plan::build::{PlanContext, build};
use crate::plan::model::{Plan, PlanAccount};
use crate::resolve::{fetch, selection};

/// Loads the manifests, or prints every diagnostic and returns `None`.
pub(crate) fn load_manifests(paths: &[std::path::PathBuf], term: &Term) -> Option<Manifests> {
    match manifest::load(paths) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                term.say(&manifest::render_human(
                    &loaded.warnings,
                    &loaded.sources,
                    term.stderr_color,
                ));
            }
            Some(loaded.manifests)
        }
        Err(failure) => {
            term.say(&manifest::render_human(
                &failure.diagnostics,
                &failure.sources,
                term.stderr_color,
            ));
            None
        }
    }
}

/// Makes the plan: the manifest's account must be the credentials' account
/// before anything else is read.
pub(crate) fn make_plan(
    session: &Session,
    manifests: &Manifests,
    now: Timestamp,
    term: &Term,
) -> anyhow::Result<Plan> {
    let started = Instant::now();
    let account = session.account()?;
    if account.id != manifests.account {
        anyhow::bail!(
            "the manifests pin account {} but the credentials belong to account {} ({}); nothing was read",
            manifests.account,
            account.id,
            account.company
        );
    }
    let fetched = fetch::fetch(&session.client, manifests, now)?;
    let selection = selection::select(manifests, &fetched, now);
    let context = PlanContext {
        account: PlanAccount {
            id: account.id,
            company: account.company,
        },
        endpoint: session.endpoint.clone(),
        now,
    };
    let plan = build(manifests, &selection, &context);
    let entries = manifests.entries.len();
    term.say(&format!(
        "Planned {entries} entr{} in {:.2}s with {} API calls.\n",
        if entries == 1 { "y" } else { "ies" },
        started.elapsed().as_secs_f64(),
        session.client.calls_made()
    ));
    Ok(plan)
}
