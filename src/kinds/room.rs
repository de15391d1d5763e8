//! What every kind's room answers. Defaults hold for most kinds; a room
//! overrides only what is particular to it.

use jiff::Timestamp;

use super::Kind;
use super::source::Source;
use super::world::WorldList;
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, State, Timing};
use crate::resolve::resource::{BillingFacts, Resource};

/// The option keys of every kind (`via` is added by hardware).
pub(crate) const COMMON_OPTION_KEYS: &[&str] = &["expect", "when", "reason", "note"];

/// When an item is performed relative to others: objects before what they
/// sit on (subnets, dedicated hosts), and those before VLANs. Plans decide
/// and apply performs waves in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Wave {
    /// Servers, volumes, addresses, load balancers, billing items.
    Objects,
    /// What objects sit on: subnets and dedicated hosts.
    Hosts,
    /// What hosts sit on: VLANs.
    Networks,
}

/// What an object without an active billing item means for its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbilled {
    /// It was cancelled already and is being reclaimed.
    Absent,
    /// It cannot be cancelled on its own (the words say why).
    Blocked(String),
    /// It is billed by usage and cancelled by its own call, immediately.
    CancelledByItsOwnCall,
}

/// Where a retirement stands, as the object shows it now (`slretire
/// status`). An object that is gone (404) is reclaimed; the engine knows
/// that without asking the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Billing stopped: no active billing item (the words say what shows it).
    Reclaimed(String),
    /// A cancellation is under way: dated (the date it takes effect), or
    /// without a date (an LBaaS deletion in progress).
    Pending(Option<Timestamp>, String),
    /// A cancellation ticket or request is open and no date is set yet:
    /// people at SoftLayer have still to act on it.
    TicketOpen(String),
    /// Nothing cancels it: never cancelled, or the cancellation was voided.
    Active,
}

/// Everything one kind of resource means.
pub trait ResourceKind: Sync {
    /// The kind this room is for.
    fn kind(&self) -> Kind;

    /// The name in manifests and plans (`virtual_guest`).
    fn name(&self) -> &'static str;

    /// The selector keys that apply: what SoftLayer records for this kind
    /// of object and can be listed by.
    fn selector_keys(&self) -> &'static [&'static str];

    /// The option keys that apply (`via` is for hardware only).
    fn option_keys(&self) -> &'static [&'static str] {
        COMMON_OPTION_KEYS
    }

    /// Why `key` does not apply here, when there is more to say than the
    /// list of keys that do.
    fn why_not(&self, _key: &str) -> Option<&'static str> {
        None
    }

    /// Where the objects come from: list calls, or lookups by id.
    fn source(&self) -> &'static Source;

    /// Whether an `ip` selector matches addresses the object's own network
    /// holds (subnets), rather than the object's own addresses.
    fn ip_selects_by_network(&self) -> bool {
        false
    }

    /// Its place in the order of decisions and of apply's waves.
    fn wave(&self) -> Wave {
        Wave::Objects
    }

    /// What the objects that must be gone first are called (`guests`).
    fn occupants_are(&self) -> &'static str {
        "objects"
    }

    /// Whether billing items of `category` belong to objects of this kind.
    fn owns_billing_category(&self, _category: &str) -> bool {
        false
    }

    /// A state this kind's own facts put the object in before its billing
    /// item is looked at (an LBaaS deletion under way).
    fn refusal_before_billing(
        &self,
        _r: &Resource,
        _options: &CancelOptions,
    ) -> Option<(State, String)> {
        None
    }

    /// What having no active billing item means.
    fn unbilled(&self, _r: &Resource) -> Unbilled {
        Unbilled::Absent
    }

    /// Why this billing item cannot be cancelled as this kind.
    fn refusal_of_billing_item(&self, _billing: &BillingFacts) -> Option<String> {
        None
    }

    /// Why the object cannot be cancelled with `timing`.
    fn refusal_of_timing(
        &self,
        _r: &Resource,
        _billing: &BillingFacts,
        _timing: Timing,
        _now: Timestamp,
    ) -> Option<String> {
        None
    }

    /// The call that cancels `r` with `timing` and `options`; `None` when
    /// no call fits (the planner blocks such items).
    fn cancel_call(&self, r: &Resource, timing: Timing, options: &CancelOptions)
    -> Option<ApiCall>;

    /// Why the object needs no cancellation any more, if it does not: how
    /// apply knows an item is done.
    fn done(&self, r: &Resource) -> Option<String> {
        done_by_billing(r)
    }

    /// Where the object's retirement stands (`status`): the usual reading
    /// of its billing item, unless the kind shows it otherwise.
    fn standing(&self, r: &Resource) -> Standing {
        standing_by_billing(r)
    }

    /// The call that takes back the pending cancellation of `r` (`revert`),
    /// or why SoftLayer offers none. Only asked for objects whose standing
    /// is pending or ticket open: a reclaimed object cannot be undone and an
    /// active one has nothing to undo.
    fn void_call(&self, r: &Resource) -> Result<ApiCall, String> {
        super::cancel::void_cancel_service(r)
    }

    /// The world lists a snapshot writes for this kind.
    fn world_lists(&self) -> &'static [WorldList];

    /// The world lists a plan of this kind reads: its own, and the lists
    /// its occupants come from (the emulator derives the relations).
    fn snapshot_reads(&self) -> &'static [&'static str];
}

/// The usual standing: no active billing item is reclaimed, a cancellation
/// date is pending, an open ticket or request without a date is open.
pub(crate) fn standing_by_billing(r: &Resource) -> Standing {
    let Some(billing) = &r.billing else {
        return Standing::Reclaimed("billing stopped: no active billing item".into());
    };
    if let Some(date) = billing.cancellation_date {
        return Standing::Pending(
            Some(date),
            format!(
                "cancellation scheduled for {}",
                crate::plan::anniversary::date_text(date)
            ),
        );
    }
    if let Some(ticket) = r.open_ticket {
        return Standing::TicketOpen(format!("cancellation ticket {ticket} is open"));
    }
    if billing.cancellation_requested {
        return Standing::TicketOpen("a cancellation request for it is open".into());
    }
    Standing::Active
}

/// The usual "done": an open cancellation ticket, no active billing item,
/// an open cancellation request, or a cancellation date.
pub(crate) fn done_by_billing(r: &Resource) -> Option<String> {
    if let Some(ticket) = r.open_ticket {
        return Some(format!("cancellation ticket {ticket} is open"));
    }
    match &r.billing {
        None => Some("no active billing item".into()),
        Some(b) if b.cancellation_requested => Some("a cancellation request for it is open".into()),
        Some(b) => b.cancellation_date.map(|d| {
            format!(
                "cancellation scheduled for {}",
                crate::plan::anniversary::date_text(d)
            )
        }),
    }
}
