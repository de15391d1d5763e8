//! Services and their methods: what each call does to the state and what it
//! returns. A call runs in two steps: `execute` checks and mutates (it needs
//! the state mutably) and names what to return; `respond` renders that with
//! the mask, filter and result limit (it only reads).

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::api_schema::{ApiSchema, Missing};
use crate::cancel::{self, Clock, Timing};
use crate::dates::format_ts;
use crate::filter;
use crate::ip::ip_number;
use crate::mask::{ObjectMask, SyntaxError};
use crate::metadata::{self, Fault, Schema};
use crate::node::{Node, Prop, View};
use crate::render::render;
use crate::state::{Kind, State};
use crate::types::{Card, PropDef, TypeDef, known, names};

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
enum Service {
    Account,
    Resource(Kind, &'static str),
    BillingItem,
    CancellationRequest,
    Ticket,
    /// `SoftLayer_Network_Pod`: known, not modelled (no pods).
    Pod,
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
        names::CDN => Service::Resource(Kind::Cdn, names::CDN),
        names::HOST => Service::Resource(Kind::Host, names::HOST),
        names::LBAAS => Service::Resource(Kind::Lbaas, names::LBAAS),
        "SoftLayer_Billing_Item" => Service::BillingItem,
        names::CANCEL_REQUEST => Service::CancellationRequest,
        "SoftLayer_Ticket" => Service::Ticket,
        names::POD => Service::Pod,
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
        }
    }
}

/// An object the reply is about, named so it can be found again after the
/// mutation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Account,
    Resource(Kind, i64),
    BillingItem(i64),
    Ticket(i64),
    Request(i64),
}

/// What a call returns, before rendering.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Value(Value),
    Object(Target),
    /// A relational property of an object (list, object or scalar).
    Relation(Target, &'static str),
    /// Every visible object of a kind (`getAllObjects`).
    AllOf(Kind),
    AllRequests,
    /// `SoftLayer_Account::getCurrentUser`: the caller.
    CurrentUser,
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

/// Runs a call: checks, mutates, renders.
///
/// The API's own metadata decides what exists: a service or method it
/// lacks gets the API's 404s, and the mask is checked against the type the
/// method returns (casts honoured). A method the API has but the emulator
/// does not implement is answered as such, never as "not a valid method".
pub(crate) fn dispatch(
    st: &mut State,
    clock: Clock,
    user: &Value,
    call: &Call,
) -> Result<Reply, ApiError> {
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
    let outcome = execute(st, clock, user, svc, call)?;
    let view = View {
        st,
        now: clock.now,
        user,
    };
    respond(&view, call, mask.as_ref(), &outcome)
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

fn numeric_id(call: &Call) -> Result<i64, ApiError> {
    let raw = call.id.as_deref().unwrap_or("");
    raw.parse::<i64>().map_err(|_| ApiError::not_found(raw))
}

fn param_str(call: &Call, i: usize) -> Option<&str> {
    call.params.get(i).and_then(Value::as_str)
}

fn param_bool(call: &Call, i: usize) -> bool {
    match call.params.get(i) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        Some(Value::String(s)) => matches!(s.as_str(), "1" | "true" | "True"),
        _ => false,
    }
}

fn resource_target(st: &State, clock: Clock, kind: Kind, call: &Call) -> Result<Target, ApiError> {
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

fn execute(
    st: &mut State,
    clock: Clock,
    user: &Value,
    svc: Service,
    call: &Call,
) -> Result<Outcome, ApiError> {
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
            let timing = match method {
                "cancelService" => Some(Timing::Immediate),
                "cancelServiceOnAnniversaryDate" => Some(Timing::Anniversary),
                "cancelItem" if param_bool(call, 0) => Some(Timing::ImmediateIfAllowed),
                "cancelItem" => Some(Timing::Anniversary),
                _ => None,
            };
            if let Some(timing) = timing {
                let associated = method == "cancelItem" && param_bool(call, 1);
                let planned = cancel::check(st, clock.now, id, timing, associated)?;
                cancel::apply(st, clock, &planned, param_str(call, 2), param_str(call, 3));
                return Ok(Outcome::Value(Value::Bool(true)));
            }
            match method {
                "voidCancelService" => {
                    cancel::void(st, clock.now, id)?;
                    Ok(Outcome::Value(Value::Bool(true)))
                }
                "getObject" => Ok(Outcome::Object(Target::BillingItem(id))),
                _ => relation(svc, Target::BillingItem(id), method),
            }
        }
        Service::CancellationRequest => match method {
            "createObject" => create_request(st, clock, user, call),
            "getAllCancellationRequests" => Ok(Outcome::AllRequests),
            "getObject" => {
                let id = numeric_id(call)?;
                if !st.requests.contains_key(&id) {
                    return Err(ApiError::not_found(&id.to_string()));
                }
                Ok(Outcome::Object(Target::Request(id)))
            }
            _ => {
                let id = numeric_id(call)?;
                if !st.requests.contains_key(&id) {
                    return Err(ApiError::not_found(&id.to_string()));
                }
                match method {
                    "void" => {
                        cancel::void_request(st, clock.now, id, param_bool(call, 0))?;
                        Ok(Outcome::Value(Value::Bool(true)))
                    }
                    _ => relation(svc, Target::Request(id), method),
                }
            }
        },
        // Pods are not modelled: the list is empty (slcli `vlan list` reads
        // it to flag pods announced for closure).
        Service::Pod => match method {
            "getAllObjects" => Ok(Outcome::Value(Value::Array(Vec::new()))),
            "getObject" => Err(ApiError::not_found(call.id.as_deref().unwrap_or(""))),
            _ => Err(ApiError::not_emulated(&call.service, method)),
        },
        Service::Ticket => match method {
            "createCancelServerTicket" => cancel_server_ticket(st, clock, call),
            _ => {
                let id = numeric_id(call)?;
                if !st.tickets.contains_key(&id) {
                    return Err(ApiError::not_found(&id.to_string()));
                }
                match method {
                    "getObject" => Ok(Outcome::Object(Target::Ticket(id))),
                    "addUpdate" => add_update(st, clock, id, call),
                    _ => relation(svc, Target::Ticket(id), method),
                }
            }
        },
    }
}

