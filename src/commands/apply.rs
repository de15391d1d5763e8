//! `slretire apply`: perform a reviewed plan file without a prompt, or plan
//! manifests, show the plan and ask for the account id first.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;

use super::apply_progress::{Progress, Style};
use crate::apply::Observer;
use crate::apply::journal::Journal;
use crate::apply::lock::ApplyLock;
use crate::cli::{ApplyArgs, PlanFormat};
use crate::commands::{EXIT_CHANGES, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, Term};
use crate::manifest::model::Manifests;
use crate::pipeline::{self, ApplyInput, Session};
use crate::plan::file;
use crate::plan::model::Plan;

use super::connection::overrides;
use super::planning::{load_manifests, make_plan};

pub(crate) fn run(args: &ApplyArgs, term: &Term) -> anyhow::Result<i32> {
    let plan_path = match ApplyInput::of(&args.paths)? {
        ApplyInput::PlanFile(path) => Some(path),
        ApplyInput::Manifests => None,
    };
    if let (Some(path), false) = (&plan_path, args.target.is_empty()) {
        // A plan file is performed exactly as reviewed (as terraform
        // refuses -target with a saved plan): narrowing belongs to `plan`.
        anyhow::bail!(
            "--target narrows a plan while it is made, not a saved plan: make a partial plan with `slretire plan --target ... --out FILE` and apply that file, or apply {} whole",
            path.display()
        );
    }
    if plan_path.is_none() && !args.auto_approve && !std::io::stdin().is_terminal() {
        // Refuse before reading the account: nobody could approve the plan.
        anyhow::bail!(
            "stdin is not a terminal, so there is nobody to confirm: pass --auto-approve, or make a plan with `plan --out` and apply that file"
        );
    }
    // A plan file is checked before any connection is made.
    let saved = plan_path.as_deref().map(file::read).transpose()?;
    if let (Some(path), Some(plan)) = (&plan_path, &saved) {
        file::applicable(&path.display().to_string(), plan)?;
    }
    // Manifests too are read before connecting: a mistake in them needs no account.
    let manifests = match saved {
        Some(_) => None,
        None => match load_manifests(&args.paths, term) {
            Some(manifests) => Some(manifests),
            None => return Ok(EXIT_FAILURE),
        },
    };
    let kinds = match (&saved, &manifests) {
        (Some(plan), _) => plan.kinds(),
        (None, manifests) => manifests.as_ref().map(Manifests::kinds).unwrap_or_default(),
    };
    let session = Session::open(
        &overrides(&args.connection),
        args.snapshot.as_deref(),
        &kinds,
    )?;
    let plan = match saved {
        Some(plan) => {
            let shown = plan_path
                .as_deref()
                .unwrap_or(Path::new(""))
                .display()
                .to_string();
            // Offline still: the session has not called the API yet.
            let key = plan_key()?;
            if let Err(err) = pipeline::verify_saved_plan(
                &plan,
                args.manifests.as_deref(),
                key.as_deref(),
                session.now,
                args.max_plan_age,
            ) {
                if let pipeline::SavedPlanError::Manifests(failure) = &err {
                    term.say(&crate::manifest::render_human(
                        &failure.diagnostics,
                        &failure.sources,
                        term.stderr_color,
                    ));
                }
                anyhow::bail!("{shown}: {err}; nothing was applied");
            }
            pipeline::check_saved_plan(&session, &plan, &shown, args.snapshot.is_some())?;
            plan
        }
        None => {
            let Some(manifests) = manifests else {
                return Ok(EXIT_FAILURE);
            };
            let plan = make_plan(
                &session,
                &manifests,
                args.journal.as_deref(),
                &args.target,
                args.progress,
                term,
            )?;
            term.out(&super::plan::render(
                &plan,
                PlanFormat::Text,
                term.stdout_color,
            ))?;
            if !plan.errors.is_empty() {
                term.error("the plan failed its guards; nothing was applied");
                return Ok(EXIT_FAILURE);
            }
            if to_perform(&plan, args) == 0 {
                term.out("\nNothing to apply.\n")?;
                return Ok(EXIT_OK);
            }
            if !approved(args.auto_approve, plan.account.id, term)? {
                term.error("apply cancelled; nothing was changed");
                return Ok(EXIT_FAILURE);
            }
            plan
        }
    };
    if to_perform(&plan, args) == 0 {
        term.out("Nothing to apply: the plan cancels nothing.\n")?;
        return Ok(EXIT_OK);
    }
    perform(args, term, &session, &plan)
}

