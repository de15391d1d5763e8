//! VLANs (`SoftLayer_Network_Vlan`). VLAN numbers are unique per router
//! only, so the display name carries both. `cancelService` or
//! `cancelServiceOnAnniversaryDate`, once the guests, servers and secondary
//! subnets on it are gone.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::cancel_service;
use super::source::{ListSource, Narrowing, Source};
use super::world::{WorldList, location, router, tags};
use super::{
    Kind, ResourceKind, Unbilled, Wave, billing_item_mask, billing_of, hardware, json, subnet,
    virtual_guest,
};
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::{ObjectRef, Resource};

const KIND: Kind = Kind::Vlan;

#[derive(Debug)]
pub(crate) struct Vlan;

const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Network_Vlan",
    service: "SoftLayer_Account",
    method: "getNetworkVlans",
    root: Some("networkVlans"),
    mask: concat!(
        "mask[id,vlanNumber,name,fullyQualifiedName,note,",
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

impl ResourceKind for Vlan {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "vlan"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        &[
            "id",
            "number",
            "router",
            "name",
            "name_regex",
            "datacenter",
            "tags",
            "untagged",
            "older_than",
            "created_before",
            "notes",
        ]
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn wave(&self) -> Wave {
        Wave::Networks
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        category == "network_vlan"
    }

    fn unbilled(&self, _r: &Resource) -> Unbilled {
        Unbilled::Blocked(
            "automatic VLAN without a billing item: SoftLayer removes it once it is empty".into(),
        )
    }

    fn cancel_call(&self, r: &Resource, timing: Timing, _: &CancelOptions) -> Option<ApiCall> {
        cancel_service(r, timing)
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "networkVlans",
            method: "getNetworkVlans",
            root: Some("networkVlans"),
            // `SoftLayer_Network_Vlan` has no `createDate`: a VLAN's age is
            // its billing item's.
            locals: "id,vlanNumber,name,networkSpace,note,modifyDate,\
dedicatedFirewallFlag,type[id,keyName,name]",
            relations: &[tags!(), location!(), router!("primaryRouter")],
            billing_items: &["billingItem"],
            ..WorldList::PLAIN
        }]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["networkVlans", "virtualGuests", "hardware", "subnets"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
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
    r.notes = json::text(object.get("note"));
    r.billing = billing_of(object, "billingItem", now);
    r.created = json::timestamp(json::at(object, &["billingItem", "createDate"]));
    r.occupants = json::refs(object, "virtualGuests", virtual_guest::KIND);
    r.occupants
        .extend(json::refs(object, "hardware", hardware::KIND));
    // Primary subnets belong to the VLAN itself and go with it.
    let secondary = object
        .get("subnets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| {
            !json::text(s.get("subnetType"))
                .is_some_and(|t| subnet::PRIMARY_TYPES.contains(&t.as_str()))
        })
        .filter_map(|s| json::id(s.get("id")))
        .map(|id| ObjectRef {
            kind: subnet::KIND,
            id,
        });
    r.occupants.extend(secondary);
    Some(r.normalise())
}