fn relation(svc: Service, target: Target, method: &str) -> Result<Outcome, ApiError> {
    match relation_of(known(svc.type_name()), method) {
        Some(rel) => Ok(Outcome::Relation(target, rel)),
        None => Err(ApiError::not_emulated(svc.type_name(), method)),
    }
}

fn resource_method(
    st: &mut State,
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
        (Kind::Lbaas, "getLoadBalancer" | "cancelLoadBalancer") => {
            let uuid = param_str(call, 0).unwrap_or("").to_owned();
            let id = st
                .index
                .lbaas_by_uuid
                .get(&uuid)
                .copied()
                .filter(|id| st.get(Kind::Lbaas, *id, clock.now).is_some())
                .ok_or_else(|| {
                    ApiError::lbaas_not_found(&format!("unique identifier of '{uuid}'"))
                })?;
            if method == "getLoadBalancer" {
                return Ok(Outcome::Object(Target::Resource(Kind::Lbaas, id)));
            }
            cancel_load_balancer(st, clock, id, &uuid)?;
            Ok(Outcome::Value(Value::Bool(true)))
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
                (Kind::Storage, "deleteObject") => {
                    // The emulator models no snapshots: every volume is
                    // refused, as the API refuses non-snapshot volumes.
                    Err(ApiError::plain(cancel::ONLY_SNAPSHOTS))
                }
                (Kind::Guest, "deleteObject") => {
                    delete_resource(st, clock, kind, id)?;
                    Ok(Outcome::Value(Value::Bool(true)))
                }
                (Kind::Host, "deleteObject") => {
                    let n = cancel::host_guest_count(st, id, clock.now);
                    if n > 0 {
                        return Err(ApiError::public(cancel::host_has_guests(n)));
                    }
                    delete_resource(st, clock, kind, id)?;
                    Ok(Outcome::Value(Value::Bool(true)))
                }
                _ => relation(svc, target, method),
            }
        }
    }
}

