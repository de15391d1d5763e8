//! Which live objects the manifest entries select: the pure half of
//! resolving, run on whatever the API returned.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;

use super::resource::Resource;
use super::select::SelectorIndex;
use crate::manifest::model::{IpPattern, Kind, Manifests};

/// An object selected by at least one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub resource: Resource,
    /// Positions in `Manifests::entries` of every entry that selected it.
    pub entries: Vec<usize>,
}

/// An explicit `id` or `ip` of an entry that matched no object.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    pub entry: usize,
    pub what: MissingRef,
}

/// What was asked for and not found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MissingRef {
    /// No object of the kind has this id.
    Id(u64),
    /// The object exists, but the entry's other keys do not select it.
    Excluded(u64),
    /// No object of the kind has this address.
    Ip(IpPattern),
}

/// The objects the entries select, sorted by kind (apply order) and id,
/// and the explicit ids and addresses that selected nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub selected: Vec<Selected>,
    pub missing: Vec<Missing>,
}

/// Matches every entry against the fetched objects of its kind.
pub fn select(
    manifests: &Manifests,
    fetched: &BTreeMap<Kind, Vec<Resource>>,
    now: Timestamp,
) -> Selection {
    let mut selection = Selection::default();
    for kind in Kind::ALL {
        let entries: Vec<usize> = (0..manifests.entries.len())
            .filter(|&i| manifests.entries[i].kind == kind)
            .collect();
        if entries.is_empty() {
            continue;
        }
        let selectors: Vec<_> = entries
            .iter()
            .map(|&i| &manifests.entries[i].selector)
            .collect();
        let index = SelectorIndex::new(kind, &selectors, now);
        let mut objects: Vec<&Resource> = fetched
            .get(&kind)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        objects.sort_by(|a, b| (a.id, &a.uuid).cmp(&(b.id, &b.uuid)));
        // Explicit ids are checked against every fetched id: a set, not a scan per id.
        let fetched_ids: HashSet<u64> = objects.iter().map(|r| r.id).collect();
        let mut hits = vec![Vec::new(); entries.len()];
        for r in objects {
            let chosen = index.select(r);
            if chosen.is_empty() {
                continue;
            }
            for &c in &chosen {
                hits[c].push(r);
            }
            selection.selected.push(Selected {
                resource: r.clone(),
                entries: chosen.into_iter().map(|c| entries[c]).collect(),
            });
        }
        for (position, &entry) in entries.iter().enumerate() {
            let found = &hits[position];
            let selector = &manifests.entries[entry].selector;
            let found_ids: HashSet<u64> = found.iter().map(|r| r.id).collect();
            for id in &selector.ids {
                if !found_ids.contains(id) {
                    let what = if fetched_ids.contains(id) {
                        MissingRef::Excluded(*id)
                    } else {
                        MissingRef::Id(*id)
                    };
                    selection.missing.push(Missing { entry, what });
                }
            }
            for ip in &selector.ips {
                let hit = found.iter().any(|r| {
                    r.addresses.iter().any(|a| ip.matches(*a))
                        || r.network.is_some_and(|n| match ip {
                            IpPattern::Addr(a) => n.contains(*a),
                            IpPattern::Net(range) => range.contains(n.addr),
                        })
                });
                if !hit {
                    selection.missing.push(Missing {
                        entry,
                        what: MissingRef::Ip(*ip),
                    });
                }
            }
        }
    }
    selection
}
