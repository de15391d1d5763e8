//! An account's inventory as a world file (`slretire-world/1`): one masked,
//! paginated list call per kind, masks that yield exactly the stored shape
//! (relations by id, no derived properties, no secrets, never `users`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::manifest::model::Kind;
use crate::softlayer::account::id_of;
use crate::softlayer::call::Call;
use crate::softlayer::client::Client;
use crate::softlayer::error::ApiError;

/// The `format` value of world files.
pub const WORLD_FORMAT: &str = "slretire-world/1";

// The masks name every stored property explicitly: SoftLayer's REST API may
// drop local properties when a level names only relations, and a derived
// or computed property would contradict the data once loaded back.

/// A billing item's stored local properties.
const BILLING_LOCALS: &str = "id,categoryCode,description,recurringFee,hourlyRecurringFee,oneTimeFee,setupFee,\
laborFee,createDate,cycleStartDate,lastBillDate,nextBillDate,cancellationDate,modifyDate,allowCancellationFlag,notes,\
hostName,domainName,orderItemId,recurringMonths,serviceProviderId,associatedBillingItemId,location[id,name,longName,statusId]";
const LOCATION: &str = "datacenter[id,name,longName,statusId]";
const TAGS: &str = "tagReferences[id,tagId,resourceTableId,tagTypeId,usrRecordId,empRecordId,\
tag[id,name,accountId,internal],tagType[keyName,description]]";
const TRANSACTION: &str = "activeTransaction[id,createDate,modifyDate,elapsedSeconds,guestId,hardwareId,\
statusChangeDate,transactionStatus[name,friendlyName,averageDuration]]";
const IP_ADDRESS: &str = "[id,ipAddress,note,isBroadcast,isGateway,isNetwork,isReserved]";
const ROUTER: &str = "[id,hostname,domain,datacenter[id,name,longName,statusId]]";
/// Read from a server to write the world's `tickets` (it is derived there).
const OPEN_TICKET: &str = "openCancellationTicket[id,title,statusId,createDate,modifyDate,lastEditDate,accountId,\
assignedUserId,serviceProviderResourceId,subjectId,status[id,name],updates[id,entry,createDate,ticketId,editorType,editorId]]";

/// One list of a world file and the single API list call that fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorldList {
    /// The key in the world file (the `SoftLayer_Account` property name).
    pub key: &'static str,
    /// The manifest kind it serves.
    pub kind: Kind,
    service: &'static str,
    method: &'static str,
    /// Filter root; `None` for a `getAllObjects` service.
    root: Option<&'static str>,
    /// Properties of the object itself; billing items are added by [`WorldList::mask`].
    locals: &'static str,
    billing_items: &'static [&'static str],
}