/// `deleteObject`: cancels the resource's billing item immediately.
fn delete_resource(st: &mut State, clock: Clock, kind: Kind, id: i64) -> Result<(), ApiError> {
    let item = st
        .get(kind, id, clock.now)
        .and_then(|r| r.billing)
        .ok_or_else(|| ApiError::public(cancel::ALREADY_CANCELLED))?;
    let planned = cancel::check(st, clock.now, item, Timing::Immediate, false)?;
    cancel::apply(st, clock, &planned, None, None);
    Ok(())
}

fn cancel_load_balancer(st: &mut State, clock: Clock, id: i64, uuid: &str) -> Result<(), ApiError> {
    let Some(lb) = st.all_mut(Kind::Lbaas).get_mut(&id) else {
        return Err(ApiError::lbaas_not_found(&format!(
            "unique identifier of '{uuid}'"
        )));
    };
    if lb.str_field("provisioningStatus") == Some("DELETE_PENDING") {
        return Err(ApiError::public(format!(
            "Load balancer {uuid} is in DELETE_PENDING state and cannot be cancelled again."
        )));
    }
    lb.fields
        .insert("provisioningStatus".into(), Value::from("DELETE_PENDING"));
    lb.fields
        .insert("modifyDate".into(), Value::from(format_ts(clock.now)));
    lb.reclaim_at = Some(
        clock
            .now
            .checked_add(clock.reclaim_after)
            .unwrap_or(clock.now),
    );
    Ok(())
}

/// `SoftLayer_Ticket::createCancelServerTicket(attachmentId, reason,
/// content, cancelAssociatedItems, attachmentType)`.
fn cancel_server_ticket(st: &mut State, clock: Clock, call: &Call) -> Result<Outcome, ApiError> {
    let hardware = match call.params.first() {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    };
    if hardware == 0 {
        return Err(ApiError::plain("Attachment id must be provided."));
    }
    let reason = param_str(call, 1).filter(|s| !s.trim().is_empty());
    let Some(reason) = reason else {
        return Err(ApiError::plain("Cancellation reason must be provided."));
    };
    let content = param_str(call, 2).filter(|s| !s.trim().is_empty());
    let Some(content) = content else {
        return Err(ApiError::plain(
            "Cancellation content description must be provided.",
        ));
    };
    let associated = param_bool(call, 3);
    if let Some(kind) = param_str(call, 4)
        && kind != "HARDWARE"
    {
        return Err(ApiError::plain(format!(
            "Invalid attachment type {kind}; only HARDWARE is supported."
        )));
    }
    let Some(server) = st.get(Kind::Hardware, hardware, clock.now) else {
        return Err(ApiError::not_found(&hardware.to_string()));
    };
    if let Some(t) = st.open_cancellation_ticket(hardware) {
        return Err(ApiError::plain(cancel::ticket_exists(t)));
    }
    let item = server
        .billing
        .ok_or_else(|| ApiError::public(cancel::ALREADY_CANCELLED))?;
    let planned = cancel::check(st, clock.now, item, Timing::Anniversary, associated)?;
    let ticket = cancel::apply(st, clock, &planned, Some(reason), Some(content));
    let ticket = match ticket {
        Some(t) => t,
        None => cancel::open_ticket(
            st,
            clock.now,
            "Server Cancellation Request",
            Some(hardware),
            content,
        ),
    };
    Ok(Outcome::Object(Target::Ticket(ticket)))
}

fn add_update(st: &mut State, clock: Clock, ticket: i64, call: &Call) -> Result<Outcome, ApiError> {
    let entry = call
        .params
        .first()
        .and_then(|p| p.get("entry"))
        .and_then(Value::as_str)
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| ApiError::plain("Ticket update entry must be provided."))?
        .to_owned();
    let id = st.next_update_id;
    st.next_update_id += 1;
    let date = format_ts(clock.now);
    let update = json!({"id": id, "entry": entry, "createDate": date, "ticketId": ticket, "editorType": "USER"});
    if let Some(t) = st.tickets.get_mut(&ticket) {
        t.insert("modifyDate".into(), Value::from(date));
        match t.get_mut("updates") {
            Some(Value::Array(list)) => list.push(update.clone()),
            _ => {
                t.insert("updates".into(), Value::Array(vec![update.clone()]));
            }
        }
    }
    Ok(Outcome::Value(Value::Array(vec![update])))
}

