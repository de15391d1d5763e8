//! The cancel calls kinds share, built exactly as the seed documents them.
//! Each room picks its call per timing and `via`; the plan carries it
//! verbatim so reviewers see what apply will send.
//!
//! Associated items (floating IPs and the like attached to a server) are
//! never cancelled along: `cancelAssociatedBillingItems` is always false,
//! as slcli sends it for servers, because those items are not in the plan
//! and protect rules never looked at them.

use serde_json::{Value, json};

use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::Resource;

/// `SoftLayer_Billing_Item::cancelItem(immediate, false, reason, note)` on
/// the object's billing item.
pub(crate) fn cancel_item(
    r: &Resource,
    timing: Timing,
    options: &CancelOptions,
) -> Option<ApiCall> {
    let note = options.note.clone().map_or(Value::Null, Value::from);
    Some(call(
        "SoftLayer_Billing_Item",
        Some(r.billing.as_ref()?.id),
        "cancelItem",
        vec![
            (timing == Timing::Immediate).into(),
            false.into(),
            options.reason.as_str().into(),
            note,
        ],
    ))
}

/// `SoftLayer_Billing_Item::cancelService` (immediate) or
/// `cancelServiceOnAnniversaryDate` on the object's billing item.
pub(crate) fn cancel_service(r: &Resource, timing: Timing) -> Option<ApiCall> {
    let method = match timing {
        Timing::Immediate => "cancelService",
        Timing::Anniversary => "cancelServiceOnAnniversaryDate",
    };
    Some(call(
        "SoftLayer_Billing_Item",
        Some(r.billing.as_ref()?.id),
        method,
        vec![],
    ))
}

/// `SoftLayer_Billing_Item_Cancellation_Request::createObject` for the
/// object's billing item, with the note as the request's `notes`.
pub(crate) fn cancellation_request(
    r: &Resource,
    timing: Timing,
    options: &CancelOptions,
) -> Option<ApiCall> {
    let mut template = json!({
        "accountId": r.account_id?,
        "items": [{
            "billingItemId": r.billing.as_ref()?.id,
            "immediateCancellationFlag": timing == Timing::Immediate,
        }],
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

/// Why a virtual or bare metal server's pending cancellation is not voided
/// through the API: SoftLayer refuses `voidCancelService` for them with
/// "The ticket was closed automatically as the cancellation was approved
/// ... you would need to contact us or our sales team" (reference §1.3).
pub(crate) fn servers_go_through_sales(r: &Resource) -> String {
    let ticket = r
        .open_ticket
        .map(|t| format!(" (cancellation ticket {t})"))
        .unwrap_or_default();
    format!(
        "SoftLayer does not void the cancellation of a server through the API: ask IBM Cloud sales or support to take it back{ticket}"
    )
}

/// `SoftLayer_Billing_Item::voidCancelService` on the object's billing
/// item, which takes back a dated (anniversary) cancellation.
pub(crate) fn void_cancel_service(r: &Resource) -> Result<ApiCall, String> {
    match &r.billing {
        Some(b) if b.cancellation_date.is_some() => Ok(call(
            "SoftLayer_Billing_Item",
            Some(b.id),
            "voidCancelService",
            vec![],
        )),
        Some(b) if b.cancellation_requested => Err(
            "its cancellation request has no date yet and no request id to void; ask SoftLayer support to withdraw it".into(),
        ),
        _ => Err(
            "no dated cancellation to void: ask SoftLayer support on its cancellation ticket".into(),
        ),
    }
}

/// `SoftLayer_Billing_Item_Cancellation_Request::void(true)` on the open
/// request the object's billing item is on (the related ticket is closed
/// with it: a voided request leaves it nothing to do); the billing item's
/// own `voidCancelService` when the API does not name the request.
pub(crate) fn void_request(r: &Resource) -> Result<ApiCall, String> {
    match r.billing.as_ref().and_then(|b| b.cancellation_request) {
        Some(request) => Ok(call(
            "SoftLayer_Billing_Item_Cancellation_Request",
            Some(request),
            "void",
            vec![true.into()],
        )),
        None => void_cancel_service(r),
    }
}

/// `{service}({id})::deleteObject()`: an immediate cancellation by the
/// object's own service.
pub(crate) fn delete_object(service: &str, r: &Resource) -> ApiCall {
    call(service, Some(r.id), "deleteObject", vec![])
}

/// A call with its init id.
pub(crate) fn call(
    service: &str,
    id: Option<u64>,
    method: &str,
    parameters: Vec<Value>,
) -> ApiCall {
    ApiCall {
        service: service.to_string(),
        id: id.map(|id| id.to_string()),
        method: method.to_string(),
        parameters,
    }
}
