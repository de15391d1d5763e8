//! Verifying a saved plan before it is applied, instead of trusting it.
//!
//! A plan file travels between CI jobs as an artifact, and its digest can
//! be recomputed by anyone. So apply judges the plan again: from the very
//! manifests it records (their content digests must match) and the facts
//! it records, the planner must arrive at exactly the plan's decisions,
//! item for item. Apply's fresh read of each object then checks that those
//! facts are still the live object's (the fingerprint). Together, nothing
//! is performed that the manifests and the account do not imply.
//!
//! Optionally, plans are signed: with `SLRETIRE_PLAN_KEY` set, `plan --out`
//! adds an HMAC-SHA256 of the digest, and apply requires a valid one.

use std::collections::BTreeSet;

use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

use super::build::{PlanContext, build};
use super::model::{Plan, PlanItem, State};
use crate::manifest::model::Manifests;
use crate::resolve::fetch::candidates;
use crate::resolve::selection::select;

/// How far in the future a plan's `created_at` may lie (clock skew between
/// the machine that planned and the one that applies).
const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// Why a saved plan is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "the plan was made at {created}, which is in the future (now {now}); refusing a plan from the future"
    )]
    FromTheFuture { created: String, now: String },
    #[error(
        "the plan was made at {created}, more than {max} ago (now {now}); plan again, or allow older plans with --max-plan-age"
    )]
    TooOld {
        created: String,
        now: String,
        max: String,
    },
    #[error("{item} is listed {count} times; a plan lists each object once")]
    Duplicate { item: String, count: usize },
    #[error(
        "the manifests differ from the ones the plan was made from ({detail}); plan again, or point --manifests at the checkout the plan was made in"
    )]
    Manifests { detail: String },
    #[error(
        "{item}: {detail}: the plan is not what its manifests and facts imply, so it was edited; make a new plan"
    )]
    Decision { item: String, detail: String },
    #[error(
        "the plan does not pass its own guards when judged again ({detail}); it was edited: make a new plan"
    )]
    Guards { detail: String },
    #[error("{0}")]
    Signature(String),
}

/// Checks `plan` against the manifests it records (`manifests`, read from
/// the recorded paths) at `now`: its age, duplicate items, the manifests'
/// digests, and every decision it would have apply perform.
pub fn verify(
    plan: &Plan,
    manifests: &Manifests,
    now: Timestamp,
    max_age: SignedDuration,
) -> Result<(), VerifyError> {
    check_age(plan, now, max_age)?;
    check_duplicates(plan)?;
    check_manifests(plan, manifests)?;
    let rebuilt = rebuild(plan, manifests);
    if !rebuilt.errors.is_empty() {
        let detail = rebuilt
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.code, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(VerifyError::Guards { detail });
    }
    for item in plan.items.iter().filter(|i| performed(i)) {
        let key = (item.kind, item.id, item.uuid());
        let again = rebuilt
            .items
            .iter()
            .find(|i| (i.kind, i.id, i.uuid()) == key)
            .ok_or_else(|| VerifyError::Decision {
                item: format!("{} {}", item.kind, item.id),
                detail: "its manifests do not select it".into(),
            })?;
        if let Some(field) = first_difference(item, again) {
            return Err(VerifyError::Decision {
                item: format!("{} {}", item.kind, item.id),
                detail: field,
            });
        }
    }
    Ok(())
}

/// Items apply acts on.
fn performed(item: &PlanItem) -> bool {
    matches!(item.state, State::Cancel | State::Waiting) && item.call.is_some()
}

fn check_age(plan: &Plan, now: Timestamp, max_age: SignedDuration) -> Result<(), VerifyError> {
    let created = plan.created_at;
    if created.duration_since(now) > CLOCK_SKEW {
        return Err(VerifyError::FromTheFuture {
            created: created.to_string(),
            now: now.to_string(),
        });
    }
    if now.duration_since(created) > max_age {
        return Err(VerifyError::TooOld {
            created: created.to_string(),
            now: now.to_string(),
            max: age_text(max_age),
        });
    }
    Ok(())
}

/// `7d`, `36h`: an age as the flag takes it.
fn age_text(age: SignedDuration) -> String {
    let hours = age.as_hours();
    if hours % 24 == 0 {
        format!("{}d", hours / 24)
    } else {
        format!("{hours}h")
    }
}

fn check_duplicates(plan: &Plan) -> Result<(), VerifyError> {
    let mut seen = BTreeSet::new();
    for item in &plan.items {
        if !seen.insert((item.kind, item.id, item.uuid())) {
            let count = plan
                .items
                .iter()
                .filter(|i| (i.kind, i.id, i.uuid()) == (item.kind, item.id, item.uuid()))
                .count();
            return Err(VerifyError::Duplicate {
                item: format!("{} {}", item.kind, item.id),
                count,
            });
        }
    }
    Ok(())
}

