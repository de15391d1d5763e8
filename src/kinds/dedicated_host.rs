//! Dedicated virtual hosts (`SoftLayer_Virtual_DedicatedHost`).
//! Immediately: `SoftLayer_Virtual_DedicatedHost::deleteObject`; on the
//! anniversary: `cancelItem`. A host waits for the guests on it.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::{cancel_item, delete_object};
use super::source::{ListSource, Narrowing, Source};
use super::world::{WorldList, location, router, tags};
use super::{Kind, ResourceKind, Wave, billing_item_mask, billing_of, json, virtual_guest};
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::Resource;

const KIND: Kind = Kind::DedicatedHost;

#[derive(Debug)]
pub(crate) struct DedicatedHost;

const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Virtual_DedicatedHost",
    service: "SoftLayer_Account",
    method: "getDedicatedHosts",
    root: Some("dedicatedHosts"),
    mask: concat!(
        "mask[id,name,createDate,notes,datacenter[name],tagReferences[tag[name]],guests[id],",
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

impl ResourceKind for DedicatedHost {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "dedicated_host"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        &[
            "id",
            "name",
            "name_regex",
            "datacenter",
            "tags",
            "untagged",
            "older_than",
            "created_before",
            "hourly",
            "notes",
        ]
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn wave(&self) -> Wave {
        Wave::Hosts
    }

    fn occupants_are(&self) -> &'static str {
        "guests"
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        category == "dedicated_virtual_hosts"
    }

    fn cancel_call(
        &self,
        r: &Resource,
        timing: Timing,
        options: &CancelOptions,
    ) -> Option<ApiCall> {
        match timing {
            Timing::Immediate => Some(delete_object("SoftLayer_Virtual_DedicatedHost", r)),
            Timing::Anniversary => cancel_item(r, timing, options),
        }
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "dedicatedHosts",
            method: "getDedicatedHosts",
            root: Some("dedicatedHosts"),
            locals: "id,name,createDate,modifyDate,notes,cpuCount,memoryCapacity,diskCapacity,accountId",
            relations: &[tags!(), location!(), router!("backendRouter")],
            billing_items: &["billingItem"],
            ..WorldList::PLAIN
        }]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["dedicatedHosts", "virtualGuests"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    let name = json::text(object.get("name"));
    r.name = name.clone().unwrap_or_default();
    r.match_names.extend(name);
    r.datacenter = json::text(json::at(object, &["datacenter", "name"]));
    r.tags = json::tags(object);
    r.notes = json::text(object.get("notes"));
    r.created = json::timestamp(object.get("createDate"));
    r.billing = billing_of(object, "billingItem", now);
    r.occupants = json::refs(object, "guests", virtual_guest::KIND);
    Some(r.normalise())
}
