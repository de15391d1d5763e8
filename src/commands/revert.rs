//! `slretire revert`: show which pending cancellations this tool made can
//! be voided and which cannot, ask for the account id, void them.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;

use crate::apply::journal::{Action, Journal, Line, LineItem};
use crate::apply::{ActionResult, Outcome};
use crate::cli::RevertArgs;
use crate::commands::{EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, Term};
use crate::follow::read_input;
use crate::follow::render::revert_plan;
use crate::follow::revert::{Observer, Step, Undo};
use crate::pipeline::{self, Session};
use crate::plan::model::ApiCall;
use crate::terminal_text::escape_controls;

use super::connection::overrides;

pub(crate) fn run(args: &RevertArgs, term: &Term) -> anyhow::Result<i32> {
    if !args.auto_approve && !std::io::stdin().is_terminal() {
        // Refuse before reading anything: nobody could approve the voids.
        anyhow::bail!(
            "stdin is not a terminal, so there is nobody to confirm: pass --auto-approve"
        );
    }
    let inputs = args
        .paths
        .iter()
        .map(|p| read_input(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let session = Session::open(&overrides(&args.connection), None, &[])?;
    let following = pipeline::following(&session, inputs, args.journal.as_deref())?;
    let (account, journal_path) = (following.account, following.journal.clone());
    let sources = following.sources.clone();
    let steps = pipeline::revert_plan(&session, following)?;
    term.out(&revert_plan(account, &sources, &steps))?;
    let voids = steps
        .iter()
        .filter(|s| matches!(s.undo, Undo::Void(_)))
        .count();
    if voids == 0 {
        term.out("\nNothing to revert.\n")?;
        return Ok(EXIT_OK);
    }
    if !args.auto_approve {
        term.say(&format!(
            "\nThis voids the {voids} pending cancellation{} above: {} billed again.\nType the account id ({account}) to revert: ",
            if voids == 1 { "" } else { "s" },
            if voids == 1 { "it will be" } else { "they will be" }
        ));
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != account.to_string() {
            term.error("revert cancelled; nothing was changed");
            return Ok(EXIT_FAILURE);
        }
    }
    let journal = Journal::open_file(&journal_path)
        .with_context(|| format!("opening the journal {}", journal_path.display()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
    term.say(&format!(
        "Voiding {voids} cancellation{}; journal: {}\n",
        if voids == 1 { "" } else { "s" },
        journal_path.display()
    ));
    let observer = Lines {
        journal: &journal,
        account,
        endpoint: session.endpoint.clone(),
        term,
        total: voids,
        done: std::sync::atomic::AtomicUsize::new(0),
    };
    let results = pipeline::revert(&session, &steps, &observer, &stop);
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    let cannot = steps
        .iter()
        .filter(|s| matches!(s.undo, Undo::Cannot(_)))
        .count();
    let interrupted = stop.load(Ordering::SeqCst);
    let _ = term.out(&format!(
        "{}: {} voided, {} not cancelled any more, {} changed, {} failed{}; {cannot} cannot be undone.\n",
        if interrupted { "Revert interrupted" } else { "Revert complete" },
        count(Outcome::Voided),
        count(Outcome::AlreadyDone),
        count(Outcome::Drifted),
        count(Outcome::Failed),
        match count(Outcome::Skipped) {
            0 => String::new(),
            n => format!(", {n} not attempted"),
        }
    ));
    if let Some(error) = journal.error() {
        term.error(&format!(
            "writing the journal {} failed, so revert stopped: {error}",
            journal_path.display()
        ));
        return Ok(EXIT_FAILURE);
    }
    let failed = count(Outcome::Failed) + count(Outcome::Drifted) > 0;
    Ok(if interrupted {
        EXIT_INTERRUPTED
    } else if failed {
        EXIT_FAILURE
    } else {
        EXIT_OK
    })
}

/// Journals each void (before it is shown) and prints one line for it.
struct Lines<'a> {
    journal: &'a Journal,
    account: u64,
    endpoint: String,
    term: &'a Term,
    total: usize,
    done: std::sync::atomic::AtomicUsize,
}

impl Observer for Lines<'_> {
    fn failed(&self) -> bool {
        self.journal.error().is_some()
    }

    fn finished(&self, step: &Step, call: &ApiCall, result: &ActionResult) {
        let t = &step.tracked;
        let failed = result.outcome == Outcome::Failed;
        self.journal.record(&Line {
            time: result.finished_at,
            account: self.account,
            plan: t.plan.clone(),
            endpoint: Some(self.endpoint.clone()),
            action: Action::Void,
            item: LineItem {
                kind: t.kind,
                id: t.id,
                name: t.name.clone(),
                uuid: t.uuid.clone(),
            },
            call: Some(call.to_string()),
            reason: None,
            note: None,
            outcome: result.outcome,
            detail: (!failed).then(|| result.detail.clone()),
            error: failed.then(|| result.detail.clone()),
            attempts: result.attempts,
            elapsed_ms: u64::try_from(result.elapsed.as_millis()).unwrap_or(u64::MAX),
            origins: Vec::new(),
            timing: t.timing,
            effective_date: t.effective_date,
            monthly_fee: t.monthly_fee,
        });
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let name = if t.name.is_empty() {
            String::new()
        } else {
            format!(" {}", escape_controls(&t.name))
        };
        let detail = match result.outcome {
            Outcome::Voided => String::new(),
            _ => format!(": {}", escape_controls(&result.detail)),
        };
        self.term.say(&format!(
            "[{n}/{}] {:<12} {} {}{name}{detail}\n",
            self.total,
            result.outcome.as_str(),
            t.kind,
            t.id
        ));
    }
}
