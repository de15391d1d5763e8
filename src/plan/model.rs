//! The plan document: what `plan --out` writes, `show` renders and `apply`
//! performs. Field docs become the descriptions of `schema/plan.schema.json`.

use std::fmt;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::code::Code;
use super::observed::{BillingItem, Observed};
use crate::kinds::Kind;
use crate::resolve::money::Money;
use crate::resolve::resource::ObjectRef;

/// The version of the plan document format; apply refuses any other.
/// Version 1 (until 0.1) recorded the resolver's internal types.
pub const FORMAT_VERSION: &str = "2";

/// A plan: every resolved resource with its state and, for cancellations,
/// the exact API call apply will make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Version of this document format (currently "3").
    pub format_version: String,
    /// The slretire version that wrote the plan.
    pub slretire_version: String,
    /// When the plan was made (UTC, RFC 3339).
    #[schemars(with = "String")]
    pub created_at: Timestamp,
    /// Whose time `created_at` is: the machine's clock, a snapshot's own
    /// moment, or one fixed by `SLRETIRE_NOW`.
    pub clock: PlanClock,
    /// The account the plan was made against; apply requires the same.
    pub account: PlanAccount,
    /// The API endpoint, or `snapshot:FILE` for a plan against a snapshot.
    pub endpoint: String,
    /// The manifest files, in the order they were read, with their content
    /// digests: apply judges the plan again from these very files.
    pub manifests: Vec<PlanManifest>,
    /// A partial plan (`--target`): the items it was narrowed to, as
    /// `KIND:ID`; it holds those and what they wait for, nothing else.
    /// Empty for a whole plan.
    pub targets: Vec<String>,
    /// Counts per state and the monthly fees retired.
    pub summary: Summary,
    /// Every resolved resource, sorted by kind (in apply order) and id.
    pub items: Vec<PlanItem>,
    /// Objects an entry's selector matched and its `exclude` left out,
    /// sorted by kind and id; never cancelled by those entries.
    pub excluded: Vec<ExcludedObject>,
    /// Things a reviewer should know that do not fail the plan.
    pub warnings: Vec<String>,
    /// Failed guards; a plan with errors is never written to a file.
    pub errors: Vec<PlanError>,
    /// `sha256:` over the document with this field and `signature` empty;
    /// apply refuses a plan whose digest does not match.
    pub digest: String,
    /// `hmac-sha256:` of the digest under `SLRETIRE_PLAN_KEY`, when the plan
    /// was saved with that key set; apply requires it when the key is set.
    pub signature: Option<String>,
}

/// A manifest a plan was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanManifest {
    /// The path as given to `plan` (relative to where it ran).
    pub path: String,
    /// `sha256:` of the file's content.
    pub sha256: String,
}

/// An object an entry's `exclude` left out of its selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExcludedObject {
    pub kind: Kind,
    pub id: u64,
    /// What people call it.
    pub name: String,
    /// The entries whose `exclude` left it out (`file:line`).
    pub excluded_from: Vec<String>,
}

impl Plan {
    /// Whether the plan was narrowed with `--target`.
    pub fn is_partial(&self) -> bool {
        !self.targets.is_empty()
    }

    /// The kinds of the plan's items, each once, in [`Kind`] order.
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds: Vec<Kind> = self.items.iter().map(|item| item.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// Whose time a plan was made at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanClock {
    /// The machine's clock, at planning.
    #[default]
    Now,
    /// The moment the snapshot describes (its `clock`): dates in the plan
    /// are judged then, not today.
    Snapshot,
    /// Fixed by `SLRETIRE_NOW`.
    Fixed,
}

impl Plan {
    /// `as of 2026-11-22 12:00 UTC, the snapshot's time` when the plan was
    /// not made at the machine's clock (a plan that looks stale otherwise).
    pub fn as_of(&self) -> Option<String> {
        let when = self.created_at.strftime("%Y-%m-%d %H:%M UTC");
        match self.clock {
            PlanClock::Now => None,
            PlanClock::Snapshot => Some(format!("as of {when}, the snapshot's time")),
            PlanClock::Fixed => Some(format!("as of {when}, fixed by SLRETIRE_NOW")),
        }
    }
}

/// The account a plan belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanAccount {
    pub id: u64,
    pub company: String,
}

/// Counts per state and the money involved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub cancel: usize,
    pub cancel_immediately: usize,
    pub cancel_on_anniversary: usize,
    pub scheduled: usize,
    pub absent: usize,
    pub protected: usize,
    pub blocked: usize,
    pub waiting: usize,
    /// Sum of the monthly recurring fees of the items to cancel whose fee
    /// can be read (decimal string).
    #[schemars(with = "String")]
    pub monthly_fee_retired: Money,
    /// Items to cancel whose monthly fee cannot be read: not in the sum.
    pub monthly_fee_unknown: usize,
    /// The currency of the amounts.
    pub currency: String,
}

