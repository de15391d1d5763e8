//! Block and file volumes (`SoftLayer_Network_Storage`).
//! `SoftLayer_Billing_Item::cancelService` (immediately) or
//! `cancelServiceOnAnniversaryDate`.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::cancel_service;
use super::source::{ListSource, Narrowing, Source};
use super::world::{WorldList, location};
use super::{Kind, ResourceKind, Variant, billing_item_mask, billing_of, json};
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::Resource;

const KIND: Kind = Kind::Storage;

#[derive(Debug)]
pub(crate) struct Storage;

const SOURCE: Source = Source::Lists(&[ListSource {
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

impl ResourceKind for Storage {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "storage"
    }

    // Volumes carry no tags in SoftLayer; `ip` is the target address.
    fn selector_keys(&self) -> &'static [&'static str] {
        &[
            "id",
            "ip",
            "name",
            "datacenter",
            "older_than",
            "created_before",
        ]
    }

    fn why_not(&self, key: &str) -> Option<&'static str> {
        (key == "tags").then_some("storage volumes carry no tags in SoftLayer")
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        category.starts_with("storage_") || category.starts_with("performance_storage")
    }

    fn cancel_call(&self, r: &Resource, timing: Timing, _: &CancelOptions) -> Option<ApiCall> {
        cancel_service(r, timing)
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "networkStorage",
            method: "getNetworkStorage",
            root: Some("networkStorage"),
            locals: concat!(
                "id,username,nasType,capacityGb,createDate,notes,serviceResourceBackendIpAddress,accountId,lunId,",
                "fileNetworkMountAddress,storageTierLevel,storageType[id,keyName,description],",
                "serviceResource[id,name,backendIpAddress,",
                location!(),
                ",type[type]],activeTransactionCount"
            ),
            billing_items: &["billingItem"],
            // Volumes carry their snapshot space as `activeChildren` (what the SDK reads).
            children: "activeChildren",
            ..WorldList::PLAIN
        }]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["networkStorage"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    let username = json::text(object.get("username"));
    r.name = username.clone().unwrap_or_default();
    r.match_names.extend(username);
    r.add_address(json::text(object.get("serviceResourceBackendIpAddress")));
    r.datacenter = json::text(json::at(object, &["serviceResource", "datacenter", "name"]));
    r.created = json::timestamp(object.get("createDate"));
    r.variant = json::text(json::at(object, &["storageType", "keyName"]))
        .or_else(|| json::text(object.get("nasType")))
        .map_or(Variant::Plain, Variant::Typed);
    r.billing = billing_of(object, "billingItem", now);
    Some(r.normalise())
}
