//! Global IP addresses (`SoftLayer_Network_Subnet_IpAddress_Global`).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Network_Subnet_IpAddress_Global",
    service: "SoftLayer_Account",
    method: "getGlobalIpRecords",
    root: Some("globalIpRecords"),
    mask: concat!(
        "mask[id,ipAddress[ipAddress],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: Narrowing {
        addresses: &["ipAddress.ipAddress"],
        ..Narrowing::NONE
    },
    read,
}]);

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::GlobalIp, json::id(object.get("id"))?);
    let ip = json::text(json::at(object, &["ipAddress", "ipAddress"]));
    r.name = ip.clone().unwrap_or_default();
    r.add_address(ip);
    r.billing = billing_of(object, "billingItem", now);
    r.created = json::timestamp(json::at(object, &["billingItem", "createDate"]));
    Some(r.normalise())
}
