//! Global IP addresses (`SoftLayer_Network_Subnet_IpAddress_Global`).
//! `SoftLayer_Billing_Item::cancelItem`.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::cancel_item;
use super::source::{ListSource, Narrowing, Source};
use super::world::{WorldList, ip_address};
use super::{Kind, ResourceKind, billing_item_mask, billing_of, json};
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::Resource;

const KIND: Kind = Kind::GlobalIp;

#[derive(Debug)]
pub(crate) struct GlobalIp;

const SOURCE: Source = Source::Lists(&[ListSource {
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

impl ResourceKind for GlobalIp {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "global_ip"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        &["id", "ip", "older_than", "created_before"]
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        matches!(category, "global_ipv4" | "global_ipv6")
    }

    fn cancel_call(
        &self,
        r: &Resource,
        timing: Timing,
        options: &CancelOptions,
    ) -> Option<ApiCall> {
        cancel_item(r, timing, options)
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "globalIpRecords",
            method: "getGlobalIpRecords",
            root: Some("globalIpRecords"),
            locals: "id,description,ipAddressId,destinationIpAddressId,typeId",
            relations: &[
                ip_address!("ipAddress"),
                ip_address!("destinationIpAddress"),
            ],
            billing_items: &["billingItem"],
            ..WorldList::PLAIN
        }]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["globalIpRecords"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    let ip = json::text(json::at(object, &["ipAddress", "ipAddress"]));
    r.name = ip.clone().unwrap_or_default();
    r.add_address(ip);
    r.billing = billing_of(object, "billingItem", now);
    r.created = json::timestamp(json::at(object, &["billingItem", "createDate"]));
    Some(r.normalise())
}
