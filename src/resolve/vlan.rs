//! VLANs (`SoftLayer_Network_Vlan`). VLAN numbers are unique per router
//! only, so the display name carries both.

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{ObjectRef, Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Network_Vlan",
    service: "SoftLayer_Account",
    method: "getNetworkVlans",
    root: Some("networkVlans"),
    mask: concat!(
        "mask[id,vlanNumber,name,fullyQualifiedName,",
        "primaryRouter[hostname,datacenter[name]],tagReferences[tag[name]],",
        "virtualGuests[id],hardware[id],subnets[id,subnetType],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: Narrowing {
        datacenter: Some("primaryRouter.datacenter.name"),
        tags: true,
        number: Some("vlanNumber"),
        ..Narrowing::NONE
    },
    read,
}]);

/// Subnet types that belong to the VLAN itself and go with it.
const PRIMARY_SUBNETS: [&str; 3] = ["PRIMARY", "PRIMARY_6", "ADDITIONAL_PRIMARY"];

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::Vlan, json::id(object.get("id"))?);
    r.vlan_number = json::id(object.get("vlanNumber")).and_then(|n| u16::try_from(n).ok());
    r.router = json::text(json::at(object, &["primaryRouter", "hostname"]));
    let name = json::text(object.get("name"));
    let number = r
        .vlan_number
        .map_or_else(|| "?".to_string(), |n| n.to_string());
    r.name = match (&name, &r.router) {
        (Some(name), Some(router)) => format!("{number} on {router} ({name})"),
        (None, Some(router)) => format!("{number} on {router}"),
        (Some(name), None) => format!("{number} ({name})"),
        (None, None) => number,
    };
    r.match_names.extend(name);
    r.match_names
        .extend(json::text(object.get("fullyQualifiedName")));
    r.datacenter = json::text(json::at(object, &["primaryRouter", "datacenter", "name"]));
    r.tags = json::tags(object);
    r.billing = billing_of(object, "billingItem", now);
    r.created = json::timestamp(json::at(object, &["billingItem", "createDate"]));
    r.occupants = json::refs(object, "virtualGuests", Kind::VirtualGuest);
    r.occupants
        .extend(json::refs(object, "hardware", Kind::Hardware));
    let secondary = object
        .get("subnets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| {
            !json::text(s.get("subnetType")).is_some_and(|t| PRIMARY_SUBNETS.contains(&t.as_str()))
        })
        .filter_map(|s| json::id(s.get("id")))
        .map(|id| ObjectRef {
            kind: Kind::Subnet,
            id,
        });
    r.occupants.extend(secondary);
    Some(r.normalise())
}
