//! Reading a plan file back: refuse anything that is not a complete,
//! unedited plan of this format whose calls follow from its own facts.
//!
//! The digest catches truncation and accidental edits (it is not a
//! signature: anyone can recompute it). Every `cancel` item is therefore
//! also checked for consistency: its fingerprint must be the hash of its
//! observed facts, and its call must be the one the planner would make from
//! those facts, so a call cannot be pointed at another object. Apply then
//! compares those facts with the live object before acting.

use super::build::summarise;
use super::call::cancel_call;
use super::digest::{fingerprint, is_sealed};
use super::model::{FORMAT_VERSION, Plan, PlanItem, State, Timing};
use crate::manifest::model::{CancelOptions, Kind, Reason, Via, When};
use crate::resolve::billing_item::owning_kind;
use crate::resolve::load_balancer::LBAAS;
use crate::resolve::resource::Resource;

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("{path}: not a plan file ({detail})")]
    Unreadable { path: String, detail: String },
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
/// cancel may be cancelled by its own facts and carries the call they imply.
pub fn check_items(path: &str, plan: &Plan) -> Result<(), PlanFileError> {
    if summarise(&plan.items) != plan.summary {
        return Err(PlanFileError::Inconsistent {
            path: path.to_string(),
            item: "summary".into(),
            detail: "the summary does not count the items".into(),
        });
    }
    for item in plan.items.iter().filter(|i| i.state == State::Cancel) {
        let fail = |detail: &str| PlanFileError::Inconsistent {
            path: path.to_string(),
            item: format!("{} {}", item.kind, item.id),
            detail: detail.to_string(),
        };
        let observed = item
            .observed
            .as_ref()
            .ok_or_else(|| fail("no observed facts"))?;
        if observed.kind != item.kind || observed.id != item.id {
            return Err(fail("the observed facts belong to another object"));
        }
        if fingerprint(observed) != item.fingerprint {
            return Err(fail(
                "the fingerprint is not the hash of the observed facts",
            ));
        }
        if planned_call(item).as_ref() != item.call.as_ref() {
            return Err(fail("the call is not the one its facts and options imply"));
        }
        if let Some(why) = not_cancellable(plan, item, observed) {
            return Err(fail(&format!("its own facts forbid cancelling it ({why})")));
        }
    }
    Ok(())
}

/// The planner's preconditions that an item's observed facts alone decide:
/// a `cancel` item violating one was not made by the planner.
fn not_cancellable(plan: &Plan, item: &PlanItem, r: &Resource) -> Option<&'static str> {
    let lbaas = r.variant.as_deref() == Some(LBAAS);
    let ticket = item
        .call
        .as_ref()
        .is_some_and(|c| c.method == "createCancelServerTicket");
    if r.open_ticket.is_some() || r.active_transaction {
        return Some("an open ticket or a running transaction");
    }
    if !r.occupants.is_empty() {
        return Some("objects still on it");
    }
    if item.timing == Some(Timing::Immediate) && r.kind == Kind::Hardware && !r.is_hourly() {
        return Some("monthly bare metal, immediately");
    }
    let lead = r
        .shares_billing_with
        .iter()
        .all(|o| (o.kind, o.id) > (r.kind, r.id));
    let siblings_planned = r.shares_billing_with.iter().all(|o| {
        plan.items
            .iter()
            .any(|i| i.kind == o.kind && i.id == o.id && i.state == State::Waiting)
    });
    if !(lead && siblings_planned) {
        return Some("its billing item also bills objects the plan does not retire with it");
    }
    let Some(billing) = &r.billing else {
        return (!lbaas).then_some("no billing item");
    };
    if billing.cancellation_date.is_some() || billing.cancellation_requested {
        return Some("already scheduled");
    }
    if billing.parent_id.is_some() {
        return Some("a child billing item");
    }
    if !billing.allow_cancellation && !ticket {
        return Some("not cancellable through the API");
    }
    if r.kind == Kind::BillingItem && owning_kind(&billing.category).is_some() {
        return Some("a billing item another kind owns");
    }
    None
}

/// The call the planner makes for `item` from its facts and options.
fn planned_call(item: &PlanItem) -> Option<super::model::ApiCall> {
    let observed = item.observed.as_ref()?;
    let timing = item.timing?;
    let via = match item.call.as_ref().map(|c| c.method.as_str()) {
        Some("createCancelServerTicket") => Via::Ticket,
        _ => Via::Api,
    };
    let options = CancelOptions {
        when: match timing {
            Timing::Immediate => When::Immediate,
            Timing::Anniversary => When::Anniversary,
        },
        via,
        reason: Reason::parse(item.reason.as_deref()?)?,
        note: item.note.clone(),
    };
    cancel_call(observed, timing, &options)
}
