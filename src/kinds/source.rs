//! How a kind's objects are found: the list call, the mask that asks for
//! exactly the facts the planner uses, the filter paths that can narrow the
//! list on the server, and the reader that turns an object into a
//! [`Resource`]. The fetch engine (`resolve::fetch`) makes the calls.

use jiff::Timestamp;
use serde_json::Value;

use crate::resolve::resource::Resource;

/// Reads one object as the API returns it, at the time of the run; `None`
/// for an object that is not one of the kind's (no id, another type).
pub type ReadObject = fn(&Value, Timestamp) -> Option<Resource>;

/// One list call that yields objects of a kind.
#[derive(Debug)]
pub struct ListSource {
    /// The service whose `getObject` reads one of these objects by id.
    pub object_service: &'static str,
    pub service: &'static str,
    pub method: &'static str,
    /// The objectFilter root: the Account property name, or `None` when the
    /// service lists its own type (`getAllObjects`).
    pub root: Option<&'static str>,
    pub mask: &'static str,
    pub narrowing: Narrowing,
    pub read: ReadObject,
}

/// Filter paths (below the root, dotted) that narrow a list on the server.
/// The server is never trusted: every selector is checked again locally.
#[derive(Debug)]
pub struct Narrowing {
    /// Address properties; each needs its own list call (filters AND keys).
    pub addresses: &'static [&'static str],
    pub datacenter: Option<&'static str>,
    pub tags: bool,
    pub number: Option<&'static str>,
    pub network: Option<&'static str>,
    /// Never narrow: objects share billing items with siblings that must
    /// be seen too (dedicated VIPs). The paths above still say what the
    /// objects carry.
    pub whole: bool,
}

impl Narrowing {
    /// Only ids narrow; the objects carry no addresses, tags, place.
    pub const NONE: Narrowing = Narrowing {
        addresses: &[],
        datacenter: None,
        tags: false,
        number: None,
        network: None,
        whole: false,
    };
}

/// Where a kind's objects come from.
#[derive(Debug)]
pub enum Source {
    /// Listed with one or more masked, paginated list calls.
    Lists(&'static [ListSource]),
    /// Only looked up one by one (`SoftLayer_Billing_Item::getObject`).
    Lookup {
        service: &'static str,
        mask: &'static str,
        read: ReadObject,
    },
}
