//! Choosing and making the API calls that bring a kind's candidates home,
//! and matching each object against the entries once, as its page is read.
//!
//! Per kind and list source, every entry picks the best server-side
//! narrowing it allows (ids, then addresses, VLAN numbers, networks, tags,
//! datacenters); entries of one narrowing share one filtered list call
//! (ids and addresses in chunks, to keep URLs short). An entry that allows
//! none (a bare name glob, say) makes the source list everything once, and
//! then no filtered calls are made for that source. Never one call per
//! candidate: the only per-object calls are billing item lookups by id.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use jiff::Timestamp;
use serde_json::{Value, json};

use super::progress::{FetchObserver, KindTally, ListProgress, Unobserved};
use super::resource::{ObjectRef, Resource};
use super::select::{CompiledSelector, SelectorIndex};
use crate::kinds::{Kind, ListSource, Source};
use crate::manifest::model::{Entry, IpPattern, Manifests, Selector};

/// The API calls resolving needs; implemented by the SoftLayer client.
pub trait Api: Sync {
    /// Every object a list call returns (all pages).
    fn list(&self, request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError>;
    /// One object by id; `None` when the API says it does not exist.
    fn object(&self, service: &str, id: u64, mask: &str) -> Result<Option<Value>, FetchError>;
    /// How many objects a list call returns, if the API says (one call).
    fn total(&self, _request: &ListRequest<'_>) -> Result<Option<u64>, FetchError> {
        Ok(None)
    }
    /// Objects per page of a list.
    fn page_size(&self) -> usize {
        usize::MAX
    }
    /// Every object a list call returns, read into candidates by `read`
    /// (objects it rejects are left out), telling `progress` the list's
    /// total and its pages. The client overrides this to read each page as
    /// it arrives, so a large list never sits in memory as JSON; this
    /// default reads the whole list first, as one page.
    fn list_candidates(
        &self,
        request: &ListRequest<'_>,
        read: &Reader<'_>,
        progress: &dyn ListProgress,
    ) -> Result<Vec<Candidate>, FetchError> {
        let objects = self.list(request)?;
        progress.total(Some(objects.len() as u64));
        progress.read(objects.len() as u64);
        Ok(objects.iter().filter_map(read).collect())
    }
}

/// Turns one listed object into a candidate (a kind's reader and the
/// entries' matcher, bound to the time of the run).
pub type Reader<'a> = dyn Fn(&Value) -> Option<Candidate> + Sync + 'a;

/// An object read from the API, with the entries that select it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub resource: Resource,
    /// Positions in `Manifests::entries` of the entries that select it,
    /// ascending; empty for an object only named by id (its other keys
    /// exclude it) or read for another reason.
    pub entries: Vec<usize>,
    /// Entries that would select it but for its creation date, which could
    /// not be read: it is not selected by them, and the plan says so.
    pub undated: Vec<usize>,
    /// Positions of the entries whose selector matches it but whose
    /// `exclude` leaves it out, ascending.
    pub excluded_by: Vec<usize>,
}

impl Candidate {
    /// A candidate no entry selects.
    fn unmatched(resource: Resource) -> Candidate {
        Candidate {
            resource,
            entries: Vec::new(),
            undated: Vec::new(),
            excluded_by: Vec::new(),
        }
    }
}

/// The candidates of each kind the manifests retire.
pub type Fetched = BTreeMap<Kind, Vec<Candidate>>;

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

/// A failed API call while resolving, with what was being fetched. The
/// API's error is part of the message, not a separate cause, so `{:#}`
/// does not say it twice.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {cause}")]
pub struct FetchError {
    pub what: String,
    pub cause: Box<dyn std::error::Error + Send + Sync>,
}

