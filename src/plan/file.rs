//! Reading a plan file back: refuse anything that is not a complete,
//! unedited plan of this format whose calls follow from its own facts.
//!
//! The digest catches truncation and accidental edits (it is not a
//! signature: anyone can recompute it). Every `cancel` item is therefore
//! also checked for consistency: its fingerprint must be the hash of its
//! observed facts, and its call must be the one the planner would make from
//! those facts, so a call cannot be pointed at another object. Apply then
//! compares those facts with the live object before acting.

use std::collections::BTreeMap;
use std::path::Path;

use super::build::{call_once_gone, judge, once_gone, summarise};
use super::digest::{fingerprint, is_sealed};
use super::model::{ApiCall, FORMAT_VERSION, Plan, PlanItem, State, Timing};
use crate::input_file::{self, InputFileError};
use crate::manifest::model::{CancelOptions, Reason, Via, When};
use crate::resolve::resource::{ObjectRef, Resource};

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error(transparent)]
    Read(InputFileError),
    #[error("{path}: not a plan file ({detail})")]
    Unreadable { path: String, detail: String },
    #[error(
        "{path}: this plan was written by an older format ({found}) of slretire, which this version no longer applies; make a new plan"
    )]
    Older { path: String, found: String },
    #[error(
        "{path}: plan format version {found:?} is not supported (this slretire reads version {FORMAT_VERSION})"
    )]
    Version { path: String, found: String },
    #[error(
        "{path}: the plan's digest does not match its content: the file was edited or truncated; make a new plan"
    )]
    Digest { path: String },
    #[error(
        "{path}: this plan failed its guards ({count} error{}) and cannot be applied; fix the manifests and plan again",
        if *count == 1 { "" } else { "s" }
    )]
    Failed { path: String, count: usize },
    #[error("{path}: {item}: {detail}; the file was edited, make a new plan")]
    Inconsistent {
        path: String,
        item: String,
        detail: String,
    },
}

/// Plans of real accounts are a few MB; anything far bigger is not one.
const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// Reads and checks the plan file at `path` (size, format, digest, items).
pub fn read(path: &Path) -> Result<Plan, PlanFileError> {
    let text =
        input_file::read_text(path, MAX_PLAN_BYTES, "a plan file").map_err(PlanFileError::Read)?;
    parse(&path.display().to_string(), &text)
}

/// Format versions this slretire once wrote and no longer applies.
const OLDER_VERSIONS: [&str; 1] = ["1"];

/// Parses and checks a plan document read from `path`.
pub fn parse(path: &str, text: &str) -> Result<Plan, PlanFileError> {
    // Check the version before the full shape, so a future format gets the
    // version message rather than a field error.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| PlanFileError::Unreadable {
            path: path.to_string(),
            detail: e.to_string(),
        })?;
    match value
        .get("format_version")
        .and_then(serde_json::Value::as_str)
    {
        Some(FORMAT_VERSION) => {}
        Some(older) if OLDER_VERSIONS.contains(&older) => {
            return Err(PlanFileError::Older {
                path: path.to_string(),
                found: older.to_string(),
            });
        }
        Some(other) => {
            return Err(PlanFileError::Version {
                path: path.to_string(),
                found: other.to_string(),
            });
        }
        None => {
            let detail = match value.get("format_version") {
                None => "no format_version".to_string(),
                Some(other) => format!(
                    "format_version must be a string such as \"{FORMAT_VERSION}\", found {other}"
                ),
            };
            return Err(PlanFileError::Unreadable {
                path: path.to_string(),
                detail,
            });
        }
    }
    drop(value);
    // From the text, not the value: serde_json then names the line and
    // column of a field of the wrong type.
    let plan: Plan = serde_json::from_str(text).map_err(|e| PlanFileError::Unreadable {
        path: path.to_string(),
        detail: e.to_string(),
    })?;
    if !is_sealed(&plan) {
        return Err(PlanFileError::Digest {
            path: path.to_string(),
        });
    }
    check_items(path, &plan)?;
    Ok(plan)
}

/// A plan may be applied only when it passed its guards; `show` still
/// renders one that did not, errors included.
pub fn applicable(path: &str, plan: &Plan) -> Result<(), PlanFileError> {
    if plan.errors.is_empty() {
        Ok(())
    } else {
        Err(PlanFileError::Failed {
            path: path.to_string(),
            count: plan.errors.len(),
        })
    }
}

