//! Which live objects the manifest entries select: the pure half of
//! resolving, run on whatever the API returned (each object already
//! matched against the entries as it was read, see `fetch`).

use std::collections::HashSet;

use super::fetch::Fetched;
use super::resource::Resource;
use crate::kinds::Kind;
use crate::manifest::model::{IpPattern, Manifests};

/// An object selected by at least one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub resource: Resource,
    /// Positions in `Manifests::entries` of every entry that selected it.
    pub entries: Vec<usize>,
}

/// An object an entry's selector matches and its `exclude` leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct Excluded {
    pub resource: Resource,
    /// Positions in `Manifests::entries` of the entries that excluded it.
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
/// the objects their `exclude` left out, the explicit ids and addresses
/// that selected nothing, and the objects an age selector could not judge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub selected: Vec<Selected>,
    pub excluded: Vec<Excluded>,
    pub missing: Vec<Missing>,
    pub undated: Vec<Undated>,
}

/// An object an entry's `older_than`/`created_before` could not judge,
/// because its creation date could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Undated {
    pub entry: usize,
    pub kind: Kind,
    pub id: u64,
    pub name: String,
}

/// Collects what every entry selected, and what it named that is missing.
pub fn select(manifests: &Manifests, fetched: &Fetched) -> Selection {
    let mut selection = Selection::default();
    for kind in Kind::ALL {
        let entries: Vec<usize> = (0..manifests.entries.len())
            .filter(|&i| manifests.entries[i].kind == kind)
            .collect();
        if entries.is_empty() {
            continue;
        }
        let mut candidates: Vec<_> = fetched
            .get(&kind)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        candidates.sort_by(|a, b| {
            (a.resource.id, &a.resource.uuid).cmp(&(b.resource.id, &b.resource.uuid))
        });
        // Explicit ids are checked against every fetched id: a set, not a scan per id.
        let fetched_ids: HashSet<u64> = candidates.iter().map(|c| c.resource.id).collect();
        let mut hits: Vec<Vec<&Resource>> = vec![Vec::new(); manifests.entries.len()];
        // What an entry's `exclude` left out was found, on purpose not selected.
        let mut left_out: Vec<Vec<&Resource>> = vec![Vec::new(); manifests.entries.len()];
        for candidate in candidates {
            for &entry in &candidate.undated {
                selection.undated.push(Undated {
                    entry,
                    kind,
                    id: candidate.resource.id,
                    name: candidate.resource.name.clone(),
                });
            }
            for &e in &candidate.excluded_by {
                left_out[e].push(&candidate.resource);
            }
            if !candidate.excluded_by.is_empty() {
                selection.excluded.push(Excluded {
                    resource: candidate.resource.clone(),
                    entries: candidate.excluded_by.clone(),
                });
            }
            if candidate.entries.is_empty() {
                continue;
            }
            for &e in &candidate.entries {
                hits[e].push(&candidate.resource);
            }
            selection.selected.push(Selected {
                resource: candidate.resource.clone(),
                entries: candidate.entries.clone(),
            });
        }
        for &entry in &entries {
            let found = &hits[entry];
            let selector = &manifests.entries[entry].selector;
            let found_ids: HashSet<u64> =
                found.iter().chain(&left_out[entry]).map(|r| r.id).collect();
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
                let hit = found.iter().chain(&left_out[entry]).any(|r| {
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
