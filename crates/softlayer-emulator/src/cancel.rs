//! Cancellation rules (softlayer-api-semantics.md §1.2, §1.3, §3.1, §4, §8):
//! when a billing item may be cancelled, when the cancellation takes effect,
//! what goes with it, and what happens to the resource it bills for.
//!
//! Every cancel is checked completely before anything changes, so a refused
//! call leaves the state untouched.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::dates::{add_months, format_ts, parse_ts};
use crate::state::{BillingItem, ItemState, Kind, Resource, State};

/// When a cancellation should take effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timing {
    /// `cancelService`, `deleteObject`: now; refused for bare metal server
    /// items, which go through `cancelItem` or a ticket.
    Immediate,
    /// `cancelItem(true, ...)`: now, falling back to the anniversary for
    /// monthly bare metal.
    ImmediateIfAllowed,
    /// `cancelItem(false, ...)`, `cancelServiceOnAnniversaryDate`, server
    /// tickets: the item's next bill date.
    Anniversary,
}

/// The clock and reclaim delay of one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub(crate) now: Timestamp,
    pub(crate) reclaim_after: SignedDuration,
}

/// A checked cancellation, ready to apply.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    item: i64,
    when: Timestamp,
    associated: bool,
}

/// Text for a second cancellation of the same item.
pub(crate) const ALREADY_CANCELLED: &str = "Unable to cancel: billing item is already cancelled.";
/// Text for items that only a ticket can cancel (two spaces, as documented).
pub(crate) const NOT_THROUGH_API: &str = "This type of service cannot be cancelled through the API.  Please submit a cancellation ticket";
/// `SoftLayer_Network_Storage::deleteObject` on anything but a snapshot.
pub(crate) const ONLY_SNAPSHOTS: &str = "Only snapshots may be deleted with this method.";
const VLAN_PREFIX: &str = "This cancellation could not be processed please contact support.This cancellation could not be processed please contact support. Unable to cancel VLAN. Reasons: ";

/// A CDN domain mapping's `status` once `deleteDomainMapping` ran
/// (softlayer-python's fixture).
pub(crate) const CDN_DELETING: &str = "DELETING";

/// The text for deleting a CDN domain mapping that is already being
/// deleted (synthetic: the real one is undocumented).
pub(crate) fn cdn_deleting(unique_id: &str) -> String {
    format!("Domain mapping {unique_id} is already being deleted.")
}

/// The "ticket already exists" text for a server.
pub(crate) fn ticket_exists(ticket: i64) -> String {
    format!(
        "A cancellation ticket already exists for this server. Please refer to ticket {ticket}."
    )
}

/// Whether a resource still occupies what it sits on (a VLAN, a host):
/// it exists and its billing item is not cancelled yet.
fn occupies(st: &State, res: &Resource, now: Timestamp) -> bool {
    res.visible(now)
        && res
            .billing
            .and_then(|b| st.billing.get(&b))
            .is_none_or(|b| b.state(now) != ItemState::Cancelled)
}

fn count_occupying(st: &State, kind: Kind, ids: Option<&Vec<i64>>, now: Timestamp) -> usize {
    ids.map_or(0, |ids| {
        ids.iter()
            .filter_map(|id| st.all(kind).get(id))
            .filter(|r| occupies(st, r, now))
            .count()
    })
}

/// `SoftLayer_Network_Vlan::getCancelFailureReasons`: why a VLAN cannot be
/// cancelled now (empty when it can). Each reason ends with a space, as the
/// API writes them.
pub(crate) fn vlan_failure_reasons(st: &State, vlan: i64, now: Timestamp) -> Vec<String> {
    let mut reasons = Vec::new();
    let hardware = count_occupying(st, Kind::Hardware, st.index.vlan_hardware.get(&vlan), now);
    if hardware > 0 {
        reasons.push(format!(
            "{hardware} bare metal server(s) still on the VLAN "
        ));
    }
    let guests = count_occupying(st, Kind::Guest, st.index.vlan_guests.get(&vlan), now);
    if guests > 0 {
        reasons.push(format!("{guests} virtual guest(s) still on the VLAN "));
    }
    let subnets = st.index.vlan_subnets.get(&vlan).map_or(0, |ids| {
        ids.iter()
            .filter_map(|id| st.all(Kind::Subnet).get(id))
            .filter(|s| {
                !matches!(
                    s.str_field("subnetType"),
                    Some("PRIMARY" | "ADDITIONAL_PRIMARY" | "PRIMARY_6")
                ) && occupies(st, s, now)
            })
            .count()
    });
    if subnets > 0 {
        reasons.push(format!(
            "{subnets} non-primary subnet(s) still on the VLAN "
        ));
    }
    reasons
}

