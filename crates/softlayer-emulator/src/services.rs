//! Services and their methods: what each call does to the state and what it
//! returns. A call runs in two steps: `execute` checks and mutates (it needs
//! the state mutably) and names what to return; `respond` renders that with
//! the mask, filter and result limit (it only reads).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::api_error::ApiError;
use crate::api_schema::{ApiSchema, Missing};
use crate::cancel::{self, Clock};
use crate::filter;
use crate::ip::ip_number;
use crate::mask::{ObjectMask, SyntaxError};
use crate::metadata::{self, Fault, Schema};
use crate::node::{Node, Prop, View};
use crate::render::render;
use crate::state::{Kind, State};
use crate::types::{Card, PropDef, TypeDef, known, names};
use crate::writes;

/// One API call, decoded from the wire.
#[derive(Debug, Clone, Default)]
pub(crate) struct Call {
    pub(crate) service: String,
    pub(crate) id: Option<String>,
    pub(crate) method: String,
    pub(crate) params: Vec<Value>,
    pub(crate) mask: Option<String>,
    pub(crate) filter: Option<Value>,
    /// `resultLimit`: offset and limit (None = to the end).
    pub(crate) limit: Option<(usize, Option<usize>)>,
}

/// What the API answers on success.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) body: Value,
    /// `SoftLayer-Total-Items` for list results.
    pub(crate) total: Option<usize>,
}

/// A service the emulator implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Account,
    Resource(Kind, &'static str),
    BillingItem,
    CancellationRequest,
    Ticket,
    /// `SoftLayer_Network_Pod`: known, not modelled (no pods).
    Pod,
    /// `SoftLayer_Network_CdnMarketplace_Configuration_Mapping`: CDN domain
    /// mappings, keyed by their string `uniqueId`.
    Cdn,
}

fn service(name: &str) -> Option<Service> {
    Some(match name {
        "SoftLayer_Account" => Service::Account,
        "SoftLayer_Virtual_Guest" => Service::Resource(Kind::Guest, names::GUEST),
        "SoftLayer_Hardware_Server" => Service::Resource(Kind::Hardware, names::HARDWARE_SERVER),
        "SoftLayer_Hardware" => Service::Resource(Kind::Hardware, names::HARDWARE),
        "SoftLayer_Network_Storage" => Service::Resource(Kind::Storage, names::STORAGE),
        "SoftLayer_Network_Subnet" => Service::Resource(Kind::Subnet, names::SUBNET),
        "SoftLayer_Network_Vlan" => Service::Resource(Kind::Vlan, names::VLAN),
        names::GLOBAL_IP => Service::Resource(Kind::GlobalIp, names::GLOBAL_IP),
        names::ADC => Service::Resource(Kind::Adc, names::ADC),
        names::HOST => Service::Resource(Kind::Host, names::HOST),
        names::LBAAS => Service::Resource(Kind::Lbaas, names::LBAAS),
        "SoftLayer_Billing_Item" => Service::BillingItem,
        names::CANCEL_REQUEST => Service::CancellationRequest,
        "SoftLayer_Ticket" => Service::Ticket,
        names::POD => Service::Pod,
        names::CDN_SERVICE => Service::Cdn,
        _ => return None,
    })
}

impl Service {
    fn type_name(self) -> &'static str {
        match self {
            Service::Account => names::ACCOUNT,
            Service::Resource(_, t) => t,
            Service::BillingItem => names::BILLING_ITEM,
            Service::CancellationRequest => names::CANCEL_REQUEST,
            Service::Ticket => names::TICKET,
            Service::Pod => names::POD,
            Service::Cdn => names::CDN_MAPPING,
        }
    }
}

/// An object the reply is about, named so it can be found again after the
/// mutation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Account,
    Resource(Kind, i64),
    BillingItem(i64),
    Ticket(i64),
    Request(i64),
}

/// What a call returns, before rendering.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Value(Value),
    Object(Target),
    /// A relational property of an object (list, object or scalar).
    Relation(Target, &'static str),
    /// Every visible object of a kind (`getAllObjects`).
    AllOf(Kind),
    AllRequests,
    /// `SoftLayer_Account::getCurrentUser`: the caller.
    CurrentUser,
    /// A list of one resource (`listDomainMappingByUniqueId`); with
    /// `even_gone`, also once it is reclaimed (`deleteDomainMapping`
    /// answers with the mapping it deleted).
    ListOne {
        kind: Kind,
        id: i64,
        even_gone: bool,
    },
}

