//! Listing every object of a kind: pages ordered by id, the first page
//! revealing the total (`SoftLayer-Total-Items`), the rest fetched in
//! parallel by a bounded set of workers.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::{Map, Value, json};

use crate::softlayer::call::Call;
use crate::softlayer::client::Client;
use crate::softlayer::error::{ApiError, unreadable};
use crate::softlayer::memory_budget::Meter;
use crate::softlayer::metered_json::Metered;

/// Times a listing is restarted when the total changes between pages.
const LISTING_ATTEMPTS: usize = 3;

/// What a listing tells whoever follows it (a progress display) as its
/// pages arrive, from the threads that read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// The first page is in: the list holds this many objects, or `None`
    /// when the API did not say (or said fewer than the page held).
    Total(Option<u64>),
    /// A page of this many objects was read.
    Read(u64),
    /// The list changed while it was read and is read again from the
    /// start: what was heard of it so far no longer counts.
    Restart,
}

/// Hears a listing's [`Paging`] events.
pub type PagingObserver<'a> = dyn Fn(Paging) + Sync + 'a;

impl Client {
    /// Every object the call returns, all pages, in id order, each once.
    ///
    /// `root` is the filter root (the Account property, e.g.
    /// `"virtualGuests"`), or `None` for `getAllObjects`-style services whose
    /// filter keys are the datatype's own. An `orderBy` on `id` is added
    /// under it (merged with the caller's filter) so pages never overlap.
    pub fn list(&self, call: &Call<'_>, root: Option<&str>) -> Result<Vec<Value>, ApiError> {
        self.list_read(call, root, &Some)
    }

    /// [`Client::list`], each object turned into a `T` by `read` as soon as
    /// its page arrives (in the thread that fetched it), so the JSON of a
    /// page is dropped before the next pages are read: a list of 100,000
    /// objects never sits in memory as JSON. Objects `read` rejects are
    /// left out (they still count for the consistency check).
    pub fn list_read<T: Send>(
        &self,
        call: &Call<'_>,
        root: Option<&str>,
        read: &(dyn Fn(Value) -> Option<T> + Sync),
    ) -> Result<Vec<T>, ApiError> {
        self.list_observed(call, root, read, &|_| {})
    }

    /// [`Client::list_read`], telling `observe` the total the first page
    /// reveals and each page as it is read (for a progress display).
    pub fn list_observed<T: Send>(
        &self,
        call: &Call<'_>,
        root: Option<&str>,
        read: &(dyn Fn(Value) -> Option<T> + Sync),
        observe: &PagingObserver<'_>,
    ) -> Result<Vec<T>, ApiError> {
        let mut call = call.clone();
        call.filter = Some(with_id_order(call.filter.take(), root));
        let size = u64::from(self.settings().page_size.max(1));
        for attempt in 0..LISTING_ATTEMPTS {
            if attempt > 0 {
                observe(Paging::Restart);
            }
            let first = self.page(&call, 0, size, read)?;
            let total = first.total_items;
            let first = first.items;
            let first_len = first.len() as u64;
            observe(Paging::Total(total.filter(|total| first_len <= *total)));
            observe(Paging::Read(first_len));
            let items = match total {
                Some(total) => {
                    match self.remaining_pages(&call, first, total, size, read, observe)? {
                        Some(items) => items,
                        None => continue, // the list changed while it was read
                    }
                }
                None => self.sequential_pages(&call, first, size, read, observe)?,
            };
            return Ok(in_id_order(items));
        }
        Err(ApiError::InvalidResponse {
            status: 200,
            message: format!(
                "{}: the list kept changing while it was read page by page ({LISTING_ATTEMPTS} attempts)",
                call.describe()
            ),
        })
    }

    /// How many objects the call lists, from `SoftLayer-Total-Items` on a
    /// one-object page; `None` when the API does not say. One call: what a
    /// caller pays to choose between narrow filtered calls and the whole list.
    pub fn count(&self, call: &Call<'_>, root: Option<&str>) -> Result<Option<u64>, ApiError> {
        let mut call = call.clone();
        call.filter = Some(with_id_order(call.filter.take(), root));
        Ok(self.page(&call, 0, 1, &|_| None::<()>)?.total_items)
    }

