//! A live object as the planner sees it: the facts read from the API that
//! selection and the plan's decisions rest on, and nothing else. The
//! fingerprint of a plan item is a hash of exactly these facts.

use std::net::IpAddr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::money::Money;
use crate::kinds::{Kind, Variant};
use crate::manifest::model::IpNet;

/// One observed object of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub kind: Kind,
    /// The object's id (for `billing_item`, the billing item id).
    pub id: u64,
    /// What people call it: FQDN, volume username, VLAN name, ...
    pub name: String,
    /// Names that `name` globs match (hostname and FQDN, uuid and name, ...).
    pub match_names: Vec<String>,
    /// Addresses that `ip` selectors match (primary public and backend, VIP, ...).
    pub addresses: Vec<IpAddr>,
    /// A subnet's own network.
    pub network: Option<IpNet>,
    /// A VLAN's number and primary router.
    pub vlan_number: Option<u16>,
    pub router: Option<String>,
    pub datacenter: Option<String>,
    pub tags: Vec<String>,
    /// The VLANs the object is on (guests and servers: all of theirs; a
    /// subnet: its own), sorted by id.
    pub vlans: Vec<VlanRef>,
    /// The object's notes, as written on it (`notes`, or `note`).
    pub notes: Option<String>,
    /// A guest's power state, SoftLayer's `keyName` (`RUNNING`, `HALTED`, `PAUSED`).
    pub power_state: Option<String>,
    /// Creation (or provisioning) time; the billing item's when the object has none.
    pub created: Option<Timestamp>,
    /// The active or pending billing item; `None` when there is none (already
    /// cancelled, automatic VLAN, primary subnet, LBaaS).
    pub billing: Option<BillingFacts>,
    /// The account id the object reports (needed by cancellation requests).
    pub account_id: Option<u64>,
    /// Hourly billed, from the object's flag (or the billing item's).
    pub hourly: Option<bool>,
    /// Servers: the open cancellation ticket.
    pub open_ticket: Option<u64>,
    /// A provisioning or reclaim transaction is running.
    pub active_transaction: bool,
    /// Objects that must be gone before this one can go (VLAN, subnet and
    /// dedicated host occupants), sorted.
    pub occupants: Vec<ObjectRef>,
    /// Other objects of the same kind billed by the same billing item
    /// (VIPs of one dedicated load-balancing device), sorted.
    pub shares_billing_with: Vec<ObjectRef>,
    /// What the object is, when that changes how it can be cancelled (see
    /// [`Variant`]); only its kind's room decides on it.
    pub variant: Variant,
    /// LBaaS `provisioningStatus` (`ACTIVE`, `DELETE_PENDING`, ...).
    pub status: Option<String>,
    /// LBaaS uuid (its cancel call takes it).
    pub uuid: Option<String>,
}

/// A reference to another object: `virtual_guest 123`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ObjectRef {
    pub kind: Kind,
    pub id: u64,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

/// A VLAN an object is on: its id, and its number and primary router
/// when the API gave them.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct VlanRef {
    /// The VLAN's id.
    pub id: u64,
    /// Its 802.1Q number.
    pub number: Option<u16>,
    /// Its primary router's hostname, lower case.
    pub router: Option<String>,
}

/// The billing facts of an object's billing item.
#[derive(Debug, Clone, PartialEq)]
pub struct BillingFacts {
    pub id: u64,
    pub category: String,
    pub description: Option<String>,
    /// The item's own monthly recurring fee; `None` when it cannot be read.
    pub recurring_fee: Option<Money>,
    /// The hourly rate; `None` when absent or unreadable.
    pub hourly_fee: Option<Money>,
    /// Fee values that could not be read, in words (`recurringFee is
    /// "None", not an amount`): any makes the monthly fee unknown.
    pub unreadable: Vec<String>,
    pub hourly: bool,
    pub next_bill_date: Option<Timestamp>,
    /// Set: cancelled (past) or scheduled to be (future).
    pub cancellation_date: Option<Timestamp>,
    /// SoftLayer's `allowCancellationFlag`.
    pub allow_cancellation: bool,
    /// A cancellation request for the item is open (`activeCancellationItem`),
    /// possibly still waiting for review with no cancellation date yet.
    pub cancellation_requested: bool,
    /// The open cancellation request the item is on, when the API names it
    /// (`activeCancellationItem.cancellationRequestId`): what `revert` voids
    /// for kinds cancelled by a request. Not a planning fact.
    pub cancellation_request: Option<u64>,
    /// Set for child items, which cannot be cancelled on their own.
    pub parent_id: Option<u64>,
    /// Children that go with the item (RAM, disks, snapshot space, ...).
    pub children: Vec<ChildItem>,
}

