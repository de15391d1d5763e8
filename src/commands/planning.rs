//! Loading manifests and planning them, with what the terminal shows
//! around it (diagnostics, the time and calls a plan took).

use std::time::Instant;

use super::Term;
use super::apply_progress::Style;
use super::plan_progress::PlanProgress;
use crate::cli::ProgressChoice;
use crate::manifest::{self, model::Manifests};
use crate::pipeline::{self, Session};
use crate::plan::model::Plan;
use crate::plan::target::Target;

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

/// Makes the plan, with `progress` shown while the account is read, and
/// says how long it took and how many calls.
pub(crate) fn make_plan(
    session: &Session,
    manifests: &Manifests,
    journal: Option<&std::path::Path>,
    targets: &[Target],
    progress: ProgressChoice,
    term: &Term,
) -> anyhow::Result<Plan> {
    let started = Instant::now();
    // Off a terminal nothing: plan outputs stay as they were in CI logs.
    let progress = PlanProgress::new(
        term.progress_style(progress, Style::Silent),
        &manifests.kinds(),
    );
    let plan = pipeline::plan_account(session, manifests, journal, targets, &progress);
    progress.finish();
    let plan = plan?;
    let entries = manifests.entries.len();
    term.say(&format!(
        "Planned {entries} entr{} in {:.2}s with {} API calls.\n",
        if entries == 1 { "y" } else { "ies" },
        started.elapsed().as_secs_f64(),
        session.client.calls_made()
    ));
    Ok(plan)
}
