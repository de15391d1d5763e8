//! Reading objects again, as apply does before acting and `status` and
//! `revert` do to see where retirements stand: one filtered list read per
//! kind (kinds in parallel), and an object the list does not return
//! confirmed gone with its own `getObject` (a 404) before it counts as gone.
//! Never a call per object beyond that confirmation.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::kinds::Kind;
use crate::resolve::fetch::{Api, FetchError, fetch_ids, fetch_one};
use crate::resolve::resource::Resource;

/// An object to read again: its kind, id and (LBaaS) uuid.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub kind: Kind,
    pub id: u64,
    pub uuid: Option<String>,
}

/// An object as read again: `Ok(None)` when it is gone.
pub type Reread = Result<Option<Resource>, FetchError>;

/// Reads every target again, in the order given.
pub fn read_back(api: &dyn Api, targets: &[Target], now: Timestamp) -> Vec<Reread> {
    let mut by_kind: BTreeMap<Kind, Vec<u64>> = BTreeMap::new();
    for t in targets {
        let ids = by_kind.entry(t.kind).or_default();
        if !ids.contains(&t.id) {
            ids.push(t.id);
        }
    }
    let lists: BTreeMap<Kind, Result<Vec<Resource>, FetchError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = by_kind
            .iter()
            .map(|(kind, ids)| (*kind, scope.spawn(move || fetch_ids(api, *kind, ids, now))))
            .collect();
        handles
            .into_iter()
            .map(|(kind, h)| {
                let read = h
                    .join()
                    .unwrap_or_else(|_| Err(FetchError::new("re-read", "the read thread failed")));
                (kind, read)
            })
            .collect()
    });
    targets
        .iter()
        .map(|t| match lists.get(&t.kind) {
            Some(Ok(found)) => locate(api, t, found, now),
            Some(Err(e)) => Err(FetchError::new(e.what.clone(), e.cause.to_string())),
            None => Err(FetchError::new("re-read", "not read")),
        })
        .collect()
}

/// The target among freshly read objects; when the filtered read does not
/// return it, its own `getObject` decides whether it is really gone.
pub fn locate(api: &dyn Api, t: &Target, found: &[Resource], now: Timestamp) -> Reread {
    match found
        .iter()
        .find(|r| r.id == t.id && r.uuid.as_deref() == t.uuid.as_deref())
    {
        Some(r) => Ok(Some(r.clone())),
        None => fetch_one(api, t.kind, t.id, t.uuid.as_deref(), now),
    }
}
