//! Dedicated virtual hosts (`SoftLayer_Virtual_DedicatedHost`).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Virtual_DedicatedHost",
    service: "SoftLayer_Account",
    method: "getDedicatedHosts",
    root: Some("dedicatedHosts"),
    mask: concat!(
        "mask[id,name,createDate,datacenter[name],tagReferences[tag[name]],guests[id],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: Narrowing {
        datacenter: Some("datacenter.name"),
        tags: true,
        ..Narrowing::NONE
    },
    read,
}]);

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::DedicatedHost, json::id(object.get("id"))?);
    let name = json::text(object.get("name"));
    r.name = name.clone().unwrap_or_default();
    r.match_names.extend(name);
    r.datacenter = json::text(json::at(object, &["datacenter", "name"]));
    r.tags = json::tags(object);
    r.created = json::timestamp(object.get("createDate"));
    r.billing = billing_of(object, "billingItem", now);
    r.occupants = json::refs(object, "guests", Kind::VirtualGuest);
    Some(r.normalise())
}
