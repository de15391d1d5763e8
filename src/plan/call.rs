//! The cancel call per kind, as the seed documents cancel each kind. Every
//! plan item to cancel carries its call verbatim, so reviewers see exactly
//! what apply will send.
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

use serde_json::{Value, json};

use super::model::{ApiCall, Timing};
use crate::manifest::model::{CancelOptions, Kind, Via};
use crate::resolve::load_balancer::LBAAS;
use crate::resolve::resource::Resource;

/// The call that cancels `r` with `timing` and `options`; `None` when the
/// kind cannot be cancelled that way (the planner blocks such items first).
pub fn cancel_call(r: &Resource, timing: Timing, options: &CancelOptions) -> Option<ApiCall> {
    let immediate = timing == Timing::Immediate;
    let item = r.billing.as_ref().map(|b| b.id);
    let reason = Value::from(options.reason.as_str());
    let note = options.note.clone().map_or(Value::Null, Value::from);
    let cancel_item = || {
        Some(call(
            "SoftLayer_Billing_Item",
            Some(item?),
            "cancelItem",
            vec![immediate.into(), false.into(), reason.clone(), note.clone()],
        ))
    };
    match r.kind {
        Kind::VirtualGuest if immediate => Some(call(
            "SoftLayer_Virtual_Guest",
            Some(r.id),
            "deleteObject",
            vec![],
        )),
        Kind::VirtualGuest => cancel_item(),
        Kind::Hardware if options.via == Via::Ticket => {
            // The ticket needs a content text; the note, else the reason.
            let content = options
                .note
                .clone()
                .unwrap_or_else(|| options.reason.as_str().to_string());
            Some(call(
                "SoftLayer_Ticket",
                None,
                "createCancelServerTicket",
                vec![
                    json!(r.id),
                    reason,
                    content.into(),
                    false.into(),
                    "HARDWARE".into(),
                ],
            ))
        }
        Kind::Hardware | Kind::BillingItem | Kind::Subnet | Kind::GlobalIp => cancel_item(),
        Kind::Storage | Kind::Vlan => {
            let method = if immediate {
                "cancelService"
            } else {
                "cancelServiceOnAnniversaryDate"
            };
            Some(call("SoftLayer_Billing_Item", Some(item?), method, vec![]))
        }
        Kind::LoadBalancer if r.variant.as_deref() == Some(LBAAS) => {
            let uuid = r.uuid.clone()?;
            immediate.then(|| {
                call(
                    "SoftLayer_Network_LBaaS_LoadBalancer",
                    None,
                    "cancelLoadBalancer",
                    vec![uuid.into()],
                )
            })
        }
        Kind::LoadBalancer | Kind::Cdn => {
            let mut template = json!({
                "accountId": r.account_id?,
                "items": [{"billingItemId": item?, "immediateCancellationFlag": immediate}],
            });
            if let Some(text) = &options.note {
                template["notes"] = text.clone().into();
            }
            Some(call(
                "SoftLayer_Billing_Item_Cancellation_Request",
                None,
                "createObject",
                vec![template],
            ))
        }
        Kind::DedicatedHost if immediate => Some(call(
            "SoftLayer_Virtual_DedicatedHost",
            Some(r.id),
            "deleteObject",
            vec![],
        )),
        Kind::DedicatedHost => cancel_item(),
    }
}

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

fn call(service: &str, id: Option<u64>, method: &str, parameters: Vec<Value>) -> ApiCall {
    ApiCall {
        service: service.to_string(),
        id: id.map(|id| id.to_string()),
        method: method.to_string(),
        parameters,
    }
}