/// Methods that change state (subject to the lost-response fault).
pub(crate) fn is_mutating(method: &str) -> bool {
    matches!(
        method,
        "cancelService"
            | "cancelServiceOnAnniversaryDate"
            | "cancelItem"
            | "voidCancelService"
            | "void"
            | "createObject"
            | "deleteObject"
            | "editObject"
            | "createCancelServerTicket"
            | "addUpdate"
            | "cancelLoadBalancer"
            | "deleteDomainMapping"
    )
}

/// The relational property a `get<Property>` method reads, if any.
fn relation_of(ty: &'static TypeDef, method: &str) -> Option<&'static str> {
    let rest = method.strip_prefix("get")?;
    let mut chars = rest.chars();
    let first = chars.next()?;
    let name = format!("{}{}", first.to_ascii_lowercase(), chars.as_str());
    match ty.prop(&name) {
        Some(PropDef::Rel(rel)) => Some(rel.name),
        _ => None,
    }
}

/// Runs a call: checks, mutates (the calls [`is_mutating`] names), renders.
pub(crate) fn dispatch(
    st: &mut State,
    clock: Clock,
    user: &Value,
    call: &Call,
) -> Result<Reply, ApiError> {
    let (svc, mask) = prepare(st, call)?;
    let outcome = match writes::execute(st, clock, user, svc, call) {
        Some(outcome) => outcome?,
        None => execute_read(st, clock, svc, call)?,
    };
    let view = View {
        st,
        now: clock.now,
        user,
    };
    respond(&view, call, mask.as_ref(), &outcome)
}

/// Runs a call that does not change the state (not [`is_mutating`]), so
/// calls like it can run side by side.
pub(crate) fn dispatch_read(
    st: &State,
    clock: Clock,
    user: &Value,
    call: &Call,
) -> Result<Reply, ApiError> {
    let (svc, mask) = prepare(st, call)?;
    let outcome = execute_read(st, clock, svc, call)?;
    let view = View {
        st,
        now: clock.now,
        user,
    };
    respond(&view, call, mask.as_ref(), &outcome)
}

/// What both dispatches check first: the service and method the call
/// names, and its mask.
///
/// The API's own metadata decides what exists ([`ApiSchema`]): a service
/// or method it lacks gets the API's 404s, and the mask is checked against
/// the type the method returns (casts honoured). A method the API has but
/// the emulator does not implement is answered as such, never as "not a
/// valid method".
fn prepare(st: &State, call: &Call) -> Result<(Service, Option<ObjectMask>), ApiError> {
    let schema = ApiSchema::of(st);
    let returns = match schema.method(&call.service, &call.method) {
        Ok(m) => m.returns,
        Err(Missing::Service) => return Err(ApiError::no_service()),
        Err(Missing::Method) => return Err(ApiError::no_method(&call.method)),
    };
    let svc = service(&call.service)
        .ok_or_else(|| ApiError::not_emulated(&call.service, &call.method))?;
    let mask = match &call.mask {
        Some(text) if !text.trim().is_empty() && schema.type_exists(returns) => {
            Some(object_mask(&schema, text, returns)?)
        }
        _ => None,
    };
    Ok((svc, mask))
}

/// Parses a mask and checks it against `returns` as the API does: the
/// first property the (cast) type lacks is a 500 ObjectMask error.
fn object_mask(schema: &ApiSchema, text: &str, returns: &str) -> Result<ObjectMask, ApiError> {
    let mask = ObjectMask::parse(text).map_err(|e| match e {
        SyntaxError::Parser(message) => ApiError::parser(message),
        SyntaxError::TooLarge(message) => ApiError::too_large(message),
    })?;
    // Only what the API is known to refuse is refused. Its answers to a
    // cast to an unrelated type and to sub-properties of a scalar are not
    // known: such items match no object, or are ignored, here (the checker
    // of slretire's requests still reports both).
    let first = metadata::check_mask(schema, &mask, returns)
        .into_iter()
        .find_map(|p| match p.fault {
            Fault::UnknownProperty { property, on } => {
                Some(format!("Property '{property}' not valid for '{on}'."))
            }
            // Synthetic text: the real one is not documented.
            Fault::UnknownType { name } => Some(format!("Type '{name}' not valid in object mask.")),
            Fault::UnrelatedCast { .. } | Fault::NotAnObject { .. } => None,
        });
    match first {
        None => Ok(mask),
        Some(message) => Err(ApiError::object_mask(message)),
    }
}

pub(crate) fn numeric_id(call: &Call) -> Result<i64, ApiError> {
    let raw = call.id.as_deref().unwrap_or("");
    raw.parse::<i64>().map_err(|_| ApiError::not_found(raw))
}

pub(crate) fn param_str(call: &Call, i: usize) -> Option<&str> {
    call.params.get(i).and_then(Value::as_str)
}

pub(crate) fn param_bool(call: &Call, i: usize) -> bool {
    match call.params.get(i) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        Some(Value::String(s)) => matches!(s.as_str(), "1" | "true" | "True"),
        _ => false,
    }
}

