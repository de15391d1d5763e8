//! Taking back a cancellation (softlayer-api-semantics.md §1.2, §1.3,
//! §2.3): `SoftLayer_Billing_Item::voidCancelService` for one item and
//! `SoftLayer_Billing_Item_Cancellation_Request::void` for a request.
//!
//! Only a pending cancellation (its date still ahead) can be voided. As
//! with cancelling, everything is checked before anything changes.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::cancel::api_cancellable;
use crate::dates::format_ts;
use crate::state::{ItemState, Kind, State, TICKET_CLOSED, request_item_ids};

/// An item with no cancellation date (two spaces, as documented).
pub(crate) const NOT_SET: &str =
    "Cannot void cancellation.  This billing item is not set to cancel.";
/// An item whose cancellation already took effect (the typo is the API's).
pub(crate) const EXPIRED: &str =
    "Cannot void cancellation.  The void cnacellation period has expired.";
/// An item whose cancellation the API does not take back.
pub(crate) const NOT_THROUGH_API: &str =
    "Cannot void cancellation for this service through the API.";
/// A virtual or bare metal server's item, as observed
/// (softlayer-api-php-client #22): its cancellation went through a ticket
/// that only sales can take back.
pub(crate) const SERVER: &str = "The ticket was closed automatically as the cancellation was approved and set to cancel on the anniversary date. Once more, in order to cancel these type of cancellations you would need to contact us or our sales team.";

/// The cancellation request status a void sets (the id is synthetic: the
/// reference names the status, not its id).
const VOIDED: (i64, &str, &str) = (5, "VOIDED", "Voided");

/// Checks that the pending cancellation of `item_id` may be voided.
fn check(st: &State, now: Timestamp, item_id: i64) -> Result<(), ApiError> {
    let item = st
        .billing
        .get(&item_id)
        .ok_or_else(|| ApiError::not_found(&item_id.to_string()))?;
    match item.state(now) {
        ItemState::Active => return Err(ApiError::public(NOT_SET)),
        ItemState::Cancelled => return Err(ApiError::public(EXPIRED)),
        ItemState::Pending => {}
    }
    let server = item
        .owner
        .is_some_and(|o| matches!(o.kind, Kind::Guest | Kind::Hardware))
        || matches!(
            item.str_field("categoryCode"),
            Some("server" | "guest_core")
        );
    if server {
        return Err(ApiError::public(SERVER));
    }
    // What the API cannot cancel it does not un-cancel either; a child
    // item's cancellation is its parent's, voided with the parent.
    let parent_pending = item
        .parent
        .and_then(|p| st.billing.get(&p))
        .is_some_and(|p| p.state(now) == ItemState::Pending);
    if !api_cancellable(item) || parent_pending {
        return Err(ApiError::public(NOT_THROUGH_API));
    }
    Ok(())
}

/// Clears a checked item's cancellation: the item and the descendants
/// cancelled with it (same date) are active again, and the resource it
/// bills for is no longer due to be reclaimed.
fn apply(st: &mut State, now: Timestamp, item_id: i64) {
    let Some(item) = st.billing.get(&item_id) else {
        return;
    };
    let date = item.fields.get("cancellationDate").cloned();
    let owner = item.owner;
    let modified = Value::from(format_ts(now));
    let mut stack = vec![item_id];
    while let Some(id) = stack.pop() {
        if let Some(it) = st.billing.get_mut(&id) {
            if it.fields.get("cancellationDate") == date.as_ref() {
                it.fields.remove("cancellationDate");
                it.fields.insert("modifyDate".into(), modified.clone());
            }
            stack.extend(it.children.iter().copied());
        }
    }
    if let Some(owner) = owner
        && let Some(res) = st.all_mut(owner.kind).get_mut(&owner.id)
    {
        res.reclaim_at = None;
    }
}

/// `voidCancelService`: takes back the item's pending cancellation.
pub(crate) fn void_item(st: &mut State, now: Timestamp, item_id: i64) -> Result<(), ApiError> {
    check(st, now, item_id)?;
    apply(st, now, item_id);
    Ok(())
}

/// The status name of a request: `status.name`, else `status.keyName`,
/// else what its `statusId` means to the emulator (4 = Approved).
fn status_name(request: &Map<String, Value>) -> String {
    let status = request.get("status");
    let named = status
        .and_then(|s| s.get("name").or_else(|| s.get("keyName")))
        .and_then(Value::as_str);
    match (named, request.get("statusId").and_then(Value::as_i64)) {
        (Some(name), _) => name.to_owned(),
        (None, Some(4)) => "Approved".into(),
        (None, Some(id)) if id == VOIDED.0 => VOIDED.2.into(),
        (None, _) => "Pending".into(),
    }
}

/// `SoftLayer_Billing_Item_Cancellation_Request::void(closeRelatedTicketFlag)`:
/// voids a Pending or Approved request: every item it still has pending
/// is taken back (items voided on their own since are skipped); with the
/// flag, the request's ticket is closed. Refused as a whole when an item
/// cannot be voided (its cancellation already took effect, it is a
/// server's, ...), with that item's error.
pub(crate) fn void_request(
    st: &mut State,
    now: Timestamp,
    request_id: i64,
    close_ticket: bool,
) -> Result<(), ApiError> {
    let request = st
        .requests
        .get(&request_id)
        .ok_or_else(|| ApiError::not_found(&request_id.to_string()))?;
    let status = status_name(request);
    if !(status.eq_ignore_ascii_case("pending") || status.eq_ignore_ascii_case("approved")) {
        // Synthetic text: the reference says only which states may be voided.
        return Err(ApiError::public(format!(
            "Cannot void cancellation request {request_id}: its status is {status}."
        )));
    }
    let ticket = request.get("ticketId").and_then(Value::as_i64);
    let mut pending = Vec::new();
    for item in request_item_ids(request) {
        if st
            .billing
            .get(&item)
            .is_some_and(|b| b.state(now) == ItemState::Active)
        {
            continue;
        }
        check(st, now, item)?;
        if !pending.contains(&item) {
            pending.push(item);
        }
    }
    for item in pending {
        apply(st, now, item);
    }
    let date = format_ts(now);
    if let Some(request) = st.requests.get_mut(&request_id) {
        request.insert("statusId".into(), Value::from(VOIDED.0));
        request.insert(
            "status".into(),
            json!({"id": VOIDED.0, "keyName": VOIDED.1, "name": VOIDED.2}),
        );
        request.insert("modifyDate".into(), Value::from(date.clone()));
    }
    if close_ticket && let Some(t) = ticket.and_then(|id| st.tickets.get_mut(&id)) {
        t.insert("statusId".into(), Value::from(TICKET_CLOSED));
        t.insert(
            "status".into(),
            json!({"id": TICKET_CLOSED, "name": "Closed"}),
        );
        t.insert("modifyDate".into(), Value::from(date));
    }
    Ok(())
}