/// `SoftLayer_Billing_Item_Cancellation_Request::createObject(template)`.
fn create_request(
    st: &mut State,
    clock: Clock,
    user: &Value,
    call: &Call,
) -> Result<Outcome, ApiError> {
    let empty = || {
        ApiError::plain("A cancellation request should have at least one billing item to cancel.")
    };
    let template = call
        .params
        .first()
        .and_then(Value::as_object)
        .ok_or_else(empty)?;
    let items = template
        .get("items")
        .and_then(Value::as_array)
        .filter(|i| !i.is_empty())
        .ok_or_else(empty)?;
    let mut planned = Vec::new();
    for item in items {
        let Some(bid) = item.get("billingItemId").and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        }) else {
            return Err(ApiError::plain(
                "Billing item id must be provided for each item.",
            ));
        };
        let immediate = item
            .get("immediateCancellationFlag")
            .is_some_and(|v| v.as_bool() == Some(true) || v.as_i64() == Some(1));
        let timing = if immediate {
            Timing::ImmediateIfAllowed
        } else {
            Timing::Anniversary
        };
        planned.push((
            bid,
            immediate,
            cancel::check(st, clock.now, bid, timing, false)?,
        ));
    }
    let notes = template.get("notes").and_then(Value::as_str);
    let mut hardware = None;
    for (_, _, p) in &planned {
        cancel::apply(st, clock, p, Some("No longer needed"), notes);
    }
    for (bid, _, _) in &planned {
        if let Some(o) = st.billing.get(bid).and_then(|b| b.owner)
            && o.kind == Kind::Hardware
        {
            hardware = Some(o.id);
        }
    }
    let ticket = match hardware.and_then(|h| st.open_cancellation_ticket(h)) {
        Some(t) => t,
        None => cancel::open_ticket(
            st,
            clock.now,
            "Cancellation Request",
            None,
            notes.unwrap_or("Cancellation requested through the API."),
        ),
    };
    let id = st.next_request_id;
    st.next_request_id += 1;
    let date = format_ts(clock.now);
    let mut request_items = Vec::new();
    for (bid, immediate, _) in &planned {
        let item_id = st.next_request_item_id;
        st.next_request_item_id += 1;
        let scheduled = st
            .billing
            .get(bid)
            .and_then(|b| b.fields.get("cancellationDate").cloned());
        request_items.push(json!({
            "id": item_id,
            "billingItemId": bid,
            "cancellationRequestId": id,
            "immediateCancellationFlag": immediate,
            "scheduledCancellationDate": scheduled,
            "serviceReclaimStatusCode": if *immediate { "RECLAIM_PENDING" } else { "SCHEDULED" },
        }));
        st.index.item_requests.entry(*bid).or_default().push(id);
    }
    let mut request = Map::new();
    request.insert("id".into(), Value::from(id));
    request.insert("accountId".into(), Value::from(st.account_id()));
    request.insert("createDate".into(), Value::from(date.clone()));
    request.insert("modifyDate".into(), Value::from(date));
    if let Some(n) = notes {
        request.insert("notes".into(), Value::from(n));
    }
    request.insert("statusId".into(), Value::from(4));
    request.insert(
        "status".into(),
        json!({"id": 4, "keyName": "APPROVED", "name": "Approved"}),
    );
    request.insert("ticketId".into(), Value::from(ticket));
    request.insert("items".into(), Value::Array(request_items));
    let mut who = Map::new();
    for key in ["id", "username", "firstName", "lastName"] {
        if let Some(v) = user.get(key) {
            who.insert(key.into(), v.clone());
        }
    }
    request.insert("user".into(), Value::Object(who));
    st.requests.insert(id, request);
    Ok(Outcome::Object(Target::Request(id)))
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
        if let Some(ids) = filter::id_in(f) {
            // Lookups by id (apply's reads): skip the full match for every
            // resource the id condition rejects anyway.
            items.retain(|n| match n {
                Node::Res(_, r) => !filter::exact_id(r.id) || ids.contains(&r.id),
                _ => true,
            });
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
