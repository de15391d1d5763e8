//! Virtual servers (`SoftLayer_Virtual_Guest`), listed from the account.

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Virtual_Guest",
    service: "SoftLayer_Account",
    method: "getVirtualGuests",
    root: Some("virtualGuests"),
    mask: concat!(
        "mask[id,hostname,domain,fullyQualifiedDomainName,createDate,",
        "primaryIpAddress,primaryBackendIpAddress,hourlyBillingFlag,datacenter[name],",
        "tagReferences[tag[name]],activeTransaction[id],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: Narrowing {
        addresses: &["primaryIpAddress", "primaryBackendIpAddress"],
        datacenter: Some("datacenter.name"),
        tags: true,
        ..Narrowing::NONE
    },
    read,
}]);

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::VirtualGuest, json::id(object.get("id"))?);
    read_host(&mut r, object);
    r.created = json::timestamp(object.get("createDate"));
    r.hourly = json::flag(object.get("hourlyBillingFlag"));
    r.billing = billing_of(object, "billingItem", now);
    Some(r.normalise())
}

/// Facts guests and servers share: names, addresses, place, tags.
pub(crate) fn read_host(r: &mut Resource, object: &Value) {
    let hostname = json::text(object.get("hostname"));
    let domain = json::text(object.get("domain"));
    let fqdn =
        json::text(object.get("fullyQualifiedDomainName")).or_else(|| match (&hostname, &domain) {
            (Some(h), Some(d)) => Some(format!("{h}.{d}")),
            _ => None,
        });
    r.name = fqdn
        .clone()
        .or_else(|| hostname.clone())
        .unwrap_or_default();
    r.match_names.extend(hostname);
    r.match_names.extend(fqdn);
    r.add_address(json::text(object.get("primaryIpAddress")));
    r.add_address(json::text(object.get("primaryBackendIpAddress")));
    r.datacenter = json::text(json::at(object, &["datacenter", "name"]));
    r.tags = json::tags(object);
    r.active_transaction = json::at(object, &["activeTransaction"]).is_some();
}