impl FetchError {
    /// Wraps an API error with a description of the call.
    pub fn new(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> FetchError {
        FetchError {
            what: what.into(),
            cause: source.into(),
        }
    }
}

/// Ids or addresses per filtered call; keeps the query string well under
/// the 8 KB many HTTP front ends accept.
const CHUNK: usize = 100;

/// Lookups in flight at once (the client's rate limit still applies).
const LOOKUP_THREADS: usize = 8;

/// List calls of one kind in flight at once (each pages in parallel too).
const LIST_THREADS: usize = 4;

/// Fetches the candidates of every kind the manifests retire, kinds in
/// parallel: the objects some entry selects, and the objects an entry
/// names by id (so a plan can tell "excluded by its other keys" from "no
/// such id"). Everything else a list returns is dropped as soon as its page
/// is read, so memory follows the selection, not the size of the account.
pub fn fetch(api: &dyn Api, manifests: &Manifests, now: Timestamp) -> Result<Fetched, FetchError> {
    fetch_with(api, manifests, now, Retain::Candidates, &Unobserved)
}

/// [`fetch`], telling `observer` how far each kind has come.
pub fn fetch_observed(
    api: &dyn Api,
    manifests: &Manifests,
    now: Timestamp,
    observer: &dyn FetchObserver,
) -> Result<Fetched, FetchError> {
    fetch_with(api, manifests, now, Retain::Candidates, observer)
}

/// [`fetch`], keeping every object the calls return, selected or not (to
/// measure selection on everything a plan reads: `bench/planning.rs`).
pub fn fetch_all(
    api: &dyn Api,
    manifests: &Manifests,
    now: Timestamp,
) -> Result<Fetched, FetchError> {
    fetch_with(api, manifests, now, Retain::Everything, &Unobserved)
}

/// Matches objects read some other way (built by hand in tests) against
/// the entries, as [`fetch`] does for the objects it reads.
pub fn candidates(manifests: &Manifests, resources: &[Resource], now: Timestamp) -> Fetched {
    let mut fetched = Fetched::new();
    for kind in manifests.kinds() {
        let entries: Vec<(usize, &Entry)> = manifests
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == kind)
            .collect();
        let matcher = Matcher::new(kind, &entries, now, Retain::Candidates);
        let found = resources
            .iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| matcher.candidate(r.clone()))
            .collect();
        fetched.insert(kind, found);
    }
    fetched
}

/// Which fetched objects are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retain {
    Candidates,
    Everything,
}

