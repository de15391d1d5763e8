//! Objects as the API presents them: every property of every type, stored,
//! derived or computed, behind one lookup. Rendering (masks) and filtering
//! both read objects only through [`View::prop`].

use std::borrow::Cow;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::ip::ip_number;
use crate::state::{BillingItem, ItemState, Kind, Resource, State, TICKET_CLOSED};
use crate::types::{Card, PropDef, TypeDef, known, names};

/// The state as seen by one request: the account, the clock and the user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'s> {
    pub(crate) st: &'s State,
    pub(crate) now: Timestamp,
    /// `SoftLayer_User_Customer` of the caller.
    pub(crate) user: &'s Value,
}

/// An object of some SoftLayer type.
#[derive(Debug, Clone)]
pub(crate) enum Node<'s> {
    Account,
    Res(Kind, &'s Resource),
    Bill(&'s BillingItem),
    Ticket(&'s Map<String, Value>),
    Request(&'s Map<String, Value>),
    /// A nested object the world stores as JSON (or one the emulator
    /// computes), typed by the table.
    Json(&'static TypeDef, Cow<'s, Value>),
}

/// The value of one property.
#[derive(Debug, Clone)]
pub(crate) enum Prop<'s> {
    Missing,
    Scalar(Cow<'s, Value>),
    One(Node<'s>),
    Many(Vec<Node<'s>>),
}

impl Node<'_> {
    /// The object's actual type.
    pub(crate) fn type_def(&self) -> &'static TypeDef {
        match self {
            Node::Account => known(names::ACCOUNT),
            Node::Res(kind, _) => known(kind.type_name()),
            Node::Bill(b) => known(b.ty),
            Node::Ticket(_) => known(names::TICKET),
            Node::Request(_) => known(names::CANCEL_REQUEST),
            Node::Json(t, _) => t,
        }
    }
}

fn scalar(v: Option<&Value>) -> Prop<'_> {
    match v {
        Some(v) => Prop::Scalar(Cow::Borrowed(v)),
        None => Prop::Missing,
    }
}

fn owned<'s>(v: Value) -> Prop<'s> {
    Prop::Scalar(Cow::Owned(v))
}

/// A stored relational value of `rel` read from `v`.
fn stored<'s>(v: Cow<'s, Value>, target: &'static str, card: Card) -> Prop<'s> {
    match card {
        Card::Scalar(_) => match v {
            Cow::Borrowed(Value::Null) => Prop::Missing,
            Cow::Owned(Value::Null) => Prop::Missing,
            v => Prop::Scalar(v),
        },
        Card::One => {
            if v.is_object() {
                Prop::One(Node::Json(known(target), v))
            } else {
                Prop::Missing
            }
        }
        Card::Many => match v {
            Cow::Borrowed(Value::Array(items)) => Prop::Many(
                items
                    .iter()
                    .map(|i| Node::Json(known(target), Cow::Borrowed(i)))
                    .collect(),
            ),
            Cow::Owned(Value::Array(items)) => Prop::Many(
                items
                    .into_iter()
                    .map(|i| Node::Json(known(target), Cow::Owned(i)))
                    .collect(),
            ),
            _ => Prop::Missing,
        },
    }
}

impl<'s> View<'s> {
    /// The property `name` of `node`; Missing for unknown names.
    pub(crate) fn prop(&self, node: &Node<'s>, name: &str) -> Prop<'s> {
        let ty = node.type_def();
        if ty.open {
            return match node {
                Node::Json(_, Cow::Borrowed(v)) => scalar(v.get(name)),
                Node::Json(_, Cow::Owned(v)) => match v.get(name) {
                    Some(x) => owned(x.clone()),
                    None => Prop::Missing,
                },
                _ => Prop::Missing,
            };
        }
        let Some(def) = ty.prop(name) else {
            return Prop::Missing;
        };
        match node {
            Node::Account => self.account_prop(name),
            Node::Res(kind, r) => self.resource_prop(*kind, r, name, def),
            Node::Bill(b) => self.billing_prop(b, name, def),
            Node::Ticket(t) => self.ticket_prop(t, name, def),
            Node::Request(r) => self.request_prop(r, name, def),
            Node::Json(t, v) => self.json_prop(t, v, name, def),
        }
    }

    fn resources(&self, kind: Kind, keep: impl Fn(&Resource) -> bool) -> Prop<'s> {
        Prop::Many(
            self.st
                .visible(kind, self.now)
                .filter(|r| keep(r))
                .map(|r| Node::Res(kind, r))
                .collect(),
        )
    }

    fn account_prop(&self, name: &str) -> Prop<'s> {
        let st = self.st;
        match name {
            "virtualGuests" => self.resources(Kind::Guest, |_| true),
            "hourlyVirtualGuests" => self.resources(Kind::Guest, |r| {
                r.fields.get("hourlyBillingFlag").and_then(Value::as_bool) == Some(true)
            }),
            "monthlyVirtualGuests" => self.resources(Kind::Guest, |r| {
                r.fields.get("hourlyBillingFlag").and_then(Value::as_bool) != Some(true)
            }),
            "hardware" => self.resources(Kind::Hardware, |_| true),
            "networkStorage" => self.resources(Kind::Storage, |_| true),
            "iscsiNetworkStorage" => {
                self.resources(Kind::Storage, |r| r.str_field("nasType") == Some("ISCSI"))
            }
            "nasNetworkStorage" => {
                self.resources(Kind::Storage, |r| r.str_field("nasType") == Some("NAS"))
            }
            "subnets" => self.resources(Kind::Subnet, |_| true),
            "networkVlans" => self.resources(Kind::Vlan, |_| true),
            "globalIpRecords" => self.resources(Kind::GlobalIp, |_| true),
            "adcLoadBalancers" => self.resources(Kind::Adc, |_| true),
            "dedicatedHosts" => self.resources(Kind::Host, |_| true),
            "allTopLevelBillingItems" => Prop::Many(
                st.billing
                    .values()
                    .filter(|b| b.parent.is_none())
                    .map(Node::Bill)
                    .collect(),
            ),
            _ => scalar(st.account.get(name)),
        }
    }

    fn ids(&self, kind: Kind, ids: Option<&'s Vec<i64>>) -> Vec<Node<'s>> {
        ids.map(|ids| {
            ids.iter()
                .filter_map(|id| self.st.get(kind, *id, self.now))
                .map(|r| Node::Res(kind, r))
                .collect()
        })
        .unwrap_or_default()
    }

    fn one_res(&self, kind: Kind, id: Option<i64>) -> Prop<'s> {
        match id.and_then(|id| self.st.get(kind, id, self.now)) {
            Some(r) => Prop::One(Node::Res(kind, r)),
            None => Prop::Missing,
        }
    }

    /// Guests and servers with a primary or backend address in a subnet.
    fn subnet_members(&self, r: &'s Resource, want: Kind) -> Vec<Node<'s>> {
        let Some(network) = r.str_field("networkIdentifier") else {
            return Vec::new();
        };
        let cidr = r.fields.get("cidr").and_then(Value::as_u64).unwrap_or(32);
        let Some((first, last)) = crate::ip::range(network, u32::try_from(cidr).unwrap_or(128))
        else {
            return Vec::new();
        };
        let mut ids: Vec<i64> = self
            .st
            .in_range(first, last)
            .iter()
            .filter(|(_, k, _)| *k == want)
            .map(|(_, _, id)| *id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|id| self.st.get(want, id, self.now))
            .map(|r| Node::Res(want, r))
            .collect()
    }

    fn resource_prop(&self, kind: Kind, r: &'s Resource, name: &str, def: PropDef) -> Prop<'s> {
        let st = self.st;
        let index = &st.index;
        match (kind, name) {
            (Kind::Guest | Kind::Hardware, "fullyQualifiedDomainName") => {
                match (r.str_field("hostname"), r.str_field("domain")) {
                    (Some(h), Some(d)) => owned(Value::from(format!("{h}.{d}"))),
                    (Some(h), None) => owned(Value::from(h)),
                    _ => Prop::Missing,
                }
            }
            (Kind::Guest | Kind::Hardware, "hourlyBillingFlag") if !r.fields.contains_key(name) => {
                // The API always answers this flag; fall back to the
                // billing item's hourlyFlag, else monthly.
                let hourly = r
                    .billing
                    .and_then(|b| st.billing.get(&b))
                    .is_some_and(BillingItem::hourly);
                owned(Value::from(hourly))
            }
            // A taggable object without tags has an empty tag list.
            (_, "tagReferences") if !r.fields.contains_key(name) => Prop::Many(Vec::new()),
            (_, "billingItem") => match st.shown_billing(r, false, self.now) {
                Some(b) => Prop::One(Node::Bill(b)),
                None => Prop::Missing,
            },
            (Kind::Adc, "dedicatedBillingItem") => match st.shown_billing(r, true, self.now) {
                Some(b) => Prop::One(Node::Bill(b)),
                None => Prop::Missing,
            },
            (Kind::Guest | Kind::Hardware, "networkVlans") => {
                Prop::Many(self.ids(Kind::Vlan, Some(&r.vlans)))
            }
            (Kind::Guest, "dedicatedHost") => self.one_res(Kind::Host, r.host),
            (Kind::Hardware, "openCancellationTicket") => {
                match st
                    .open_cancellation_ticket(r.id)
                    .and_then(|id| st.tickets.get(&id))
                {
                    Some(t) => Prop::One(Node::Ticket(t)),
                    None => Prop::Missing,
                }
            }
            (Kind::Guest, "openCancellationTicket") => Prop::Missing,
            (Kind::Guest | Kind::Hardware, "activeTransactionCount") => {
                owned(Value::from(u8::from(
                    r.fields
                        .get("activeTransaction")
                        .is_some_and(Value::is_object),
                )))
            }
            (Kind::Subnet, "networkVlan") => self.one_res(Kind::Vlan, r.vlan),
            (Kind::Subnet, "virtualGuests") => Prop::Many(self.subnet_members(r, Kind::Guest)),
            (Kind::Subnet, "hardware") => Prop::Many(self.subnet_members(r, Kind::Hardware)),
            (Kind::Subnet, "virtualGuestCount") => {
                owned(Value::from(self.subnet_members(r, Kind::Guest).len()))
            }
            (Kind::Subnet, "hardwareCount") => {
                owned(Value::from(self.subnet_members(r, Kind::Hardware).len()))
            }
            (Kind::Subnet, "ipAddressCount") => scalar(r.fields.get("totalIpAddresses")),
            (Kind::Subnet, "globalIpRecord") => self.one_res(
                Kind::GlobalIp,
                index.global_ip_by_subnet.get(&r.id).copied(),
            ),
            (Kind::Vlan, "virtualGuests") => {
                Prop::Many(self.ids(Kind::Guest, index.vlan_guests.get(&r.id)))
            }
            (Kind::Vlan, "hardware") => {
                Prop::Many(self.ids(Kind::Hardware, index.vlan_hardware.get(&r.id)))
            }
            (Kind::Vlan, "subnets") => {
                Prop::Many(self.ids(Kind::Subnet, index.vlan_subnets.get(&r.id)))
            }
            (Kind::Vlan, "virtualGuestCount") => owned(Value::from(
                self.ids(Kind::Guest, index.vlan_guests.get(&r.id)).len(),
            )),
            (Kind::Vlan, "hardwareCount") => owned(Value::from(
                self.ids(Kind::Hardware, index.vlan_hardware.get(&r.id))
                    .len(),
            )),
            (Kind::Vlan, "subnetCount") => owned(Value::from(
                self.ids(Kind::Subnet, index.vlan_subnets.get(&r.id)).len(),
            )),
            (Kind::Vlan, "totalPrimaryIpAddressCount") => owned(Value::from(
                self.ids(Kind::Guest, index.vlan_guests.get(&r.id)).len()
                    + self
                        .ids(Kind::Hardware, index.vlan_hardware.get(&r.id))
                        .len(),
            )),
            (Kind::Vlan, "datacenter") if !r.fields.contains_key("datacenter") => {
                match r
                    .fields
                    .get("primaryRouter")
                    .and_then(|p| p.get("datacenter"))
                {
                    Some(dc) => Prop::One(Node::Json(known(names::LOCATION), Cow::Borrowed(dc))),
                    None => Prop::Missing,
                }
            }
            (Kind::Vlan, "fullyQualifiedName") if !r.fields.contains_key(name) => {
                let router = r
                    .fields
                    .get("primaryRouter")
                    .and_then(|p| p.get("hostname"))
                    .and_then(Value::as_str);
                match (router, r.fields.get("vlanNumber")) {
                    (Some(h), Some(n)) => owned(Value::from(format!("{h}.{n}"))),
                    _ => Prop::Missing,
                }
            }
            (Kind::Host, "guests") => {
                Prop::Many(self.ids(Kind::Guest, index.host_guests.get(&r.id)))
            }
            (Kind::Host, "guestCount") => owned(Value::from(
                self.ids(Kind::Guest, index.host_guests.get(&r.id)).len(),
            )),
            (Kind::Host, "allocationStatus") => Prop::One(Node::Json(
                known(names::HOST_ALLOCATION),
                Cow::Owned(self.allocation(r)),
            )),
            _ => match def {
                PropDef::Local(..) => scalar(r.fields.get(name)),
                PropDef::Rel(rel) => match r.fields.get(name) {
                    Some(v) => stored(Cow::Borrowed(v), rel.target, rel.card),
                    None => Prop::Missing,
                },
            },
        }
    }

    fn allocation(&self, host: &'s Resource) -> Value {
        let guests = self.ids(Kind::Guest, self.st.index.host_guests.get(&host.id));
        let sum = |field: &str| -> i64 {
            guests
                .iter()
                .filter_map(|g| match g {
                    Node::Res(_, r) => r.fields.get(field).and_then(Value::as_i64),
                    _ => None,
                })
                .sum()
        };
        let cap = |field: &str| host.fields.get(field).and_then(Value::as_i64).unwrap_or(0);
        let (cpu, mem, disk) = (cap("cpuCount"), cap("memoryCapacity"), cap("diskCapacity"));
        let cpu_used = sum("maxCpu");
        let mem_used = sum("maxMemory") / 1024;
        json!({
            "cpuCount": cpu, "cpuAllocated": cpu_used, "cpuAvailable": (cpu - cpu_used).max(0),
            "memoryCapacity": mem, "memoryAllocated": mem_used, "memoryAvailable": (mem - mem_used).max(0),
            "diskCapacity": disk, "diskAllocated": 0, "diskAvailable": disk,
        })
    }

    fn billing_prop(&self, b: &'s BillingItem, name: &str, def: PropDef) -> Prop<'s> {
        let st = self.st;
        match name {
            "parentId" => match b.parent {
                Some(p) => owned(Value::from(p)),
                None => Prop::Missing,
            },
            "resourceTableId" => match b.owner {
                Some(o) => owned(Value::from(o.id)),
                None => Prop::Missing,
            },
            "children" => Prop::Many(
                b.children
                    .iter()
                    .filter_map(|c| st.billing.get(c))
                    .map(Node::Bill)
                    .collect(),
            ),
            "activeChildren" | "nextInvoiceChildren" => Prop::Many(
                b.children
                    .iter()
                    .filter_map(|c| st.billing.get(c))
                    .filter(|c| c.state(self.now) != ItemState::Cancelled)
                    .map(Node::Bill)
                    .collect(),
            ),
            "parent" => match b.parent.and_then(|p| st.billing.get(&p)) {
                Some(p) => Prop::One(Node::Bill(p)),
                None => Prop::Missing,
            },
            "pendingCancellationFlag" => {
                owned(Value::from(b.state(self.now) == ItemState::Pending))
            }
            "cancellationRequests" => Prop::Many(
                st.index
                    .item_requests
                    .get(&b.id)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|id| st.requests.get(id))
                            .map(Node::Request)
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "activeCancellationItem" => {
                let found = st.index.item_requests.get(&b.id).and_then(|ids| {
                    ids.iter().rev().find_map(|id| {
                        st.requests
                            .get(id)?
                            .get("items")?
                            .as_array()?
                            .iter()
                            .find(|i| i.get("billingItemId").and_then(Value::as_i64) == Some(b.id))
                    })
                });
                match found {
                    Some(item) if b.state(self.now) == ItemState::Pending => Prop::One(Node::Json(
                        known(names::CANCEL_REQUEST_ITEM),
                        Cow::Borrowed(item),
                    )),
                    _ => Prop::Missing,
                }
            }
            "hourlyFlag" if !b.fields.contains_key("hourlyFlag") => owned(Value::from(false)),
            "category" if !b.fields.contains_key("category") => {
                match b.fields.get("categoryCode") {
                    Some(code) => Prop::One(Node::Json(
                        known(names::PRODUCT_CATEGORY),
                        Cow::Owned(json!({"categoryCode": code})),
                    )),
                    None => Prop::Missing,
                }
            }
            "nextInvoiceTotalRecurringAmount" => {
                let total = self.recurring_total(b);
                owned(Value::from((total * 10_000.0).round() / 10_000.0))
            }
            _ => match def {
                PropDef::Local(..) => scalar(b.fields.get(name)),
                PropDef::Rel(rel) => match b.fields.get(name) {
                    Some(v) => stored(Cow::Borrowed(v), rel.target, rel.card),
                    None => Prop::Missing,
                },
            },
        }
    }

    /// Own recurring fee plus that of every child not yet cancelled.
    fn recurring_total(&self, b: &BillingItem) -> f64 {
        let mut total = b.recurring_fee();
        for c in b.children.iter().filter_map(|c| self.st.billing.get(c)) {
            if c.state(self.now) != ItemState::Cancelled {
                total += self.recurring_total(c);
            }
        }
        total
    }

    fn ticket_prop(&self, t: &'s Map<String, Value>, name: &str, def: PropDef) -> Prop<'s> {
        match name {
            "status" if !t.contains_key("status") => {
                let id = t.get("statusId").and_then(Value::as_i64).unwrap_or(1001);
                let label = if id == TICKET_CLOSED {
                    "Closed"
                } else {
                    "Open"
                };
                Prop::One(Node::Json(
                    known(names::TICKET_STATUS),
                    Cow::Owned(json!({"id": id, "name": label})),
                ))
            }
            "updateCount" => owned(Value::from(
                t.get("updates")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len),
            )),
            "attachedHardware" => Prop::Many(
                crate::state::attached_hardware(t)
                    .into_iter()
                    .filter_map(|id| self.st.get(Kind::Hardware, id, self.now))
                    .map(|r| Node::Res(Kind::Hardware, r))
                    .collect(),
            ),
            _ => map_prop(t, name, def),
        }
    }

    fn request_prop(&self, r: &'s Map<String, Value>, name: &str, def: PropDef) -> Prop<'s> {
        match name {
            "itemCount" => owned(Value::from(
                r.get("items").and_then(Value::as_array).map_or(0, Vec::len),
            )),
            "ticket" => match r
                .get("ticketId")
                .and_then(Value::as_i64)
                .and_then(|id| self.st.tickets.get(&id))
            {
                Some(t) => Prop::One(Node::Ticket(t)),
                None => Prop::Missing,
            },
            _ => map_prop(r, name, def),
        }
    }

    fn json_prop(
        &self,
        ty: &'static TypeDef,
        v: &Cow<'s, Value>,
        name: &str,
        def: PropDef,
    ) -> Prop<'s> {
        let st = self.st;
        match (ty.name, name) {
            (names::IP_ADDRESS, "subnet" | "virtualGuest" | "hardware") => {
                let Some(ip) = v
                    .get("ipAddress")
                    .and_then(Value::as_str)
                    .and_then(ip_number)
                else {
                    return Prop::Missing;
                };
                match name {
                    "subnet" => self.one_res(Kind::Subnet, st.subnet_of(ip)),
                    "virtualGuest" => self.one_res(
                        Kind::Guest,
                        st.by_ip(ip)
                            .find(|(k, _)| *k == Kind::Guest)
                            .map(|(_, id)| id),
                    ),
                    _ => self.one_res(
                        Kind::Hardware,
                        st.by_ip(ip)
                            .find(|(k, _)| *k == Kind::Hardware)
                            .map(|(_, id)| id),
                    ),
                }
            }
            (names::IP_ADDRESS, "subnetId") if v.get("subnetId").is_none() => {
                match v
                    .get("ipAddress")
                    .and_then(Value::as_str)
                    .and_then(ip_number)
                    .and_then(|ip| st.subnet_of(ip))
                {
                    Some(id) => owned(Value::from(id)),
                    None => Prop::Missing,
                }
            }
            (names::CANCEL_REQUEST_ITEM, "billingItem") => match v
                .get("billingItemId")
                .and_then(Value::as_i64)
                .and_then(|id| st.billing.get(&id))
            {
                Some(b) => Prop::One(Node::Bill(b)),
                None => Prop::Missing,
            },
            _ => {
                let inner = match v {
                    Cow::Borrowed(v) => v.get(name).map(Cow::Borrowed),
                    Cow::Owned(v) => v.get(name).cloned().map(Cow::Owned),
                };
                let Some(inner) = inner else {
                    return Prop::Missing;
                };
                match def {
                    PropDef::Local(..) => Prop::Scalar(inner),
                    PropDef::Rel(rel) => stored(inner, rel.target, rel.card),
                }
            }
        }
    }
}

fn map_prop<'s>(m: &'s Map<String, Value>, name: &str, def: PropDef) -> Prop<'s> {
    match def {
        PropDef::Local(..) => scalar(m.get(name)),
        PropDef::Rel(rel) => match m.get(name) {
            Some(v) => stored(Cow::Borrowed(v), rel.target, rel.card),
            None => Prop::Missing,
        },
    }
}