/// Every list, in the order a snapshot fetches them (top-level billing items
/// last: the ones nested under resources are left out of that list).
pub const WORLD_LISTS: [WorldList; 11] = [
    WorldList {
        key: "virtualGuests",
        kind: Kind::VirtualGuest,
        service: "SoftLayer_Account",
        method: "getVirtualGuests",
        root: Some("virtualGuests"),
        locals: "id,hostname,domain,createDate,modifyDate,provisionDate,notes,maxCpu,maxMemory,startCpus,globalIdentifier,\
uuid,accountId,dedicatedAccountHostOnlyFlag,primaryIpAddress,primaryBackendIpAddress,hourlyBillingFlag,\
status[id,keyName,name],powerState[keyName,name,description],blockCancelBecauseDisconnectedFlag,networkVlans[id],\
dedicatedHost[id]",
        billing_items: &["billingItem"],
    },
    WorldList {
        key: "hardware",
        kind: Kind::Hardware,
        service: "SoftLayer_Account",
        method: "getHardware",
        root: Some("hardware"),
        locals: "id,hostname,domain,provisionDate,notes,serialNumber,globalIdentifier,bareMetalInstanceFlag,\
hardwareStatusId,accountId,primaryIpAddress,primaryBackendIpAddress,hourlyBillingFlag,hardwareStatus[id,status],\
networkVlans[id]",
        billing_items: &["billingItem"],
    },
    WorldList {
        key: "networkStorage",
        kind: Kind::Storage,
        service: "SoftLayer_Account",
        method: "getNetworkStorage",
        root: Some("networkStorage"),
        locals: "id,username,nasType,capacityGb,createDate,notes,serviceResourceBackendIpAddress,accountId,lunId,\
fileNetworkMountAddress,storageTierLevel,storageType[id,keyName,description],\
serviceResource[id,name,backendIpAddress,datacenter[id,name,longName,statusId],type[type]],activeTransactionCount",
        billing_items: &["billingItem"],
    },
    WorldList {
        key: "subnets",
        kind: Kind::Subnet,
        service: "SoftLayer_Account",
        method: "getSubnets",
        root: Some("subnets"),
        locals: "id,networkIdentifier,cidr,subnetType,version,addressSpace,gateway,note,networkVlan[id]",
        billing_items: &["billingItem"],
    },
    WorldList {
        key: "networkVlans",
        kind: Kind::Vlan,
        service: "SoftLayer_Account",
        method: "getNetworkVlans",
        root: Some("networkVlans"),
        locals: "id,vlanNumber,name,networkSpace,note,createDate,modifyDate,\
dedicatedFirewallFlag,type[id,keyName,name]",
        billing_items: &["billingItem"],
    },
    WorldList {
        key: "globalIpRecords",
        kind: Kind::GlobalIp,
        service: "SoftLayer_Account",
        method: "getGlobalIpRecords",
        root: Some("globalIpRecords"),
        locals: "id,description,ipAddressId,destinationIpAddressId,typeId",
        billing_items: &["billingItem"],
    },
    WorldList {
        key: "adcLoadBalancers",
        kind: Kind::LoadBalancer,
        service: "SoftLayer_Account",
        method: "getAdcLoadBalancers",
        root: Some("adcLoadBalancers"),
        locals: "id,accountId,name,notes,dedicatedFlag,connectionLimit,ipAddressId",
        billing_items: &["billingItem", "dedicatedBillingItem"],
    },
    WorldList {
        key: "lbaasLoadBalancers",
        kind: Kind::LoadBalancer,
        service: "SoftLayer_Network_LBaaS_LoadBalancer",
        method: "getAllObjects",
        root: None,
        locals: "id,uuid,name,description,address,isPublic,type,provisioningStatus,operatingStatus,createDate,\
modifyDate,accountId,locationId,useSystemPublicIpPool",
        billing_items: &[],
    },
    WorldList {
        key: "cdnAccounts",
        kind: Kind::Cdn,
        service: "SoftLayer_Account",
        method: "getCdnAccounts",
        root: Some("cdnAccounts"),
        locals: "id,cdnAccountName,accountId,cdnSolutionName,createDate,statusId,cdnAccountNote,\
status[id,name,description]",
        billing_items: &["billingItem"],
    },
    WorldList {
        key: "dedicatedHosts",
        kind: Kind::DedicatedHost,
        service: "SoftLayer_Account",
        method: "getDedicatedHosts",
        root: Some("dedicatedHosts"),
        locals: "id,name,createDate,modifyDate,notes,cpuCount,memoryCapacity,diskCapacity,accountId",
        billing_items: &["billingItem"],
    },
    WorldList {
        key: "allTopLevelBillingItems",
        kind: Kind::BillingItem,
        service: "SoftLayer_Account",
        method: "getAllTopLevelBillingItems",
        root: Some("allTopLevelBillingItems"),
        locals: BILLING_LOCALS,
        billing_items: &[],
    },
];

impl WorldList {
    /// The object mask of the list call.
    pub fn mask(&self) -> String {
        let mut parts = vec![self.locals.to_string()];
        let tagged = matches!(
            self.kind,
            Kind::VirtualGuest | Kind::Hardware | Kind::Subnet | Kind::Vlan | Kind::DedicatedHost
        );
        if tagged {
            parts.push(TAGS.into());
            parts.push(LOCATION.into());
        }
        match self.key {
            "virtualGuests" => parts.push(TRANSACTION.into()),
            "hardware" => parts.extend([TRANSACTION.to_string(), OPEN_TICKET.to_string()]),
            "networkVlans" => parts.push(format!("primaryRouter{ROUTER}")),
            "dedicatedHosts" => parts.push(format!("backendRouter{ROUTER}")),
            "globalIpRecords" => {
                parts.extend([
                    format!("ipAddress{IP_ADDRESS}"),
                    format!("destinationIpAddress{IP_ADDRESS}"),
                ]);
            }
            "adcLoadBalancers" => parts.push(format!("ipAddress{IP_ADDRESS}")),
            "lbaasLoadBalancers" => parts.push(LOCATION.into()),
            _ => {}
        }
        // Storage volumes carry their snapshot space as `activeChildren`
        // (what the SDK reads); every other item keeps all its `children`.
        let children = if self.kind == Kind::Storage {
            "activeChildren"
        } else {
            "children"
        };
        for relation in self.billing_items {
            parts.push(format!(
                "{relation}[{BILLING_LOCALS},hourlyFlag,{children}[{BILLING_LOCALS}]]"
            ));
        }
        if self.kind == Kind::BillingItem {
            parts.push(format!("hourlyFlag,children[{BILLING_LOCALS}]"));
        }
        format!("mask[{}]", parts.join(","))
    }

