//! Raw billing items by id (`SoftLayer_Billing_Item`): the escape hatch for
//! anything billed that has no kind of its own (licenses, firewalls, ...).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{BillingFacts, Resource};
use super::source::Source;
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lookup {
    service: "SoftLayer_Billing_Item",
    mask: concat!(
        "mask[id,categoryCode,description,recurringFee,hourlyRecurringFee,hourlyFlag,",
        "createDate,nextBillDate,cancellationDate,allowCancellationFlag,parentId,",
        "hostName,domainName,location[name],activeCancellationItem[id],",
        "children[id,categoryCode,description,recurringFee,cancellationDate]]"
    ),
    read,
};

/// The kind that owns billing items of `category`, for the categories a
/// kind of its own models. Such items are retired through that kind, where
/// protect rules and preconditions see the object, never as raw items.
pub(crate) fn owning_kind(category: &str) -> Option<Kind> {
    let kind = match category {
        "guest_core" => Kind::VirtualGuest,
        "server" => Kind::Hardware,
        "network_vlan" => Kind::Vlan,
        "global_ipv4" | "global_ipv6" => Kind::GlobalIp,
        "dedicated_virtual_hosts" => Kind::DedicatedHost,
        "sov_sec_ip_addresses_pub"
        | "sov_sec_ip_addresses_priv"
        | "static_sec_ip_addresses"
        | "static_ipv6_addresses" => Kind::Subnet,
        c if c.starts_with("storage_") || c.starts_with("performance_storage") => Kind::Storage,
        c if c.contains("load_balancer") => Kind::LoadBalancer,
        c if c.starts_with("cdn") || c.starts_with("content_delivery") => Kind::Cdn,
        _ => return None,
    };
    Some(kind)
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let facts = BillingFacts::from_json(object)?;
    let mut r = Resource::new(Kind::BillingItem, facts.id);
    let hostname = json::text(object.get("hostName"));
    let host = match (&hostname, json::text(object.get("domainName"))) {
        (Some(h), Some(d)) => Some(format!("{h}.{d}")),
        (h, _) => h.clone(),
    };
    // Protect rules on names see the host the item bills for.
    r.match_names.extend(hostname);
    r.match_names.extend(host.clone());
    r.name = match (&facts.description, host) {
        (Some(d), Some(h)) => format!("{d} ({h})"),
        (Some(d), None) => d.clone(),
        (None, Some(h)) => h,
        (None, None) => facts.category.clone(),
    };
    r.datacenter = json::text(json::at(object, &["location", "name"]));
    r.created = json::timestamp(object.get("createDate"));
    r.variant = Some(facts.category.clone());
    let cancelled = facts.cancellation_date.is_some_and(|d| d <= now);
    r.billing = (!cancelled).then_some(facts);
    Some(r.normalise())
}