pub(crate) fn resource_target(
    st: &State,
    clock: Clock,
    kind: Kind,
    call: &Call,
) -> Result<Target, ApiError> {
    let raw = call.id.as_deref().unwrap_or("");
    let found = raw
        .parse::<i64>()
        .ok()
        .filter(|id| st.get(kind, *id, clock.now).is_some());
    match found {
        Some(id) => Ok(Target::Resource(kind, id)),
        None if kind == Kind::Lbaas => Err(ApiError::lbaas_not_found(&format!("id of '{raw}'"))),
        None => Err(ApiError::not_found(raw)),
    }
}

/// The calls that only read: everything but [`crate::writes::execute`]'s.
fn execute_read(st: &State, clock: Clock, svc: Service, call: &Call) -> Result<Outcome, ApiError> {
    let method = call.method.as_str();
    match svc {
        Service::Account => match method {
            "getObject" => Ok(Outcome::Object(Target::Account)),
            // A method, not a property of the account.
            "getCurrentUser" => Ok(Outcome::CurrentUser),
            _ => relation(svc, Target::Account, method),
        },
        Service::Resource(kind, _) => resource_method(st, clock, kind, svc, call),
        Service::BillingItem => {
            let id = numeric_id(call)?;
            if !st.billing.contains_key(&id) {
                return Err(ApiError::not_found(&id.to_string()));
            }
            match method {
                "getObject" => Ok(Outcome::Object(Target::BillingItem(id))),
                _ => relation(svc, Target::BillingItem(id), method),
            }
        }
        Service::CancellationRequest => {
            if method == "getAllCancellationRequests" {
                Ok(Outcome::AllRequests)
            } else {
                let id = existing_request(st, call)?;
                match method {
                    "getObject" => Ok(Outcome::Object(Target::Request(id))),
                    _ => relation(svc, Target::Request(id), method),
                }
            }
        }
        // Pods are not modelled: the list is empty (slcli `vlan list` reads
        // it to flag pods announced for closure).
        Service::Pod => match method {
            "getAllObjects" => Ok(Outcome::Value(Value::Array(Vec::new()))),
            "getObject" => Err(ApiError::not_found(call.id.as_deref().unwrap_or(""))),
            _ => Err(ApiError::not_emulated(&call.service, method)),
        },
        Service::Cdn => cdn_method(st, clock, call),
        Service::Ticket => {
            let id = existing_ticket(st, call)?;
            match method {
                "getObject" => Ok(Outcome::Object(Target::Ticket(id))),
                _ => relation(svc, Target::Ticket(id), method),
            }
        }
    }
}

/// The id of an existing cancellation request the call names.
pub(crate) fn existing_request(st: &State, call: &Call) -> Result<i64, ApiError> {
    let id = numeric_id(call)?;
    if !st.requests.contains_key(&id) {
        return Err(ApiError::not_found(&id.to_string()));
    }
    Ok(id)
}

/// The id of an existing ticket the call names.
pub(crate) fn existing_ticket(st: &State, call: &Call) -> Result<i64, ApiError> {
    let id = numeric_id(call)?;
    if !st.tickets.contains_key(&id) {
        return Err(ApiError::not_found(&id.to_string()));
    }
    Ok(id)
}

fn relation(svc: Service, target: Target, method: &str) -> Result<Outcome, ApiError> {
    match relation_of(known(svc.type_name()), method) {
        Some(rel) => Ok(Outcome::Relation(target, rel)),
        None => Err(ApiError::not_emulated(svc.type_name(), method)),
    }
}

