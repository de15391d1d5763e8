//! The retirements `status` and `revert` follow, from what they are given:
//! plan files (the items the plan cancels, waits on or found scheduled)
//! and journals (every cancellation an apply made). The journal also tells
//! what this tool did to each: when it cancelled it, when `revert` voided it.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;

use crate::apply::Outcome;
use crate::apply::journal::{self, Action, Line};
use crate::input_file;
use crate::kinds::Kind;
use crate::plan::file;
use crate::plan::model::{Plan, PlanItem, State, Timing};
use crate::resolve::money::Money;

/// One retirement to follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    pub kind: Kind,
    pub id: u64,
    /// The LBaaS uuid.
    pub uuid: Option<String>,
    pub name: String,
    /// The monthly fee its cancellation retires; `None` when unknown.
    pub monthly_fee: Option<Money>,
    pub timing: Option<Timing>,
    /// When an anniversary (or already scheduled) cancellation takes effect.
    pub effective_date: Option<Timestamp>,
    /// The plan item, when a plan was given: drift is judged against it.
    pub planned: Option<PlanItem>,
    /// The digest of the plan it belongs to.
    pub plan: String,
    /// When this tool's cancellation of it succeeded (the journal), unless
    /// `revert` voided it since.
    pub cancelled_at: Option<Timestamp>,
    /// When `revert` voided this tool's last cancellation of it.
    pub voided_at: Option<Timestamp>,
}

impl Tracked {
    /// The date its cancellation was due to take effect: the anniversary,
    /// or for an immediate one the moment it was made.
    pub fn due(&self) -> Option<Timestamp> {
        match self.timing {
            Some(Timing::Immediate) => self.cancelled_at,
            _ => self.effective_date.or(self.cancelled_at),
        }
    }

    fn key(&self) -> (Kind, u64, Option<String>) {
        (self.kind, self.id, self.uuid.clone())
    }
}

/// A `PLAN|JOURNAL` argument, read.
#[derive(Debug, Clone)]
pub enum Input {
    Plan { path: String, plan: Box<Plan> },
    Journal { path: String, lines: Vec<Line> },
}

/// Journals and plans of real accounts stay far below this.
const MAX_INPUT_BYTES: u64 = 1024 * 1024 * 1024;

/// Reads a plan file (one JSON document with a `format_version`, checked
/// like apply checks it) or else a journal (JSON lines).
pub fn read_input(path: &Path) -> anyhow::Result<Input> {
    let shown = path.display().to_string();
    let text = input_file::read_text(path, MAX_INPUT_BYTES, "a plan file or journal")?;
    let is_plan = serde_json::from_str::<serde_json::Value>(&text)
        .is_ok_and(|v| v.get("format_version").is_some());
    if is_plan {
        let plan = file::parse(&shown, &text)?;
        return Ok(Input::Plan {
            path: shown,
            plan: Box::new(plan),
        });
    }
    let lines = journal::parse(&shown, &text)?;
    Ok(Input::Journal { path: shown, lines })
}

/// What the journal lines say this tool did to one object.
#[derive(Debug, Clone, Default)]
struct History {
    /// The latest successful cancellation.
    cancelled: Option<Line>,
    /// The latest successful void.
    voided: Option<Timestamp>,
}

/// The retirements of `inputs` on `account`, each object once, in plan
/// order. `history` holds every journal line known (the inputs' and the
/// account's journal): what this tool did. Rehearsal lines (`--snapshot`)
/// and other accounts' lines are left out.
pub fn tracked(inputs: &[Input], history: &[Line], account: u64) -> Vec<Tracked> {
    let mut done: BTreeMap<(Kind, u64, Option<String>), History> = BTreeMap::new();
    let journal_lines = inputs.iter().flat_map(|i| match i {
        Input::Journal { lines, .. } => lines.as_slice(),
        Input::Plan { .. } => &[],
    });
    for line in history
        .iter()
        .chain(journal_lines)
        .filter(|l| l.account == account && l.is_live())
    {
        let key = (line.item.kind, line.item.id, line.item.uuid.clone());
        let h = done.entry(key).or_default();
        match (line.action, line.outcome) {
            (Action::Cancel, Outcome::Cancelled)
                if h.cancelled.as_ref().is_none_or(|c| c.time <= line.time) =>
            {
                h.cancelled = Some(line.clone());
            }
            (Action::Void, Outcome::Voided) if h.voided.is_none_or(|v| v <= line.time) => {
                h.voided = Some(line.time);
            }
            _ => {}
        }
    }
    let mut out: BTreeMap<(Kind, u64, Option<String>), Tracked> = BTreeMap::new();
    for input in inputs {
        match input {
            Input::Plan { plan, .. } => {
                let followed = plan.items.iter().filter(|i| {
                    matches!(i.state, State::Cancel | State::Waiting | State::Scheduled)
                });
                for item in followed {
                    let t = of_plan_item(plan, item);
                    out.insert(t.key(), t);
                }
            }
            Input::Journal { .. } => {
                for (key, h) in &done {
                    if let Some(line) = &h.cancelled {
                        out.entry(key.clone()).or_insert_with(|| of_line(line));
                    }
                }
            }
        }
    }
    for t in out.values_mut() {
        let h = done.get(&t.key()).cloned().unwrap_or_default();
        let cancelled = h.cancelled.map(|l| l.time);
        match (cancelled, h.voided) {
            (Some(c), Some(v)) if v >= c => t.voided_at = Some(v),
            (Some(c), _) => t.cancelled_at = Some(c),
            _ => {}
        }
    }
    out.into_values().collect()
}

fn of_plan_item(plan: &Plan, item: &PlanItem) -> Tracked {
    Tracked {
        kind: item.kind,
        id: item.id,
        uuid: item.uuid().map(str::to_string),
        name: item.name.clone(),
        monthly_fee: item.monthly_fee,
        timing: item.timing,
        effective_date: item.effective_date,
        planned: Some(item.clone()),
        plan: plan.digest.clone(),
        cancelled_at: None,
        voided_at: None,
    }
}

fn of_line(line: &Line) -> Tracked {
    Tracked {
        kind: line.item.kind,
        id: line.item.id,
        uuid: line.item.uuid.clone(),
        name: line.item.name.clone(),
        monthly_fee: line.monthly_fee,
        timing: line.timing,
        effective_date: line.effective_date,
        planned: None,
        plan: line.plan.clone(),
        cancelled_at: None,
        voided_at: None,
    }
}
