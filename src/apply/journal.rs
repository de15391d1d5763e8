//! The apply journal: one JSON line per action, appended and flushed as it
//! happens, so a crash or Ctrl-C loses nothing that was done. It holds plan
//! facts and API messages only, never credentials.
//!
//! The journal is also what slretire remembers: `plan` reads which objects
//! earlier applies retired (they may be gone from the account), `status`
//! follows every cancellation in it, `revert` voids the pending ones and
//! appends its own lines (`"action": "void"`).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{ActionResult, Observer, Outcome};
use crate::input_file;
use crate::kinds::Kind;
use crate::plan::model::{Plan, PlanItem, Timing};
use crate::plan::retired::Retired;
use crate::resolve::money::Money;

/// The journal of `account` when `--journal` does not name one.
pub fn default_path(account: u64) -> PathBuf {
    Path::new(".slretire").join(format!("journal-{account}.jsonl"))
}

/// What a line records: a cancellation by `apply`, or a void by `revert`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    #[default]
    Cancel,
    Void,
}

/// The object a line is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub kind: Kind,
    pub id: u64,
    pub name: String,
    /// The LBaaS uuid (an id alone is ambiguous for load balancers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

/// One journal line. Fields added after the first journals were written
/// default when absent, so older journals still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// When the action finished.
    pub time: Timestamp,
    pub account: u64,
    /// The digest of the plan the action belongs to (for `revert`, of the
    /// plan the cancellation came from).
    pub plan: String,
    /// The plan's endpoint (`snapshot:FILE` for a rehearsal, whose lines
    /// describe no real account).
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub action: Action,
    pub item: LineItem,
    /// The call, as text.
    pub call: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub error: Option<String>,
    pub attempts: u32,
    pub elapsed_ms: u64,
    /// The manifest entries the item came from (`file:line`): how a later
    /// plan of the same manifests knows what it retired.
    #[serde(default)]
    pub origins: Vec<String>,
    #[serde(default)]
    pub timing: Option<Timing>,
    /// When an anniversary cancellation takes effect.
    #[serde(default)]
    pub effective_date: Option<Timestamp>,
    /// The monthly fee the cancellation retires (decimal string).
    #[serde(default)]
    pub monthly_fee: Option<Money>,
}

impl Line {
    /// Whether the line describes a real account (not a `--snapshot`
    /// rehearsal, whose world is gone once the rehearsal ends).
    pub fn is_live(&self) -> bool {
        !self
            .endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("snapshot:"))
    }

    /// The line of an apply action on `item`.
    pub fn of_apply(plan: &Plan, item: &PlanItem, result: &ActionResult) -> Line {
        let failed = matches!(result.outcome, Outcome::Failed);
        Line {
            time: result.finished_at,
            account: plan.account.id,
            plan: plan.digest.clone(),
            endpoint: Some(plan.endpoint.clone()),
            action: Action::Cancel,
            item: LineItem {
                kind: item.kind,
                id: item.id,
                name: item.name.clone(),
                uuid: item.uuid().map(str::to_string),
            },
            call: item.call.as_ref().map(ToString::to_string),
            reason: item.reason.clone(),
            note: item.note.clone(),
            outcome: result.outcome,
            detail: (!failed).then(|| result.detail.clone()),
            error: failed.then(|| result.detail.clone()),
            attempts: result.attempts,
            elapsed_ms: u64::try_from(result.elapsed.as_millis()).unwrap_or(u64::MAX),
            origins: item.origins.clone(),
            timing: item.timing,
            effective_date: item.effective_date,
            monthly_fee: item.monthly_fee,
        }
    }
}

/// The objects the lines say an apply on `account` cancelled, each once
/// (the latest), unless a later `revert` voided the cancellation.
/// Rehearsals (`--snapshot`) cancelled nothing real and are left out.
pub fn retired(lines: &[Line], account: u64) -> Vec<Retired> {
    let mut latest: BTreeMap<(Kind, u64, Option<String>), Option<Retired>> = BTreeMap::new();
    for line in lines.iter().filter(|l| l.account == account && l.is_live()) {
        let key = (line.item.kind, line.item.id, line.item.uuid.clone());
        match (line.action, line.outcome) {
            (Action::Cancel, Outcome::Cancelled) => {
                latest.insert(
                    key,
                    Some(Retired {
                        kind: line.item.kind,
                        id: line.item.id,
                        uuid: line.item.uuid.clone(),
                        name: line.item.name.clone(),
                        origins: line.origins.clone(),
                        at: line.time,
                        plan: line.plan.clone(),
                    }),
                );
            }
            (Action::Void, Outcome::Voided) => {
                latest.insert(key, None);
            }
            _ => {}
        }
    }
    latest.into_values().flatten().collect()
}

