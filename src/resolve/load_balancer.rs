//! Load balancers: legacy local VIPs
//! (`SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress`,
//! listed from the account) and IBM Cloud LBaaS (`SoftLayer_Network_LBaaS_LoadBalancer`,
//! listed by its own service, no billing item).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use crate::manifest::model::Kind;

/// Values of [`Resource::variant`] for load balancers.
pub(crate) const VIP: &str = "vip";
pub(crate) const DEDICATED_VIP: &str = "dedicated_vip";
pub(crate) const LBAAS: &str = "lbaas";

pub(crate) const SOURCE: Source = Source::Lists(&[
    ListSource {
        object_service: "SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress",
        service: "SoftLayer_Account",
        method: "getAdcLoadBalancers",
        root: Some("adcLoadBalancers"),
        mask: concat!(
            // A VIP has no `name` in the API: its notes are the label users give it.
            "mask[id,accountId,notes,dedicatedFlag,ipAddress[ipAddress],",
            billing_item_mask!("billingItem"),
            ",",
            billing_item_mask!("dedicatedBillingItem"),
            "]"
        ),
        // A dedicated VIP is billed through its whole device, with every
        // other VIP on it: all of them must be seen to plan one safely.
        narrowing: Narrowing {
            addresses: &["ipAddress.ipAddress"],
            whole: true,
            ..Narrowing::NONE
        },
        read: read_vip,
    },
    ListSource {
        object_service: "SoftLayer_Network_LBaaS_LoadBalancer",
        service: "SoftLayer_Network_LBaaS_LoadBalancer",
        method: "getAllObjects",
        root: None,
        mask: concat!(
            "mask[id,uuid,name,address,provisioningStatus,",
            "createDate,accountId,datacenter[name]]"
        ),
        narrowing: Narrowing {
            datacenter: Some("datacenter.name"),
            ..Narrowing::NONE
        },
        read: read_lbaas,
    },
]);

fn read_vip(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::LoadBalancer, json::id(object.get("id"))?);
    let ip = json::text(json::at(object, &["ipAddress", "ipAddress"]));
    let name = json::text(object.get("notes"));
    r.name = name.clone().or_else(|| ip.clone()).unwrap_or_default();
    r.match_names.extend(name);
    r.add_address(ip);
    r.account_id = json::id(object.get("accountId"));
    // A dedicated VIP is billed through the whole load-balancing device.
    let dedicated = json::flag(object.get("dedicatedFlag")).unwrap_or(false);
    r.variant = Some(if dedicated { DEDICATED_VIP } else { VIP }.to_string());
    let key = if dedicated {
        "dedicatedBillingItem"
    } else {
        "billingItem"
    };
    r.billing = billing_of(object, key, now);
    r.created = json::timestamp(json::at(object, &[key, "createDate"]));
    Some(r.normalise())
}

fn read_lbaas(object: &Value, _now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::LoadBalancer, json::id(object.get("id"))?);
    let name = json::text(object.get("name"));
    let uuid = json::text(object.get("uuid"));
    r.name = name.clone().or_else(|| uuid.clone()).unwrap_or_default();
    r.match_names.extend(name);
    r.match_names.extend(uuid.clone());
    r.match_names.extend(json::text(object.get("address")));
    r.uuid = uuid;
    r.datacenter = json::text(json::at(object, &["datacenter", "name"]));
    r.created = json::timestamp(object.get("createDate"));
    r.account_id = json::id(object.get("accountId"));
    r.status = json::text(object.get("provisioningStatus"));
    r.variant = Some(LBAAS.to_string());
    // LBaaS is billed by usage; it exposes no billing item and is cancelled
    // with cancelLoadBalancer, immediately.
    r.hourly = Some(true);
    Some(r.normalise())
}
