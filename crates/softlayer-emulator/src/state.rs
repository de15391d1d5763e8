//! The account held in memory: resources by kind and id, every billing item
//! by id (nested ones included), tickets and cancellation requests, plus the
//! inverse-relation indexes derived once at load.
//!
//! Relations never change after load (the emulator creates no resources), so
//! the indexes are built once; what changes over time (an object being
//! reclaimed, an anniversary passing) is decided when reading, against the
//! clock.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::dates::parse_ts;
use crate::filter_index::FilterIndex;
use crate::ip::{ip_number, range};
use crate::types::names;

/// A kind of resource the world file lists at its top level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Guest,
    Hardware,
    Storage,
    Subnet,
    Vlan,
    GlobalIp,
    Adc,
    Lbaas,
    Cdn,
    Host,
}

impl Kind {
    /// Every kind, in world-file order.
    pub(crate) const ALL: [Kind; 10] = [
        Kind::Guest,
        Kind::Hardware,
        Kind::Storage,
        Kind::Subnet,
        Kind::Vlan,
        Kind::GlobalIp,
        Kind::Adc,
        Kind::Lbaas,
        Kind::Cdn,
        Kind::Host,
    ];

    /// The top-level key of the world file (the Account property name).
    pub(crate) fn world_key(self) -> &'static str {
        match self {
            Kind::Guest => "virtualGuests",
            Kind::Hardware => "hardware",
            Kind::Storage => "networkStorage",
            Kind::Subnet => "subnets",
            Kind::Vlan => "networkVlans",
            Kind::GlobalIp => "globalIpRecords",
            Kind::Adc => "adcLoadBalancers",
            Kind::Lbaas => "lbaasLoadBalancers",
            // Not an Account property: the CDN Marketplace mapping
            // service lists them (`listDomainMappings`).
            Kind::Cdn => "cdnDomainMappings",
            Kind::Host => "dedicatedHosts",
        }
    }

    /// The datatype objects of this kind actually have.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Kind::Guest => names::GUEST,
            Kind::Hardware => names::HARDWARE_SERVER,
            Kind::Storage => names::STORAGE,
            Kind::Subnet => names::SUBNET,
            Kind::Vlan => names::VLAN,
            Kind::GlobalIp => names::GLOBAL_IP,
            Kind::Adc => names::ADC,
            Kind::Lbaas => names::LBAAS,
            Kind::Cdn => names::CDN_MAPPING,
            Kind::Host => names::HOST,
        }
    }

    /// The datatype of this kind's `billingItem`.
    pub(crate) fn billing_type(self) -> &'static str {
        match self {
            Kind::Guest => names::BILLING_GUEST,
            Kind::Hardware => names::BILLING_HARDWARE,
            Kind::Host => names::BILLING_HOST,
            Kind::Subnet => names::BILLING_SUBNET,
            Kind::GlobalIp => names::BILLING_GLOBAL_IP,
            _ => names::BILLING_ITEM,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// One resource: its stored properties plus the relations written by id.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    /// The object's `id`; for CDN domain mappings, which have none (their
    /// key is the string `uniqueId`), their 1-based position in the world
    /// list, never shown.
    pub(crate) id: i64,
    /// Locals and stored relational properties, as written in the world.
    pub(crate) fields: Map<String, Value>,
    pub(crate) billing: Option<i64>,
    /// A legacy load balancer's `dedicatedBillingItem`.
    pub(crate) dedicated_billing: Option<i64>,
    /// Guests' and servers' `networkVlans`.
    pub(crate) vlans: Vec<i64>,
    /// A subnet's `networkVlan`.
    pub(crate) vlan: Option<i64>,
    /// A guest's `dedicatedHost`.
    pub(crate) host: Option<i64>,
    /// When the object disappears (set by an emulated cancellation).
    pub(crate) reclaim_at: Option<Timestamp>,
}

impl Resource {
    /// A stored string property.
    pub(crate) fn str_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// Whether the object still exists at `now`.
    pub(crate) fn visible(&self, now: Timestamp) -> bool {
        self.reclaim_at.is_none_or(|t| now < t)
    }
}

/// Which resource a billing item bills for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
    pub(crate) kind: Kind,
    pub(crate) id: i64,
    /// The item is a legacy load balancer's `dedicatedBillingItem`.
    pub(crate) dedicated: bool,
}

/// A billing item, indexed by id wherever it sits in the world file.
#[derive(Debug, Clone)]
pub(crate) struct BillingItem {
    pub(crate) id: i64,
    /// Locals and stored relational properties (`hourlyFlag`, `location`...).
    pub(crate) fields: Map<String, Value>,
    pub(crate) parent: Option<i64>,
    pub(crate) children: Vec<i64>,
    pub(crate) owner: Option<Owner>,
    /// The item's actual datatype (a subtype for guests, servers, ...).
    pub(crate) ty: &'static str,
}

