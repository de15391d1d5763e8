//! Choosing and making the API calls that bring a kind's candidates home.
//!
//! Per kind and list source, every entry picks the best server-side
//! narrowing it allows (ids, then addresses, VLAN numbers, networks, tags,
//! datacenters); entries of one narrowing share one filtered list call
//! (ids and addresses in chunks, to keep URLs short). An entry that allows
//! none (a bare name glob, say) makes the source list everything once, and
//! then no filtered calls are made for that source. Never one call per
//! candidate: the only per-object calls are billing item lookups by id.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::resource::Resource;
use super::source::{ListSource, Source};
use crate::manifest::model::{Entry, IpPattern, Kind, Manifests};

/// The API calls resolving needs; implemented by the SoftLayer client.
pub trait Api: Sync {
    /// Every object a list call returns (all pages).
    fn list(&self, request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError>;
    /// One object by id; `None` when the API says it does not exist.
    fn object(&self, service: &str, id: u64, mask: &str) -> Result<Option<Value>, FetchError>;
    /// Objects per page of a list.
    fn page_size(&self) -> usize {
        usize::MAX
    }
}

/// One list call.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest<'a> {
    pub service: &'a str,
    pub method: &'a str,
    /// The filter root (`virtualGuests`), `None` for `getAllObjects`.
    pub root: Option<&'a str>,
    pub mask: &'a str,
    /// The objectFilter, already rooted.
    pub filter: Option<Value>,
}

/// A failed API call while resolving, with what was being fetched.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct FetchError {
    pub what: String,
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl FetchError {
    /// Wraps an API error with a description of the call.
    pub fn new(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> FetchError {
        FetchError {
            what: what.into(),
            source: source.into(),
        }
    }
}

/// Ids or addresses per filtered call; keeps the query string well under
/// the 8 KB many HTTP front ends accept.
const CHUNK: usize = 100;

/// Lookups in flight at once (the client's rate limit still applies).
const LOOKUP_THREADS: usize = 8;

/// Fetches the candidates of every kind the manifests retire, kinds in
/// parallel.
pub fn fetch(
    api: &dyn Api,
    manifests: &Manifests,
    now: Timestamp,
) -> Result<BTreeMap<Kind, Vec<Resource>>, FetchError> {
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| manifests.entries.iter().any(|e| e.kind == *k))
        .collect();
    let results: Vec<(Kind, Result<Vec<Resource>, FetchError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = kinds
            .iter()
            .map(|&kind| {
                let entries: Vec<&Entry> = manifests
                    .entries
                    .iter()
                    .filter(|e| e.kind == kind)
                    .collect();
                (
                    kind,
                    scope.spawn(move || fetch_kind(api, kind, &entries, now)),
                )
            })
            .collect();
        handles
            .into_iter()
            .map(|(kind, handle)| {
                (
                    kind,
                    handle.join().unwrap_or_else(|_| {
                        Err(FetchError::new(kind.as_str(), "fetch thread failed"))
                    }),
                )
            })
            .collect()
    });
    let mut fetched = BTreeMap::new();
    for (kind, result) in results {
        fetched.insert(kind, result?);
    }
    Ok(fetched)
}

/// Reads one object of `kind` by id with `getObject` (for LBaaS, the one
/// with `uuid`); `None` when the API says it does not exist. Apply uses it
/// to confirm that an object missing from a filtered list is really gone.
pub fn fetch_one(
    api: &dyn Api,
    kind: Kind,
    id: u64,
    uuid: Option<&str>,
    now: Timestamp,
) -> Result<Option<Resource>, FetchError> {
    match super::source(kind) {
        Source::Lists(sources) => {
            for source in *sources {
                let Some(object) = api.object(source.object_service, id, source.mask)? else {
                    continue;
                };
                if let Some(r) = (source.read)(&object, now).filter(|r| r.uuid.as_deref() == uuid) {
                    return Ok(Some(dedup(vec![r]).remove(0)));
                }
            }
            Ok(None)
        }
        Source::Lookup {
            service,
            mask,
            read,
        } => Ok(api
            .object(service, id, mask)?
            .and_then(|object| read(&object, now))),
    }
}

/// Reads the objects of `kind` with these ids again (apply's check before
/// each action): one filtered list per source, or lookups.
pub fn fetch_ids(
    api: &dyn Api,
    kind: Kind,
    ids: &[u64],
    now: Timestamp,
) -> Result<Vec<Resource>, FetchError> {
    let demand = Demand {
        ids: ids.iter().copied().collect(),
        ..Demand::default()
    };
    match super::source(kind) {
        Source::Lists(sources) => {
            let mut out = Vec::new();
            for source in *sources {
                out.extend(run_source(api, source, &demand, now)?);
            }
            Ok(dedup(out))
        }
        Source::Lookup {
            service,
            mask,
            read,
        } => lookup(api, service, mask, *read, ids, now),
    }
}