/// `SLRETIRE_PLAN_KEY`, when set: plans are signed and signatures required.
/// Its value is never shown.
pub(crate) fn plan_key() -> anyhow::Result<Option<String>> {
    match std::env::var("SLRETIRE_PLAN_KEY") {
        Ok(key) if key.is_empty() => Ok(None),
        Ok(key) => Ok(Some(key)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            anyhow::bail!("SLRETIRE_PLAN_KEY is set but is not valid UTF-8")
        }
    }
}

/// The items this apply may perform: the cancellations, and with `--wait`
/// the waiting items.
fn to_perform(plan: &Plan, args: &ApplyArgs) -> usize {
    let waiting = if args.wait.is_some() {
        plan.summary.waiting
    } else {
        0
    };
    plan.summary.cancel + waiting
}

/// Asks for the account id on the terminal (on stderr, so it shows even
/// when stdout is redirected); `--auto-approve` skips it.
fn approved(auto_approve: bool, account: u64, term: &Term) -> anyhow::Result<bool> {
    if auto_approve {
        return Ok(true);
    }
    term.say(&format!(
        "\nThis cancels the resources above; immediate cancellations cannot be undone.\nType the account id ({account}) to apply: "
    ));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == account.to_string())
}

fn perform(args: &ApplyArgs, term: &Term, session: &Session, plan: &Plan) -> anyhow::Result<i32> {
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| crate::apply::journal::default_path(plan.account.id));
    // One apply per account at a time on this machine, beside the journal.
    let lock_dir = journal_path.parent().unwrap_or(Path::new(""));
    let _lock = ApplyLock::acquire(lock_dir, plan.account.id, session.now)?;
    let journal = Journal::open(&journal_path, plan)
        .with_context(|| format!("opening the journal {}", journal_path.display()))?;
    // Off a terminal, one plain line per action (CI logs).
    let style = term.progress_style(args.progress, Style::Plain);
    let progress = Progress::new(style, term.stderr_color);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Ctrl-C stops scheduling; calls in flight finish and are journalled.
    // A second Ctrl-C leaves at once: everything done so far is on disk.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
    // The journal first: an action is on disk before it is on screen.
    let observers: [&dyn Observer; 2] = [&journal, &progress];
    let n = plan.summary.cancel;
    let waiting = match args.wait {
        Some(wait) if plan.summary.waiting > 0 => format!(
            " and up to {} waiting item{} (waiting at most {})",
            plan.summary.waiting,
            if plan.summary.waiting == 1 { "" } else { "s" },
            crate::apply::duration_text(wait)
        ),
        _ => String::new(),
    };
    term.say(&format!(
        "Applying {n} cancellation{}{waiting} of plan {} with parallelism {}; journal: {}\n",
        if n == 1 { "" } else { "s" },
        plan.digest,
        args.parallelism,
        journal_path.display()
    ));
    let report = pipeline::apply(
        session,
        plan,
        &observers,
        usize::from(args.parallelism),
        &stop,
        args.wait,
    );
    progress.finish();
    // The outcome is in the journal and the exit code even when stdout is
    // gone by now.
    let _ = term.out(&format!("{}\n", report.summary_line()));
    if let Some(error) = journal.error() {
        term.error(&format!(
            "writing the journal {} failed, so apply stopped: {error}",
            journal_path.display()
        ));
        return Ok(EXIT_FAILURE);
    }
    if progress.failed() {
        term.error("writing progress to stderr failed, so apply stopped; see the journal");
        return Ok(EXIT_FAILURE);
    }
    Ok(if report.interrupted {
        EXIT_INTERRUPTED
    } else if report.succeeded() {
        EXIT_OK
    } else if report.only_waiting_left() {
        // Nothing failed, but waiting items are still undone: a later
        // `apply --wait` (or plan) finishes them.
        term.error("waiting items are still undone: run apply --wait again later, or plan again");
        EXIT_CHANGES
    } else {
        EXIT_FAILURE
    })
}