/// Where a billing item stands at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemState {
    Active,
    /// Scheduled: a cancellation date in the future.
    Pending,
    /// Cancellation date reached.
    Cancelled,
}

impl BillingItem {
    /// The item's cancellation state at `now`.
    pub(crate) fn state(&self, now: Timestamp) -> ItemState {
        match self.cancellation_date() {
            None => ItemState::Active,
            Some(ts) if ts > now => ItemState::Pending,
            Some(_) => ItemState::Cancelled,
        }
    }

    /// The parsed `cancellationDate`, if set.
    pub(crate) fn cancellation_date(&self) -> Option<Timestamp> {
        self.fields
            .get("cancellationDate")
            .and_then(Value::as_str)
            .and_then(parse_ts)
    }

    /// A stored string property.
    pub(crate) fn str_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// `hourlyFlag` as stored (absent counts as monthly).
    pub(crate) fn hourly(&self) -> bool {
        self.fields.get("hourlyFlag").and_then(Value::as_bool) == Some(true)
    }

    /// The recurring fee as a number (0 when absent or unparsable).
    pub(crate) fn recurring_fee(&self) -> f64 {
        match self.fields.get("recurringFee") {
            Some(Value::String(s)) => s.trim().parse().unwrap_or(0.0),
            Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
            _ => 0.0,
        }
    }
}

/// A user of the account; the API key never leaves this struct.
#[derive(Clone)]
pub(crate) struct User {
    /// Everything but the API key.
    pub(crate) fields: Map<String, Value>,
    pub(crate) api_key: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("fields", &self.fields)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl User {
    /// The user's login name.
    pub(crate) fn username(&self) -> &str {
        self.fields
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// Inverse relations and lookups, derived once from the relations by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    pub(crate) vlan_guests: HashMap<i64, Vec<i64>>,
    pub(crate) vlan_hardware: HashMap<i64, Vec<i64>>,
    pub(crate) vlan_subnets: HashMap<i64, Vec<i64>>,
    pub(crate) host_guests: HashMap<i64, Vec<i64>>,
    /// Primary and backend addresses of guests and servers, sorted.
    pub(crate) ips: Vec<(u128, Kind, i64)>,
    /// Subnets by first address: (last address, subnet id).
    pub(crate) subnet_ranges: BTreeMap<u128, Vec<(u128, i64)>>,
    /// GLOBAL_IP subnet id -> global IP record id (same address).
    pub(crate) global_ip_by_subnet: HashMap<i64, i64>,
    /// Global IP record id -> its GLOBAL_IP subnet id.
    pub(crate) subnet_by_global_ip: HashMap<i64, i64>,
    /// Billing item id -> items whose `associatedBillingItemId` names it.
    pub(crate) associated: HashMap<i64, Vec<i64>>,
    /// Server id -> tickets attached to it.
    pub(crate) hardware_tickets: HashMap<i64, Vec<i64>>,
    /// Billing item id -> cancellation requests naming it.
    pub(crate) item_requests: HashMap<i64, Vec<i64>>,
    pub(crate) lbaas_by_uuid: HashMap<String, i64>,
    /// CDN domain mapping `uniqueId` -> its (internal) id.
    pub(crate) cdn_by_unique_id: HashMap<String, i64>,
    /// Objects by the values clients filter lists on.
    pub(crate) filters: FilterIndex,
}

/// The whole emulated account.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) account: Map<String, Value>,
    /// None when the world lists no users (any credentials accepted).
    pub(crate) users: Option<Vec<User>>,
    resources: [BTreeMap<i64, Resource>; 10],
    pub(crate) billing: BTreeMap<i64, BillingItem>,
    pub(crate) tickets: BTreeMap<i64, Map<String, Value>>,
    pub(crate) requests: BTreeMap<i64, Map<String, Value>>,
    pub(crate) index: Index,
    /// Kinds whose list the world file did not write (a snapshot taken of
    /// other kinds only): references to them are not checked, and the
    /// lists stay absent when the world is written back.
    pub(crate) unread: Vec<Kind>,
    /// The moment the world describes (its `clock`): an emulator serving it
    /// starts its clock there, so a hand-written or generated world does
    /// not age. None = real time.
    pub(crate) clock: Option<jiff::Timestamp>,
    /// Next ids handed out for created objects.
    pub(crate) next_ticket_id: i64,
    pub(crate) next_request_id: i64,
    pub(crate) next_request_item_id: i64,
    pub(crate) next_update_id: i64,
}

impl State {
    /// An empty account with the given `account` object.
    pub(crate) fn new(account: Map<String, Value>) -> State {
        State {
            account,
            users: None,
            resources: Default::default(),
            billing: BTreeMap::new(),
            tickets: BTreeMap::new(),
            requests: BTreeMap::new(),
            index: Index::default(),
            unread: Vec::new(),
            clock: None,
            next_ticket_id: 0,
            next_request_id: 0,
            next_request_item_id: 0,
            next_update_id: 0,
        }
    }

