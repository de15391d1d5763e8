//! Block and file volumes (`SoftLayer_Network_Storage`).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Network_Storage",
    service: "SoftLayer_Account",
    method: "getNetworkStorage",
    root: Some("networkStorage"),
    mask: concat!(
        "mask[id,username,nasType,createDate,serviceResourceBackendIpAddress,",
        "storageType[keyName],serviceResource[datacenter[name]],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: Narrowing {
        addresses: &["serviceResourceBackendIpAddress"],
        datacenter: Some("serviceResource.datacenter.name"),
        ..Narrowing::NONE
    },
    read,
}]);

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::Storage, json::id(object.get("id"))?);
    let username = json::text(object.get("username"));
    r.name = username.clone().unwrap_or_default();
    r.match_names.extend(username);
    r.add_address(json::text(object.get("serviceResourceBackendIpAddress")));
    r.datacenter = json::text(json::at(object, &["serviceResource", "datacenter", "name"]));
    r.created = json::timestamp(object.get("createDate"));
    r.variant = json::text(json::at(object, &["storageType", "keyName"]))
        .or_else(|| json::text(object.get("nasType")));
    r.billing = billing_of(object, "billingItem", now);
    Some(r.normalise())
}