/// Guests still on a dedicated host.
pub(crate) fn host_guest_count(st: &State, host: i64, now: Timestamp) -> usize {
    count_occupying(st, Kind::Guest, st.index.host_guests.get(&host), now)
}

/// The synthetic text for deleting a dedicated host that still has guests
/// (the real text is undocumented).
pub(crate) fn host_has_guests(count: usize) -> String {
    format!(
        "This dedicated host cannot be cancelled while it has guests: {count} guest(s) still on the host."
    )
}

/// Whether the API may cancel the item (`allowCancellationFlag` is not 0).
pub(crate) fn api_cancellable(item: &BillingItem) -> bool {
    match item.fields.get("allowCancellationFlag") {
        Some(Value::Number(n)) => n.as_i64() != Some(0),
        Some(Value::Bool(b)) => *b,
        _ => true,
    }
}

/// Monthly bare metal: cancellable only on its anniversary.
fn anniversary_only(item: &BillingItem) -> bool {
    item.str_field("categoryCode") == Some("server") && !item.hourly()
}

/// The item's next anniversary after `now`: its `nextBillDate`, moved
/// forward month by month if the world's date is already past.
pub(crate) fn anniversary(item: &BillingItem, now: Timestamp) -> Timestamp {
    let start = ["nextBillDate", "cycleStartDate", "createDate"]
        .iter()
        .find_map(|f| item.str_field(f).and_then(parse_ts));
    let Some(mut date) = start else {
        return add_months(now, 1);
    };
    let mut guard = 0;
    while date <= now && guard < 1200 {
        date = add_months(date, 1);
        guard += 1;
    }
    date
}

/// Checks that `item` may be cancelled with `timing`; nothing changes.
pub(crate) fn check(
    st: &State,
    now: Timestamp,
    item_id: i64,
    timing: Timing,
    associated: bool,
) -> Result<Planned, ApiError> {
    let item = st
        .billing
        .get(&item_id)
        .ok_or_else(|| ApiError::not_found(&item_id.to_string()))?;
    if timing == Timing::Immediate && item.str_field("categoryCode") == Some("server") {
        // SLDN excludes bare metal servers from an immediate cancelService,
        // hourly or monthly: they go through cancelItem or a ticket.
        return Err(ApiError::public(NOT_THROUGH_API));
    }
    if let Some(owner) = item.owner
        && owner.kind == Kind::Hardware
        && let Some(ticket) = st.open_cancellation_ticket(owner.id)
    {
        return Err(ApiError::plain(ticket_exists(ticket)));
    }
    if item.state(now) != ItemState::Active {
        return Err(ApiError::public(ALREADY_CANCELLED));
    }
    if !api_cancellable(item) {
        return Err(ApiError::public(NOT_THROUGH_API));
    }
    if let Some(owner) = item.owner {
        match owner.kind {
            Kind::Vlan => {
                let reasons = vlan_failure_reasons(st, owner.id, now);
                if !reasons.is_empty() {
                    return Err(ApiError::public(format!(
                        "{VLAN_PREFIX}{}",
                        reasons.concat()
                    )));
                }
            }
            Kind::Host => {
                let n = host_guest_count(st, owner.id, now);
                if n > 0 {
                    return Err(ApiError::public(host_has_guests(n)));
                }
            }
            _ => {}
        }
    }
    let when = match timing {
        Timing::Immediate => now,
        Timing::ImmediateIfAllowed if anniversary_only(item) => anniversary(item, now),
        Timing::ImmediateIfAllowed => now,
        Timing::Anniversary => anniversary(item, now),
    };
    Ok(Planned {
        item: item_id,
        when,
        associated,
    })
}