    /// The account id.
    pub(crate) fn account_id(&self) -> i64 {
        self.account.get("id").and_then(Value::as_i64).unwrap_or(0)
    }

    /// Every resource of a kind (visible or not), by id.
    pub(crate) fn all(&self, kind: Kind) -> &BTreeMap<i64, Resource> {
        &self.resources[kind.slot()]
    }

    /// Mutable access to a kind's resources.
    pub(crate) fn all_mut(&mut self, kind: Kind) -> &mut BTreeMap<i64, Resource> {
        &mut self.resources[kind.slot()]
    }

    /// A resource that still exists at `now`.
    pub(crate) fn get(&self, kind: Kind, id: i64, now: Timestamp) -> Option<&Resource> {
        self.all(kind).get(&id).filter(|r| r.visible(now))
    }

    /// Resources of a kind that exist at `now`, by id ascending.
    pub(crate) fn visible(&self, kind: Kind, now: Timestamp) -> impl Iterator<Item = &Resource> {
        self.all(kind).values().filter(move |r| r.visible(now))
    }

    /// The billing item a resource shows as `billingItem` (or
    /// `dedicatedBillingItem`): present and not yet cancelled.
    pub(crate) fn shown_billing(
        &self,
        res: &Resource,
        dedicated: bool,
        now: Timestamp,
    ) -> Option<&BillingItem> {
        let id = if dedicated {
            res.dedicated_billing
        } else {
            res.billing
        }?;
        self.billing
            .get(&id)
            .filter(|b| b.state(now) != ItemState::Cancelled)
    }

    /// Guests or servers whose primary or backend address equals `ip`.
    pub(crate) fn by_ip(&self, ip: u128) -> impl Iterator<Item = (Kind, i64)> + '_ {
        let start = self.index.ips.partition_point(|(n, _, _)| *n < ip);
        self.index.ips[start..]
            .iter()
            .take_while(move |(n, _, _)| *n == ip)
            .map(|(_, k, id)| (*k, *id))
    }

    /// Guests and servers with an address in `[first, last]`.
    pub(crate) fn in_range(&self, first: u128, last: u128) -> &[(u128, Kind, i64)] {
        let a = self.index.ips.partition_point(|(n, _, _)| *n < first);
        let b = self.index.ips.partition_point(|(n, _, _)| *n <= last);
        &self.index.ips[a..b]
    }

    /// The most specific subnet containing `ip`.
    pub(crate) fn subnet_of(&self, ip: u128) -> Option<i64> {
        // Nested subnets are rare; a short backwards walk finds the
        // innermost one that still contains the address.
        self.index
            .subnet_ranges
            .range(..=ip)
            .rev()
            .take(64)
            .flat_map(|(first, v)| v.iter().map(move |(last, id)| (*first, *last, *id)))
            .filter(|(_, last, _)| *last >= ip)
            .min_by_key(|(first, last, _)| last - first)
            .map(|(_, _, id)| id)
    }

    /// Open cancellation tickets attached to a server, oldest first.
    pub(crate) fn open_cancellation_ticket(&self, hardware_id: i64) -> Option<i64> {
        self.index
            .hardware_tickets
            .get(&hardware_id)?
            .iter()
            .copied()
            .find(|id| {
                self.tickets
                    .get(id)
                    .is_some_and(is_open_cancellation_ticket)
            })
    }