fn fetch_kind(
    api: &dyn Api,
    kind: Kind,
    entries: &[&Entry],
    now: Timestamp,
) -> Result<Vec<Resource>, FetchError> {
    match super::source(kind) {
        Source::Lists(sources) => {
            let mut out = Vec::new();
            for source in *sources {
                let demand = Demand::of(kind, source, entries);
                out.extend(run_source(api, source, &demand, now)?);
            }
            Ok(dedup(out))
        }
        Source::Lookup {
            service,
            mask,
            read,
        } => {
            let ids: BTreeSet<u64> = entries
                .iter()
                .flat_map(|e| e.selector.ids.iter().copied())
                .collect();
            let ids: Vec<u64> = ids.into_iter().collect();
            lookup(api, service, mask, *read, &ids, now)
        }
    }
}

/// What one list source must return for a set of entries.
#[derive(Debug, Default, PartialEq)]
struct Demand {
    everything: bool,
    ids: BTreeSet<u64>,
    addresses: BTreeSet<IpAddr>,
    numbers: BTreeSet<u16>,
    networks: BTreeSet<IpAddr>,
    tags: BTreeSet<String>,
    datacenters: BTreeSet<String>,
}

impl Demand {
    fn of(kind: Kind, source: &ListSource, entries: &[&Entry]) -> Demand {
        let mut demand = Demand::default();
        let n = &source.narrowing;
        for entry in entries {
            let s = &entry.selector;
            // An entry this source's objects can never satisfy asks nothing
            // of it (an address of an LBaaS instance, which has none).
            let never = (!s.ips.is_empty() && n.addresses.is_empty() && kind != Kind::Subnet)
                || (!s.tags.is_empty() && !n.tags)
                || (s.datacenter.is_some() && n.datacenter.is_none());
            if never {
                continue;
            }
            let exact_addresses: Option<Vec<IpAddr>> = s
                .ips
                .iter()
                .map(|p| match p {
                    IpPattern::Addr(a) => Some(*a),
                    IpPattern::Net(_) => None,
                })
                .collect();
            if !s.ids.is_empty() {
                demand.ids.extend(&s.ids);
            } else if let (Some(addresses), false, false) = (
                exact_addresses.filter(|a| !a.is_empty()),
                n.addresses.is_empty(),
                kind == Kind::Subnet,
            ) {
                demand.addresses.extend(addresses);
            } else if let (Some(number), Some(_)) = (s.number, n.number) {
                demand.numbers.insert(number);
            } else if let (Some(cidr), Some(_)) = (s.cidr, n.network) {
                demand.networks.insert(cidr.addr);
            } else if !s.tags.is_empty() && n.tags {
                demand.tags.extend(s.tags.iter().cloned());
            } else if let (Some(dc), Some(_)) = (&s.datacenter, n.datacenter) {
                demand.datacenters.insert(dc.clone());
            } else {
                demand.everything = true;
            }
        }
        demand
    }

    /// The filters to list with; empty when nothing is wanted, one `None`
    /// when everything is. A list filtered on `id` cannot also be ordered by
    /// it, so an id chunk must fit one page (`page_size`) to be read whole.
    fn filters(&self, source: &ListSource, page_size: usize) -> Vec<Option<Value>> {
        let wanted = !(self.ids.is_empty()
            && self.addresses.is_empty()
            && self.numbers.is_empty()
            && self.networks.is_empty()
            && self.tags.is_empty()
            && self.datacenters.is_empty());
        if self.everything || (source.narrowing.whole && wanted) {
            return vec![None];
        }
        let n = &source.narrowing;
        let mut filters = Vec::new();
        let chunks = |values: Vec<Value>| {
            values
                .chunks(CHUNK)
                .map(<[Value]>::to_vec)
                .collect::<Vec<_>>()
        };
        let ids: Vec<Value> = self.ids.iter().map(|id| json!(id)).collect();
        for chunk in ids.chunks(CHUNK.min(page_size).max(1)) {
            filters.push(Some(rooted(source.root, "id", in_list(chunk))));
        }
        for path in n.addresses {
            for chunk in chunks(
                self.addresses
                    .iter()
                    .map(|a| json!(a.to_string()))
                    .collect(),
            ) {
                filters.push(Some(rooted(source.root, path, in_list(&chunk))));
            }
        }
        let groups = [
            (
                n.number,
                self.numbers.iter().map(|v| json!(v)).collect::<Vec<_>>(),
            ),
            (
                n.network,
                self.networks.iter().map(|v| json!(v.to_string())).collect(),
            ),
            (
                n.tags.then_some("tagReferences.tag.name"),
                self.tags.iter().map(|v| json!(v)).collect(),
            ),
            (
                n.datacenter,
                self.datacenters.iter().map(|v| json!(v)).collect(),
            ),
        ];
        for (path, values) in groups {
            if let (Some(path), false) = (path, values.is_empty()) {
                filters.push(Some(rooted(source.root, path, in_list(&values))));
            }
        }
        filters
    }
}

