//! Selector matching, pure: does a manifest entry (or protect rule) select
//! an observed resource? Many entries are matched against many objects
//! without quadratic work: ids and addresses go through hash maps and every
//! name glob of a kind is compiled into one set; only entries that select by
//! nothing indexable (tags, datacenter, age) look at every object.

use std::collections::HashMap;
use std::net::IpAddr;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use jiff::{SignedDuration, Timestamp};
use regex::Regex;

use super::resource::{Resource, VlanRef};
use crate::kinds::Kind;
use crate::manifest::model::{IpNet, IpPattern, Selector, VlanSelector};
use crate::manifest::pattern::name_regex;

/// A selector ready to test resources against.
#[derive(Debug)]
pub struct CompiledSelector {
    selector: Selector,
    names: Option<GlobSet>,
    /// `name_regex`, each anchored to the whole name.
    name_regexes: Option<Vec<Regex>>,
    notes: Option<GlobSet>,
    /// Created before this instant (from `older_than` or `created_before`).
    created_before: Option<Timestamp>,
}

/// Builds a name glob the way manifests mean it: case-insensitive, `*`
/// crosses dots and slashes (hostnames and FQDNs have no path structure).
pub fn name_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .build()
}

impl CompiledSelector {
    /// Compiles `selector`; `now` anchors `older_than`. Globs were checked by
    /// validation, so one that fails here simply matches nothing.
    pub fn new(selector: &Selector, now: Timestamp) -> CompiledSelector {
        let globs = |patterns: &[String]| {
            (!patterns.is_empty()).then(|| {
                let mut set = GlobSetBuilder::new();
                for pattern in patterns {
                    if let Ok(glob) = name_glob(pattern) {
                        set.add(glob);
                    }
                }
                set.build().unwrap_or_else(|_| GlobSet::empty())
            })
        };
        let name_regexes = (!selector.name_regexes.is_empty()).then(|| {
            selector
                .name_regexes
                .iter()
                .filter_map(|p| name_regex(p).ok())
                .collect()
        });
        let older = selector.older_than.and_then(|d| {
            let d = SignedDuration::try_from(d).ok()?;
            now.checked_sub(d).ok()
        });
        let before = selector
            .created_before
            .and_then(|date| date.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|zoned| zoned.timestamp());
        CompiledSelector {
            selector: selector.clone(),
            names: globs(&selector.names),
            name_regexes,
            notes: globs(&selector.notes),
            created_before: older.or(before),
        }
    }

    /// Whether every key of the selector matches `r`.
    pub fn matches(&self, r: &Resource) -> bool {
        self.matches_but_age(r)
            && self
                .created_before
                .is_none_or(|limit| r.created.is_some_and(|c| c < limit))
    }

    /// Whether the selector would select `r` but cannot tell, because it
    /// selects by age and `r`'s creation date could not be read: such an
    /// object is not selected, and the plan says so (never a silent skip).
    pub fn undecided_by_age(&self, r: &Resource) -> bool {
        self.created_before.is_some() && r.created.is_none() && self.matches_but_age(r)
    }

    /// Every key but the age.
    fn matches_but_age(&self, r: &Resource) -> bool {
        let s = &self.selector;
        (s.ids.is_empty() || s.ids.contains(&r.id))
            && (s.ips.is_empty() || s.ips.iter().any(|p| address_matches(p, r)))
            && self
                .names
                .as_ref()
                .is_none_or(|set| r.match_names.iter().any(|n| set.is_match(n)))
            && self.name_regexes.as_ref().is_none_or(|regexes| {
                r.match_names
                    .iter()
                    .any(|n| regexes.iter().any(|re| re.is_match(n)))
            })
            && s.cidr.is_none_or(|cidr| r.network == Some(cidr))
            && s.number.is_none_or(|n| r.vlan_number == Some(n))
            && s.router.as_ref().is_none_or(|router| {
                r.router
                    .as_ref()
                    .is_some_and(|have| have.eq_ignore_ascii_case(router))
            })
            && s.datacenter
                .as_ref()
                .is_none_or(|dc| r.datacenter.as_ref() == Some(dc))
            && s.tags.iter().all(|t| r.tags.contains(t))
            && s.untagged
                .is_none_or(|untagged| r.tags.is_empty() == untagged)
            && s.vlan
                .as_ref()
                .is_none_or(|vlan| r.vlans.iter().any(|on| vlan_matches(vlan, on)))
            && s.power_state.is_none_or(|state| {
                r.power_state
                    .as_deref()
                    .is_some_and(|key_name| state.is(key_name))
            })
            && s.hourly
                .is_none_or(|hourly| r.hourly_flag() == Some(hourly))
            && self
                .notes
                .as_ref()
                .is_none_or(|set| r.notes.as_deref().is_some_and(|notes| set.is_match(notes)))
    }
}

