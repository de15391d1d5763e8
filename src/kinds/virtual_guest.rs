//! Virtual servers (`SoftLayer_Virtual_Guest`), listed from the account.
//! Immediately: `SoftLayer_Virtual_Guest::deleteObject`; on the
//! anniversary: `SoftLayer_Billing_Item::cancelItem(false, false, reason, note)`.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::{cancel_item, delete_object};
use super::source::{ListSource, Narrowing, Source};
use super::world::{WorldList, location, tags, transaction};
use super::{Kind, ResourceKind, billing_item_mask, billing_of, json};
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::Resource;

/// This kind, for other rooms that refer to it (a VLAN's guests).
pub(crate) const KIND: Kind = Kind::VirtualGuest;

#[derive(Debug)]
pub(crate) struct VirtualGuest;

const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Virtual_Guest",
    service: "SoftLayer_Account",
    method: "getVirtualGuests",
    root: Some("virtualGuests"),
    mask: concat!(
        "mask[id,hostname,domain,fullyQualifiedDomainName,createDate,notes,",
        "primaryIpAddress,primaryBackendIpAddress,hourlyBillingFlag,datacenter[name],",
        "tagReferences[tag[name]],activeTransaction[id],powerState[keyName],",
        "networkVlans[id,vlanNumber,primaryRouter[hostname]],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: HOST_NARROWING,
    read,
}]);

/// Guests and servers narrow alike: by their two primary addresses, place and tags.
pub(crate) const HOST_NARROWING: Narrowing = Narrowing {
    addresses: &["primaryIpAddress", "primaryBackendIpAddress"],
    datacenter: Some("datacenter.name"),
    tags: true,
    ..Narrowing::NONE
};

/// The keys servers accept; guests accept `power_state` too.
pub(crate) const HOST_KEYS: &[&str] = &[
    "id",
    "ip",
    "name",
    "name_regex",
    "vlan",
    "datacenter",
    "tags",
    "untagged",
    "older_than",
    "created_before",
    "hourly",
    "notes",
];

/// The keys guests accept: a server's, and the power state.
const GUEST_KEYS: &[&str] = &[
    "id",
    "ip",
    "name",
    "name_regex",
    "vlan",
    "datacenter",
    "tags",
    "untagged",
    "older_than",
    "created_before",
    "power_state",
    "hourly",
    "notes",
];

impl ResourceKind for VirtualGuest {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "virtual_guest"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        GUEST_KEYS
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        category == "guest_core"
    }

    fn cancel_call(
        &self,
        r: &Resource,
        timing: Timing,
        options: &CancelOptions,
    ) -> Option<ApiCall> {
        match timing {
            Timing::Immediate => Some(delete_object("SoftLayer_Virtual_Guest", r)),
            Timing::Anniversary => cancel_item(r, timing, options),
        }
    }

    // An anniversary cancellation of a server is approved through a
    // ticket that only sales can take back (reference §1.3).
    fn void_call(&self, r: &Resource) -> Result<ApiCall, String> {
        Err(super::cancel::servers_go_through_sales(r))
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "virtualGuests",
            method: "getVirtualGuests",
            root: Some("virtualGuests"),
            locals: "id,hostname,domain,createDate,modifyDate,provisionDate,notes,maxCpu,maxMemory,startCpus,globalIdentifier,\
uuid,accountId,dedicatedAccountHostOnlyFlag,primaryIpAddress,primaryBackendIpAddress,hourlyBillingFlag,\
status[keyName,name],powerState[keyName,name,description],blockCancelBecauseDisconnectedFlag,networkVlans[id],\
dedicatedHost[id]",
            relations: &[tags!(), location!(), transaction!()],
            billing_items: &["billingItem"],
            ..WorldList::PLAIN
        }]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["virtualGuests"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    read_host(&mut r, object);
    r.created = json::timestamp(object.get("createDate"));
    r.hourly = json::flag(object.get("hourlyBillingFlag"));
    r.power_state = json::text(json::at(object, &["powerState", "keyName"]));
    r.billing = billing_of(object, "billingItem", now);
    Some(r.normalise())
}

/// Facts guests and servers share: names, addresses, place, tags.
pub(crate) fn read_host(r: &mut Resource, object: &Value) {
    let hostname = json::text(object.get("hostname"));
    let domain = json::text(object.get("domain"));
    let fqdn =
        json::text(object.get("fullyQualifiedDomainName")).or_else(|| match (&hostname, &domain) {
            (Some(h), Some(d)) => Some(format!("{h}.{d}")),
            _ => None,
        });
    r.name = fqdn
        .clone()
        .or_else(|| hostname.clone())
        .unwrap_or_default();
    r.match_names.extend(hostname);
    r.match_names.extend(fqdn);
    r.add_address(json::text(object.get("primaryIpAddress")));
    r.add_address(json::text(object.get("primaryBackendIpAddress")));
    r.datacenter = json::text(json::at(object, &["datacenter", "name"]));
    r.tags = json::tags(object);
    r.vlans = json::vlans(object, "networkVlans");
    r.notes = json::text(object.get("notes"));
    r.active_transaction = json::at(object, &["activeTransaction"]).is_some();
}