    /// The list call.
    pub fn call(&self) -> Call<'static> {
        Call::new(self.service, self.method).mask(self.mask())
    }
}

/// What one list took, for the progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListReport {
    /// World file key.
    pub key: &'static str,
    /// Objects written.
    pub objects: usize,
    /// HTTP requests it took (pages and retries).
    pub calls: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Left out of the file because the API does not have its list method
    /// (its answer): the list is absent, "not read", never "none".
    pub left_out: Option<String>,
}

/// A list that could not be read. The API error is part of the message,
/// not a separate cause, so `{:#}` does not say it twice.
#[derive(Debug, thiserror::Error)]
#[error("reading {what}: {error}")]
pub struct ExportError {
    /// What was being read (`account`, `virtualGuests`, ...).
    pub what: &'static str,
    /// The API error.
    pub error: ApiError,
}

/// The world lists a plan of `kind` reads: the kind's own list(s), and the
/// lists its occupants come from (the emulator derives a VLAN's guests,
/// servers and subnets, a subnet's guests and servers, a dedicated host's
/// guests from them). Billing items are looked up by id, and a snapshot's
/// `allTopLevelBillingItems` is what guarantees every item is in the file.
pub fn lists_for(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::VirtualGuest => &["virtualGuests"],
        Kind::Hardware => &["hardware"],
        Kind::Storage => &["networkStorage"],
        Kind::Subnet => &["subnets", "virtualGuests", "hardware"],
        Kind::Vlan => &["networkVlans", "virtualGuests", "hardware", "subnets"],
        Kind::GlobalIp => &["globalIpRecords"],
        Kind::LoadBalancer => &["adcLoadBalancers", "lbaasLoadBalancers"],
        Kind::Cdn => &["cdnAccounts"],
        Kind::DedicatedHost => &["dedicatedHosts", "virtualGuests"],
        Kind::BillingItem => &["allTopLevelBillingItems"],
    }
}

/// The lists a plan of `kinds` reads (every list when `kinds` is empty),
/// in [`WORLD_LISTS`] order.
fn lists_needed(kinds: &[Kind]) -> Vec<&'static str> {
    WORLD_LISTS
        .iter()
        .map(|list| list.key)
        .filter(|key| kinds.is_empty() || kinds.iter().any(|kind| lists_for(*kind).contains(key)))
        .collect()
}

/// The world keys a plan of `kinds` needs that `world` does not have, in
/// [`WORLD_LISTS`] order. A snapshot written with `--kinds` leaves out the
/// lists it did not read; planning against one as if they were empty would
/// show every object of those kinds as absent. An empty list is present.
pub fn missing_lists(world: &Value, kinds: &[Kind]) -> Vec<&'static str> {
    missing_from(|key| world.get(key).is_some_and(Value::is_array), kinds)
}

/// [`missing_lists`] for a world known by the keys it has.
pub(crate) fn missing_from(has: impl Fn(&str) -> bool, kinds: &[Kind]) -> Vec<&'static str> {
    if kinds.is_empty() {
        return Vec::new();
    }
    lists_needed(kinds)
        .into_iter()
        .filter(|key| !has(key))
        .collect()
}

