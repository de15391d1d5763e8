//! Which keys exist where, and which selector keys apply to which kind.
//! The one table the reader, the did-you-mean hints and the JSON Schema all
//! use, so they cannot disagree.

use super::model::Kind;

/// Keys of a manifest file.
pub(crate) const TOP_KEYS: &[&str] = &[
    "version", "account", "defaults", "protect", "limits", "retire",
];

/// Keys of `defaults`.
pub(crate) const DEFAULT_KEYS: &[&str] = &["when", "via", "reason", "note"];

/// Keys of `limits`.
pub(crate) const LIMIT_KEYS: &[&str] = &["max_resources", "max_monthly_fee"];

/// Keys of a `protect` rule: `kind`, every selector key, and `tag` (the
/// older spelling of `tags`).
pub(crate) const PROTECT_KEYS: &[&str] = &[
    "kind",
    "id",
    "ip",
    "name",
    "name_regex",
    "cidr",
    "number",
    "router",
    "vlan",
    "datacenter",
    "tag",
    "tags",
    "untagged",
    "older_than",
    "created_before",
    "power_state",
    "hourly",
    "notes",
];

/// Selector keys of a `retire` entry (and of its `exclude`), in
/// documentation order.
pub(crate) const SELECTOR_KEYS: &[&str] = &[
    "id",
    "ip",
    "name",
    "name_regex",
    "cidr",
    "number",
    "router",
    "vlan",
    "datacenter",
    "tags",
    "untagged",
    "older_than",
    "created_before",
    "power_state",
    "hourly",
    "notes",
];

/// The key of an entry that holds selector keys whose matches leave the
/// entry's selection. It applies to every kind.
pub(crate) const EXCLUDE_KEY: &str = "exclude";

/// Option keys of a `retire` entry (how and when to cancel).
pub(crate) const OPTION_KEYS: &[&str] = &["expect", "when", "via", "reason", "note"];

/// Every key a `retire` entry may have for some kind.
pub(crate) fn entry_keys() -> impl Iterator<Item = &'static str> {
    std::iter::once("kind")
        .chain(SELECTOR_KEYS.iter().copied())
        .chain(std::iter::once(EXCLUDE_KEY))
        .chain(OPTION_KEYS.iter().copied())
}

/// The selector keys that apply to `kind` (its room says).
pub(crate) fn selector_keys(kind: Kind) -> &'static [&'static str] {
    kind.room().selector_keys()
}

/// The option keys that apply to `kind` (its room says).
pub(crate) fn option_keys(kind: Kind) -> &'static [&'static str] {
    kind.room().option_keys()
}

/// Whether entry key `key` applies to `kind`.
pub(crate) fn applies(key: &str, kind: Kind) -> bool {
    key == "kind"
        || key == EXCLUDE_KEY
        || selector_keys(kind).contains(&key)
        || option_keys(kind).contains(&key)
}

/// Every key an entry of `kind` may have, in documentation order.
pub(crate) fn keys_for(kind: Kind) -> Vec<&'static str> {
    entry_keys().filter(|k| applies(k, kind)).collect()
}

/// The entry key a `protect` rule key corresponds to (`tag` checks `tags`).
pub(crate) fn protect_key_as_entry_key(key: &str) -> &str {
    if key == "tag" { "tags" } else { key }
}

/// Why `key` does not apply to `kind`, in words, when there is more to say
/// than the list of keys that do.
pub(crate) fn why_not(key: &str, kind: Kind) -> Option<&'static str> {
    match key {
        "via" => Some(
            "only hardware can be cancelled through a cancel-server ticket \
             (SoftLayer_Ticket::createCancelServerTicket)",
        ),
        _ => kind.room().why_not(key).or(match key {
            "cidr" => Some("`cidr` selects subnets; use `ip` for addresses"),
            "number" | "router" => {
                Some("`number` and `router` select VLANs; `vlan` selects the objects on one")
            }
            "name_regex" => Some("`name_regex` applies where `name` does"),
            "power_state" => Some("`power_state` is read for virtual guests only"),
            "vlan" => Some("`vlan` selects servers, virtual guests and subnets on a VLAN"),
            "untagged" => Some("`untagged` applies where `tags` does"),
            _ => None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every per-kind key is a known entry key, and every selector key applies to some kind.
    #[test]
    fn per_kind_keys_are_entry_keys() {
        let all: Vec<&str> = entry_keys().collect();
        for kind in Kind::ALL {
            for key in selector_keys(kind).iter().chain(option_keys(kind)) {
                assert!(all.contains(key), "{key} for {kind}");
            }
        }
        for key in SELECTOR_KEYS {
            assert!(
                Kind::ALL.iter().any(|k| selector_keys(*k).contains(key)),
                "{key}"
            );
        }
    }

    /// Every protect key maps to an entry key, so applicability can be
    /// checked, and protect rules take every selector key entries take.
    #[test]
    fn protect_keys_map_to_entry_keys() {
        let all: Vec<&str> = entry_keys().collect();
        for key in PROTECT_KEYS {
            assert!(all.contains(&protect_key_as_entry_key(key)), "{key}");
        }
        for key in SELECTOR_KEYS {
            assert!(PROTECT_KEYS.contains(key), "{key}");
        }
    }

    /// `name_regex` applies exactly where `name` does, `untagged` where `tags` does.
    #[test]
    fn companion_keys() {
        for kind in Kind::ALL {
            let keys = selector_keys(kind);
            assert_eq!(
                keys.contains(&"name"),
                keys.contains(&"name_regex"),
                "{kind}"
            );
            assert_eq!(keys.contains(&"tags"), keys.contains(&"untagged"), "{kind}");
        }
    }
}