fn resource_method(
    st: &State,
    clock: Clock,
    kind: Kind,
    svc: Service,
    call: &Call,
) -> Result<Outcome, ApiError> {
    let method = call.method.as_str();
    match (kind, method) {
        (Kind::Guest | Kind::Hardware, "findByIpAddress") => {
            let ip = call
                .params
                .first()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .unwrap_or_default();
            let Some(number) = ip_number(&ip) else {
                return Err(ApiError::plain(format!(
                    "Invalid IP address of {ip} defined."
                )));
            };
            let found = st
                .by_ip(number)
                .filter(|(k, _)| *k == kind)
                .find(|(_, id)| st.get(kind, *id, clock.now).is_some());
            Ok(match found {
                Some((_, id)) => Outcome::Object(Target::Resource(kind, id)),
                None => Outcome::Value(Value::Null),
            })
        }
        // PTR records are not modelled: none (slcli `vs detail` reads them).
        (Kind::Guest | Kind::Hardware, "getReverseDomainRecords") => {
            resource_target(st, clock, kind, call)?;
            Ok(Outcome::Value(Value::Array(Vec::new())))
        }
        (Kind::Lbaas, "getAllObjects") => Ok(Outcome::AllOf(Kind::Lbaas)),
        (Kind::Lbaas, "getLoadBalancer") => {
            let (id, _) = lbaas_by_uuid(st, clock, call)?;
            Ok(Outcome::Object(Target::Resource(Kind::Lbaas, id)))
        }
        _ => {
            let target = resource_target(st, clock, kind, call)?;
            let Target::Resource(_, id) = target else {
                return Err(ApiError::not_found(""));
            };
            match (kind, method) {
                (_, "getObject") => Ok(Outcome::Object(target)),
                (Kind::Vlan, "getCancelFailureReasons") => Ok(Outcome::Value(Value::from(
                    cancel::vlan_failure_reasons(st, id, clock.now),
                ))),
                _ => relation(svc, target, method),
            }
        }
    }
}

/// The load balancer with the call's `uuid` (first parameter): its id and
/// the uuid.
pub(crate) fn lbaas_by_uuid(
    st: &State,
    clock: Clock,
    call: &Call,
) -> Result<(i64, String), ApiError> {
    let uuid = param_str(call, 0).unwrap_or("").to_owned();
    let id = st
        .index
        .lbaas_by_uuid
        .get(&uuid)
        .copied()
        .filter(|id| st.get(Kind::Lbaas, *id, clock.now).is_some())
        .ok_or_else(|| ApiError::lbaas_not_found(&format!("unique identifier of '{uuid}'")))?;
    Ok((id, uuid))
}

/// The CDN Marketplace mapping service's reads: list domain mappings, look
/// one up by its `uniqueId`.
fn cdn_method(st: &State, clock: Clock, call: &Call) -> Result<Outcome, ApiError> {
    match call.method.as_str() {
        "listDomainMappings" => Ok(Outcome::AllOf(Kind::Cdn)),
        "listDomainMappingByUniqueId" => {
            let (id, _) = cdn_by_unique_id(st, clock, call)?;
            Ok(Outcome::ListOne {
                kind: Kind::Cdn,
                id,
                even_gone: false,
            })
        }
        // The rest of the service (create, update, verify, ...) is not
        // modelled.
        other => Err(ApiError::not_emulated(&call.service, other)),
    }
}

/// The visible CDN mapping with the call's `uniqueId` (first parameter):
/// its id and the uniqueId.
pub(crate) fn cdn_by_unique_id(
    st: &State,
    clock: Clock,
    call: &Call,
) -> Result<(i64, String), ApiError> {
    let unique = match call.params.first() {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let id = st
        .index
        .cdn_by_unique_id
        .get(&unique)
        .copied()
        .filter(|id| st.get(Kind::Cdn, *id, clock.now).is_some())
        .ok_or_else(|| ApiError::cdn_not_found(&unique))?;
    Ok((id, unique))
}

fn node<'s>(view: &View<'s>, target: Target) -> Option<Node<'s>> {
    let st = view.st;
    Some(match target {
        Target::Account => Node::Account,
        Target::Resource(kind, id) => Node::Res(kind, st.get(kind, id, view.now)?),
        Target::BillingItem(id) => Node::Bill(st.billing.get(&id)?),
        Target::Ticket(id) => Node::Ticket(st.tickets.get(&id)?),
        Target::Request(id) => Node::Request(st.requests.get(&id)?),
    })
}

