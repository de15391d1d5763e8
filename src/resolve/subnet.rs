//! Subnets (`SoftLayer_Network_Subnet`).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use crate::manifest::model::{IpNet, Kind};

pub(crate) const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Network_Subnet",
    service: "SoftLayer_Account",
    method: "getSubnets",
    root: Some("subnets"),
    mask: concat!(
        "mask[id,networkIdentifier,cidr,subnetType,datacenter[name],",
        "tagReferences[tag[name]],virtualGuests[id],hardware[id],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: Narrowing {
        datacenter: Some("datacenter.name"),
        tags: true,
        network: Some("networkIdentifier"),
        ..Narrowing::NONE
    },
    read,
}]);

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::Subnet, json::id(object.get("id"))?);
    let addr = json::text(object.get("networkIdentifier")).and_then(|a| a.parse().ok());
    let prefix = json::id(object.get("cidr")).and_then(|p| u8::try_from(p).ok());
    if let (Some(addr), Some(prefix)) = (addr, prefix) {
        r.network = Some(IpNet { addr, prefix });
        r.name = format!("{addr}/{prefix}");
    }
    r.datacenter = json::text(json::at(object, &["datacenter", "name"]));
    r.tags = json::tags(object);
    r.variant = json::text(object.get("subnetType"));
    r.billing = billing_of(object, "billingItem", now);
    r.created = json::timestamp(json::at(object, &["billingItem", "createDate"]));
    r.occupants = json::refs(object, "virtualGuests", Kind::VirtualGuest);
    r.occupants
        .extend(json::refs(object, "hardware", Kind::Hardware));
    Some(r.normalise())
}