/// Reads the account and the lists a plan of `kinds` needs (every list
/// when `kinds` is empty, see [`lists_for`]) into a world document;
/// `progress` hears about every list when it is done. `taken_at` becomes
/// the world's `clock`: served back, the snapshot shows the account as it
/// was then, not half aged.
pub fn export_world(
    client: &Client,
    kinds: &[Kind],
    taken_at: jiff::Timestamp,
    mut progress: impl FnMut(&ListReport),
) -> Result<Value, ExportError> {
    let account = client
        .read(&Call::new("SoftLayer_Account", "getObject").mask("mask[id,companyName,email]"))
        .map_err(|error| ExportError {
            what: "account",
            error,
        })?;
    let mut world = Map::new();
    world.insert("format".into(), json!(WORLD_FORMAT));
    world.insert("clock".into(), json!(taken_at.to_string()));
    world.insert("account".into(), account);
    let mut nested_billing_ids = BTreeSet::new();
    let mut tickets: BTreeMap<u64, Map<String, Value>> = BTreeMap::new();
    let wanted = lists_needed(kinds);
    for list in WORLD_LISTS.iter().filter(|l| wanted.contains(&l.key)) {
        let started = Instant::now();
        let calls_before = client.calls_made();
        let mut items = match client.list(&list.call(), list.root) {
            Ok(items) => items,
            // Today's API no longer has some lists (getCdnAccounts left it
            // in 2019): a snapshot of a real account leaves them out.
            Err(error) if error.is_unknown_method() => {
                progress(&ListReport {
                    key: list.key,
                    objects: 0,
                    calls: client.calls_made() - calls_before,
                    elapsed: started.elapsed(),
                    left_out: Some(error.message().to_owned()),
                });
                continue;
            }
            Err(error) => {
                return Err(ExportError {
                    what: list.key,
                    error,
                });
            }
        };
        for item in &mut items {
            drop_empty_lists(item);
        }
        if list.kind == Kind::Hardware {
            for item in &mut items {
                take_open_ticket(item, &mut tickets);
            }
        }
        if list.kind == Kind::BillingItem {
            items.retain(|item| id_of(item).is_none_or(|id| !nested_billing_ids.contains(&id)));
        } else {
            for item in &items {
                for relation in list.billing_items {
                    collect_billing_ids(item.get(*relation), &mut nested_billing_ids);
                }
            }
        }
        progress(&ListReport {
            key: list.key,
            objects: items.len(),
            calls: client.calls_made() - calls_before,
            elapsed: started.elapsed(),
            left_out: None,
        });
        world.insert(list.key.into(), Value::Array(items));
    }
    // Written whenever servers are, empty too: absent would read as "not exported".
    if world.contains_key("hardware") {
        let tickets = tickets.into_values().map(Value::Object).collect();
        world.insert("tickets".into(), Value::Array(tickets));
    }
    Ok(Value::Object(world))
}

/// Removes empty lists nested in an object. The API sends a masked list
/// relation with no entries as `[]`; the world file leaves it out (to the
/// emulator an absent list and an empty one are the same), which keeps
/// snapshots small and byte-stable.
fn drop_empty_lists(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !matches!(v, Value::Array(items) if items.is_empty()));
            map.values_mut().for_each(drop_empty_lists);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty_lists),
        _ => {}
    }
}

/// Moves a server's derived `openCancellationTicket` into the world's
/// `tickets`, attached to the server by id (what the emulator derives it from).
fn take_open_ticket(server: &mut Value, tickets: &mut BTreeMap<u64, Map<String, Value>>) {
    let Some(object) = server.as_object_mut() else {
        return;
    };
    let Some(ticket) = object.remove("openCancellationTicket") else {
        return;
    };
    let (Some(server_id), Some(ticket_id)) =
        (id_of(&Value::Object(object.clone())), id_of(&ticket))
    else {
        return;
    };
    let Value::Object(ticket) = ticket else {
        return;
    };
    let entry = tickets.entry(ticket_id).or_insert_with(|| {
        let mut ticket = ticket.clone();
        ticket.insert("attachedHardware".into(), Value::Array(Vec::new()));
        ticket
    });
    if let Some(Value::Array(attached)) = entry.get_mut("attachedHardware") {
        attached.push(json!({"id": server_id}));
    }
}

/// Ids of a billing item and its children.
fn collect_billing_ids(item: Option<&Value>, ids: &mut BTreeSet<u64>) {
    let Some(item) = item.filter(|i| i.is_object()) else {
        return;
    };
    if let Some(id) = id_of(item) {
        ids.insert(id);
    }
    for key in ["children", "activeChildren"] {
        if let Some(Value::Array(children)) = item.get(key) {
            for child in children {
                collect_billing_ids(Some(child), ids);
            }
        }
    }
}

