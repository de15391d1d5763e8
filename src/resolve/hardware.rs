//! Bare metal and dedicated servers (`SoftLayer_Hardware_Server`).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use super::virtual_guest::read_host;
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Hardware_Server",
    service: "SoftLayer_Account",
    method: "getHardware",
    root: Some("hardware"),
    // getHardware returns SoftLayer_Hardware; the transaction and the
    // cancellation ticket are SoftLayer_Hardware_Server's, so they need a
    // cast (the form slcli's `hw list` sends).
    mask: concat!(
        "[mask[id,hostname,domain,fullyQualifiedDomainName,provisionDate,",
        "primaryIpAddress,primaryBackendIpAddress,hourlyBillingFlag,datacenter[name],",
        "tagReferences[tag[name]],",
        billing_item_mask!("billingItem"),
        "],mask(SoftLayer_Hardware_Server)[activeTransaction[id],openCancellationTicket[id]]]"
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
    let mut r = Resource::new(Kind::Hardware, json::id(object.get("id"))?);
    read_host(&mut r, object);
    r.billing = billing_of(object, "billingItem", now);
    r.created = json::timestamp(object.get("provisionDate"))
        .or_else(|| json::timestamp(json::at(object, &["billingItem", "createDate"])));
    r.hourly = json::flag(object.get("hourlyBillingFlag"));
    r.open_ticket = json::id(json::at(object, &["openCancellationTicket", "id"]));
    Some(r.normalise())
}
