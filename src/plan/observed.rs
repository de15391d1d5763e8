//! The facts a plan records about each object, as the plan document's own
//! types: converted once from the resolver's [`Resource`], fully described
//! by `schema/plan.schema.json`, and the input of the fingerprint. An
//! internal struct can change without changing what a saved plan means;
//! changing these types changes the format (see `digest.rs`).

use std::net::IpAddr;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kinds::{Kind, Variant};
use crate::manifest::model::IpNet;
use crate::resolve::money::Money;
use crate::resolve::resource::{BillingFacts, ChildItem, ObjectRef, Resource, VlanRef};

/// The facts a decision rests on, as read from the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    /// What people call it: FQDN, volume username, VLAN name, ...
    pub name: String,
    /// Names that `name` globs match (hostname and FQDN, uuid and name, ...), sorted.
    pub match_names: Vec<String>,
    /// Addresses that `ip` selectors match, sorted.
    pub addresses: Vec<String>,
    /// A subnet's own network, `10.0.0.0/26`.
    pub network: Option<String>,
    /// A VLAN's 802.1Q number.
    pub vlan_number: Option<u16>,
    /// A VLAN's primary router hostname.
    pub router: Option<String>,
    /// Datacenter short name, lower case.
    pub datacenter: Option<String>,
    /// Tag names, sorted.
    pub tags: Vec<String>,
    /// The VLANs the object is on (guests and servers: all of theirs; a
    /// subnet: its own), sorted by id.
    pub vlans: Vec<VlanRef>,
    /// The object's notes (what `notes` selectors match): apply judges a
    /// saved plan again from these facts, so they are recorded as read.
    /// Renderers never show them (free text that may hold anything).
    pub notes: Option<String>,
    /// A guest's power state (`RUNNING`, `HALTED`, `PAUSED`).
    pub power_state: Option<String>,
    /// Creation (or provisioning) time; the billing item's when the object has none.
    #[schemars(with = "Option<String>")]
    pub created: Option<Timestamp>,
    /// The active or pending billing item; absent when there is none.
    pub billing: Option<BillingItem>,
    /// The account id the object reports (cancellation requests need it).
    pub account_id: Option<u64>,
    /// Billed by the hour, from the object's own flag.
    pub hourly: Option<bool>,
    /// Servers: the open cancellation ticket.
    pub open_ticket: Option<u64>,
    /// A provisioning or reclaim transaction is running.
    pub active_transaction: bool,
    /// Objects that must be gone before this one can go, sorted.
    pub occupants: Vec<ObjectRef>,
    /// Other objects billed by the same billing item, sorted.
    pub shares_billing_with: Vec<ObjectRef>,
    /// What the object is beyond its kind: `vip`, `dedicated_vip`, `lbaas`
    /// for load balancers, the API's type name for subnets and volumes
    /// (`PRIMARY`, `ENDURANCE_BLOCK_STORAGE`), the category for billing items.
    pub variant: Option<String>,
    /// LBaaS provisioning status (`ACTIVE`, `DELETE_PENDING`, ...).
    pub status: Option<String>,
    /// LBaaS uuid (its cancel call takes it).
    pub uuid: Option<String>,
}

/// A billing item as the plan records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingItem {
    /// The billing item id.
    pub id: u64,
    /// SoftLayer's category code (`guest_core`, `server`, ...).
    pub category: String,
    pub description: Option<String>,
    /// The item's own monthly recurring fee (decimal string); null when the
    /// API's value cannot be read (see `unreadable`).
    #[schemars(with = "Option<String>")]
    pub recurring_fee: Option<Money>,
    /// The hourly rate of an hourly item (decimal string).
    #[schemars(with = "Option<String>")]
    pub hourly_fee: Option<Money>,
    /// Billed by the hour.
    pub hourly: bool,
    /// The next bill date (the anniversary).
    #[schemars(with = "Option<String>")]
    pub next_bill_date: Option<Timestamp>,
    /// Set: cancelled (past) or scheduled to be (future).
    #[schemars(with = "Option<String>")]
    pub cancellation_date: Option<Timestamp>,
    /// SoftLayer's `allowCancellationFlag`.
    pub allow_cancellation: bool,
    /// A cancellation request for the item is open.
    pub cancellation_requested: bool,
    /// Set for child items, which cannot be cancelled on their own.
    pub parent_id: Option<u64>,
    /// Children that go with the item (RAM, disks, snapshot space, ...).
    pub children: Vec<ChildBillingItem>,
    /// Fee values the API sent that cannot be read, in words: any makes
    /// the item's monthly fee unknown.
    pub unreadable: Vec<String>,
}

