//! Subnets (`SoftLayer_Network_Subnet`). `SoftLayer_Billing_Item::cancelItem`;
//! a subnet waits for the guests and servers on it.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::cancel_item;
use super::source::{ListSource, Narrowing, Source};
use super::world::{WorldList, location, tags};
use super::{
    Kind, ResourceKind, Unbilled, Variant, Wave, billing_item_mask, billing_of, hardware, json,
    virtual_guest,
};
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::Resource;
use crate::resolve::select::network;

/// This kind, for other rooms that refer to it (a VLAN's subnets).
pub(crate) const KIND: Kind = Kind::Subnet;

#[derive(Debug)]
pub(crate) struct Subnet;

const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Network_Subnet",
    service: "SoftLayer_Account",
    method: "getSubnets",
    root: Some("subnets"),
    mask: concat!(
        "mask[id,networkIdentifier,cidr,subnetType,note,datacenter[name],",
        "tagReferences[tag[name]],virtualGuests[id],hardware[id],",
        "networkVlan[id,vlanNumber,primaryRouter[hostname]],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: Narrowing {
        datacenter: Some("datacenter.name"),
        tags: true,
        network: Some("networkIdentifier"),
        ..Narrowing::NONE
    },
    read,
}]);

/// Subnet types that belong to the VLAN itself and go with it.
pub(crate) const PRIMARY_TYPES: [&str; 3] = ["PRIMARY", "PRIMARY_6", "ADDITIONAL_PRIMARY"];

impl ResourceKind for Subnet {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "subnet"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        &[
            "id",
            "cidr",
            "ip",
            "vlan",
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

    fn ip_selects_by_network(&self) -> bool {
        true
    }

    fn wave(&self) -> Wave {
        Wave::Hosts
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        matches!(
            category,
            "sov_sec_ip_addresses_pub"
                | "sov_sec_ip_addresses_priv"
                | "static_sec_ip_addresses"
                | "static_ipv6_addresses"
        )
    }

    fn unbilled(&self, r: &Resource) -> Unbilled {
        match &r.variant {
            Variant::Typed(t)
                if PRIMARY_TYPES.contains(&t.as_str()) || t.starts_with("PRIMARY") =>
            {
                Unbilled::Blocked(format!(
                    "{t} subnet without a billing item: it goes with its VLAN"
                ))
            }
            _ => Unbilled::Absent,
        }
    }

    fn cancel_call(
        &self,
        r: &Resource,
        timing: Timing,
        options: &CancelOptions,
    ) -> Option<ApiCall> {
        cancel_item(r, timing, options)
    }

    // The reference (§9): a subnet's cancellation cannot be undone.
    fn void_call(&self, _r: &Resource) -> Result<ApiCall, String> {
        Err("SoftLayer does not take back the cancellation of a subnet: it cannot be undone".into())
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "subnets",
            method: "getSubnets",
            root: Some("subnets"),
            locals: "id,networkIdentifier,cidr,subnetType,version,addressSpace,gateway,note,networkVlan[id]",
            relations: &[tags!(), location!()],
            billing_items: &["billingItem"],
            ..WorldList::PLAIN
        }]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["subnets", "virtualGuests", "hardware"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    let addr = json::text(object.get("networkIdentifier")).and_then(|a| a.parse().ok());
    let prefix = prefix_length(object.get("cidr"));
    // A prefix too long for the address family is no network at all.
    if let Some(network) = addr.zip(prefix).and_then(|(a, p)| network(a, p)) {
        r.network = Some(network);
        r.name = network.to_string();
    }
    r.datacenter = json::text(json::at(object, &["datacenter", "name"]));
    r.tags = json::tags(object);
    r.vlans = json::vlans(object, "networkVlan");
    r.notes = json::text(object.get("note"));
    r.variant = json::text(object.get("subnetType")).map_or(Variant::Plain, Variant::Typed);
    r.billing = billing_of(object, "billingItem", now);
    r.created = json::timestamp(json::at(object, &["billingItem", "createDate"]));
    r.occupants = json::refs(object, "virtualGuests", virtual_guest::KIND);
    r.occupants
        .extend(json::refs(object, "hardware", hardware::KIND));
    Some(r.normalise())
}

/// A prefix length as the API sends it: `24`, `"24"`, or (softlayer-python's
/// `getSubnets` fixture) `"/24"`.
fn prefix_length(value: Option<&Value>) -> Option<u8> {
    let bare = match value? {
        Value::String(s) => Value::String(s.trim().trim_start_matches('/').to_string()),
        other => other.clone(),
    };
    json::id(Some(&bare)).and_then(|p| u8::try_from(p).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A subnet's prefix reads as a number, a numeric string or the
    /// `"/24"` of softlayer-python's fixtures, so the subnet has its network.
    #[test]
    fn reads_prefix_forms() {
        let now = "2026-11-22T12:00:00Z".parse().unwrap();
        for cidr in [json!(24), json!("24"), json!("/24")] {
            let object = json!({"id": "100", "networkIdentifier": "10.0.0.0", "cidr": cidr});
            let r = read(&object, now).unwrap();
            assert_eq!(r.name, "10.0.0.0/24", "{cidr}");
            assert!(r.network.is_some(), "{cidr}");
        }
        // No prefix, or one longer than an IPv4 address (no panic either).
        for cidr in [json!("/"), json!("/33"), json!(40), json!("24/"), json!(-1)] {
            let object = json!({"id": 1, "networkIdentifier": "10.0.0.0", "cidr": cidr});
            assert_eq!(read(&object, now).unwrap().network, None, "{cidr}");
        }
    }
}
