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
        "mask[id,username,nasType,createDate,notes,serviceResourceBackendIpAddress,",
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
            "name_regex",
            "datacenter",
            "older_than",
            "created_before",
            "hourly",
            "notes",
        ]
    }

    fn why_not(&self, key: &str) -> Option<&'static str> {
        matches!(key, "tags" | "untagged").then_some("storage volumes carry no tags in SoftLayer")
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

/// `getNetworkStorage` returns every storage product of the account; this
/// kind is block (`ISCSI`) and file (`NAS`) volumes only, never object
/// storage (`HUB`, `OBJECT_STORAGE_*`), EVault backups or the rest: those
/// are not read as volumes at all, so no selector can reach them.
/// Without a `nasType`, the storage type decides; Endurance and
/// Performance are the block and file products, so a `storageType` that
/// says only that (`ENDURANCE_STORAGE`, as the SDK's `getNasNetworkStorage`
/// fixture has it) is a volume too.
fn is_volume(object: &Value) -> bool {
    let key = json::text(json::at(object, &["storageType", "keyName"])).unwrap_or_default();
    let nas = json::text(object.get("nasType")).unwrap_or_default();
    let other = key.starts_with("OBJECT_STORAGE")
        || ["HUB", "EVAULT", "LOCKBOX", "VIRTUAL_SERVER_STORAGE"]
            .iter()
            .any(|t| key.contains(t) || nas == *t);
    // A `nasType` decides when there is one: replicas (`ISCSI_REPLICANT`),
    // snapshots and containers go with their volume, never on their own.
    let volume = if nas.is_empty() {
        key.contains("BLOCK_STORAGE")
            || key.contains("FILE_STORAGE")
            || matches!(key.as_str(), "ENDURANCE_STORAGE" | "PERFORMANCE_STORAGE")
    } else {
        matches!(nas.as_str(), "ISCSI" | "NAS")
    };
    volume && !other
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    if !is_volume(object) {
        return None;
    }
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    let username = json::text(object.get("username"));
    r.name = username.clone().unwrap_or_default();
    r.match_names.extend(username);
    r.add_address(json::text(object.get("serviceResourceBackendIpAddress")));
    r.datacenter = json::text(json::at(object, &["serviceResource", "datacenter", "name"]));
    r.created = json::timestamp(object.get("createDate"));
    r.notes = json::text(object.get("notes"));
    r.variant = json::text(json::at(object, &["storageType", "keyName"]))
        .or_else(|| json::text(object.get("nasType")))
        .map_or(Variant::Plain, Variant::Typed);
    r.billing = billing_of(object, "billingItem", now);
    Some(r.normalise())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    /// Block and file volumes are read, in the shapes softlayer-python's
    /// fixtures show (a `nasType` without `storageType`, or the reverse).
    #[test]
    fn block_and_file_volumes_are_volumes() {
        for object in [
            json!({"id": 1234567, "nasType": "ISCSI", "username": "SL01SEL301234-11"}),
            json!({"id": 4917123, "nasType": "NAS", "username": "SL01SEV1234567_111"}),
            json!({"id": 100, "nasType": "ISCSI", "storageType": {"keyName": "ENDURANCE_STORAGE"}}),
            json!({"id": 7, "storageType": {"keyName": "PERFORMANCE_FILE_STORAGE"}}),
            // SoftLayer_Account::getNasNetworkStorage's fixture: no nasType.
            json!({"id": 1, "storageType": {"keyName": "ENDURANCE_STORAGE"}, "username": "user"}),
            json!({"id": 2, "storageType": {"keyName": "PERFORMANCE_STORAGE"}}),
        ] {
            assert!(read(&object, now()).is_some(), "{object}");
        }
    }

    /// Object storage, EVault and other storage products are never volumes.
    #[test]
    fn other_storage_is_not_a_volume() {
        for object in [
            json!({"id": 12345, "storageType": {"keyName": "OBJECT_STORAGE_STANDARD"}, "username": "SLOS12345-1"}),
            json!({"id": 12346, "nasType": "HUB", "username": "SLOS12345-2"}),
            json!({"id": 5, "nasType": "EVAULT", "username": "SLEV1"}),
            json!({"id": 6, "nasType": "NAS", "storageType": {"keyName": "OBJECT_STORAGE_ACCOUNT"}}),
            json!({"id": 8, "username": "no-type"}),
            // Replicas, snapshots and containers are not volumes to retire.
            json!({"id": 9, "nasType": "ISCSI_REPLICANT", "storageType": {"keyName": "ENDURANCE_BLOCK_STORAGE"}}),
            json!({"id": 10, "nasType": "SNAPSHOT", "storageType": {"keyName": "ENDURANCE_STORAGE"}}),
            json!({"id": 11, "nasType": "NAS_CONTAINER", "storageType": {"keyName": "PERFORMANCE_STORAGE"}}),
        ] {
            assert!(read(&object, now()).is_none(), "{object}");
        }
    }
}