    /// Pages after the first, in parallel; `None` when the total changed or
    /// the pages do not add up to it (objects came or went meanwhile).
    fn remaining_pages<T: Send>(
        &self,
        call: &Call<'_>,
        first: Vec<Read<T>>,
        total: u64,
        size: u64,
        read: &(dyn Fn(Value) -> Option<T> + Sync),
        observe: &PagingObserver<'_>,
    ) -> Result<Option<Vec<Read<T>>>, ApiError> {
        let first_len = first.len() as u64;
        if first_len == total {
            return Ok(Some(first));
        }
        if first_len > total {
            // The header undercounts: do not trust it, page until a short page.
            return self
                .sequential_pages(call, first, size, read, observe)
                .map(Some);
        }
        if first_len < size {
            // A short first page with more announced: the list shrank.
            return Ok(None);
        }
        let offsets: Vec<u64> = (1..)
            .map(|page| page * size)
            .take_while(|offset| *offset < total)
            .collect();
        let pages = self.fetch_parallel(call, &offsets, size, read, observe)?;
        let mut items = first;
        for page in pages {
            if page.total_items != Some(total) {
                return Ok(None);
            }
            items.extend(page.items);
        }
        let with_id = items.iter().filter(|item| item.key.is_some()).count();
        if items.len() as u64 != total || count_distinct_ids(&items) != with_id {
            return Ok(None);
        }
        Ok(Some(items))
    }

    /// Without a total: page after page until a short one.
    fn sequential_pages<T>(
        &self,
        call: &Call<'_>,
        first: Vec<Read<T>>,
        size: u64,
        read: &(dyn Fn(Value) -> Option<T> + Sync),
        observe: &PagingObserver<'_>,
    ) -> Result<Vec<Read<T>>, ApiError> {
        let mut last_len = first.len() as u64;
        let mut items = first;
        let mut offset = size;
        while last_len == size {
            let page = self.page(call, offset, size, read)?.items;
            last_len = page.len() as u64;
            observe(Paging::Read(last_len));
            items.extend(page);
            offset += size;
        }
        Ok(items)
    }

    /// Fetches the pages at `offsets` with at most `page_workers` threads;
    /// results in offset order, or the error of the first failed page.
    fn fetch_parallel<T: Send>(
        &self,
        call: &Call<'_>,
        offsets: &[u64],
        size: u64,
        read: &(dyn Fn(Value) -> Option<T> + Sync),
        observe: &PagingObserver<'_>,
    ) -> Result<Vec<Page<T>>, ApiError> {
        let workers = self.settings().page_workers.clamp(1, offsets.len().max(1));
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let results: Vec<Slot<Page<T>>> = offsets.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= offsets.len() || failed.load(Ordering::Relaxed) {
                            break;
                        }
                        let page = self.page(call, offsets[index], size, read);
                        match &page {
                            Ok(page) => observe(Paging::Read(page.items.len() as u64)),
                            Err(_) => failed.store(true, Ordering::Relaxed),
                        }
                        *results[index]
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(page);
                    }
                });
            }
        });
        let mut pages = Vec::with_capacity(offsets.len());
        for slot in results {
            // An empty slot was skipped because another page failed; that
            // error comes first or later.
            if let Some(page) = slot
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
            {
                pages.push(page?);
            }
        }
        if pages.len() != offsets.len() {
            return Err(ApiError::InvalidResponse {
                status: 200,
                message: format!("{}: not every page could be read", call.describe()),
            });
        }
        Ok(pages)
    }

    /// One page, each object read as it is parsed from the body (no JSON
    /// tree of the whole page is built). Anything but a 2xx JSON list goes
    /// through the usual judgement, so errors read exactly as for any call.
    fn page<T>(
        &self,
        call: &Call<'_>,
        offset: u64,
        size: u64,
        read: &(dyn Fn(Value) -> Option<T> + Sync),
    ) -> Result<Page<T>, ApiError> {
        self.execute_as(call, Some((offset, size)), false, |reply| {
            let total_items = reply.total_items;
            let status = reply.status;
            if (200..300).contains(&status) && reply.body.trim_start().starts_with('[') {
                return match parse_list(&reply.body, read, &reply.meter, size) {
                    Ok(items) => Ok(Ok(Page { total_items, items })),
                    Err(ListError::TooMany) => Ok(Err(ApiError::InvalidResponse {
                        status,
                        message: format!("more than {size} objects answered for a page of {size}"),
                    })),
                    Err(ListError::Json(err)) => Err(unreadable(
                        status,
                        &reply.body,
                        &err,
                        &reply.meter,
                        self.secrets(),
                    )),
                };
            }
            let value = self.classify(&reply)?;
            // Not a list: an answer, not a fault, so it is not retried.
            Ok(read_page(value, read).map(|items| Page { total_items, items }))
        })?
    }
}