/// A child billing item that is cancelled with its parent.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildItem {
    pub id: u64,
    pub category: String,
    pub description: Option<String>,
    /// `None` when it cannot be read (the parent's `unreadable` says why).
    pub recurring_fee: Option<Money>,
}

/// Hours in a billing month, for estimating hourly items.
const HOURS_PER_MONTH: i64 = 730;

impl BillingFacts {
    /// The monthly recurring fee retired with the item: its own and its
    /// children's. Hourly items without a monthly fee are estimated from the
    /// hourly rates over 730 hours; the flag says so. `None` when a fee it
    /// is made of cannot be read: an unknown fee is never summed as zero.
    pub fn monthly_fee(&self) -> Option<(Money, bool)> {
        if !self.unreadable.is_empty() {
            return None;
        }
        let children: Option<Money> = self.children.iter().map(|c| c.recurring_fee).sum();
        let monthly = self.recurring_fee? + children?;
        Some(match self.hourly_fee {
            Some(hourly) if monthly.is_zero() && self.hourly && !hourly.is_zero() => {
                (hourly.times(HOURS_PER_MONTH), true)
            }
            _ => (monthly, false),
        })
    }
}

impl Resource {
    /// An empty resource of `kind` and `id`, to be filled by a kind's reader.
    pub fn new(kind: Kind, id: u64) -> Resource {
        Resource {
            kind,
            id,
            name: String::new(),
            match_names: Vec::new(),
            addresses: Vec::new(),
            network: None,
            vlan_number: None,
            router: None,
            datacenter: None,
            tags: Vec::new(),
            vlans: Vec::new(),
            notes: None,
            power_state: None,
            created: None,
            billing: None,
            account_id: None,
            hourly: None,
            open_ticket: None,
            active_transaction: false,
            occupants: Vec::new(),
            shares_billing_with: Vec::new(),
            variant: Variant::Plain,
            status: None,
            uuid: None,
        }
    }

    /// The reference to this object.
    pub fn reference(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind,
            id: self.id,
        }
    }

    /// Whether the object is billed by the hour (object flag, else item flag).
    pub fn is_hourly(&self) -> bool {
        self.hourly
            .or(self.billing.as_ref().map(|b| b.hourly))
            .unwrap_or(false)
    }

    /// Whether the object is billed by the hour, as far as the API said
    /// (the object's flag, else its billing item's); `None` without either.
    pub fn hourly_flag(&self) -> Option<bool> {
        self.hourly.or(self.billing.as_ref().map(|b| b.hourly))
    }

    /// Adds an address given as text, ignoring anything that is not one.
    pub(crate) fn add_address(&mut self, text: Option<String>) {
        if let Some(addr) = text.and_then(|t| t.parse::<IpAddr>().ok())
            && !self.addresses.contains(&addr)
        {
            self.addresses.push(addr);
        }
    }

    /// Puts list-valued facts in a canonical order so fingerprints are stable.
    pub(crate) fn normalise(mut self) -> Resource {
        self.match_names.sort();
        self.match_names.dedup();
        self.addresses.sort();
        self.tags.sort();
        self.tags.dedup();
        self.occupants.sort();
        self.occupants.dedup();
        self.vlans.sort();
        self.vlans.dedup_by_key(|v| v.id);
        if let Some(dc) = &mut self.datacenter {
            *dc = dc.to_lowercase();
        }
        self
    }
}