/// Whether the VLAN an object is on is the one a `vlan` selector names.
fn vlan_matches(selector: &VlanSelector, on: &VlanRef) -> bool {
    match selector {
        VlanSelector::Id(id) => on.id == *id,
        VlanSelector::Number { number, router } => {
            on.number == Some(*number)
                && on
                    .router
                    .as_deref()
                    .is_some_and(|have| have.eq_ignore_ascii_case(router))
        }
    }
}

/// An address selector matches one of the object's addresses; for an
/// object that is a network (a subnet) it matches when the network holds
/// the address (or lies in the range).
fn address_matches(pattern: &IpPattern, r: &Resource) -> bool {
    match r.network {
        Some(network) if r.kind.room().ip_selects_by_network() => match pattern {
            IpPattern::Addr(addr) => network.contains(*addr),
            IpPattern::Net(range) => range.prefix <= network.prefix && range.contains(network.addr),
        },
        _ => r.addresses.iter().any(|a| pattern.matches(*a)),
    }
}

/// Matches many selectors of one kind against many resources of that kind.
#[derive(Debug)]
pub struct SelectorIndex {
    selectors: Vec<CompiledSelector>,
    by_id: HashMap<u64, Vec<usize>>,
    by_addr: HashMap<IpAddr, Vec<usize>>,
    /// Selectors whose addresses need a containment test (ranges, subnets).
    by_range: Vec<usize>,
    names: GlobSet,
    /// For each glob in `names`, the selector it belongs to.
    name_owner: Vec<usize>,
    /// Selectors with nothing indexable: tested against every resource.
    scan: Vec<usize>,
}

impl SelectorIndex {
    /// Indexes `selectors` (in order; results refer to their positions).
    pub fn new(kind: Kind, selectors: &[&Selector], now: Timestamp) -> SelectorIndex {
        let mut index = SelectorIndex {
            selectors: selectors
                .iter()
                .map(|s| CompiledSelector::new(s, now))
                .collect(),
            by_id: HashMap::new(),
            by_addr: HashMap::new(),
            by_range: Vec::new(),
            names: GlobSet::empty(),
            name_owner: Vec::new(),
            scan: Vec::new(),
        };
        let mut globs = GlobSetBuilder::new();
        let by_network = kind.room().ip_selects_by_network();
        for (i, s) in selectors.iter().enumerate() {
            if !s.ids.is_empty() {
                for id in &s.ids {
                    index.by_id.entry(*id).or_default().push(i);
                }
            } else if !s.ips.is_empty() {
                let exact = !by_network && s.ips.iter().all(|p| matches!(p, IpPattern::Addr(_)));
                if exact {
                    for p in &s.ips {
                        if let IpPattern::Addr(a) = p {
                            index.by_addr.entry(*a).or_default().push(i);
                        }
                    }
                } else {
                    index.by_range.push(i);
                }
            } else if !s.names.is_empty() {
                for pattern in &s.names {
                    if let Ok(glob) = name_glob(pattern) {
                        globs.add(glob);
                        index.name_owner.push(i);
                    }
                }
            } else {
                index.scan.push(i);
            }
        }
        index.names = globs.build().unwrap_or_else(|_| GlobSet::empty());
        index
    }

    /// The positions of the selectors that would select `r` but for its
    /// creation date, which could not be read.
    pub fn undecided_by_age(&self, r: &Resource) -> Vec<usize> {
        if r.created.is_some() {
            return Vec::new();
        }
        (0..self.selectors.len())
            .filter(|&i| self.selectors[i].undecided_by_age(r))
            .collect()
    }