/// Checks that the summary counts the items, and that every item to
/// cancel is what the planner's own rules make of its recorded facts: the
/// fingerprint is their hash, the rules allow the cancellation with its
/// timing, and the call is the one they imply.
pub fn check_items(path: &str, plan: &Plan) -> Result<(), PlanFileError> {
    if summarise(&plan.items) != plan.summary {
        return Err(PlanFileError::Inconsistent {
            path: path.to_string(),
            item: "summary".into(),
            detail: "the summary does not count the items".into(),
        });
    }
    // What the planner knew of the other items when it judged one.
    let decided: BTreeMap<ObjectRef, State> = plan
        .items
        .iter()
        .map(|i| {
            (
                ObjectRef {
                    kind: i.kind,
                    id: i.id,
                },
                i.state,
            )
        })
        .collect();
    let selected: BTreeMap<ObjectRef, bool> = plan
        .items
        .iter()
        .map(|i| {
            (
                ObjectRef {
                    kind: i.kind,
                    id: i.id,
                },
                i.state == State::Protected,
            )
        })
        .collect();
    // Waiting items with a call are checked like cancellations: `apply
    // --wait` sends that call once what they wait for is gone.
    let performed =
        |i: &&PlanItem| i.state == State::Cancel || (i.state == State::Waiting && i.call.is_some());
    for item in plan.items.iter().filter(performed) {
        let fail = |detail: &str| PlanFileError::Inconsistent {
            path: path.to_string(),
            item: format!("{} {}", item.kind, item.id),
            detail: detail.to_string(),
        };
        let observed = item
            .observed
            .as_ref()
            .ok_or_else(|| fail("no observed facts"))?;
        if fingerprint(item.kind, item.id, observed) != item.fingerprint {
            return Err(fail(
                "the fingerprint is not the hash of the observed facts",
            ));
        }
        let r = observed
            .to_resource(item.kind, item.id)
            .ok_or_else(|| fail("an observed address or network is not one"))?;
        let (Some(timing), Some(options)) = (item.timing, options_of(item)) else {
            return Err(fail("a cancellation without its timing or reason"));
        };
        let judged = judge(&r, &options, None, &decided, &selected, plan.created_at);
        // What the call is judged on: the object as it is, or for a
        // waiting item, as it will be once what it waits for is gone.
        let after = match (item.state, judged) {
            (State::Cancel, Ok(judged)) if judged == timing => r,
            (State::Cancel, Ok(_)) => return Err(fail("its own facts give it another timing")),
            (State::Cancel, Err((_, why, _))) => {
                return Err(fail(&format!("its own facts forbid cancelling it ({why})")));
            }
            (_, Err((State::Waiting, _, waits_for))) if waits_for == item.depends_on => {
                match call_once_gone(
                    &r,
                    &options,
                    &waits_for,
                    &decided,
                    &selected,
                    plan.created_at,
                ) {
                    Some((judged, _)) if judged == timing => once_gone(&r, &waits_for),
                    Some(_) => return Err(fail("its own facts give it another timing")),
                    None => {
                        return Err(fail(
                            "its own facts forbid cancelling it once what it waits for is gone",
                        ));
                    }
                }
            }
            _ => {
                return Err(fail(
                    "its own facts do not make it wait for the objects it names",
                ));
            }
        };
        if room_call(&after, timing, &options).as_ref() != item.call.as_ref() {
            return Err(fail("the call is not the one its facts and options imply"));
        }
    }
    Ok(())
}

/// The call the kind's room makes for `r`.
fn room_call(r: &Resource, timing: Timing, options: &CancelOptions) -> Option<ApiCall> {
    r.kind.room().cancel_call(r, timing, options)
}

/// The options a cancel item was planned with, as far as its call shows
/// them: the timing stands for `when`, a ticket call for `via: ticket`.
fn options_of(item: &PlanItem) -> Option<CancelOptions> {
    let via = match item.call.as_ref().map(|c| c.method.as_str()) {
        Some("createCancelServerTicket") => Via::Ticket,
        _ => Via::Api,
    };
    Some(CancelOptions {
        when: match item.timing? {
            Timing::Immediate => When::Immediate,
            Timing::Anniversary => When::Anniversary,
        },
        via,
        reason: Reason::parse(item.reason.as_deref()?)?,
        note: item.note.clone(),
    })
}
