//! A live object as the planner sees it: the facts read from the API that
//! selection and the plan's decisions rest on, and nothing else. The
//! fingerprint of a plan item is a hash of exactly these facts.

use std::net::IpAddr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::json;
use super::money::Money;
use crate::manifest::model::{IpNet, Kind};

/// One observed object of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// What the object is, when that changes how it can be cancelled: the
    /// subnet type (`PRIMARY` ...), `lbaas`/`vip`/`dedicated_vip` for load
    /// balancers.
    pub variant: Option<String>,
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

/// The billing facts of an object's billing item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingFacts {
    pub id: u64,
    pub category: String,
    pub description: Option<String>,
    /// The item's own monthly recurring fee.
    pub recurring_fee: Money,
    pub hourly_fee: Option<Money>,
    pub hourly: bool,
    pub next_bill_date: Option<Timestamp>,
    /// Set: cancelled (past) or scheduled to be (future).
    pub cancellation_date: Option<Timestamp>,
    /// SoftLayer's `allowCancellationFlag`.
    pub allow_cancellation: bool,
    /// A cancellation request for the item is open (`activeCancellationItem`),
    /// possibly still waiting for review with no cancellation date yet.
    pub cancellation_requested: bool,
    /// Set for child items, which cannot be cancelled on their own.
    pub parent_id: Option<u64>,
    /// Children that go with the item (RAM, disks, snapshot space, ...).
    pub children: Vec<ChildItem>,
}

/// A child billing item that is cancelled with its parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildItem {
    pub id: u64,
    pub category: String,
    pub description: Option<String>,
    pub recurring_fee: Money,
}

/// Hours in a billing month, for estimating hourly items.
const HOURS_PER_MONTH: i64 = 730;

impl BillingFacts {
    /// Reads a billing item object; `None` without an id.
    pub fn from_json(item: &Value) -> Option<BillingFacts> {
        let id = json::id(item.get("id"))?;
        let mut children: Vec<ChildItem> = item
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|child| json::timestamp(child.get("cancellationDate")).is_none())
            .filter_map(|child| {
                Some(ChildItem {
                    id: json::id(child.get("id"))?,
                    category: json::text(child.get("categoryCode")).unwrap_or_default(),
                    description: json::text(child.get("description")),
                    recurring_fee: Money::from_json(child.get("recurringFee")),
                })
            })
            .collect();
        children.sort_by_key(|c| c.id);
        children.dedup_by_key(|c| c.id);
        let hourly_fee = item
            .get("hourlyRecurringFee")
            .filter(|v| !v.is_null())
            .map(|v| Money::from_json(Some(v)));
        Some(BillingFacts {
            id,
            category: json::text(item.get("categoryCode")).unwrap_or_default(),
            description: json::text(item.get("description")),
            recurring_fee: Money::from_json(item.get("recurringFee")),
            hourly_fee,
            hourly: json::flag(item.get("hourlyFlag")).unwrap_or(false),
            next_bill_date: json::timestamp(item.get("nextBillDate")),
            cancellation_date: json::timestamp(item.get("cancellationDate")),
            // SoftLayer omits the flag on some item types; absent means allowed.
            allow_cancellation: json::flag(item.get("allowCancellationFlag")).unwrap_or(true),
            cancellation_requested: json::at(item, &["activeCancellationItem"]).is_some(),
            parent_id: json::id(item.get("parentId")).filter(|id| *id != 0),
            children,
        })
    }

    /// The monthly recurring fee retired with the item: its own and its
    /// children's. Hourly items without a monthly fee are estimated from the
    /// hourly rates over 730 hours; the flag says so.
    pub fn monthly_fee(&self) -> (Money, bool) {
        let monthly: Money =
            self.recurring_fee + self.children.iter().map(|c| c.recurring_fee).sum::<Money>();
        match self.hourly_fee {
            Some(hourly) if monthly.is_zero() && self.hourly && !hourly.is_zero() => {
                (hourly.times(HOURS_PER_MONTH), true)
            }
            _ => (monthly, false),
        }
    }
}

/// The billing item of an object, unless it is cancelled already (a past
/// cancellation date): SoftLayer stops showing those as the object's item.
pub(crate) fn billing_of(object: &Value, key: &str, now: Timestamp) -> Option<BillingFacts> {
    let facts = BillingFacts::from_json(json::at(object, &[key])?)?;
    match facts.cancellation_date {
        Some(date) if date <= now => None,
        _ => Some(facts),
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
            created: None,
            billing: None,
            account_id: None,
            hourly: None,
            open_ticket: None,
            active_transaction: false,
            occupants: Vec::new(),
            shares_billing_with: Vec::new(),
            variant: None,
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
        if let Some(dc) = &mut self.datacenter {
            *dc = dc.to_lowercase();
        }
        self
    }
}

// Kinds travel in plans and fingerprints under their manifest names.
impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Kind, D::Error> {
        let name = String::deserialize(deserializer)?;
        Kind::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown kind {name:?}")))
    }
}

// Networks travel as `10.0.0.0/26`.
impl Serialize for IpNet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpNet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<IpNet, D::Error> {
        let text = String::deserialize(deserializer)?;
        let parsed = text.split_once('/').and_then(|(addr, prefix)| {
            Some(IpNet {
                addr: addr.parse().ok()?,
                prefix: prefix.parse().ok()?,
            })
        });
        parsed.ok_or_else(|| serde::de::Error::custom(format!("not a network: {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Children's fees go with the parent; cancelled children do not.
    #[test]
    fn monthly_fee_includes_active_children() {
        let item = json!({"id": 1, "recurringFee": "100.00", "hourlyFlag": false,
            "children": [{"id": 2, "recurringFee": "20.50"},
                         {"id": 3, "recurringFee": "5", "cancellationDate": "2020-01-01T00:00:00-06:00"}]});
        let facts = BillingFacts::from_json(&item).unwrap();
        assert_eq!(
            facts.monthly_fee(),
            (Money::parse("120.50").unwrap(), false)
        );
        assert_eq!(facts.children.len(), 1);
    }

    /// An hourly item without a monthly fee is estimated over 730 hours.
    #[test]
    fn hourly_items_are_estimated() {
        let item =
            json!({"id": 1, "recurringFee": "0", "hourlyRecurringFee": ".062", "hourlyFlag": true});
        let (fee, estimated) = BillingFacts::from_json(&item).unwrap().monthly_fee();
        assert_eq!(fee.exact(), "45.26");
        assert!(estimated);
    }

    /// A billing item cancelled in the past is no longer the object's item.
    #[test]
    fn past_cancellations_hide_the_item() {
        let now: Timestamp = "2026-11-22T00:00:00Z".parse().unwrap();
        let obj =
            json!({"billingItem": {"id": 9, "cancellationDate": "2026-11-01T00:00:00-06:00"}});
        assert!(billing_of(&obj, "billingItem", now).is_none());
        let obj =
            json!({"billingItem": {"id": 9, "cancellationDate": "2026-12-01T00:00:00-06:00"}});
        assert!(billing_of(&obj, "billingItem", now).is_some());
    }
}
