//! Assembling `status` and `revert`: which retirements they follow (the
//! plans and journals given, else the account's journal), the account
//! they may touch, and the reads and voids through the session's client.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::Session;
use crate::apply::ActionResult;
use crate::apply::journal::{self, Line};
use crate::follow::revert::{self, Step};
use crate::follow::status::{self, Report};
use crate::follow::tracked::{Input, Tracked, tracked};
use crate::terminal_text::escape_controls;

/// The retirements a `status` or `revert` run follows.
#[derive(Debug, Clone)]
pub struct Following {
    pub account: u64,
    /// The account's journal: what this tool did, and where `revert`
    /// appends its lines.
    pub journal: PathBuf,
    /// The files the retirements came from.
    pub sources: Vec<String>,
    pub tracked: Vec<Tracked>,
}

/// Gathers the retirements of `inputs` (the account's journal when there
/// are none) for the session's account. Every plan given must be of that
/// account; journal lines of other accounts are left out.
pub fn following(
    session: &Session,
    mut inputs: Vec<Input>,
    journal: Option<&Path>,
) -> anyhow::Result<Following> {
    let account = session.account()?;
    for input in &inputs {
        if let Input::Plan { path, plan } = input
            && plan.account.id != account.id
        {
            anyhow::bail!(
                "{path} was made for account {} but the credentials belong to account {} ({})",
                plan.account.id,
                account.id,
                escape_controls(&account.company)
            );
        }
    }
    let path = journal.map_or_else(|| journal::default_path(account.id), Path::to_path_buf);
    let history: Vec<Line> = if path.exists() {
        journal::read(&path)?
    } else {
        Vec::new()
    };
    if inputs.is_empty() {
        if !path.exists() {
            anyhow::bail!(
                "{}: no journal for account {} here; give the plan files or journals of the applies to follow",
                path.display(),
                account.id
            );
        }
        inputs.push(Input::Journal {
            path: path.display().to_string(),
            lines: Vec::new(),
        });
    }
    let sources = inputs
        .iter()
        .map(|i| match i {
            Input::Plan { path, .. } | Input::Journal { path, .. } => path.clone(),
        })
        .collect();
    Ok(Following {
        account: account.id,
        journal: path,
        sources,
        tracked: tracked(&inputs, &history, account.id),
    })
}

/// Reads every retirement back and says where each stands.
pub fn status(session: &Session, following: Following) -> anyhow::Result<Report> {
    let rows = status::status(&session.client, following.tracked, session.now)?;
    Ok(Report {
        account: following.account,
        at: session.now,
        sources: following.sources,
        rows,
    })
}

/// Reads every retirement back and decides what revert can do about each.
pub fn revert_plan(session: &Session, following: Following) -> anyhow::Result<Vec<Step>> {
    revert::plan(&session.client, following.tracked, session.now).map_err(anyhow::Error::msg)
}

/// Performs the voids of `steps` through the session's client.
pub fn revert(
    session: &Session,
    steps: &[Step],
    observer: &dyn revert::Observer,
    stop: &AtomicBool,
) -> Vec<ActionResult> {
    revert::perform(
        &session.client,
        &session.client,
        steps,
        observer,
        stop,
        session.now,
    )
}
