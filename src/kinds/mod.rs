//! One room per resource kind: everything a kind means lives in its file
//! (the manifest keys that apply to it, where its objects come from and how
//! they are read, its variants, its wave, its preconditions and refusals,
//! its cancel call, how apply knows it is done, what a snapshot stores).
//! The engines (`resolve`, `plan`, `apply`, `snapshot`) ask the kind's room
//! through [`ResourceKind`] and hold no per-kind branches.
//!
//! Adding a kind is one file plus one line in the `kinds!` list below;
//! `docs/architecture.md` walks through it.

mod billing;
mod billing_item;
mod cancel;
mod cdn;
mod dedicated_host;
mod global_ip;
mod hardware;
pub(crate) mod json;
mod load_balancer;
mod room;
mod source;
mod storage;
mod subnet;
mod variant;
mod virtual_guest;
mod vlan;
pub mod world;

use std::fmt;

pub(crate) use billing::{billing_item_mask, billing_of, read_billing_item};
pub use room::{ResourceKind, Standing, Unbilled, Wave};
pub use source::{ListSource, Narrowing, ReadObject, Source};
pub use variant::Variant;
pub use world::WorldList;

/// Declares the kinds and their rooms in one list: the enum (in plan order,
/// so the derived `Ord` is that order), [`Kind::ALL`] and the registry
/// [`room`]. Adding a kind is its room's file plus one line here.
macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident => $room:path, )*) => {
        /// The kinds of resource a manifest can retire, in the order plans
        /// list them: objects first, then what they sit on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $( $(#[$doc])* $variant, )*
        }

        impl Kind {
            /// Every kind, in plan order (the declaration order).
            pub const ALL: [Kind; [$( Kind::$variant ),*].len()] = [$( Kind::$variant ),*];
        }

        /// The room of each kind: the registry.
        pub fn room(kind: Kind) -> &'static dyn ResourceKind {
            match kind {
                $( Kind::$variant => &$room, )*
            }
        }
    };
}

kinds! {
    VirtualGuest => virtual_guest::VirtualGuest,
    Hardware => hardware::Hardware,
    Storage => storage::Storage,
    GlobalIp => global_ip::GlobalIp,
    LoadBalancer => load_balancer::LoadBalancer,
    Cdn => cdn::Cdn,
    BillingItem => billing_item::BillingItem,
    DedicatedHost => dedicated_host::DedicatedHost,
    Subnet => subnet::Subnet,
    Vlan => vlan::Vlan,
}

impl Kind {
    /// The name used in manifests and plans (`virtual_guest`, ...).
    pub fn as_str(self) -> &'static str {
        room(self).name()
    }

    /// Parses a manifest kind name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// This kind's room.
    pub fn room(self) -> &'static dyn ResourceKind {
        room(self)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind whose room owns billing items of `category` (a guest's
/// `guest_core`, a VLAN's `network_vlan`, ...), if any: such items are
/// retired through that kind, where protect rules and preconditions see
/// the object.
pub fn owner_of_billing_category(category: &str) -> Option<Kind> {
    Kind::ALL
        .into_iter()
        .find(|kind| room(*kind).owns_billing_category(category))
}

// Kinds travel in plans and fingerprints under their manifest names.
impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Kind, D::Error> {
        let name = <String as serde::Deserialize>::deserialize(deserializer)?;
        Kind::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown kind {name:?}")))
    }
}

impl schemars::JsonSchema for Kind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Kind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        schemars::json_schema!({
            "description": "The manifest kind of the resource.",
            "type": "string",
            "enum": names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ALL` lists every kind once, in declaration (`Ord`) order, and names round-trip.
    #[test]
    fn all_is_the_declaration_order() {
        let mut sorted = Kind::ALL;
        sorted.sort();
        assert_eq!(sorted, Kind::ALL);
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                room(kind).kind(),
                kind,
                "{kind}: the room names its own kind"
            );
        }
    }

    /// Waves never run against plan order: a kind's occupants come earlier.
    #[test]
    fn waves_follow_plan_order() {
        for pair in Kind::ALL.windows(2) {
            assert!(room(pair[0]).wave() <= room(pair[1]).wave(), "{pair:?}");
        }
    }

    /// Every billing category is owned by at most one kind.
    #[test]
    fn billing_categories_have_one_owner() {
        for category in [
            "guest_core",
            "server",
            "network_vlan",
            "global_ipv4",
            "dedicated_virtual_hosts",
            "storage_service_enterprise",
            "performance_storage_iscsi",
            "static_sec_ip_addresses",
            "dedicated_load_balancer",
            "software_license",
        ] {
            let owners: Vec<Kind> = Kind::ALL
                .into_iter()
                .filter(|k| room(*k).owns_billing_category(category))
                .collect();
            assert!(owners.len() <= 1, "{category}: {owners:?}");
        }
        assert_eq!(owner_of_billing_category("software_license"), None);
        assert_eq!(
            owner_of_billing_category("guest_core"),
            Some(Kind::VirtualGuest)
        );
    }
}