/// Sets the cancellation date on an item and its active descendants.
fn mark(st: &mut State, id: i64, when: Timestamp, now: Timestamp) {
    let mut stack = vec![id];
    let date = format_ts(when);
    let modified = format_ts(now);
    while let Some(id) = stack.pop() {
        if let Some(item) = st.billing.get_mut(&id) {
            if item.state(now) == ItemState::Active {
                item.fields
                    .insert("cancellationDate".into(), Value::from(date.clone()));
                item.fields
                    .insert("modifyDate".into(), Value::from(modified.clone()));
            }
            stack.extend(item.children.iter().copied());
        }
    }
}

/// Applies a checked cancellation. Returns the cancellation ticket opened
/// for a server, if any.
pub(crate) fn apply(
    st: &mut State,
    clock: Clock,
    planned: &Planned,
    reason: Option<&str>,
    note: Option<&str>,
) -> Option<i64> {
    let now = clock.now;
    mark(st, planned.item, planned.when, now);
    if planned.associated {
        let associated = st
            .index
            .associated
            .get(&planned.item)
            .cloned()
            .unwrap_or_default();
        for a in associated {
            if st
                .billing
                .get(&a)
                .is_some_and(|b| b.state(now) == ItemState::Active)
            {
                mark(st, a, planned.when, now);
                reclaim_owner(st, a, planned.when, clock);
            }
        }
    }
    reclaim_owner(st, planned.item, planned.when, clock);
    let owner = st.billing.get(&planned.item).and_then(|b| b.owner)?;
    if owner.kind != Kind::Hardware || st.open_cancellation_ticket(owner.id).is_some() {
        return None;
    }
    let mut entry = format!(
        "Cancellation requested through the API. Reason: {}.",
        reason.unwrap_or("No longer needed")
    );
    if let Some(note) = note.filter(|n| !n.is_empty()) {
        entry.push_str(&format!(" Note: {note}"));
    }
    Some(open_ticket(
        st,
        now,
        "Server Cancellation Request",
        Some(owner.id),
        &entry,
    ))
}

/// Schedules the removal of the resource an item bills for.
fn reclaim_owner(st: &mut State, item: i64, when: Timestamp, clock: Clock) {
    let Some(owner) = st.billing.get(&item).and_then(|b| b.owner) else {
        return;
    };
    let at = when.checked_add(clock.reclaim_after).unwrap_or(when);
    if let Some(res) = st.all_mut(owner.kind).get_mut(&owner.id) {
        res.reclaim_at = Some(res.reclaim_at.map_or(at, |t| t.min(at)));
    }
}

/// Opens a ticket (attached to a server when given) and returns its id.
pub(crate) fn open_ticket(
    st: &mut State,
    now: Timestamp,
    title: &str,
    hardware: Option<i64>,
    entry: &str,
) -> i64 {
    let id = st.next_ticket_id;
    st.next_ticket_id += 1;
    let update_id = st.next_update_id;
    st.next_update_id += 1;
    let date = format_ts(now);
    let mut ticket = Map::new();
    ticket.insert("id".into(), Value::from(id));
    ticket.insert("title".into(), Value::from(title));
    ticket.insert("statusId".into(), Value::from(1001));
    ticket.insert("status".into(), json!({"id": 1001, "name": "Open"}));
    ticket.insert("createDate".into(), Value::from(date.clone()));
    ticket.insert("modifyDate".into(), Value::from(date.clone()));
    ticket.insert("accountId".into(), Value::from(st.account_id()));
    ticket.insert(
        "updates".into(),
        json!([{"id": update_id, "entry": entry, "createDate": date, "ticketId": id, "editorType": "USER"}]),
    );
    if let Some(hw) = hardware {
        ticket.insert("attachedHardware".into(), json!([{"id": hw}]));
        st.index.hardware_tickets.entry(hw).or_default().push(id);
    }
    st.tickets.insert(id, ticket);
    id
}