fn respond(
    view: &View<'_>,
    call: &Call,
    mask: Option<&ObjectMask>,
    outcome: &Outcome,
) -> Result<Reply, ApiError> {
    let levels: Vec<&crate::mask::Mask> = mask.map(|m| &m.root).into_iter().collect();
    let one = |n: &Node<'_>| render(view, n, &levels, None);
    match outcome {
        Outcome::Value(v) => Ok(Reply {
            body: v.clone(),
            total: v.as_array().map(Vec::len),
        }),
        Outcome::CurrentUser => Ok(Reply {
            body: one(&Node::Json(known(names::USER), Cow::Borrowed(view.user))),
            total: None,
        }),
        Outcome::Object(t) => {
            let n = node(view, *t)
                .ok_or_else(|| ApiError::not_found(&call.id.clone().unwrap_or_default()))?;
            Ok(Reply {
                body: one(&n),
                total: None,
            })
        }
        Outcome::Relation(t, rel) => {
            let n = node(view, *t)
                .ok_or_else(|| ApiError::not_found(&call.id.clone().unwrap_or_default()))?;
            let many = matches!(
                n.type_def().prop(rel),
                Some(PropDef::Rel(r)) if r.card == Card::Many
            );
            match view.prop(&n, rel) {
                // An empty list relation is an empty list, not null.
                Prop::Missing if many => Ok(list(view, Vec::new(), Some(rel), call, mask, false)),
                Prop::Missing => Ok(Reply {
                    body: Value::Null,
                    total: None,
                }),
                Prop::Scalar(v) => Ok(Reply {
                    body: v.into_owned(),
                    total: None,
                }),
                Prop::One(child) => Ok(Reply {
                    body: one(&child),
                    total: None,
                }),
                Prop::Many(items) => Ok(list(view, items, Some(rel), call, mask, false)),
            }
        }
        Outcome::AllOf(kind) => {
            let items = view
                .st
                .visible(*kind, view.now)
                .map(|r| Node::Res(*kind, r))
                .collect();
            Ok(list(view, items, None, call, mask, false))
        }
        Outcome::AllRequests => {
            let items = view.st.requests.values().map(Node::Request).collect();
            Ok(list(view, items, None, call, mask, true))
        }
        Outcome::ListOne {
            kind,
            id,
            even_gone,
        } => {
            let found = if *even_gone {
                view.st.all(*kind).get(id)
            } else {
                view.st.get(*kind, *id, view.now)
            };
            let body = found
                .map(|r| one(&Node::Res(*kind, r)))
                .into_iter()
                .collect();
            Ok(Reply {
                body: Value::Array(body),
                total: Some(1),
            })
        }
    }
}

/// Filters, orders, pages and renders a list; `root` is the filter key of
/// the list (the property name), None when the filter starts at the
/// datatype itself (`getAllObjects`).
fn list(
    view: &View<'_>,
    mut items: Vec<Node<'_>>,
    root: Option<&str>,
    call: &Call,
    mask: Option<&ObjectMask>,
    latest_25: bool,
) -> Reply {
    let filter = call.filter.as_ref().and_then(|f| match root {
        Some(key) => f.get(key).and_then(Value::as_object),
        None => f.as_object(),
    });
    if let Some(f) = filter {
        // Lookups by id, address, name, tag, datacenter, VLAN number: only
        // the objects the index names for those values can match; the full
        // match below still decides (filter_index.rs).
        let kind = match items.first() {
            Some(Node::Res(kind, _)) => Some(*kind),
            _ => None,
        };
        let candidates = kind.and_then(|k| view.st.index.filters.candidates(k, f));
        if let Some(ids) = candidates {
            items.retain(|n| matches!(n, Node::Res(_, r) if ids.contains(&r.id)));
        }
        if !filter::orders_only(f) {
            items.retain(|n| filter::matches(view, n, f));
        }
        filter::sort(view, &mut items, &filter::order_bys(f));
    }
    let total = items.len();
    let (offset, limit) = match call.limit {
        Some(l) => l,
        // Without resultLimit this method returns only the latest 25.
        None if latest_25 => (total.saturating_sub(25), None),
        None => (0, None),
    };
    let end = limit.map_or(total, |l| offset.saturating_add(l).min(total));
    let page = if offset < end {
        &items[offset..end]
    } else {
        &[]
    };
    let levels: Vec<&crate::mask::Mask> = mask.map(|m| &m.root).into_iter().collect();
    let filtered = if mask.is_some_and(|m| m.filtered) {
        filter.map(|f| f as &Map<String, Value>)
    } else {
        None
    };
    let filtered_value = filtered.map(|f| Value::Object(f.clone()));
    let body = page
        .iter()
        .map(|n| render(view, n, &levels, filtered_value.as_ref()))
        .collect();
    Reply {
        body: Value::Array(body),
        total: Some(total),
    }
}