/// Why a journal cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Read(input_file::InputFileError),
    #[error("{path}:{line}: not a journal line ({detail})")]
    Line {
        path: String,
        line: usize,
        detail: String,
    },
}

/// Journals grow by a few hundred bytes an action.
const MAX_JOURNAL_BYTES: u64 = 1024 * 1024 * 1024;

/// Reads every line of the journal at `path`. A last line without its
/// newline is a write a crash cut short, and is left out.
pub fn read(path: &Path) -> Result<Vec<Line>, JournalError> {
    let text =
        input_file::read_text(path, MAX_JOURNAL_BYTES, "a journal").map_err(JournalError::Read)?;
    parse(&path.display().to_string(), &text)
}

/// Parses journal text read from `path`.
pub fn parse(path: &str, text: &str) -> Result<Vec<Line>, JournalError> {
    let complete = if text.ends_with('\n') {
        text
    } else {
        text.rfind('\n').map_or("", |end| &text[..=end])
    };
    complete
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| JournalError::Line {
                path: path.to_string(),
                line: n + 1,
                detail: e.to_string(),
            })
        })
        .collect()
}

/// An open journal file.
#[derive(Debug)]
pub struct Journal {
    file: Mutex<File>,
    plan: Option<Plan>,
    /// The first write error, reported when the apply ends.
    error: Mutex<Option<String>>,
}

impl Journal {
    /// Opens `path` for appending (creating it and its directory), for the
    /// actions of `plan`. Only a regular file is a journal: `/dev/null`
    /// keeps nothing, `/dev/full` refuses every line, and a pipe may block;
    /// any of them would be found out only after the first cancellations,
    /// with no record of them. Checked before opening (opening a FIFO
    /// blocks) and again on the open file.
    pub fn open(path: &Path, plan: &Plan) -> std::io::Result<Journal> {
        let mut journal = Journal::open_file(path)?;
        journal.plan = Some(plan.clone());
        Ok(journal)
    }

    /// Opens `path` for appending lines made by the caller (`revert`).
    pub fn open_file(path: &Path) -> std::io::Result<Journal> {
        let not_a_file = || {
            std::io::Error::other(
                "not a regular file: a journal must be a file that keeps every line (give a file path to --journal)",
            )
        };
        if std::fs::metadata(path).is_ok_and(|meta| !meta.is_file()) {
            return Err(not_a_file());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        if !file.metadata()?.is_file() {
            return Err(not_a_file());
        }
        // Each line is synced; a file that cannot be synced fails now.
        file.sync_data()?;
        Ok(Journal {
            file: Mutex::new(file),
            plan: None,
            error: Mutex::new(None),
        })
    }

    /// The first error met while writing, if any.
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// Appends `line` and syncs it to disk: on disk before the next action
    /// starts, so a crash loses nothing done.
    pub fn record(&self, line: &Line) {
        // Through a JSON value: its keys come out sorted, as they always have.
        let mut text = serde_json::to_value(line)
            .map(|v| v.to_string())
            .unwrap_or_default();
        text.push('\n');
        let written = match self.file.lock() {
            Ok(mut file) => file
                .write_all(text.as_bytes())
                .and_then(|()| file.sync_data()),
            Err(_) => Err(std::io::Error::other("journal lock poisoned")),
        };
        if let (Err(e), Ok(mut first)) = (written, self.error.lock()) {
            first.get_or_insert_with(|| e.to_string());
        }
    }
}

impl Observer for Journal {
    fn failed(&self) -> bool {
        self.error().is_some()
    }

    fn finished(&self, item: &PlanItem, result: &ActionResult) {
        if let Some(plan) = &self.plan {
            self.record(&Line::of_apply(plan, item, result));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line as the first journals wrote it (without the fields added
    /// since) still reads; a cut-off last line is left out; a broken line
    /// elsewhere is named.
    #[test]
    fn older_and_torn_journals() {
        let old = r#"{"account":278184,"attempts":1,"call":"SoftLayer_Virtual_Guest(1)::deleteObject()","detail":"ok","elapsed_ms":3,"error":null,"item":{"id":1,"kind":"virtual_guest","name":"a"},"note":null,"outcome":"cancelled","plan":"sha256:ab","reason":"No longer needed","time":"2026-11-22T12:00:01Z"}"#;
        let text = format!("{old}\n{{\"account\":27");
        let lines = parse("j", &text).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].action, Action::Cancel);
        assert_eq!(lines[0].outcome, Outcome::Cancelled);
        assert!(lines[0].origins.is_empty() && lines[0].is_live());
        let err = parse("j", &format!("garbage\n{old}\n")).unwrap_err();
        assert!(
            err.to_string().starts_with("j:1: not a journal line"),
            "{err}"
        );
    }
}