/// Why a page's list could not be read.
enum ListError {
    /// More objects than the page asked for (the list is not read further).
    TooMany,
    /// Not JSON, or too large to hold (the meter says which).
    Json(serde_json::Error),
}

/// A JSON list read element by element: each object becomes a `T` before
/// the next is parsed, and its tree is counted against `meter` only while
/// it exists. At most `size` objects are read.
fn parse_list<T>(
    body: &str,
    read: &(dyn Fn(Value) -> Option<T> + Sync),
    meter: &Meter,
    size: u64,
) -> Result<Vec<Read<T>>, ListError> {
    /// Marks the error a page with too many objects stops the parser with.
    const TOO_MANY: &str = "slretire: more objects than the page size";
    struct Elements<'r, T> {
        read: &'r (dyn Fn(Value) -> Option<T> + Sync),
        meter: &'r Meter,
        size: u64,
    }
    impl<'de, T> Visitor<'de> for Elements<'_, T> {
        type Value = Vec<Read<T>>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            loop {
                let before = self.meter.used();
                let Some(object) = seq.next_element_seed(Metered(self.meter))? else {
                    break;
                };
                if out.len() as u64 >= self.size {
                    return Err(serde::de::Error::custom(TOO_MANY));
                }
                out.push(Read {
                    key: id_key(&object),
                    item: (self.read)(object),
                });
                // The object's tree is gone; what `read` kept is the caller's.
                self.meter.credit(self.meter.used().saturating_sub(before));
            }
            Ok(out)
        }
    }
    let mut parser = serde_json::Deserializer::from_str(body);
    let parsed = parser
        .deserialize_seq(Elements { read, meter, size })
        .and_then(|items| parser.end().map(|()| items));
    parsed.map_err(|err| {
        if !meter.exceeded() && err.to_string().starts_with(TOO_MANY) {
            ListError::TooMany
        } else {
            ListError::Json(err)
        }
    })
}

/// Where a worker leaves the result of one page.
type Slot<T> = Mutex<Option<Result<T, ApiError>>>;

/// One page of a list.
struct Page<T> {
    total_items: Option<u64>,
    items: Vec<Read<T>>,
}

/// One listed object: its id (for order and the consistency check) and
/// what the reader made of it.
struct Read<T> {
    key: Option<IdKey>,
    item: Option<T>,
}

/// An object's id as ordered and compared: see [`id_key`].
type IdKey = (u64, String);

/// A page's objects, each read at once; the page's JSON is consumed.
fn read_page<T>(
    value: Value,
    read: &(dyn Fn(Value) -> Option<T> + Sync),
) -> Result<Vec<Read<T>>, ApiError> {
    Ok(into_items(value)?
        .into_iter()
        .map(|object| Read {
            key: id_key(&object),
            item: read(object),
        })
        .collect())
}

