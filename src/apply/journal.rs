//! The apply journal: one JSON line per action, appended and flushed as it
//! happens, so a crash or Ctrl-C loses nothing that was done. It holds plan
//! facts and API messages only, never credentials.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde_json::json;

use super::{ActionResult, Observer, Outcome};
use crate::plan::model::{Plan, PlanItem};

/// An open journal file.
#[derive(Debug)]
pub struct Journal {
    file: Mutex<File>,
    plan_digest: String,
    account: u64,
    /// The first write error, reported when the apply ends.
    error: Mutex<Option<String>>,
}

impl Journal {
    /// Opens `path` for appending (creating it and its directory). Only a
    /// regular file is a journal: `/dev/null` keeps nothing, `/dev/full`
    /// refuses every line, and a pipe may block; any of them would be
    /// found out only after the first cancellations, with no record of
    /// them. Checked before opening (opening a FIFO blocks) and again on
    /// the open file.
    pub fn open(path: &Path, plan: &Plan) -> std::io::Result<Journal> {
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
            plan_digest: plan.digest.clone(),
            account: plan.account.id,
            error: Mutex::new(None),
        })
    }

    /// The first error met while writing, if any.
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    fn append(&self, line: &serde_json::Value) {
        let mut text = line.to_string();
        text.push('\n');
        let written = match self.file.lock() {
            // On disk before the next action starts: a crash loses nothing done.
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
        let failed = matches!(result.outcome, Outcome::Failed);
        self.append(&json!({
            "time": result.finished_at.to_string(),
            "account": self.account,
            "plan": self.plan_digest,
            "item": {"kind": item.kind.as_str(), "id": item.id, "name": item.name},
            "call": item.call.as_ref().map(ToString::to_string),
            "reason": item.reason,
            "note": item.note,
            "outcome": result.outcome,
            "detail": if failed { serde_json::Value::Null } else { result.detail.clone().into() },
            "error": if failed { result.detail.clone().into() } else { serde_json::Value::Null },
            "attempts": result.attempts,
            "elapsed_ms": u64::try_from(result.elapsed.as_millis()).unwrap_or(u64::MAX),
        }));
    }
}