    /// Builds every derived index from the loaded data.
    pub(crate) fn build_index(&mut self) {
        let mut index = Index::default();
        for res in self.all(Kind::Guest).values() {
            for v in &res.vlans {
                index.vlan_guests.entry(*v).or_default().push(res.id);
            }
            if let Some(h) = res.host {
                index.host_guests.entry(h).or_default().push(res.id);
            }
        }
        for res in self.all(Kind::Hardware).values() {
            for v in &res.vlans {
                index.vlan_hardware.entry(*v).or_default().push(res.id);
            }
        }
        for res in self.all(Kind::Subnet).values() {
            if let Some(v) = res.vlan {
                index.vlan_subnets.entry(v).or_default().push(res.id);
            }
        }
        for kind in [Kind::Guest, Kind::Hardware] {
            for res in self.all(kind).values() {
                for field in ["primaryIpAddress", "primaryBackendIpAddress"] {
                    if let Some(n) = res.str_field(field).and_then(ip_number) {
                        index.ips.push((n, kind, res.id));
                    }
                }
            }
        }
        index.ips.sort_unstable();
        index.ips.dedup();
        let mut global_by_ip: HashMap<u128, i64> = HashMap::new();
        for rec in self.all(Kind::GlobalIp).values() {
            let ip = rec
                .fields
                .get("ipAddress")
                .and_then(|v| v.get("ipAddress"))
                .and_then(Value::as_str)
                .and_then(ip_number);
            if let Some(ip) = ip {
                global_by_ip.entry(ip).or_insert(rec.id);
            }
        }
        for res in self.all(Kind::Subnet).values() {
            let Some(network) = res.str_field("networkIdentifier") else {
                continue;
            };
            let cidr = res.fields.get("cidr").and_then(Value::as_u64).unwrap_or(32);
            if let Some((first, last)) = range(network, u32::try_from(cidr).unwrap_or(128)) {
                index
                    .subnet_ranges
                    .entry(first)
                    .or_default()
                    .push((last, res.id));
            }
            if res.str_field("subnetType") == Some("GLOBAL_IP")
                && let Some(rec) = ip_number(network).and_then(|n| global_by_ip.get(&n))
            {
                index.global_ip_by_subnet.insert(res.id, *rec);
                index.subnet_by_global_ip.insert(*rec, res.id);
            }
        }
        for item in self.billing.values() {
            if let Some(assoc) = item
                .fields
                .get("associatedBillingItemId")
                .and_then(Value::as_str)
                .and_then(|s| s.trim().parse::<i64>().ok())
            {
                index.associated.entry(assoc).or_default().push(item.id);
            }
        }
        for (id, ticket) in &self.tickets {
            for hw in attached_hardware(ticket) {
                index.hardware_tickets.entry(hw).or_default().push(*id);
            }
        }
        for (id, request) in &self.requests {
            for item in request_item_ids(request) {
                index.item_requests.entry(item).or_default().push(*id);
            }
        }
        for res in self.all(Kind::Lbaas).values() {
            if let Some(uuid) = res.str_field("uuid") {
                index.lbaas_by_uuid.insert(uuid.to_owned(), res.id);
            }
        }
        for res in self.all(Kind::Cdn).values() {
            if let Some(unique) = res.str_field("uniqueId") {
                index.cdn_by_unique_id.insert(unique.to_owned(), res.id);
            }
        }
        self.index = index;
        // Read through the object model, so after the relations above.
        self.index.filters = FilterIndex::build(self);
    }

    /// Sets the next-id counters above every id in use.
    pub(crate) fn init_counters(&mut self) {
        let max_key = |m: &BTreeMap<i64, Map<String, Value>>| m.keys().next_back().copied();
        self.next_ticket_id = max_key(&self.tickets).map_or(150_000_001, |m| m + 1);
        self.next_request_id = max_key(&self.requests).map_or(20_000_001, |m| m + 1);
        let mut max_item = 30_000_000;
        for r in self.requests.values() {
            if let Some(items) = r.get("items").and_then(Value::as_array) {
                for it in items {
                    max_item = max_item.max(it.get("id").and_then(Value::as_i64).unwrap_or(0));
                }
            }
        }
        self.next_request_item_id = max_item + 1;
        let mut max_update = 40_000_000;
        for t in self.tickets.values() {
            if let Some(ups) = t.get("updates").and_then(Value::as_array) {
                for u in ups {
                    max_update = max_update.max(u.get("id").and_then(Value::as_i64).unwrap_or(0));
                }
            }
        }
        self.next_update_id = max_update + 1;
    }
}

/// Server ids a ticket is attached to (`attachedHardware: [{"id": N}]`).
pub(crate) fn attached_hardware(ticket: &Map<String, Value>) -> Vec<i64> {
    ticket
        .get("attachedHardware")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.get("id").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default()
}

/// Billing item ids a cancellation request names.
pub(crate) fn request_item_ids(request: &Map<String, Value>) -> Vec<i64> {
    request
        .get("items")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.get("billingItemId").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default()
}

/// Ticket status id of a closed ticket.
pub(crate) const TICKET_CLOSED: i64 = 1002;

/// A ticket counts as a server's open cancellation ticket when it is not
/// closed (`statusId` 1002 or a `status` named "Closed") and its title
/// speaks of cancellation (the emulator's own tickets are titled "Server
/// Cancellation Request"). Closed tickets never block a new cancellation:
/// SLDN's createCancelServerTicket refuses only "if an open cancellation
/// ticket already exists".
pub(crate) fn is_open_cancellation_ticket(ticket: &Map<String, Value>) -> bool {
    let closed_name = ticket
        .get("status")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .is_some_and(|n| n.eq_ignore_ascii_case("closed"));
    let open =
        ticket.get("statusId").and_then(Value::as_i64) != Some(TICKET_CLOSED) && !closed_name;
    let title = ticket
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    open && title.contains("cancel")
}