fn in_list(values: &[Value]) -> Value {
    json!({"operation": "in", "options": [{"name": "data", "value": values}]})
}

/// `{"root": {"a": {"b": condition}}}` for the dotted `path` `a.b`.
fn rooted(root: Option<&str>, path: &str, condition: Value) -> Value {
    let mut value = condition;
    for key in path.rsplit('.') {
        value = json!({ key: value });
    }
    match root {
        Some(root) => json!({ root: value }),
        None => value,
    }
}

fn run_source(
    api: &dyn Api,
    source: &ListSource,
    demand: &Demand,
    now: Timestamp,
) -> Result<Vec<Resource>, FetchError> {
    let mut out = Vec::new();
    for filter in demand.filters(source, api.page_size()) {
        let request = ListRequest {
            service: source.service,
            method: source.method,
            root: source.root,
            mask: source.mask,
            filter,
        };
        let objects = api.list(&request)?;
        out.extend(objects.iter().filter_map(|o| (source.read)(o, now)));
    }
    Ok(out)
}

fn lookup(
    api: &dyn Api,
    service: &str,
    mask: &str,
    read: fn(&Value, Timestamp) -> Option<Resource>,
    ids: &[u64],
    now: Timestamp,
) -> Result<Vec<Resource>, FetchError> {
    let per_thread = ids.len().div_ceil(LOOKUP_THREADS).max(1);
    let results: Vec<Result<Vec<Resource>, FetchError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ids
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    for id in chunk {
                        if let Some(object) = api.object(service, *id, mask)? {
                            found.extend(read(&object, now));
                        }
                    }
                    Ok(found)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(FetchError::new(service, "lookup thread failed")))
            })
            .collect()
    });
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(dedup(out))
}