/// The caller's filter with `{"id": orderBy ASC}` under `root` (or at the
/// top), unless it already sorts somewhere or filters on that `id`
/// (SoftLayer cannot filter and sort one property).
pub(crate) fn with_id_order(filter: Option<Value>, root: Option<&str>) -> Value {
    let order = json!({"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]});
    let mut filter = match filter {
        Some(Value::Object(map)) => map,
        Some(other @ (Value::Array(_) | Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
            return other;
        }
        _ => Map::new(),
    };
    if sorts_somewhere(&Value::Object(filter.clone())) {
        return Value::Object(filter);
    }
    let target = match root {
        Some(root) => match filter
            .entry(root.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            Value::Object(map) => map,
            _ => return Value::Object(filter),
        },
        None => &mut filter,
    };
    target.entry("id").or_insert(order);
    Value::Object(filter)
}

fn sorts_somewhere(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.get("operation").and_then(Value::as_str) == Some("orderBy")
                || map.values().any(sorts_somewhere)
        }
        Value::Array(items) => items.iter().any(sorts_somewhere),
        _ => false,
    }
}

fn into_items(value: Value) -> Result<Vec<Value>, ApiError> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(ApiError::InvalidResponse {
            status: 200,
            message: format!("expected a list, got {}", kind_of(&other)),
        }),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An object's id for ordering and de-duplication: numeric ids (also when
/// sent as strings, as some fixtures do) sort numerically, others after.
fn id_key(item: &Value) -> Option<IdKey> {
    match item.get("id")? {
        Value::Number(n) => Some((n.as_u64().unwrap_or(u64::MAX), n.to_string())),
        Value::String(s) => Some((s.parse().unwrap_or(u64::MAX), s.clone())),
        _ => None,
    }
}

fn count_distinct_ids<T>(items: &[Read<T>]) -> usize {
    items
        .iter()
        .filter_map(|item| item.key.as_ref())
        .collect::<HashSet<_>>()
        .len()
}

/// Sorted by id, each id once; objects without an id keep their order, last.
/// Sorted in place (pages arrive in id order, so usually nothing moves):
/// a list of large items is never held twice.
fn in_id_order<T>(mut items: Vec<Read<T>>) -> Vec<T> {
    let order = |a: &Read<T>, b: &Read<T>| match (&a.key, &b.key) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    };
    if !items.is_sorted_by(|a, b| order(a, b).is_le()) {
        // Stable: the first of equal ids stays first, unkeyed keep their order.
        items.sort_by(order);
    }
    items.dedup_by(|later, earlier| later.key.is_some() && later.key == earlier.key);
    items.into_iter().filter_map(|read| read.item).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::softlayer::client::tests::{responder, settings};
    use crate::softlayer::request::HttpRequest;
    use crate::softlayer::transport::Reply;

    const ORDER: &str =
        r#"{"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]}"#;

    fn order() -> Value {
        serde_json::from_str(ORDER).unwrap()
    }

    /// The orderBy goes under the root, next to the caller's conditions.
    #[test]
    fn order_is_merged_under_the_root() {
        assert_eq!(
            with_id_order(None, Some("virtualGuests")),
            json!({"virtualGuests": {"id": order()}})
        );
        let filter = json!({"virtualGuests": {"hostname": {"operation": "_= a"}}});
        assert_eq!(
            with_id_order(Some(filter), Some("virtualGuests")),
            json!({"virtualGuests": {"hostname": {"operation": "_= a"}, "id": order()}})
        );
        assert_eq!(
            with_id_order(Some(json!({"name": {"operation": "x"}})), None),
            json!({"name": {"operation": "x"}, "id": order()})
        );
    }

    /// A filter on id, or one that already sorts, is left alone.
    #[test]
    fn existing_id_condition_or_sort_is_kept() {
        let by_id = json!({"hardware": {"id": {"operation": 5}}});
        assert_eq!(with_id_order(Some(by_id.clone()), Some("hardware")), by_id);
        let sorted = json!({"hardware": {"hostname": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}}});
        assert_eq!(
            with_id_order(Some(sorted.clone()), Some("hardware")),
            sorted
        );
    }

    /// An emulated list of `total` objects with ids 1..=total, honouring resultLimit and the orderBy.
    fn server(
        total: u64,
        with_header: bool,
    ) -> impl Fn(&HttpRequest) -> Result<Reply, crate::softlayer::error::Failure> + Send + Sync
    {
        move |request: &HttpRequest| {
            let (offset, limit) = request
                .url
                .split("resultLimit=")
                .nth(1)
                .and_then(|rest| rest.split('&').next())
                .and_then(|v| v.split_once("%2C"))
                .map_or((0, total), |(o, l)| {
                    (o.parse::<u64>().unwrap(), l.parse::<u64>().unwrap())
                });
            let items: Vec<Value> = (1..=total)
                .skip(usize::try_from(offset).unwrap())
                .take(usize::try_from(limit).unwrap())
                .map(|id| json!({"id": id}))
                .collect();
            let mut reply = Reply::new(200, serde_json::to_string(&items).unwrap());
            reply.total_items = with_header.then_some(total);
            Ok(reply)
        }
    }

    fn ids(items: &[Value]) -> Vec<u64> {
        items.iter().map(|i| i["id"].as_u64().unwrap()).collect()
    }

    /// Every object comes back once, in id order, for totals around the page size.
    #[test]
    fn all_pages_are_read() {
        for (total, page_size) in [
            (0, 2),
            (1, 2),
            (2, 2),
            (5, 2),
            (6, 3),
            (7, 3),
            (100, 7),
            (3, 500),
        ] {
            let mut s = settings();
            s.page_size = page_size;
            let scripted = responder(s, server(total, true));
            let items = scripted
                .client
                .list(
                    &Call::new("SoftLayer_Account", "getVirtualGuests"),
                    Some("virtualGuests"),
                )
                .unwrap();
            assert_eq!(
                ids(&items),
                (1..=total).collect::<Vec<_>>(),
                "total {total} page {page_size}"
            );
            let expected_calls = total.div_ceil(u64::from(page_size)).max(1);
            assert_eq!(
                scripted.client.calls_made(),
                expected_calls,
                "total {total} page {page_size}"
            );
            let requests = scripted.requests.lock().unwrap();
            assert!(requests.iter().all(|r| {
                r.url
                    .contains("objectFilter=%7B%22virtualGuests%22%3A+%7B%22id%22")
            }));
        }
    }

    /// Objects are read as their page arrives: the first page is read
    /// before any other is asked for; rejected objects still count towards
    /// the total, so the list is complete and not fetched again.
    #[test]
    fn pages_are_read_as_they_arrive() {
        let mut s = settings();
        s.page_size = 3;
        let scripted = responder(s, server(10, true));
        let requests = scripted.requests.clone();
        let seen_at_first = std::sync::Mutex::new(None);
        let even = scripted
            .client
            .list_read(
                &Call::new("SoftLayer_Account", "getHardware"),
                Some("hardware"),
                &|object: Value| {
                    let id = object["id"].as_u64()?;
                    if id == 1 {
                        *seen_at_first.lock().unwrap() = Some(requests.lock().unwrap().len());
                    }
                    id.is_multiple_of(2).then_some(id)
                },
            )
            .unwrap();
        assert_eq!(even, vec![2, 4, 6, 8, 10]);
        assert_eq!(*seen_at_first.lock().unwrap(), Some(1));
        assert_eq!(scripted.client.calls_made(), 4, "one listing, no restart");
    }

    /// A page that is not valid JSON is an invalid response, as for any call.
    #[test]
    fn broken_page_is_invalid() {
        let scripted = responder(settings(), |_| {
            let mut reply = Reply::new(200, "[{\"id\": 1}, {");
            reply.total_items = Some(2);
            Ok(reply)
        });
        let err = scripted
            .client
            .list(
                &Call::new("SoftLayer_Account", "getSubnets"),
                Some("subnets"),
            )
            .unwrap_err();
        assert!(
            matches!(&err, ApiError::InvalidResponse { message, .. } if message.contains("not JSON")),
            "{err:?}"
        );
    }

    /// Without SoftLayer-Total-Items, pages are read one after another until a short one.
    #[test]
    fn missing_total_falls_back_to_sequential() {
        let mut s = settings();
        s.page_size = 3;
        let scripted = responder(s, server(7, false));
        let items = scripted
            .client
            .list(
                &Call::new("SoftLayer_Account", "getHardware"),
                Some("hardware"),
            )
            .unwrap();
        assert_eq!(ids(&items), (1..=7).collect::<Vec<_>>());
        assert_eq!(scripted.client.calls_made(), 3);
        let scripted = responder(settings(), server(4, false));
        scripted
            .client
            .list(
                &Call::new("SoftLayer_Account", "getHardware"),
                Some("hardware"),
            )
            .unwrap();
        assert_eq!(
            scripted.client.calls_made(),
            3,
            "4 items in pages of 2 need an empty third page"
        );
    }

    /// Pages after the first are fetched by several workers at once.
    #[test]
    fn pages_are_fetched_in_parallel() {
        let in_flight = std::sync::Arc::new(AtomicUsize::new(0));
        let peak = std::sync::Arc::new(AtomicUsize::new(0));
        let (in_flight2, peak2) = (in_flight.clone(), peak.clone());
        let inner = server(40, true);
        let scripted = responder(settings(), move |request| {
            let now = in_flight2.fetch_add(1, Ordering::SeqCst) + 1;
            peak2.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            in_flight2.fetch_sub(1, Ordering::SeqCst);
            inner(request)
        });
        let items = scripted
            .client
            .list(
                &Call::new("SoftLayer_Account", "getSubnets"),
                Some("subnets"),
            )
            .unwrap();
        assert_eq!(items.len(), 40);
        let peak = peak.load(Ordering::SeqCst);
        assert!((2..=8).contains(&peak), "peak concurrency {peak}");
    }

    /// A total that changes between pages restarts the listing.
    #[test]
    fn changing_total_restarts() {
        let calls = AtomicUsize::new(0);
        let scripted = responder(settings(), move |request| {
            // The first listing sees 5 objects on page one, then 4.
            let total = if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                5
            } else {
                4
            };
            server(total, true)(request)
        });
        let items = scripted
            .client
            .list(
                &Call::new("SoftLayer_Account", "getSubnets"),
                Some("subnets"),
            )
            .unwrap();
        assert_eq!(ids(&items), vec![1, 2, 3, 4]);
    }

    /// Events a listing sends its observer, in the order they came.
    fn observed(scripted: &crate::softlayer::client::tests::Scripted) -> Vec<Paging> {
        let events = Mutex::new(Vec::new());
        scripted
            .client
            .list_observed(
                &Call::new("SoftLayer_Account", "getSubnets"),
                Some("subnets"),
                &Some,
                &|event| events.lock().unwrap().push(event),
            )
            .unwrap();
        events.into_inner().unwrap()
    }

    /// The observer hears the total the first page reveals first, then
    /// every page's objects: they add up to the total.
    #[test]
    fn observer_hears_the_total_then_every_page() {
        let events = observed(&responder(settings(), server(5, true)));
        assert_eq!(events[0], Paging::Total(Some(5)));
        let mut reads: Vec<u64> = events[1..]
            .iter()
            .map(|e| match e {
                Paging::Read(n) => *n,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        // Pages after the first arrive in any order.
        reads[1..].sort_unstable();
        assert_eq!(reads, vec![2, 1, 2]);
    }

    /// Without a total header the observer hears `None`, then the pages.
    #[test]
    fn observer_hears_no_total_when_the_api_does_not_say() {
        let events = observed(&responder(settings(), server(3, false)));
        assert_eq!(
            events,
            vec![Paging::Total(None), Paging::Read(2), Paging::Read(1)]
        );
    }

    /// A listing that starts over says so before its new first page.
    #[test]
    fn observer_hears_a_restart() {
        let calls = AtomicUsize::new(0);
        let scripted = responder(settings(), move |request| {
            let total = if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                5
            } else {
                4
            };
            server(total, true)(request)
        });
        let events = observed(&scripted);
        let restart = events.iter().position(|e| *e == Paging::Restart).unwrap();
        assert_eq!(events[0], Paging::Total(Some(5)));
        assert_eq!(events[restart + 1], Paging::Total(Some(4)));
        let read_after: u64 = events[restart + 1..]
            .iter()
            .map(|e| match e {
                Paging::Read(n) => *n,
                _ => 0,
            })
            .sum();
        assert_eq!(read_after, 4);
    }

    /// A non-list answer is an invalid response.
    #[test]
    fn non_list_is_invalid() {
        let scripted = responder(settings(), |_| Ok(Reply::new(200, "{}")));
        let err = scripted
            .client
            .list(
                &Call::new("SoftLayer_Account", "getSubnets"),
                Some("subnets"),
            )
            .unwrap_err();
        assert!(matches!(err, ApiError::InvalidResponse { .. }), "{err:?}");
    }

    /// A page answering more objects than it asked for is refused without
    /// reading it further (a hostile list cannot grow without bound).
    #[test]
    fn oversized_page_is_refused() {
        let scripted = responder(settings(), |_| {
            let mut reply = Reply::new(200, "[{\"id\": 1}, {\"id\": 2}, {\"id\": 3}, garbage");
            reply.total_items = Some(3);
            Ok(reply)
        });
        let err = scripted
            .client
            .list(
                &Call::new("SoftLayer_Account", "getSubnets"),
                Some("subnets"),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected answer from the API (HTTP 200): more than 2 objects answered for a page of 2"
        );
        assert_eq!(scripted.client.calls_made(), 1, "not retried");
    }

    /// Results are sorted by id and de-duplicated, string ids included.
    #[test]
    fn id_order_and_dedup() {
        let items = vec![
            json!({"id": 10}),
            json!({"id": "2"}),
            json!({"id": 10}),
            json!({"x": 1}),
            json!({"id": 3}),
        ];
        let read = items
            .into_iter()
            .map(|item| Read {
                key: id_key(&item),
                item: Some(item),
            })
            .collect();
        assert_eq!(
            in_id_order(read),
            vec![
                json!({"id": "2"}),
                json!({"id": 3}),
                json!({"id": 10}),
                json!({"x": 1})
            ]
        );
    }
}
