//! What earlier applies of these manifests retired, as the journal
//! remembers it. Cancelled objects leave the account once reclaimed, so a
//! re-plan after a partial apply would find fewer than an entry's `expect`;
//! the plan counts those objects toward `expect` and reports them as done
//! (absent, "retired by an earlier apply"), and re-planning converges.

use jiff::Timestamp;

use super::anniversary::date_text;
use super::model::{PlanItem, State};
use crate::kinds::Kind;
use crate::manifest::model::Manifests;
use crate::resolve::money::Money;

/// An object an earlier apply cancelled, from the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retired {
    pub kind: Kind,
    pub id: u64,
    pub uuid: Option<String>,
    pub name: String,
    /// The manifest entries that selected it then (`file:line`).
    pub origins: Vec<String>,
    /// When it was cancelled.
    pub at: Timestamp,
    /// The digest of the plan that cancelled it.
    pub plan: String,
}

/// What a plan's own items say earlier applies retired: the items
/// [`items`] made, read back (plan verification judges a saved plan again
/// with the same memory of earlier applies).
pub(crate) fn from_items(items: &[PlanItem], at: Timestamp) -> Vec<Retired> {
    items
        .iter()
        .filter(|i| {
            i.state == State::Absent
                && i.observed.is_none()
                && i.detail
                    .as_deref()
                    .is_some_and(|d| d.starts_with(RETIRED_DETAIL))
        })
        .map(|i| Retired {
            kind: i.kind,
            id: i.id,
            uuid: None,
            name: i.name.clone(),
            origins: i.origins.clone(),
            at,
            plan: String::new(),
        })
        .collect()
}

/// How the detail of a retired object's item begins.
const RETIRED_DETAIL: &str = "retired by an earlier apply";

/// The items of retired objects the account no longer shows (`present`
/// holds the plan's items so far, from what the account returned): one per
/// object, with the entries of these manifests that selected it. Objects
/// selected by no entry of these manifests are not this plan's business.
pub(crate) fn items(
    manifests: &Manifests,
    present: &[PlanItem],
    retired: &[Retired],
) -> Vec<PlanItem> {
    let mut out: Vec<PlanItem> = Vec::new();
    for r in retired {
        let shown = present
            .iter()
            .chain(&out)
            .any(|i| i.kind == r.kind && i.id == r.id && i.uuid() == r.uuid.as_deref());
        if shown {
            continue;
        }
        let origins: Vec<String> = manifests
            .entries
            .iter()
            .filter(|e| e.kind == r.kind)
            .map(|e| e.origin.to_string())
            .filter(|o| r.origins.contains(o))
            .collect();
        if origins.is_empty() {
            continue;
        }
        out.push(PlanItem {
            kind: r.kind,
            id: r.id,
            name: r.name.clone(),
            addresses: Vec::new(),
            datacenter: None,
            state: State::Absent,
            detail: Some(format!(
                "{RETIRED_DETAIL} on {} (plan {}); gone from the account",
                date_text(r.at),
                short(&r.plan)
            )),
            timing: None,
            effective_date: None,
            call: None,
            reason: None,
            note: None,
            billing_item: None,
            monthly_fee: Some(Money::ZERO),
            monthly_fee_estimated: false,
            origins,
            depends_on: Vec::new(),
            fingerprint: String::new(),
            observed: None,
        });
    }
    out
}

/// `sha256:0c27ab12...`: enough of a digest to find the plan.
fn short(digest: &str) -> String {
    match digest.char_indices().nth(15) {
        Some((end, _)) => format!("{}...", &digest[..end]),
        None => digest.to_string(),
    }
}
