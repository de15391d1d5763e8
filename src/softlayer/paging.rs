//! Listing every object of a kind: pages ordered by id, the first page
//! revealing the total (`SoftLayer-Total-Items`), the rest fetched in
//! parallel by a bounded set of workers.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::{Map, Value, json};

use crate::softlayer::call::Call;
use crate::softlayer::client::Client;
use crate::softlayer::error::ApiError;

/// Times a listing is restarted when the total changes between pages.
const LISTING_ATTEMPTS: usize = 3;

impl Client {
    /// Every object the call returns, all pages, in id order, each once.
    ///
    /// `root` is the filter root (the Account property, e.g.
    /// `"virtualGuests"`), or `None` for `getAllObjects`-style services whose
    /// filter keys are the datatype's own. An `orderBy` on `id` is added
    /// under it (merged with the caller's filter) so pages never overlap.
    pub fn list(&self, call: &Call<'_>, root: Option<&str>) -> Result<Vec<Value>, ApiError> {
        let mut call = call.clone();
        call.filter = Some(with_id_order(call.filter.take(), root));
        let size = u64::from(self.settings().page_size.max(1));
        for _ in 0..LISTING_ATTEMPTS {
            let first = self.execute(&call, Some((0, size)), false)?;
            let total = first.total_items;
            let first = into_items(first.value)?;
            let items = match total {
                Some(total) => match self.remaining_pages(&call, first, total, size)? {
                    Some(items) => items,
                    None => continue, // the list changed while it was read
                },
                None => self.sequential_pages(&call, first, size)?,
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

    /// Pages after the first, in parallel; `None` when the total changed or
    /// the pages do not add up to it (objects came or went meanwhile).
    fn remaining_pages(
        &self,
        call: &Call<'_>,
        first: Vec<Value>,
        total: u64,
        size: u64,
    ) -> Result<Option<Vec<Value>>, ApiError> {
        let first_len = first.len() as u64;
        if first_len == total {
            return Ok(Some(first));
        }
        if first_len > total {
            // The header undercounts: do not trust it, page until a short page.
            return self.sequential_pages(call, first, size).map(Some);
        }
        if first_len < size {
            // A short first page with more announced: the list shrank.
            return Ok(None);
        }
        let offsets: Vec<u64> = (1..)
            .map(|page| page * size)
            .take_while(|offset| *offset < total)
            .collect();
        let pages = self.fetch_parallel(call, &offsets, size)?;
        let mut items = first;
        for page in pages {
            if page.total_items != Some(total) {
                return Ok(None);
            }
            items.extend(page.items);
        }
        let with_id = items.iter().filter(|item| id_key(item).is_some()).count();
        if items.len() as u64 != total || count_distinct_ids(&items) != with_id {
            return Ok(None);
        }
        Ok(Some(items))
    }

    /// Without a total: page after page until a short one.
    fn sequential_pages(
        &self,
        call: &Call<'_>,
        first: Vec<Value>,
        size: u64,
    ) -> Result<Vec<Value>, ApiError> {
        let mut last_len = first.len() as u64;
        let mut items = first;
        let mut offset = size;
        while last_len == size {
            let page = into_items(self.execute(call, Some((offset, size)), false)?.value)?;
            last_len = page.len() as u64;
            items.extend(page);
            offset += size;
        }
        Ok(items)
    }

    /// Fetches the pages at `offsets` with at most `page_workers` threads;
    /// results in offset order, or the error of the first failed page.
    fn fetch_parallel(
        &self,
        call: &Call<'_>,
        offsets: &[u64],
        size: u64,
    ) -> Result<Vec<Page>, ApiError> {
        let workers = self.settings().page_workers.clamp(1, offsets.len().max(1));
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let results: Vec<Mutex<Option<Result<Page, ApiError>>>> =
            offsets.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= offsets.len() || failed.load(Ordering::Relaxed) {
                            break;
                        }
                        let page = self
                            .execute(call, Some((offsets[index], size)), false)
                            .and_then(|answer| {
                                Ok(Page {
                                    total_items: answer.total_items,
                                    items: into_items(answer.value)?,
                                })
                            });
                        if page.is_err() {
                            failed.store(true, Ordering::Relaxed);
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
            match slot
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
            {
                Some(page) => pages.push(page?),
                // Skipped because another page failed; that error comes first or later.
                None => continue,
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
}

/// One page beyond the first.
struct Page {
    total_items: Option<u64>,
    items: Vec<Value>,
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
fn id_key(item: &Value) -> Option<(u64, String)> {
    match item.get("id")? {
        Value::Number(n) => Some((n.as_u64().unwrap_or(u64::MAX), n.to_string())),
        Value::String(s) => Some((s.parse().unwrap_or(u64::MAX), s.clone())),
        _ => None,
    }
}

fn count_distinct_ids(items: &[Value]) -> usize {
    items
        .iter()
        .filter_map(id_key)
        .collect::<HashSet<_>>()
        .len()
}

/// Sorted by id, each id once; objects without an id keep their order, last.
fn in_id_order(items: Vec<Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    let mut keyed = Vec::new();
    let mut unkeyed = Vec::new();
    for item in items {
        match id_key(&item) {
            Some(key) => {
                if seen.insert(key.clone()) {
                    keyed.push((key, item));
                }
            }
            None => unkeyed.push(item),
        }
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed
        .into_iter()
        .map(|(_, item)| item)
        .chain(unkeyed)
        .collect()
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
                .map(|(o, l)| (o.parse::<u64>().unwrap(), l.parse::<u64>().unwrap()))
                .unwrap_or((0, total));
            let items: Vec<Value> = (1..=total)
                .skip(offset as usize)
                .take(limit as usize)
                .map(|id| json!({"id": id}))
                .collect();
            Ok(Reply {
                status: 200,
                body: serde_json::to_string(&items).unwrap(),
                total_items: with_header.then_some(total),
                retry_after: None,
            })
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

    /// A non-list answer is an invalid response.
    #[test]
    fn non_list_is_invalid() {
        let scripted = responder(settings(), |_| {
            Ok(Reply {
                status: 200,
                body: "{}".into(),
                total_items: None,
                retry_after: None,
            })
        });
        let err = scripted
            .client
            .list(
                &Call::new("SoftLayer_Account", "getSubnets"),
                Some("subnets"),
            )
            .unwrap_err();
        assert!(matches!(err, ApiError::InvalidResponse { .. }), "{err:?}");
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
        assert_eq!(
            in_id_order(items),
            vec![
                json!({"id": "2"}),
                json!({"id": 3}),
                json!({"id": 10}),
                json!({"x": 1})
            ]
        );
    }
}