fn check_manifests(plan: &Plan, manifests: &Manifests) -> Result<(), VerifyError> {
    let recorded: Vec<(&str, &str)> = plan
        .manifests
        .iter()
        .map(|m| (m.path.as_str(), m.sha256.as_str()))
        .collect();
    let read: Vec<(&str, &str)> = manifests
        .files
        .iter()
        .zip(&manifests.digests)
        .map(|(f, d)| (f.as_str(), d.as_str()))
        .collect();
    if manifests.account != plan.account.id {
        return Err(VerifyError::Manifests {
            detail: format!(
                "they pin account {}, the plan is for {}",
                manifests.account, plan.account.id
            ),
        });
    }
    if recorded == read {
        return Ok(());
    }
    let changed: Vec<&str> = recorded
        .iter()
        .filter(|r| !read.contains(r))
        .map(|(path, _)| *path)
        .collect();
    let detail = if changed.is_empty() {
        "they are other files than the plan's".to_string()
    } else {
        format!("changed or missing: {}", changed.join(", "))
    };
    Err(VerifyError::Manifests { detail })
}

/// The plan the planner makes from `manifests` and the facts `plan`
/// records, at the plan's own time.
fn rebuild(plan: &Plan, manifests: &Manifests) -> Plan {
    let resources: Vec<_> = plan
        .items
        .iter()
        .filter_map(|i| i.observed.as_ref()?.to_resource(i.kind, i.id))
        .collect();
    let fetched = candidates(manifests, &resources, plan.created_at);
    let context = PlanContext {
        account: plan.account.clone(),
        endpoint: plan.endpoint.clone(),
        now: plan.created_at,
        clock: plan.clock,
        retired: super::retired::from_items(&plan.items, plan.created_at),
    };
    build(manifests, &select(manifests, &fetched), &context)
}

/// The first field in which a saved item differs from the same item
/// judged again, named for the message.
fn first_difference(saved: &PlanItem, again: &PlanItem) -> Option<String> {
    let fields: [(&str, bool); 15] = [
        ("state", saved.state == again.state),
        ("timing", saved.timing == again.timing),
        (
            "effective date",
            saved.effective_date == again.effective_date,
        ),
        ("reason", saved.reason == again.reason),
        ("note", saved.note == again.note),
        ("call", saved.call == again.call),
        ("name", saved.name == again.name),
        ("addresses", saved.addresses == again.addresses),
        ("datacenter", saved.datacenter == again.datacenter),
        ("billing item", saved.billing_item == again.billing_item),
        ("monthly fee", saved.monthly_fee == again.monthly_fee),
        (
            "fee estimate",
            saved.monthly_fee_estimated == again.monthly_fee_estimated,
        ),
        ("origins", saved.origins == again.origins),
        ("depends on", saved.depends_on == again.depends_on),
        ("fingerprint", saved.fingerprint == again.fingerprint),
    ];
    let (field, _) = fields.into_iter().find(|(_, same)| !same)?;
    let shown = |item: &PlanItem| match field {
        "state" => item.state.as_str().to_string(),
        "call" => item
            .call
            .as_ref()
            .map_or_else(|| "none".into(), ToString::to_string),
        "timing" => item
            .timing
            .map_or_else(|| "none".into(), |t| format!("{t:?}").to_lowercase()),
        _ => String::new(),
    };
    let (was, is) = (shown(saved), shown(again));
    Some(if was.is_empty() {
        format!("its {field} differs from what the planner decides")
    } else {
        format!("its {field} is {was}, but the planner decides {is}")
    })
}

type PlanMac = Hmac<Sha256>;

/// The signature of `plan`'s digest under `key`.
pub fn sign(plan: &Plan, key: &str) -> String {
    let mut mac = PlanMac::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(plan.digest.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("hmac-sha256:{hex}")
}

/// Requires a valid signature of `plan` under `key` (compared in constant time).
pub fn check_signature(plan: &Plan, key: &str) -> Result<(), VerifyError> {
    let refuse = |why: &str| {
        Err(VerifyError::Signature(format!(
            "{why}: SLRETIRE_PLAN_KEY is set, so only plans signed with it are applied"
        )))
    };
    let Some(signature) = &plan.signature else {
        return refuse("the plan is not signed");
    };
    let Some(hex) = signature.strip_prefix("hmac-sha256:") else {
        return refuse("the plan's signature is not an hmac-sha256 signature");
    };
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    let Some(bytes) = bytes.filter(|b| b.len() == 32) else {
        return refuse("the plan's signature is malformed");
    };
    let mut mac = PlanMac::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(plan.digest.as_bytes());
    match mac.verify_slice(&bytes) {
        Ok(()) => Ok(()),
        Err(_) => refuse("the plan's signature does not match"),
    }
}
