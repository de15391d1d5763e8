//! The calls that change the state ([`crate::services::is_mutating`]):
//! cancelling, voiding, tickets and their updates, cancellation requests,
//! deleting. Everything else only reads (`services::execute_read`), so the
//! server runs those side by side and these one at a time.

use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::cancel::{self, Clock, Timing};
use crate::dates::format_ts;
use crate::services::{
    Call, Outcome, Service, Target, cdn_by_unique_id, existing_request, existing_ticket,
    lbaas_by_uuid, numeric_id, param_bool, param_str, resource_target,
};
use crate::state::{Kind, State};
use crate::void;

/// Runs the call when it is a write of `svc`; `None` when it is not (a
/// read, or a mutating method name this service does not have).
pub(crate) fn execute(
    st: &mut State,
    clock: Clock,
    user: &Value,
    svc: Service,
    call: &Call,
) -> Option<Result<Outcome, ApiError>> {
    let method = call.method.as_str();
    let done = || Ok(Outcome::Value(Value::Bool(true)));
    Some(match (svc, method) {
        (
            Service::BillingItem,
            "cancelService" | "cancelServiceOnAnniversaryDate" | "cancelItem" | "voidCancelService",
        ) => billing_item(st, clock, call),
        (Service::CancellationRequest, "createObject") => create_request(st, clock, user, call),
        (Service::CancellationRequest, "void") => existing_request(st, call)
            .and_then(|id| void::void_request(st, clock.now, id, param_bool(call, 0)))
            .and_then(|()| done()),
        (Service::Ticket, "createCancelServerTicket") => cancel_server_ticket(st, clock, call),
        (Service::Ticket, "addUpdate") => {
            existing_ticket(st, call).and_then(|id| add_update(st, clock, id, call))
        }
        (Service::Resource(Kind::Lbaas, _), "cancelLoadBalancer") => lbaas_by_uuid(st, clock, call)
            .and_then(|(id, uuid)| cancel_load_balancer(st, clock, id, &uuid))
            .and_then(|()| done()),
        (
            Service::Resource(kind @ (Kind::Guest | Kind::Host | Kind::Storage), _),
            "deleteObject",
        ) => delete_object(st, clock, kind, call).and_then(|()| done()),
        (Service::Cdn, "deleteDomainMapping") => delete_domain_mapping(st, clock, call),
        _ => return None,
    })
}

/// `cancelService`, `cancelServiceOnAnniversaryDate`, `cancelItem(immediate,
/// associated, reason, note)` and `voidCancelService` on a billing item.
fn billing_item(st: &mut State, clock: Clock, call: &Call) -> Result<Outcome, ApiError> {
    let id = numeric_id(call)?;
    if !st.billing.contains_key(&id) {
        return Err(ApiError::not_found(&id.to_string()));
    }
    let timing = match call.method.as_str() {
        "cancelService" => Timing::Immediate,
        "cancelServiceOnAnniversaryDate" => Timing::Anniversary,
        "cancelItem" if param_bool(call, 0) => Timing::ImmediateIfAllowed,
        "cancelItem" => Timing::Anniversary,
        _ => {
            void::void_item(st, clock.now, id)?;
            return Ok(Outcome::Value(Value::Bool(true)));
        }
    };
    let associated = call.method == "cancelItem" && param_bool(call, 1);
    let planned = cancel::check(st, clock.now, id, timing, associated)?;
    cancel::apply(st, clock, &planned, param_str(call, 2), param_str(call, 3));
    Ok(Outcome::Value(Value::Bool(true)))
}

/// `deleteObject` on a guest or dedicated host (cancels now); on a volume
/// always refused.
fn delete_object(st: &mut State, clock: Clock, kind: Kind, call: &Call) -> Result<(), ApiError> {
    let Target::Resource(_, id) = resource_target(st, clock, kind, call)? else {
        return Err(ApiError::not_found(""));
    };
    match kind {
        // The emulator models no snapshots: every volume is refused, as the
        // API refuses non-snapshot volumes.
        Kind::Storage => Err(ApiError::plain(cancel::ONLY_SNAPSHOTS)),
        Kind::Host => {
            let n = cancel::host_guest_count(st, id, clock.now);
            if n > 0 {
                return Err(ApiError::public(cancel::host_has_guests(n)));
            }
            delete_resource(st, clock, kind, id)
        }
        _ => delete_resource(st, clock, kind, id),
    }
}

/// `deleteDomainMapping(uniqueId)`: the mapping goes DELETING and is gone
/// once the reclaim delay has passed.
fn delete_domain_mapping(st: &mut State, clock: Clock, call: &Call) -> Result<Outcome, ApiError> {
    let (id, unique) = cdn_by_unique_id(st, clock, call)?;
    let Some(mapping) = st.all_mut(Kind::Cdn).get_mut(&id) else {
        return Err(ApiError::cdn_not_found(&unique));
    };
    if mapping.str_field("status") == Some(cancel::CDN_DELETING) {
        return Err(ApiError::public(cancel::cdn_deleting(&unique)));
    }
    // As softlayer-python's fixture shows: the answer is the mapping, now
    // DELETING.
    mapping
        .fields
        .insert("status".into(), Value::from(cancel::CDN_DELETING));
    mapping
        .fields
        .insert("modifyDate".into(), Value::from(format_ts(clock.now)));
    mapping.reclaim_at = Some(
        clock
            .now
            .checked_add(clock.reclaim_after)
            .unwrap_or(clock.now),
    );
    Ok(Outcome::ListOne {
        kind: Kind::Cdn,
        id,
        even_gone: true,
    })
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