fn fetch_with(
    api: &dyn Api,
    manifests: &Manifests,
    now: Timestamp,
    retain: Retain,
    observer: &dyn FetchObserver,
) -> Result<Fetched, FetchError> {
    let kinds = manifests.kinds();
    let results: Vec<(Kind, Result<Vec<Candidate>, FetchError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = kinds
            .iter()
            .map(|&kind| {
                let entries: Vec<(usize, &Entry)> = manifests
                    .entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.kind == kind)
                    .collect();
                (
                    kind,
                    scope.spawn(move || {
                        let tally = KindTally::new(kind, observer);
                        let found = fetch_kind(api, kind, &entries, now, retain, &tally);
                        if found.is_ok() {
                            tally.finished();
                        }
                        found
                    }),
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
    match kind.room().source() {
        Source::Lists(sources) => {
            for source in *sources {
                let Some(object) = api.object(source.object_service, id, source.mask)? else {
                    continue;
                };
                if let Some(r) = (source.read)(&object, now).filter(|r| r.uuid.as_deref() == uuid) {
                    return Ok(Some(r));
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
    let found = match kind.room().source() {
        Source::Lists(sources) => {
            let calls: Vec<_> = sources
                .iter()
                .flat_map(|source| {
                    demand
                        .filters(source, api.page_size())
                        .into_iter()
                        .map(move |f| (source, f))
                })
                .collect();
            let tally = KindTally::new(kind, &Unobserved);
            run_lists(api, &calls, &|r| Some(Candidate::unmatched(r)), now, &tally)?
        }
        Source::Lookup {
            service,
            mask,
            read,
        } => lookup(
            api,
            service,
            mask,
            ids,
            &|o| read(o, now).map(Candidate::unmatched),
            &KindTally::new(kind, &Unobserved),
        )?,
    };
    Ok(dedup(found, Vec::new())
        .into_iter()
        .map(|c| c.resource)
        .collect())
}

fn fetch_kind(
    api: &dyn Api,
    kind: Kind,
    entries: &[(usize, &Entry)],
    now: Timestamp,
    retain: Retain,
    tally: &KindTally<'_>,
) -> Result<Vec<Candidate>, FetchError> {
    let matcher = Matcher::new(kind, entries, now, retain);
    // The billing item of every object read, selected or not, so a
    // candidate knows when its item also bills an object no entry selects
    // (cancelling it would cancel that one too). Two ids per object: the
    // objects themselves are still dropped as their page is read.
    let billed: Mutex<Vec<(u64, ObjectRef)>> = Mutex::new(Vec::new());
    let keep = |r: Resource| {
        if let Some(b) = &r.billing {
            billed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((b.id, r.reference()));
        }
        matcher.candidate(r)
    };
    let found = match kind.room().source() {
        Source::Lists(sources) => {
            let mut calls = Vec::new();
            for source in *sources {
                let mut demand = Demand::of(kind, source, entries);
                let mut filters = demand.filters(source, api.page_size());
                if filters.len() > NARROW_CALLS_WITHOUT_COUNTING
                    && whole_list_is_cheaper(api, source, filters.len())?
                {
                    demand.everything = true;
                    filters = demand.filters(source, api.page_size());
                }
                calls.extend(filters.into_iter().map(|f| (source, f)));
            }
            run_lists(api, &calls, &keep, now, tally)?
        }
        Source::Lookup {
            service,
            mask,
            read,
        } => {
            let ids: BTreeSet<u64> = entries
                .iter()
                .flat_map(|(_, e)| e.selector.ids.iter().copied())
                .collect();
            let ids: Vec<u64> = ids.into_iter().collect();
            let read = |o: &Value| read(o, now).and_then(keep);
            lookup(api, service, mask, &ids, &read, tally)?
        }
    };
    let billed = billed.into_inner().unwrap_or_else(PoisonError::into_inner);
    Ok(dedup(found, billed))
}

/// Filtered calls made without first asking how long the whole list is.
const NARROW_CALLS_WITHOUT_COUNTING: usize = 2;

/// Whether listing `source` whole (its pages) costs fewer calls than
/// `narrow` filtered calls: a long explicit id list on a small account is
/// cheaper read whole. Asking costs one call; without a total, narrow.
fn whole_list_is_cheaper(
    api: &dyn Api,
    source: &ListSource,
    narrow: usize,
) -> Result<bool, FetchError> {
    let request = ListRequest {
        service: source.service,
        method: source.method,
        root: source.root,
        mask: "mask[id]",
        filter: None,
    };
    let pages = api.total(&request)?.map(|total| {
        usize::try_from(total)
            .unwrap_or(usize::MAX)
            .div_ceil(api.page_size().max(1))
            .max(1)
    });
    Ok(pages.is_some_and(|pages| pages < narrow))
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
    fn of(kind: Kind, source: &ListSource, entries: &[(usize, &Entry)]) -> Demand {
        let mut demand = Demand::default();
        let n = &source.narrowing;
        // The server cannot test "this network holds that address".
        let by_network = kind.room().ip_selects_by_network();
        for (_, entry) in entries {
            let s = &entry.selector;
            // An entry this source's objects can never satisfy asks nothing
            // of it (an address of an LBaaS instance, which has none).
            let never = (!s.ips.is_empty() && n.addresses.is_empty() && !by_network)
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
                by_network,
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

/// Where a list worker leaves the result of one call.
type Slot = Mutex<Option<Result<Vec<Candidate>, FetchError>>>;

/// What a page reader does with one object it read: the candidate it
/// becomes (with the entries that select it), or `None` to drop it.
type Keep<'a> = dyn Fn(Resource) -> Option<Candidate> + Sync + 'a;

/// Matches each object against the entries of its kind, once.
struct Matcher {
    index: SelectorIndex,
    /// For each selector of the index, the entry's position in the manifests.
    positions: Vec<usize>,
    /// For each selector of the index, its entry's compiled `exclude`.
    excludes: Vec<Option<CompiledSelector>>,
    /// Ids entries name explicitly: kept even when the entry's other keys
    /// exclude them, so a plan can tell "excluded" from "no such id".
    ids: HashSet<u64>,
    retain: Retain,
}

impl Matcher {
    fn new(kind: Kind, entries: &[(usize, &Entry)], now: Timestamp, retain: Retain) -> Matcher {
        let selectors: Vec<&Selector> = entries.iter().map(|(_, e)| &e.selector).collect();
        Matcher {
            index: SelectorIndex::new(kind, &selectors, now),
            positions: entries.iter().map(|(i, _)| *i).collect(),
            excludes: entries
                .iter()
                .map(|(_, e)| e.exclude.as_ref().map(|x| CompiledSelector::new(x, now)))
                .collect(),
            ids: entries
                .iter()
                .flat_map(|(_, e)| e.selector.ids.iter().copied())
                .collect(),
            retain,
        }
    }

    /// The object as a candidate, if some entry could want it.
    fn candidate(&self, resource: Resource) -> Option<Candidate> {
        let (excluded, selected): (Vec<usize>, Vec<usize>) =
            self.index.select(&resource).into_iter().partition(|&i| {
                self.excludes[i]
                    .as_ref()
                    .is_some_and(|exclude| exclude.matches(&resource))
            });
        let entries: Vec<usize> = selected.into_iter().map(|i| self.positions[i]).collect();
        let excluded_by: Vec<usize> = excluded.into_iter().map(|i| self.positions[i]).collect();
        let undated: Vec<usize> = self
            .index
            .undecided_by_age(&resource)
            .into_iter()
            .map(|i| self.positions[i])
            .collect();
        let wanted = !entries.is_empty()
            || !excluded_by.is_empty()
            || !undated.is_empty()
            || self.ids.contains(&resource.id)
            || self.retain == Retain::Everything;
        wanted.then_some(Candidate {
            resource,
            entries,
            undated,
            excluded_by,
        })
    }
}

/// Makes the list calls (`source` with a filter each), up to
/// [`LIST_THREADS`] at once; keeps what `keep` makes of every page as it
/// is read, and counts its pages in `tally`. Results in call order; the
/// first failure in that order wins.
fn run_lists(
    api: &dyn Api,
    calls: &[(&ListSource, Option<Value>)],
    keep: &Keep<'_>,
    now: Timestamp,
    tally: &KindTally<'_>,
) -> Result<Vec<Candidate>, FetchError> {
    let one = |(source, filter): &(&ListSource, Option<Value>)| {
        let request = ListRequest {
            service: source.service,
            method: source.method,
            root: source.root,
            mask: source.mask,
            filter: filter.clone(),
        };
        // A whole source keeps everything: objects that share a billing
        // item with a candidate must be seen to plan it safely.
        let read = |o: &Value| {
            let r = (source.read)(o, now)?;
            if source.narrowing.whole {
                keep(r.clone()).or(Some(Candidate::unmatched(r)))
            } else {
                keep(r)
            }
        };
        api.list_candidates(&request, &read, &tally.listing())
    };
    let results: Vec<Result<Vec<Candidate>, FetchError>> = if calls.len() <= 1 {
        calls.iter().map(one).collect()
    } else {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let slots: Vec<Slot> = calls.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..LIST_THREADS.min(calls.len()) {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= calls.len() || failed.load(Ordering::Relaxed) {
                            break;
                        }
                        let result = one(&calls[i]);
                        if result.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        *slots[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
                    }
                });
            }
        });
        slots
            .into_iter()
            .filter_map(|slot| slot.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect()
    };
    let mut out = Vec::new();
    for result in results {
        let mut found = result?;
        if out.is_empty() {
            std::mem::swap(&mut out, &mut found);
        } else {
            out.append(&mut found);
        }
    }
    Ok(out)
}

/// Looks up each of `ids` (a few threads at once); `read` makes the
/// candidate of each object found. Each lookup counts as one object read.
fn lookup(
    api: &dyn Api,
    service: &str,
    mask: &str,
    ids: &[u64],
    read: &Reader<'_>,
    tally: &KindTally<'_>,
) -> Result<Vec<Candidate>, FetchError> {
    let looked_up = tally.listing();
    looked_up.total(Some(ids.len() as u64));
    let looked_up = &looked_up;
    let per_thread = ids.len().div_ceil(LOOKUP_THREADS).max(1);
    let results: Vec<Result<Vec<Candidate>, FetchError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ids
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    for id in chunk {
                        let object = api.object(service, *id, mask)?;
                        looked_up.read(1);
                        found.extend(object.as_ref().and_then(read));
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
    Ok(out)
}

/// One candidate per object, in id order, each knowing which other objects
/// share its billing item: other candidates, and the objects in `billed`
/// (billing item id and object, for objects read but not kept). An object
/// two calls returned was matched alike both times.
fn dedup(mut found: Vec<Candidate>, billed: Vec<(u64, ObjectRef)>) -> Vec<Candidate> {
    let key = |c: &Candidate| (c.resource.id, c.resource.uuid.clone());
    found.sort_by_key(key);
    found.dedup_by(|a, b| key(a) == key(b));
    let mut by_item: BTreeMap<u64, BTreeSet<ObjectRef>> = BTreeMap::new();
    let kept = found
        .iter()
        .filter_map(|c| Some((c.resource.billing.as_ref()?.id, c.resource.reference())));
    for (item, object) in kept.chain(billed) {
        by_item.entry(item).or_default().insert(object);
    }
    for c in &mut found {
        let Some(group) = c.resource.billing.as_ref().and_then(|b| by_item.get(&b.id)) else {
            continue;
        };
        let me = c.resource.reference();
        c.resource.shares_billing_with = group.iter().filter(|o| **o != me).cloned().collect();
    }
    found
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::manifest::model::{CancelOptions, Origin, Reason, Selector, Via, When};

    fn ids(found: &[Candidate]) -> Vec<u64> {
        found.iter().map(|c| c.resource.id).collect()
    }

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
            exclude: None,
            expect: None,
            options: CancelOptions {
                when: When::Auto,
                via: Via::Api,
                reason: Reason::NoLongerNeeded,
                note: None,
            },
        }
    }

    fn recorder() -> Recorder {
        Recorder {
            calls: Mutex::new(Vec::new()),
            objects: vec![
                json!({"id": 1, "hostname": "a"}),
                json!({"id": 2, "hostname": "b"}),
            ],
        }
    }

    fn run(entries: Vec<Entry>) -> (Vec<String>, Fetched) {
        let m = Manifests {
            account: 1,
            files: vec![],
            digests: vec![],
            entries,
            protect: vec![],
            limits: Vec::new(),
        };
        let api = recorder();
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
        assert_eq!(
            ids(&fetched[&Kind::VirtualGuest]),
            vec![1],
            "b matches no entry and is not kept"
        );
        assert_eq!(fetched[&Kind::VirtualGuest][0].entries, vec![0, 1]);
    }

    /// Only candidates are kept: objects an entry selects, and objects an
    /// entry names by id even when its other keys exclude them; `fetch_all`
    /// keeps everything the same calls return.
    #[test]
    fn keeps_candidates_only() {
        let entries = vec![
            entry(
                Kind::VirtualGuest,
                Selector {
                    ids: vec![2],
                    datacenter: Some("dal13".into()),
                    ..Selector::default()
                },
            ),
            entry(
                Kind::VirtualGuest,
                Selector {
                    names: vec!["zz*".into()],
                    ..Selector::default()
                },
            ),
        ];
        let (_, fetched) = run(entries.clone());
        assert_eq!(
            ids(&fetched[&Kind::VirtualGuest]),
            vec![2],
            "named by id, excluded by datacenter, still kept"
        );
        assert!(fetched[&Kind::VirtualGuest][0].entries.is_empty());
        let m = Manifests {
            account: 1,
            files: vec![],
            digests: vec![],
            entries,
            protect: vec![],
            limits: Vec::new(),
        };
        let all = fetch_all(&recorder(), &m, "2026-11-22T00:00:00Z".parse().unwrap()).unwrap();
        assert_eq!(all[&Kind::VirtualGuest].len(), 2);
    }

    /// An object whose billing item also bills an object no entry selects
    /// knows it (the planner then blocks it), although the other object is
    /// not kept: softlayer-python's `getHardware` fixture bills servers
    /// 1001 and 1002 with one item, and `created_before` selected only 1001.
    #[test]
    fn sharing_with_unselected_objects_is_seen() {
        let api = Recorder {
            calls: Mutex::new(Vec::new()),
            objects: vec![
                json!({"id": 1001, "hostname": "a", "billingItem": {"id": 7112}}),
                json!({"id": 1002, "hostname": "b", "billingItem": {"id": "7112"}}),
                json!({"id": 1003, "hostname": "c", "billingItem": {"id": 7113}}),
            ],
        };
        let m = Manifests {
            account: 1,
            files: vec![],
            digests: vec![],
            entries: vec![entry(
                Kind::Hardware,
                Selector {
                    names: vec!["[ac]".into()],
                    ..Selector::default()
                },
            )],
            protect: vec![],
            limits: Vec::new(),
        };
        let fetched = fetch(&api, &m, "2026-11-22T00:00:00Z".parse().unwrap()).unwrap();
        let found = &fetched[&Kind::Hardware];
        assert_eq!(ids(found), vec![1001, 1003], "b is not kept");
        assert_eq!(
            found[0].resource.shares_billing_with,
            vec![ObjectRef {
                kind: Kind::Hardware,
                id: 1002
            }]
        );
        assert!(found[1].resource.shares_billing_with.is_empty());
    }

    /// Filtered calls of a kind run in parallel, and every result arrives.
    #[test]
    fn filtered_calls_run_in_parallel() {
        let api = Slow {
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        };
        let ids: Vec<u64> = (1..=450).collect();
        let found = fetch_ids(
            &api,
            Kind::Storage,
            &ids,
            "2026-11-22T00:00:00Z".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
        let peak = api.peak.load(Ordering::SeqCst);
        assert!((2..=LIST_THREADS).contains(&peak), "peak {peak}");
    }

    /// Answers each filtered call with the ids it asks for, slowly, and
    /// records how many calls were in flight at once.
    struct Slow {
        in_flight: AtomicUsize,
        peak: AtomicUsize,
    }

    impl Api for Slow {
        fn list(&self, request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError> {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(30));
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let filter = request.filter.clone().unwrap_or_default();
            let ids = filter["networkStorage"]["id"]["options"][0]["value"].clone();
            Ok(ids
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .map(|id| json!({"id": id, "nasType": "ISCSI"}))
                        .collect()
                })
                .unwrap_or_default())
        }
        fn object(&self, _: &str, _: u64, _: &str) -> Result<Option<Value>, FetchError> {
            Ok(None)
        }
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

    /// An account of `total` guests, paged by `page`, recording list calls.
    struct Sized {
        total: u64,
        page: usize,
        calls: Mutex<Vec<String>>,
    }

    impl Api for Sized {
        fn list(&self, request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError> {
            let kind = if request.filter.is_some() {
                "filtered"
            } else {
                "whole"
            };
            self.calls.lock().unwrap().push(kind.into());
            Ok(Vec::new())
        }
        fn object(&self, _: &str, _: u64, _: &str) -> Result<Option<Value>, FetchError> {
            Ok(None)
        }
        fn total(&self, _: &ListRequest<'_>) -> Result<Option<u64>, FetchError> {
            self.calls.lock().unwrap().push("count".into());
            Ok(Some(self.total))
        }
        fn page_size(&self) -> usize {
            self.page
        }
    }

    /// A long id list costs no more calls than the whole list: on a small
    /// account it is read whole (after one call to count it), on a large
    /// one in id chunks; a short list never asks.
    #[test]
    fn long_id_lists_pick_the_cheaper_calls() {
        let calls = |total: u64, ids: u64| {
            let api = Sized {
                total,
                page: 500,
                calls: Mutex::new(Vec::new()),
            };
            let m = Manifests {
                account: 1,
                files: vec![],
                digests: vec![],
                entries: vec![entry(
                    Kind::VirtualGuest,
                    Selector {
                        ids: (1..=ids).collect(),
                        ..Selector::default()
                    },
                )],
                protect: vec![],
                limits: Vec::new(),
            };
            fetch(&api, &m, "2026-11-22T00:00:00Z".parse().unwrap()).unwrap();
            let mut calls = api.calls.into_inner().unwrap();
            calls.sort();
            calls
        };
        assert_eq!(
            calls(400, 1000),
            ["count", "whole"],
            "10 id chunks vs 1 page"
        );
        let large = calls(1_000_000, 1000);
        assert_eq!(large[0], "count", "{large:?}");
        assert_eq!(large[1..], ["filtered"; 10], "10 id chunks vs 2,000 pages");
        assert_eq!(calls(400, 150), ["filtered"; 2], "2 chunks: no count");
    }

    /// `exclude` asks nothing more of the server: the calls are those of
    /// the entry without it, and what it leaves out comes back as excluded.
    #[test]
    fn exclude_changes_no_call() {
        let plain = entry(
            Kind::VirtualGuest,
            Selector {
                ids: vec![1, 2],
                ..Selector::default()
            },
        );
        let mut excluding = plain.clone();
        excluding.exclude = Some(Selector {
            names: vec!["B".into()],
            ..Selector::default()
        });
        let (without, _) = run(vec![plain]);
        let (with, fetched) = run(vec![excluding]);
        assert_eq!(without, with);
        let found = &fetched[&Kind::VirtualGuest];
        assert_eq!(ids(found), vec![1, 2]);
        assert_eq!(
            (found[0].entries.clone(), found[0].excluded_by.clone()),
            (vec![0], vec![])
        );
        assert_eq!(
            (found[1].entries.clone(), found[1].excluded_by.clone()),
            (vec![], vec![0])
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

    /// The observer hears each kind's last reading: a list's objects of its
    /// total, lookups one by one of the ids; then the kind is finished.
    #[test]
    fn the_observer_hears_each_kind() {
        use crate::resolve::progress::Reading;
        #[derive(Default)]
        struct Last(Mutex<BTreeMap<Kind, (Reading, bool)>>);
        impl FetchObserver for Last {
            fn reading(&self, kind: Kind, reading: Reading) {
                let mut last = self.0.lock().unwrap();
                let (_, finished) = last.entry(kind).or_default();
                assert!(!*finished, "{kind:?} read after it finished");
                last.insert(kind, (reading, false));
            }
            fn finished(&self, kind: Kind) {
                self.0.lock().unwrap().entry(kind).or_default().1 = true;
            }
        }
        let name = |glob: &str| Selector {
            names: vec![glob.into()],
            ..Selector::default()
        };
        let m = Manifests {
            account: 1,
            files: vec![],
            digests: vec![],
            entries: vec![
                entry(Kind::VirtualGuest, name("*")),
                entry(
                    Kind::BillingItem,
                    Selector {
                        ids: vec![5, 6, 7],
                        ..Selector::default()
                    },
                ),
            ],
            protect: vec![],
            limits: Vec::new(),
        };
        let last = Last::default();
        fetch_observed(
            &recorder(),
            &m,
            "2026-11-22T00:00:00Z".parse().unwrap(),
            &last,
        )
        .unwrap();
        let last = last.0.into_inner().unwrap();
        assert_eq!(
            last[&Kind::VirtualGuest],
            (Reading { read: 2, total: 2 }, true)
        );
        assert_eq!(
            last[&Kind::BillingItem],
            (Reading { read: 3, total: 3 }, true)
        );
    }
}
