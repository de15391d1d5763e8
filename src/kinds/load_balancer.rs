//! Load balancers: legacy local VIPs
//! (`SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress`,
//! listed from the account, cancelled with a cancellation request) and IBM
//! Cloud LBaaS (`SoftLayer_Network_LBaaS_LoadBalancer`, listed by its own
//! service, no billing item, cancelled with `cancelLoadBalancer(uuid)`,
//! immediately only).

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::{call, cancellation_request};
use super::source::{ListSource, Narrowing, Source};
use super::world::{WorldList, ip_address, location};
use super::{Kind, ResourceKind, Standing, Unbilled, Variant, billing_item_mask, billing_of, json};
use crate::manifest::model::{CancelOptions, When};
use crate::plan::model::{ApiCall, State, Timing};
use crate::resolve::resource::Resource;

const KIND: Kind = Kind::LoadBalancer;

#[derive(Debug)]
pub(crate) struct LoadBalancer;

/// LBaaS statuses that mean a cancellation is under way or complete.
const LBAAS_DELETING: [&str; 2] = ["DELETE_PENDING", "DELETED"];

const SOURCE: Source = Source::Lists(&[
    ListSource {
        object_service: "SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress",
        service: "SoftLayer_Account",
        method: "getAdcLoadBalancers",
        root: Some("adcLoadBalancers"),
        mask: concat!(
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

impl ResourceKind for LoadBalancer {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "load_balancer"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        &[
            "id",
            "ip",
            "name",
            "name_regex",
            "datacenter",
            "older_than",
            "created_before",
        ]
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        category.contains("load_balancer")
    }

    fn refusal_before_billing(
        &self,
        r: &Resource,
        options: &CancelOptions,
    ) -> Option<(State, String)> {
        if r.variant != Variant::Lbaas {
            return None;
        }
        if let Some(status) = deleting(r) {
            return Some((State::Scheduled, format!("deletion in progress ({status})")));
        }
        (options.when == When::Anniversary).then(|| {
            (
                State::Blocked,
                "an LBaaS load balancer can only be cancelled immediately".into(),
            )
        })
    }

    fn unbilled(&self, r: &Resource) -> Unbilled {
        if r.variant == Variant::Lbaas {
            Unbilled::CancelledByItsOwnCall
        } else {
            Unbilled::Absent
        }
    }

    fn cancel_call(
        &self,
        r: &Resource,
        timing: Timing,
        options: &CancelOptions,
    ) -> Option<ApiCall> {
        if r.variant != Variant::Lbaas {
            return cancellation_request(r, timing, options);
        }
        let uuid = r.uuid.clone()?;
        (timing == Timing::Immediate).then(|| {
            call(
                "SoftLayer_Network_LBaaS_LoadBalancer",
                None,
                "cancelLoadBalancer",
                vec![uuid.into()],
            )
        })
    }

    fn done(&self, r: &Resource) -> Option<String> {
        if r.variant == Variant::Lbaas {
            return deleting(r).map(|s| format!("deletion in progress ({s})"));
        }
        super::room::done_by_billing(r)
    }

    fn standing(&self, r: &Resource) -> Standing {
        if r.variant != Variant::Lbaas {
            return super::room::standing_by_billing(r);
        }
        match deleting(r) {
            Some(status) => Standing::Pending(None, format!("deletion in progress ({status})")),
            None => Standing::Active,
        }
    }

    // A VIP was cancelled by a cancellation request; an LBaaS deletion
    // has no way back.
    fn void_call(&self, r: &Resource) -> Result<ApiCall, String> {
        if r.variant == Variant::Lbaas {
            return Err("an LBaaS deletion cannot be taken back".into());
        }
        super::cancel::void_request(r)
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[
            WorldList {
                key: "adcLoadBalancers",
                method: "getAdcLoadBalancers",
                root: Some("adcLoadBalancers"),
                locals: "id,accountId,notes,dedicatedFlag,connectionLimit,ipAddressId",
                relations: &[ip_address!("ipAddress")],
                billing_items: &["billingItem", "dedicatedBillingItem"],
                ..WorldList::PLAIN
            },
            WorldList {
                key: "lbaasLoadBalancers",
                service: "SoftLayer_Network_LBaaS_LoadBalancer",
                method: "getAllObjects",
                locals: "id,uuid,name,description,address,isPublic,type,provisioningStatus,operatingStatus,createDate,\
modifyDate,accountId,locationId,useSystemPublicIpPool",
                relations: &[location!()],
                ..WorldList::PLAIN
            },
        ]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["adcLoadBalancers", "lbaasLoadBalancers"]
    }
}

/// The LBaaS status that says a deletion is under way, if it is.
fn deleting(r: &Resource) -> Option<&str> {
    r.status.as_deref().filter(|s| LBAAS_DELETING.contains(s))
}

/// A legacy VIP has no name in the API: people know it by its notes (what
/// the control portal calls its description) or its address, so those are
/// what it is shown as and what `name` globs match.
fn read_vip(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    let ip = json::text(json::at(object, &["ipAddress", "ipAddress"]));
    let notes = json::text(object.get("notes"));
    r.name = notes.clone().or_else(|| ip.clone()).unwrap_or_default();
    r.match_names.extend(notes);
    r.match_names.extend(ip.clone());
    r.add_address(ip);
    r.account_id = json::id(object.get("accountId"));
    // A dedicated VIP is billed through the whole load-balancing device.
    let dedicated = json::flag(object.get("dedicatedFlag")).unwrap_or(false);
    r.variant = if dedicated {
        Variant::DedicatedVip
    } else {
        Variant::Vip
    };
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
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
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
    r.variant = Variant::Lbaas;
    // LBaaS is billed by usage; it exposes no billing item.
    r.hourly = Some(true);
    Some(r.normalise())
}