/// A child billing item that is cancelled with its parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildBillingItem {
    pub id: u64,
    pub category: String,
    pub description: Option<String>,
    /// Monthly recurring fee (decimal string); null when unreadable.
    #[schemars(with = "Option<String>")]
    pub recurring_fee: Option<Money>,
}

impl Observed {
    /// The recorded facts of `r`.
    pub fn of(r: &Resource) -> Observed {
        Observed {
            name: r.name.clone(),
            match_names: r.match_names.clone(),
            addresses: r.addresses.iter().map(ToString::to_string).collect(),
            network: r.network.map(|n| n.to_string()),
            vlan_number: r.vlan_number,
            router: r.router.clone(),
            datacenter: r.datacenter.clone(),
            tags: r.tags.clone(),
            vlans: r.vlans.clone(),
            notes: r.notes.clone(),
            power_state: r.power_state.clone(),
            created: r.created,
            billing: r.billing.as_ref().map(BillingItem::of),
            account_id: r.account_id,
            hourly: r.hourly,
            open_ticket: r.open_ticket,
            active_transaction: r.active_transaction,
            occupants: r.occupants.clone(),
            shares_billing_with: r.shares_billing_with.clone(),
            variant: r.variant.text().map(str::to_string),
            status: r.status.clone(),
            uuid: r.uuid.clone(),
        }
    }

    /// The resource these facts describe, for the kind's rules to judge
    /// again (plan-file checks); `None` when a recorded value is not one
    /// (an address or network that does not parse).
    pub fn to_resource(&self, kind: Kind, id: u64) -> Option<Resource> {
        let mut r = Resource::new(kind, id);
        r.name.clone_from(&self.name);
        r.match_names.clone_from(&self.match_names);
        r.addresses = self
            .addresses
            .iter()
            .map(|a| a.parse::<IpAddr>().ok())
            .collect::<Option<Vec<_>>>()?;
        r.network = match &self.network {
            None => None,
            Some(text) => Some(parse_network(text)?),
        };
        r.vlan_number = self.vlan_number;
        r.router.clone_from(&self.router);
        r.datacenter.clone_from(&self.datacenter);
        r.tags.clone_from(&self.tags);
        r.vlans.clone_from(&self.vlans);
        r.power_state.clone_from(&self.power_state);
        r.notes.clone_from(&self.notes);
        r.created = self.created;
        r.billing = self.billing.as_ref().map(BillingItem::to_facts);
        r.account_id = self.account_id;
        r.hourly = self.hourly;
        r.open_ticket = self.open_ticket;
        r.active_transaction = self.active_transaction;
        r.occupants.clone_from(&self.occupants);
        r.shares_billing_with.clone_from(&self.shares_billing_with);
        r.variant = Variant::from_text(self.variant.as_deref());
        r.status.clone_from(&self.status);
        r.uuid.clone_from(&self.uuid);
        Some(r)
    }
}

fn parse_network(text: &str) -> Option<IpNet> {
    let (addr, prefix) = text.split_once('/')?;
    Some(IpNet {
        addr: addr.parse().ok()?,
        prefix: prefix.parse().ok()?,
    })
}

impl BillingItem {
    /// The recorded facts of a billing item.
    pub fn of(b: &BillingFacts) -> BillingItem {
        BillingItem {
            id: b.id,
            category: b.category.clone(),
            description: b.description.clone(),
            recurring_fee: b.recurring_fee,
            hourly_fee: b.hourly_fee,
            hourly: b.hourly,
            next_bill_date: b.next_bill_date,
            cancellation_date: b.cancellation_date,
            allow_cancellation: b.allow_cancellation,
            cancellation_requested: b.cancellation_requested,
            parent_id: b.parent_id,
            children: b
                .children
                .iter()
                .map(|c| ChildBillingItem {
                    id: c.id,
                    category: c.category.clone(),
                    description: c.description.clone(),
                    recurring_fee: c.recurring_fee,
                })
                .collect(),
            unreadable: b.unreadable.clone(),
        }
    }

    /// The billing facts these record.
    pub fn to_facts(&self) -> BillingFacts {
        BillingFacts {
            id: self.id,
            category: self.category.clone(),
            description: self.description.clone(),
            recurring_fee: self.recurring_fee,
            hourly_fee: self.hourly_fee,
            hourly: self.hourly,
            next_bill_date: self.next_bill_date,
            cancellation_date: self.cancellation_date,
            allow_cancellation: self.allow_cancellation,
            cancellation_requested: self.cancellation_requested,
            // Not recorded in plans: no decision rests on it.
            cancellation_request: None,
            parent_id: self.parent_id,
            children: self
                .children
                .iter()
                .map(|c| ChildItem {
                    id: c.id,
                    category: c.category.clone(),
                    description: c.description.clone(),
                    recurring_fee: c.recurring_fee,
                })
                .collect(),
            unreadable: self.unreadable.clone(),
        }
    }
}