/// What happens to a resource.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Active; apply cancels it (now, or on the anniversary date shown).
    Cancel,
    /// Already has a future cancellation date or an open cancellation ticket.
    Scheduled,
    /// Not found, or already cancelled and being reclaimed.
    Absent,
    /// Matched a protect rule; never cancelled.
    Protected,
    /// A precondition fails (see `detail`); not cancelled.
    Blocked,
    /// A precondition fails only because of objects this plan cancels; a
    /// later run converges.
    Waiting,
}

impl State {
    /// Every state, in the order summaries list them.
    pub const ALL: [State; 6] = [
        State::Cancel,
        State::Scheduled,
        State::Absent,
        State::Protected,
        State::Blocked,
        State::Waiting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Cancel => "cancel",
            State::Scheduled => "scheduled",
            State::Absent => "absent",
            State::Protected => "protected",
            State::Blocked => "blocked",
            State::Waiting => "waiting",
        }
    }
}

/// When a cancellation takes effect.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Now, with reclaim of the resource.
    Immediate,
    /// On the billing item's next bill date.
    Anniversary,
}

/// One resource of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItem {
    pub kind: Kind,
    /// The object id (for `billing_item`, the billing item id).
    pub id: u64,
    /// What people call it (FQDN, volume username, VLAN number on router, ...).
    pub name: String,
    pub addresses: Vec<String>,
    pub datacenter: Option<String>,
    pub state: State,
    /// Why the item is in its state (blocked, protected, absent, scheduled, waiting).
    pub detail: Option<String>,
    /// For `cancel`, and `waiting` items with a call: immediately or on the anniversary.
    pub timing: Option<Timing>,
    /// For `cancel` and `waiting` on the anniversary and for `scheduled`:
    /// the date it takes effect.
    #[schemars(with = "Option<String>")]
    pub effective_date: Option<Timestamp>,
    /// For `cancel`: the exact API call apply makes. For `waiting`: the
    /// call `apply --wait` makes once every object in `depends_on` is gone
    /// (none for an object that goes with another's billing item).
    pub call: Option<ApiCall>,
    /// The SoftLayer cancellation reason.
    pub reason: Option<String>,
    /// The note recorded with the cancellation.
    pub note: Option<String>,
    /// The billing item the cancellation retires (with its children).
    pub billing_item: Option<BillingItem>,
    /// Monthly recurring fee retired (own + children), decimal string;
    /// null when a fee it is made of cannot be read.
    #[schemars(with = "Option<String>")]
    pub monthly_fee: Option<Money>,
    /// The fee is estimated from hourly rates over 730 hours.
    pub monthly_fee_estimated: bool,
    /// The manifest entries that selected the resource (`file:line`).
    pub origins: Vec<String>,
    /// For `blocked`/`waiting`: the objects that must be gone first (a
    /// waiting item is performed after they are gone).
    pub depends_on: Vec<ObjectRef>,
    /// Hash of the kind, the id and `observed`; apply skips the item as
    /// drifted when it changed.
    pub fingerprint: String,
    /// The facts the decision rests on, as read from the API; absent for
    /// an id that was not found.
    pub observed: Option<Observed>,
}

impl PlanItem {
    /// The LBaaS uuid the item was planned for (an id alone is ambiguous
    /// between a legacy VIP and an LBaaS instance).
    pub fn uuid(&self) -> Option<&str> {
        self.observed.as_ref().and_then(|o| o.uuid.as_deref())
    }
}

/// A concrete API call: service, object id, method and positional parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiCall {
    pub service: String,
    /// The init id in the URL (`/Service/{id}/method.json`), if any.
    pub id: Option<String>,
    pub method: String,
    /// The method's positional parameters, as sent.
    #[schemars(schema_with = "parameters_schema")]
    pub parameters: Vec<Value>,
}

/// SoftLayer's parameters are flags, texts, numbers, null, or a template
/// object (a cancellation request).
fn parameters_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": {
            "description": "One positional parameter.",
            "type": ["boolean", "string", "number", "null", "object"],
        },
    })
}

impl fmt::Display for ApiCall {
    /// `SoftLayer_Billing_Item(99000001)::cancelItem(false, true, "No longer needed", null)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.service)?;
        if let Some(id) = &self.id {
            write!(f, "({id})")?;
        }
        write!(f, "::{}(", self.method)?;
        for (i, p) in self.parameters.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{p}")?;
        }
        f.write_str(")")
    }
}

/// A failed guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanError {
    /// Stable code, e.g. `plan::limit-exceeded`.
    pub code: Code,
    pub message: String,
    /// Manifest locations involved (`file:line`).
    pub origins: Vec<String>,
}
