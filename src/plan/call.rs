//! The cancel calls, as the seed documents cancel each kind. Each kind's
//! room (`kinds/`) builds its call; every plan item to cancel carries it
//! verbatim, so reviewers see exactly what apply will send.
//!
//! | kind | immediate | anniversary |
//! | --- | --- | --- |
//! | virtual_guest | `SoftLayer_Virtual_Guest::deleteObject` | `SoftLayer_Billing_Item::cancelItem(false, false, reason, note)` |
//! | hardware | `cancelItem(true, false, reason, note)` (hourly only) | `cancelItem(false, false, reason, note)`, or with `via: ticket` `SoftLayer_Ticket::createCancelServerTicket(id, reason, note, false, "HARDWARE")` |
//! | storage, vlan | `SoftLayer_Billing_Item::cancelService` | `SoftLayer_Billing_Item::cancelServiceOnAnniversaryDate` |
//! | subnet, global_ip, billing_item | `cancelItem(true, false, reason, note)` | `cancelItem(false, false, reason, note)` |
//! | load_balancer (VIP), cdn | `SoftLayer_Billing_Item_Cancellation_Request::createObject` with `immediateCancellationFlag` true | the same with false |
//! | load_balancer (LBaaS) | `SoftLayer_Network_LBaaS_LoadBalancer::cancelLoadBalancer(uuid)` | not possible |
//! | dedicated_host | `SoftLayer_Virtual_DedicatedHost::deleteObject` | `cancelItem(false, false, reason, note)` |
//!
//! Associated items (floating IPs and the like attached to a server) are
//! never cancelled along: `cancelAssociatedBillingItems` is always false, as
//! slcli sends it for servers, because those items are not in the plan and
//! protect rules never looked at them. Retire them with their own entries.

use super::model::ApiCall;

/// What of the manifest's reason and note `call` sends to SoftLayer: both
/// (cancelItem, the cancel-server ticket), the note only (a cancellation
/// request's `notes`), or nothing.
pub fn records(call: &ApiCall) -> (bool, bool) {
    match call.method.as_str() {
        "cancelItem" | "createCancelServerTicket" => (true, true),
        "createObject" => (
            false,
            call.parameters
                .first()
                .is_some_and(|t| t.get("notes").is_some()),
        ),
        _ => (false, false),
    }
}