/// Manifest kind names (as `--kinds` takes them) to kinds; the unknown ones are an error.
pub fn parse_kinds(names: &[String]) -> Result<Vec<Kind>, String> {
    let mut kinds = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match Kind::parse(name) {
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                return Err(format!(
                    "unknown kind `{name}`; expected one of: {}",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every manifest kind has at least one list, and list keys are unique.
    #[test]
    fn every_kind_is_covered() {
        for kind in Kind::ALL {
            assert!(WORLD_LISTS.iter().any(|l| l.kind == kind), "{kind}");
        }
        let keys: BTreeSet<&str> = WORLD_LISTS.iter().map(|l| l.key).collect();
        assert_eq!(keys.len(), WORLD_LISTS.len());
    }

    /// Masks are balanced, never ask for users or keys, and carry the billing items.
    #[test]
    fn masks_are_well_formed() {
        for list in WORLD_LISTS {
            let mask = list.mask();
            assert_eq!(
                mask.matches('[').count(),
                mask.matches(']').count(),
                "{mask}"
            );
            for forbidden in ["users", "apiKey", "apiAuthenticationKeys", "password"] {
                assert!(!mask.contains(forbidden), "{forbidden} in {mask}");
            }
            for relation in list.billing_items {
                assert!(mask.contains(&format!("{relation}[id,")), "{mask}");
            }
        }
        assert!(WORLD_LISTS[1].mask().contains("openCancellationTicket["));
    }

    /// A kind needs its own lists and those of its occupants; billing items need the top-level list.
    #[test]
    fn lists_a_plan_needs() {
        for kind in Kind::ALL {
            for key in lists_for(kind) {
                assert!(WORLD_LISTS.iter().any(|l| l.key == *key), "{key}");
            }
            assert!(
                WORLD_LISTS
                    .iter()
                    .filter(|l| l.kind == kind)
                    .all(|l| lists_for(kind).contains(&l.key)),
                "{kind}: its own lists"
            );
        }
        assert_eq!(
            lists_needed(&[Kind::Vlan]),
            ["virtualGuests", "hardware", "subnets", "networkVlans"]
        );
        assert_eq!(lists_needed(&[]).len(), WORLD_LISTS.len());
    }

    /// Missing lists are named; empty lists are present; no kinds need nothing.
    #[test]
    fn missing_lists_of_a_partial_world() {
        let world = json!({"format": WORLD_FORMAT, "account": {"id": 1}, "networkVlans": [],
                           "virtualGuests": [], "subnets": null});
        assert_eq!(
            missing_lists(&world, &[Kind::VirtualGuest]),
            Vec::<&str>::new()
        );
        assert_eq!(
            missing_lists(&world, &[Kind::Vlan, Kind::LoadBalancer]),
            [
                "hardware",
                "subnets",
                "adcLoadBalancers",
                "lbaasLoadBalancers"
            ]
        );
        assert_eq!(
            missing_lists(&world, &[Kind::BillingItem]),
            ["allTopLevelBillingItems"]
        );
        assert!(missing_lists(&world, &[]).is_empty());
    }

    /// --kinds names are manifest kinds; unknown names are refused with the list.
    #[test]
    fn kinds_parse() {
        let kinds = parse_kinds(&["virtual_guest".into(), "vlan".into(), "vlan".into()]).unwrap();
        assert_eq!(kinds, vec![Kind::VirtualGuest, Kind::Vlan]);
        let err = parse_kinds(&["virtualGuests".into()]).unwrap_err();
        assert!(
            err.contains("virtual_guest") && err.contains("billing_item"),
            "{err}"
        );
    }

    /// An open cancellation ticket moves from the server into `tickets`.
    #[test]
    fn open_ticket_becomes_a_world_ticket() {
        let mut tickets = BTreeMap::new();
        let mut server = json!({"id": 1001, "hostname": "db", "openCancellationTicket": {"id": 77, "title": "Cancel"}});
        take_open_ticket(&mut server, &mut tickets);
        let mut other =
            json!({"id": 1002, "openCancellationTicket": {"id": 77, "title": "Cancel"}});
        take_open_ticket(&mut other, &mut tickets);
        assert_eq!(server, json!({"id": 1001, "hostname": "db"}));
        assert_eq!(
            Value::Object(tickets[&77].clone()),
            json!({"id": 77, "title": "Cancel", "attachedHardware": [{"id": 1001}, {"id": 1002}]})
        );
    }

    /// Empty lists nested in an exported object are left out.
    #[test]
    fn empty_nested_lists_are_dropped() {
        let mut item = json!({"id": 1, "tagReferences": [], "billingItem": {"id": 2, "children": []},
            "networkVlans": [{"id": 3, "subnets": []}]});
        drop_empty_lists(&mut item);
        assert_eq!(
            item,
            json!({"id": 1, "billingItem": {"id": 2}, "networkVlans": [{"id": 3}]})
        );
    }

    /// Nested billing item ids (children included) are collected.
    #[test]
    fn nested_billing_ids() {
        let mut ids = BTreeSet::new();
        collect_billing_ids(
            Some(&json!({"id": 1, "children": [{"id": 2}, {"id": 3, "children": [{"id": 4}]}]})),
            &mut ids,
        );
        collect_billing_ids(None, &mut ids);
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    }
}