/// One resource per object, in id order, each knowing which others share
/// its billing item.
fn dedup(mut resources: Vec<Resource>) -> Vec<Resource> {
    resources.sort_by(|a, b| (a.id, &a.uuid).cmp(&(b.id, &b.uuid)));
    resources.dedup_by(|a, b| a.id == b.id && a.uuid == b.uuid);
    let mut by_item: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, r) in resources.iter().enumerate() {
        if let Some(b) = &r.billing {
            by_item.entry(b.id).or_default().push(i);
        }
    }
    for group in by_item.values().filter(|g| g.len() > 1) {
        for &i in group {
            let others = group
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| resources[j].reference())
                .collect();
            resources[i].shares_billing_with = others;
        }
    }
    resources
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::manifest::model::{CancelOptions, Origin, Reason, Selector, Via, When};

    /// Records every call and answers from canned objects.
    struct Recorder {
        calls: Mutex<Vec<String>>,
        objects: Vec<Value>,
    }

    impl Api for Recorder {
        fn list(&self, request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError> {
            let filter = request
                .filter
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            self.calls
                .lock()
                .unwrap()
                .push(format!("{}::{} {filter}", request.service, request.method));
            Ok(if request.service == "SoftLayer_Account" {
                self.objects.clone()
            } else {
                Vec::new()
            })
        }
        fn object(&self, service: &str, id: u64, _mask: &str) -> Result<Option<Value>, FetchError> {
            self.calls.lock().unwrap().push(format!("{service}/{id}"));
            Ok(Some(json!({"id": id, "recurringFee": "1"})))
        }
    }

    fn entry(kind: Kind, selector: Selector) -> Entry {
        Entry {
            origin: Origin {
                file: "m.yaml".into(),
                line: 1,
            },
            kind,
            selector,
            expect: None,
            options: CancelOptions {
                when: When::Auto,
                via: Via::Api,
                reason: Reason::NoLongerNeeded,
                note: None,
            },
        }
    }

    fn run(entries: Vec<Entry>) -> (Vec<String>, BTreeMap<Kind, Vec<Resource>>) {
        let m = Manifests {
            account: 1,
            files: vec![],
            entries,
            protect: vec![],
            limits: Vec::new(),
        };
        let api = Recorder {
            calls: Mutex::new(Vec::new()),
            objects: vec![
                json!({"id": 1, "hostname": "a"}),
                json!({"id": 2, "hostname": "b"}),
            ],
        };
        let fetched = fetch(&api, &m, "2026-11-22T00:00:00Z".parse().unwrap()).unwrap();
        let mut calls = api.calls.into_inner().unwrap();
        calls.sort();
        (calls, fetched)
    }

    /// Ids of all entries share one filtered list call.
    #[test]
    fn ids_share_one_call() {
        let (calls, _) = run(vec![
            entry(
                Kind::VirtualGuest,
                Selector {
                    ids: vec![1, 2],
                    ..Selector::default()
                },
            ),
            entry(
                Kind::VirtualGuest,
                Selector {
                    ids: vec![3],
                    ..Selector::default()
                },
            ),
        ]);
        assert_eq!(
            calls,
            vec![
                r#"SoftLayer_Account::getVirtualGuests {"virtualGuests":{"id":{"operation":"in","options":[{"name":"data","value":[1,2,3]}]}}}"#
            ]
        );
    }

    /// A bare glob needs the whole list, and then nothing else is fetched.
    #[test]
    fn a_glob_lists_everything_once() {
        let (calls, fetched) = run(vec![
            entry(
                Kind::VirtualGuest,
                Selector {
                    ids: vec![1],
                    ..Selector::default()
                },
            ),
            entry(
                Kind::VirtualGuest,
                Selector {
                    names: vec!["a*".into()],
                    ..Selector::default()
                },
            ),
        ]);
        assert_eq!(calls, vec!["SoftLayer_Account::getVirtualGuests "]);
        assert_eq!(fetched[&Kind::VirtualGuest].len(), 2);
    }

    /// Addresses are narrowed per address property, tags by tag name, and
    /// both kinds of load balancer are asked.
    #[test]
    fn narrowing_paths() {
        let (calls, _) = run(vec![
            entry(
                Kind::Hardware,
                Selector {
                    ips: vec![IpPattern::Addr("10.0.0.1".parse().unwrap())],
                    ..Selector::default()
                },
            ),
            entry(
                Kind::DedicatedHost,
                Selector {
                    tags: vec!["old".into()],
                    ..Selector::default()
                },
            ),
            entry(
                Kind::LoadBalancer,
                Selector {
                    ids: vec![7],
                    ..Selector::default()
                },
            ),
        ]);
        assert_eq!(
            calls,
            vec![
                // Legacy VIPs are always listed whole (siblings on one device).
                "SoftLayer_Account::getAdcLoadBalancers ",
                r#"SoftLayer_Account::getDedicatedHosts {"dedicatedHosts":{"tagReferences":{"tag":{"name":{"operation":"in","options":[{"name":"data","value":["old"]}]}}}}}"#,
                r#"SoftLayer_Account::getHardware {"hardware":{"primaryBackendIpAddress":{"operation":"in","options":[{"name":"data","value":["10.0.0.1"]}]}}}"#,
                r#"SoftLayer_Account::getHardware {"hardware":{"primaryIpAddress":{"operation":"in","options":[{"name":"data","value":["10.0.0.1"]}]}}}"#,
                r#"SoftLayer_Network_LBaaS_LoadBalancer::getAllObjects {"id":{"operation":"in","options":[{"name":"data","value":[7]}]}}"#,
            ]
        );
    }

    /// Many ids are split into chunks, not one call each.
    #[test]
    fn many_ids_are_chunked() {
        let (calls, _) = run(vec![entry(
            Kind::Storage,
            Selector {
                ids: (1..=250).collect(),
                ..Selector::default()
            },
        )]);
        assert_eq!(calls.len(), 3);
    }

    /// Billing items are looked up one by one, each once.
    #[test]
    fn billing_items_are_looked_up() {
        let (calls, fetched) = run(vec![
            entry(
                Kind::BillingItem,
                Selector {
                    ids: vec![5, 6],
                    ..Selector::default()
                },
            ),
            entry(
                Kind::BillingItem,
                Selector {
                    ids: vec![5],
                    ..Selector::default()
                },
            ),
        ]);
        assert_eq!(
            calls,
            vec!["SoftLayer_Billing_Item/5", "SoftLayer_Billing_Item/6"]
        );
        assert_eq!(fetched[&Kind::BillingItem].len(), 2);
    }
}