    /// The positions of the selectors that select `r`, ascending.
    pub fn select(&self, r: &Resource) -> Vec<usize> {
        let mut candidates: Vec<usize> = self.scan.clone();
        candidates.extend(self.by_range.iter().copied());
        if let Some(hits) = self.by_id.get(&r.id) {
            candidates.extend(hits);
        }
        for addr in &r.addresses {
            if let Some(hits) = self.by_addr.get(addr) {
                candidates.extend(hits);
            }
        }
        if !self.name_owner.is_empty() {
            for name in &r.match_names {
                candidates.extend(
                    self.names
                        .matches(name)
                        .into_iter()
                        .map(|g| self.name_owner[g]),
                );
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&i| self.selectors[i].matches(r));
        candidates
    }
}

/// A network for selectors and displays; `None` when `addr/prefix` is not one.
pub fn network(addr: IpAddr, prefix: u8) -> Option<IpNet> {
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some(IpNet { addr, prefix })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::model::PowerState;

    fn guest(id: u64, fqdn: &str, ip: &str, tags: &[&str], created: &str) -> Resource {
        let mut r = Resource::new(Kind::VirtualGuest, id);
        r.name = fqdn.to_string();
        r.match_names = vec![
            fqdn.split('.').next().unwrap().to_string(),
            fqdn.to_string(),
        ];
        r.addresses = vec![ip.parse().unwrap()];
        r.datacenter = Some("dal13".into());
        r.tags = tags.iter().map(ToString::to_string).collect();
        r.created = Some(created.parse().unwrap());
        r
    }

    fn now() -> Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    /// Keys combine with AND; list elements with OR.
    #[test]
    fn keys_and_lists() {
        let r = guest(
            1,
            "ci-runner-01.example.com",
            "10.0.0.5",
            &["ephemeral"],
            "2026-09-01T00:00:00Z",
        );
        let sel = Selector {
            names: vec!["CI-RUNNER-*".into()],
            tags: vec!["ephemeral".into()],
            datacenter: Some("dal13".into()),
            older_than: Some(std::time::Duration::from_secs(30 * 86400)),
            ..Selector::default()
        };
        assert!(CompiledSelector::new(&sel, now()).matches(&r));
        let sel = Selector {
            tags: vec!["ephemeral".into(), "other".into()],
            ..sel
        };
        assert!(!CompiledSelector::new(&sel, now()).matches(&r));
        let sel = Selector {
            ids: vec![2, 1],
            ..Selector::default()
        };
        assert!(CompiledSelector::new(&sel, now()).matches(&r));
    }

    /// Age selectors need a creation date older than the limit.
    #[test]
    fn age() {
        let young = guest(1, "a.x", "10.0.0.1", &[], "2026-11-20T00:00:00Z");
        let old = guest(2, "b.x", "10.0.0.2", &[], "2026-01-01T00:00:00Z");
        let sel = Selector {
            older_than: Some(std::time::Duration::from_secs(7 * 86400)),
            ..Selector::default()
        };
        let c = CompiledSelector::new(&sel, now());
        assert!(!c.matches(&young));
        assert!(c.matches(&old));
        let sel = Selector {
            created_before: Some(jiff::civil::date(2026, 2, 1)),
            ..Selector::default()
        };
        assert!(CompiledSelector::new(&sel, now()).matches(&old));
    }

    /// Subnets match an address they hold and a range they lie in.
    #[test]
    fn subnet_addresses() {
        let mut s = Resource::new(Kind::Subnet, 9);
        s.network = network("10.0.0.0".parse().unwrap(), 26);
        let holds = Selector {
            ips: vec![IpPattern::Addr("10.0.0.9".parse().unwrap())],
            ..Selector::default()
        };
        assert!(CompiledSelector::new(&holds, now()).matches(&s));
        let range = Selector {
            ips: vec![IpPattern::Net(
                network("10.0.0.0".parse().unwrap(), 16).unwrap(),
            )],
            ..Selector::default()
        };
        assert!(CompiledSelector::new(&range, now()).matches(&s));
        let narrower = Selector {
            ips: vec![IpPattern::Net(
                network("10.0.0.0".parse().unwrap(), 28).unwrap(),
            )],
            ..Selector::default()
        };
        assert!(!CompiledSelector::new(&narrower, now()).matches(&s));
    }

    /// `name_regex` matches whole names, `untagged`, `power_state`,
    /// `hourly`, `notes` and `vlan` the object's own facts; an object
    /// without a fact never matches a selector on it.
    #[test]
    fn property_keys() {
        let mut r = guest(
            1,
            "ci-runner-07.example.com",
            "10.0.0.5",
            &[],
            "2026-01-01T00:00:00Z",
        );
        r.power_state = Some("HALTED".into());
        r.hourly = Some(true);
        r.notes = Some("OPS-12\nretire after the migration".into());
        r.vlans = vec![VlanRef {
            id: 563310,
            number: Some(1234),
            router: Some("bcr01a.dal10".into()),
        }];
        let bare = guest(
            2,
            "web.example.com",
            "10.0.0.6",
            &["keep"],
            "2026-01-01T00:00:00Z",
        );
        let check = |sel: Selector, expected: [bool; 2]| {
            let c = CompiledSelector::new(&sel, now());
            assert_eq!([c.matches(&r), c.matches(&bare)], expected, "{sel:?}");
        };
        let regex = |p: &str| Selector {
            name_regexes: vec![p.into()],
            ..Selector::default()
        };
        check(regex(r"ci-runner-\d+"), [true, false]);
        check(regex(r"ci-runner-\d+\.example\.com"), [true, false]);
        check(regex("runner"), [false, false]);
        check(regex(".*"), [true, true]);
        let untagged = |u| Selector {
            untagged: Some(u),
            ..Selector::default()
        };
        check(untagged(true), [true, false]);
        check(untagged(false), [false, true]);
        let power = |p| Selector {
            power_state: Some(p),
            ..Selector::default()
        };
        check(power(PowerState::Halted), [true, false]);
        check(power(PowerState::Running), [false, false]);
        let hourly = |h| Selector {
            hourly: Some(h),
            ..Selector::default()
        };
        check(hourly(true), [true, false]);
        check(hourly(false), [false, false]);
        let notes = |n: &str| Selector {
            notes: vec![n.into()],
            ..Selector::default()
        };
        check(notes("*RETIRE*"), [true, false]);
        check(notes("ops-12*"), [true, false]);
        check(notes("*"), [true, false]);
        check(notes("retire*"), [false, false]);
        let vlan = |v| Selector {
            vlan: Some(v),
            ..Selector::default()
        };
        check(vlan(VlanSelector::Id(563310)), [true, false]);
        check(vlan(VlanSelector::Id(1)), [false, false]);
        check(
            vlan(VlanSelector::Number {
                number: 1234,
                router: "BCR01A.dal10".into(),
            }),
            [true, false],
        );
        check(
            vlan(VlanSelector::Number {
                number: 1234,
                router: "bcr02a.dal10".into(),
            }),
            [false, false],
        );
    }

    /// The index finds exactly what testing every selector would find.
    #[test]
    fn index_agrees_with_brute_force() {
        let resources: Vec<Resource> = (0..50)
            .map(|i| {
                guest(
                    i,
                    &format!(
                        "{}-{i}.example.com",
                        ["web", "db", "ci"][usize::try_from(i % 3).unwrap()]
                    ),
                    &format!("10.0.1.{i}"),
                    if i % 4 == 0 { &["keep"] } else { &[] },
                    "2025-01-01T00:00:00Z",
                )
            })
            .collect();
        let selectors = [
            Selector {
                ids: vec![3, 4, 99],
                ..Selector::default()
            },
            Selector {
                ips: vec![IpPattern::Addr("10.0.1.7".parse().unwrap())],
                ..Selector::default()
            },
            Selector {
                ips: vec![IpPattern::Net(
                    network("10.0.1.0".parse().unwrap(), 29).unwrap(),
                )],
                ..Selector::default()
            },
            Selector {
                names: vec!["db-*".into(), "*-1?.example.com".into()],
                ..Selector::default()
            },
            Selector {
                tags: vec!["keep".into()],
                ..Selector::default()
            },
            Selector {
                names: vec!["ci-*".into()],
                tags: vec!["keep".into()],
                ..Selector::default()
            },
            Selector {
                name_regexes: vec![r"(web|db)-\d*[02468]".into()],
                ..Selector::default()
            },
            Selector {
                names: vec!["*.example.com".into()],
                name_regexes: vec![r"ci-\d+\.example\.com".into()],
                untagged: Some(true),
                ..Selector::default()
            },
        ];
        let refs: Vec<&Selector> = selectors.iter().collect();
        let index = SelectorIndex::new(Kind::VirtualGuest, &refs, now());
        for r in &resources {
            let brute: Vec<usize> = selectors
                .iter()
                .enumerate()
                .filter(|(_, s)| CompiledSelector::new(s, now()).matches(r))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(index.select(r), brute, "resource {}", r.id);
        }
    }
}
