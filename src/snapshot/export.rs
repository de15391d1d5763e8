//! An account's inventory as a world file (`slretire-world/1`): one masked,
//! paginated list call per world list, each kind's room saying which lists
//! it has and what they store (`kinds::world`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::shape::Shape;
use crate::kinds::{Kind, WorldList, json::id};
use crate::softlayer::{ApiError, Call, Client};

/// The `format` value of world files.
pub const WORLD_FORMAT: &str = "slretire-world/1";

/// Every world list, in the order a snapshot fetches them: kinds in plan
/// order, the top-level billing items last (the ones nested under objects
/// are left out of that list, so those must be read first).
pub fn world_lists() -> Vec<&'static WorldList> {
    let mut lists: Vec<&'static WorldList> = Kind::ALL
        .iter()
        .flat_map(|kind| kind.room().world_lists())
        .collect();
    lists.sort_by_key(|list| list.top_level_billing);
    lists
}

fn id_of(value: &Value) -> Option<u64> {
    id(value.get("id"))
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

/// Why no snapshot was written. The API error is part of the message, not
/// a separate cause, so `{:#}` does not say it twice.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A list could not be read.
    #[error("reading {what}: {error}")]
    Api {
        /// What was being read (`account`, `virtualGuests`, ...).
        what: &'static str,
        /// The API error.
        error: ApiError,
    },
    /// The API's answers hold a value the world format cannot: the file
    /// would be refused when served back, so it is not written.
    #[error(
        "the account's answers hold a value a snapshot cannot store ({reason}); no snapshot was written"
    )]
    Unwritable {
        /// The world loader's words, with the path of the value.
        reason: String,
    },
}

/// The lists a plan of `kinds` reads (every list when `kinds` is empty),
/// in [`world_lists`] order.
fn lists_needed(kinds: &[Kind]) -> Vec<&'static str> {
    world_lists()
        .into_iter()
        .map(|list| list.key)
        .filter(|key| {
            kinds.is_empty()
                || kinds
                    .iter()
                    .any(|kind| kind.room().snapshot_reads().contains(key))
        })
        .collect()
}

/// The world keys a plan of `kinds` needs that `world` does not have, in
/// [`world_lists`] order. A snapshot written with `--kinds` leaves out the
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
/// when `kinds` is empty, see `ResourceKind::snapshot_reads`) into a world document;
/// `progress` hears about every list when it is done. `taken_at` becomes
/// the world's `clock`: served back, the snapshot shows the account as it
/// was then, not half aged.
pub fn export_world(
    client: &Client,
    kinds: &[Kind],
    taken_at: jiff::Timestamp,
    mut progress: impl FnMut(&ListReport),
) -> Result<Value, ExportError> {
    const ACCOUNT_MASK: &str = "mask[id,companyName,email]";
    let account = client
        .read(&Call::new("SoftLayer_Account", "getObject").mask(ACCOUNT_MASK))
        .map_err(|error| ExportError::Api {
            what: "account",
            error,
        })?;
    let account = Shape::parse(ACCOUNT_MASK).project(&account);
    let mut world = Map::new();
    world.insert("format".into(), json!(WORLD_FORMAT));
    world.insert("clock".into(), json!(taken_at.to_string()));
    world.insert("account".into(), account);
    let mut nested_billing_ids = BTreeSet::new();
    let mut tickets: BTreeMap<u64, Map<String, Value>> = BTreeMap::new();
    let wanted = lists_needed(kinds);
    let mut has_tickets = false;
    for list in world_lists()
        .into_iter()
        .filter(|l| wanted.contains(&l.key))
    {
        let started = Instant::now();
        let calls_before = client.calls_made();
        let mask = list.mask();
        let call = Call::new(list.service, list.method).mask(mask.clone());
        let items = match client.list(&call, list.root) {
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
                return Err(ExportError::Api {
                    what: list.key,
                    error,
                });
            }
        };
        // Exactly what the mask asked for, in the world's value forms.
        let shape = Shape::parse(&mask);
        let mut items: Vec<Value> = items
            .iter()
            .filter(|item| item.is_object())
            .map(|item| shape.project(item))
            .collect();
        for item in &mut items {
            drop_empty_lists(item);
        }
        if let Some(relation) = list.tickets_from {
            has_tickets = true;
            for item in &mut items {
                take_open_ticket(item, relation, &mut tickets);
            }
        }
        if list.top_level_billing {
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
    if has_tickets {
        let tickets = tickets.into_values().map(Value::Object).collect();
        world.insert("tickets".into(), Value::Array(tickets));
    }
    let world = Value::Object(world);
    // Checked with the very rules that load it back: a snapshot that
    // `plan --snapshot` would refuse is never written.
    softlayer_emulator::World::from_json_str(&world.to_string()).map_err(|err| {
        ExportError::Unwritable {
            reason: err.to_string(),
        }
    })?;
    Ok(world)
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

/// Moves a server's derived open cancellation ticket (under `relation`)
/// into the world's `tickets`, attached to the server by id (what the
/// emulator derives it from).
fn take_open_ticket(
    server: &mut Value,
    relation: &str,
    tickets: &mut BTreeMap<u64, Map<String, Value>>,
) {
    let Some(object) = server.as_object_mut() else {
        return;
    };
    let Some(ticket) = object.remove(relation) else {
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

    /// Every manifest kind has at least one list, list keys are unique, and
    /// a kind reads its own lists and lists that exist.
    #[test]
    fn every_kind_is_covered() {
        let lists = world_lists();
        for kind in Kind::ALL {
            let own = kind.room().world_lists();
            assert!(!own.is_empty(), "{kind}");
            for list in own {
                assert!(kind.room().snapshot_reads().contains(&list.key), "{kind}");
            }
            for key in kind.room().snapshot_reads() {
                assert!(lists.iter().any(|l| l.key == *key), "{key}");
            }
        }
        let keys: BTreeSet<&str> = lists.iter().map(|l| l.key).collect();
        assert_eq!(keys.len(), lists.len());
        assert!(lists.last().unwrap().top_level_billing);
    }

    /// Masks are balanced, never ask for users or keys, and carry the billing items.
    #[test]
    fn masks_are_well_formed() {
        for list in world_lists() {
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
            if let Some(relation) = list.tickets_from {
                assert!(mask.contains(&format!("{relation}[")), "{mask}");
            }
        }
    }

    /// A kind needs its own lists and those of its occupants.
    #[test]
    fn lists_a_plan_needs() {
        assert_eq!(
            lists_needed(&[Kind::Vlan]),
            ["virtualGuests", "hardware", "subnets", "networkVlans"]
        );
        assert_eq!(lists_needed(&[]).len(), world_lists().len());
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
                "adcLoadBalancers",
                "lbaasLoadBalancers",
                "subnets"
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
        take_open_ticket(&mut server, "openCancellationTicket", &mut tickets);
        let mut other =
            json!({"id": 1002, "openCancellationTicket": {"id": 77, "title": "Cancel"}});
        take_open_ticket(&mut other, "openCancellationTicket", &mut tickets);
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
