//! Resolving manifest entries to live objects and their billing items.
//!
//! One file per kind says where its objects come from and how to read them
//! ([`source::ListSource`]); `fetch` chooses the calls, `select` matches
//! entries against what came back. Only `fetch` talks to the API.

pub mod billing_item;
mod cdn;
mod dedicated_host;
pub mod fetch;
mod global_ip;
mod hardware;
mod json;
pub mod load_balancer;
pub mod money;
pub mod resource;
pub mod select;
pub mod selection;
mod source;
mod storage;
mod subnet;
mod virtual_guest;
mod vlan;

use source::Source;

use crate::manifest::model::Kind;

/// Where the objects of `kind` come from.
fn source(kind: Kind) -> &'static Source {
    match kind {
        Kind::VirtualGuest => &virtual_guest::SOURCE,
        Kind::Hardware => &hardware::SOURCE,
        Kind::Storage => &storage::SOURCE,
        Kind::Subnet => &subnet::SOURCE,
        Kind::Vlan => &vlan::SOURCE,
        Kind::GlobalIp => &global_ip::SOURCE,
        Kind::LoadBalancer => &load_balancer::SOURCE,
        Kind::Cdn => &cdn::SOURCE,
        Kind::DedicatedHost => &dedicated_host::SOURCE,
        Kind::BillingItem => &billing_item::SOURCE,
    }
}
