//! Cancellation rules: timing, what goes with an item, what refuses, and
//! what happens to the resource.

use std::time::Duration;

use serde_json::json;
use softlayer_emulator::Config;

use crate::support::{NOW, config, find, get, post, q, start, world};

const ALREADY: &str = "Unable to cancel: billing item is already cancelled.";
const ANNIVERSARY: &str = "2026-12-01T00:00:00-06:00";
const NOT_THROUGH_API: &str = "This type of service cannot be cancelled through the API.  Please submit a cancellation ticket";

fn reclaim(after: Duration) -> Config {
    Config {
        reclaim_after: after,
        ..config()
    }
}

/// cancelService cancels now; the resource is gone at once (reclaim 0s).
#[test]
fn immediate_cancel_removes_resource() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Billing_Item/1010/cancelService.json");
    assert_eq!((r.status, r.text.as_str()), (200, "true"));
    assert_eq!(
        get(&emu, "SoftLayer_Virtual_Guest/101/getObject.json").status,
        404
    );
    let list = get(
        &emu,
        "SoftLayer_Account/getVirtualGuests.json?objectMask=mask%5Bid%5D",
    );
    assert_eq!(list.header("SoftLayer-Total-Items"), Some("5"));
    let item = get(&emu, "SoftLayer_Billing_Item/1010/getObject.json?objectMask=mask%5BcancellationDate%2Cchildren.cancellationDate%5D").json();
    assert_eq!(item["cancellationDate"], NOW);
    assert_eq!(
        item["children"][0]["cancellationDate"], NOW,
        "children go with the parent"
    );
    assert!(find(&world(&emu), "virtualGuests", 101).is_none());
    let r = get(&emu, "SoftLayer_Billing_Item/1010/cancelService.json");
    assert_eq!((r.status, r.error()), (500, ALREADY.to_owned()));
}

/// With a reclaim delay the resource stays, listed without its billing item.
#[test]
fn reclaim_delay_keeps_resource_without_billing_item() {
    let emu = start(reclaim(Duration::from_secs(3600)));
    assert_eq!(
        get(&emu, "SoftLayer_Virtual_Guest/101/deleteObject.json").text,
        "true"
    );
    let g = get(
        &emu,
        "SoftLayer_Virtual_Guest/101/getObject.json?objectMask=mask%5Bid%2CbillingItem%5D",
    );
    assert_eq!(g.json(), json!({"id": 101}));
    let b = get(&emu, "SoftLayer_Virtual_Guest/101/getBillingItem.json");
    assert_eq!((b.status, b.text.as_str()), (200, "null"));
    let r = get(&emu, "SoftLayer_Virtual_Guest/101/deleteObject.json");
    assert_eq!((r.status, r.error()), (500, ALREADY.to_owned()));
}

/// cancelItem(false) schedules the anniversary; the item stays visible as pending.
#[test]
fn anniversary_cancel_keeps_pending_item() {
    let emu = start(config());
    let r = post(
        &emu,
        "SoftLayer_Billing_Item/4020/cancelItem.json",
        json!([false, false, "No longer needed", "note"]),
    );
    assert_eq!(r.text, "true");
    let s = get(
        &emu,
        &format!(
            "SoftLayer_Network_Subnet/402/getObject.json?objectMask={}",
            q("mask[id,billingItem[cancellationDate,pendingCancellationFlag]]")
        ),
    );
    assert_eq!(
        s.json()["billingItem"],
        json!({"cancellationDate": ANNIVERSARY, "pendingCancellationFlag": true})
    );
    let r = post(
        &emu,
        "SoftLayer_Billing_Item/4020/cancelItem.json",
        json!([true, false]),
    );
    assert_eq!(r.error(), ALREADY);
    assert_eq!(
        get(
            &emu,
            "SoftLayer_Billing_Item/4020/cancelServiceOnAnniversaryDate.json"
        )
        .error(),
        ALREADY
    );
}

/// Monthly bare metal: cancelService refused, cancelItem(true) falls back to
/// the anniversary and opens the cancellation ticket.
#[test]
fn monthly_server_only_on_anniversary() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Billing_Item/2010/cancelService.json");
    assert_eq!(r.status, 500);
    assert_eq!(r.error(), NOT_THROUGH_API);
    let r = post(
        &emu,
        "SoftLayer_Billing_Item/2010/cancelItem.json",
        json!([true, false, "No longer needed", null]),
    );
    assert_eq!(r.text, "true");
    let mask = q(
        "mask[id, hourlyBillingFlag, billingItem[id,cancellationDate], openCancellationTicket[id], activeTransaction]",
    );
    let hw = get(
        &emu,
        &format!("SoftLayer_Hardware_Server/201/getObject.json?objectMask={mask}"),
    )
    .json();
    assert_eq!(hw["hourlyBillingFlag"], false);
    assert_eq!(hw["billingItem"]["cancellationDate"], ANNIVERSARY);
    let ticket = hw["openCancellationTicket"]["id"].as_i64().unwrap();
    let t = world(&emu)["tickets"][0].clone();
    assert_eq!(
        (t["id"].as_i64(), t["attachedHardware"].clone()),
        (Some(ticket), json!([{"id": 201}]))
    );
    let r = post(
        &emu,
        "SoftLayer_Billing_Item/2010/cancelItem.json",
        json!([false, false]),
    );
    assert_eq!(
        (r.status, r.json()),
        (
            500,
            json!({
                "error": format!("A cancellation ticket already exists for this server. Please refer to ticket {ticket}."),
                "code": "SoftLayer_Exception",
            })
        )
    );
    let r = post(
        &emu,
        &format!("SoftLayer_Ticket/{ticket}/addUpdate.json"),
        json!([{"entry": "Please reclaim"}]),
    );
    assert_eq!(r.json()[0]["entry"], "Please reclaim");
    let t = get(
        &emu,
        &format!(
            "SoftLayer_Ticket/{ticket}/getObject.json?objectMask={}",
            q("mask[id,updateCount,status.name]")
        ),
    )
    .json();
    assert_eq!(
        (t["updateCount"].clone(), t["status"]["name"].clone()),
        (json!(2), json!("Open"))
    );
}

/// An hourly server cancels now and still gets a cancellation ticket.
#[test]
fn hourly_server_cancels_now_with_ticket() {
    let emu = start(reclaim(Duration::from_secs(60)));
    assert_eq!(
        post(
            &emu,
            "SoftLayer_Billing_Item/2020/cancelItem.json",
            json!([true, false, "No longer needed", null])
        )
        .text,
        "true"
    );
    let hw = get(
        &emu,
        &format!(
            "SoftLayer_Hardware_Server/202/getObject.json?objectMask={}",
            q("mask[id,billingItem,openCancellationTicket.id]")
        ),
    )
    .json();
    assert!(hw.get("billingItem").is_none());
    assert!(hw["openCancellationTicket"]["id"].is_i64());
}

/// Associated items go only when asked.
#[test]
fn associated_items_only_when_asked() {
    let emu = start(config());
    post(
        &emu,
        "SoftLayer_Billing_Item/2010/cancelItem.json",
        json!([false, false]),
    );
    let w = world(&emu);
    assert!(
        find(&w, "allTopLevelBillingItems", 9002)
            .unwrap()
            .get("cancellationDate")
            .is_none()
    );
    assert_eq!(
        find(&w, "hardware", 201).unwrap()["billingItem"]["children"][0]["cancellationDate"],
        ANNIVERSARY
    );
    let emu = start(config());
    post(
        &emu,
        "SoftLayer_Billing_Item/2010/cancelItem.json",
        json!([false, true]),
    );
    assert_eq!(
        find(&world(&emu), "allTopLevelBillingItems", 9002).unwrap()["cancellationDate"],
        ANNIVERSARY
    );
}

/// Items that only a ticket can cancel are refused.
#[test]
fn not_cancellable_through_api() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Billing_Item/9001/cancelService.json");
    assert_eq!(
        r.error(),
        "This type of service cannot be cancelled through the API.  Please submit a cancellation ticket"
    );
    assert_eq!(
        get(&emu, "SoftLayer_Billing_Item/123/cancelService.json").status,
        404
    );
}

/// Occupied VLANs list their reasons and refuse cancellation; empty ones cancel.
#[test]
fn vlan_refuses_while_occupied() {
    let emu = start(config());
    let reasons = get(
        &emu,
        "SoftLayer_Network_Vlan/12/getCancelFailureReasons.json",
    )
    .json();
    assert_eq!(
        reasons,
        json!([
            "5 virtual guest(s) still on the VLAN ",
            "1 non-primary subnet(s) still on the VLAN "
        ])
    );
    let hw = get(
        &emu,
        "SoftLayer_Network_Vlan/13/getCancelFailureReasons.json",
    )
    .json();
    assert_eq!(hw, json!(["2 bare metal server(s) still on the VLAN "]));
    let r = get(&emu, "SoftLayer_Billing_Item/1200/cancelService.json");
    assert_eq!(r.status, 500);
    assert_eq!(
        r.error(),
        "This cancellation could not be processed please contact support.This cancellation could not be processed please contact support. Unable to cancel VLAN. Reasons: 5 virtual guest(s) still on the VLAN 1 non-primary subnet(s) still on the VLAN "
    );
    assert_eq!(
        get(
            &emu,
            "SoftLayer_Network_Vlan/14/getCancelFailureReasons.json"
        )
        .json(),
        json!([])
    );
    assert_eq!(
        post(
            &emu,
            "SoftLayer_Billing_Item/1400/cancelItem.json",
            json!([true, true, "x", "y"])
        )
        .text,
        "true"
    );
    assert_eq!(
        get(&emu, "SoftLayer_Network_Vlan/14/getObject.json").status,
        404
    );
}

/// Cancelled members stop blocking their VLAN.
#[test]
fn cancelled_members_stop_blocking() {
    let emu = start(config());
    for g in 101..=105 {
        assert_eq!(
            get(
                &emu,
                &format!("SoftLayer_Virtual_Guest/{g}/deleteObject.json")
            )
            .text,
            "true"
        );
    }
    assert_eq!(
        get(&emu, "SoftLayer_Billing_Item/4020/cancelService.json").text,
        "true"
    );
    assert_eq!(
        get(
            &emu,
            "SoftLayer_Network_Vlan/12/getCancelFailureReasons.json"
        )
        .json(),
        json!([])
    );
    assert_eq!(
        get(&emu, "SoftLayer_Billing_Item/1200/cancelService.json").text,
        "true"
    );
}

/// Dedicated hosts refuse deleteObject while guests remain.
#[test]
fn dedicated_host_refuses_with_guests() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Virtual_DedicatedHost/41/deleteObject.json");
    assert_eq!((r.status, r.error()), (500, "This dedicated host cannot be cancelled while it has guests: 1 guest(s) still on the host.".to_owned()));
    assert_eq!(
        get(&emu, "SoftLayer_Virtual_DedicatedHost/42/deleteObject.json").text,
        "true"
    );
    assert_eq!(
        get(&emu, "SoftLayer_Virtual_DedicatedHost/42/getObject.json").status,
        404
    );
    assert_eq!(
        get(&emu, "SoftLayer_Virtual_Guest/106/deleteObject.json").text,
        "true"
    );
    assert_eq!(
        get(&emu, "SoftLayer_Virtual_DedicatedHost/41/deleteObject.json").text,
        "true"
    );
}

/// createCancelServerTicket: parameter errors, the ticket, the duplicate.
#[test]
fn cancel_server_ticket() {
    let emu = start(config());
    for (params, text) in [
        (
            json!([null, "r", "c", false, "HARDWARE"]),
            "Attachment id must be provided.",
        ),
        (
            json!([201, "", "c", false, "HARDWARE"]),
            "Cancellation reason must be provided.",
        ),
        (
            json!([201, "r", null, false, "HARDWARE"]),
            "Cancellation content description must be provided.",
        ),
    ] {
        let r = post(
            &emu,
            "SoftLayer_Ticket/createCancelServerTicket.json",
            params,
        );
        assert_eq!(
            (r.status, r.json()),
            (500, json!({"error": text, "code": "SoftLayer_Exception"}))
        );
    }
    assert_eq!(
        post(
            &emu,
            "SoftLayer_Ticket/createCancelServerTicket.json",
            json!([999, "r", "c", false, "HARDWARE"])
        )
        .status,
        404
    );
    // Even hourly servers are cancelled on the anniversary by a ticket.
    let r = post(
        &emu,
        "SoftLayer_Ticket/createCancelServerTicket.json",
        json!([202, "No longer needed", "bye", true, "HARDWARE"]),
    );
    let ticket = r.json();
    assert_eq!(ticket["title"], "Server Cancellation Request");
    let hw = find(&world(&emu), "hardware", 202).unwrap();
    assert_eq!(hw["billingItem"]["cancellationDate"], ANNIVERSARY);
    let r = post(
        &emu,
        "SoftLayer_Ticket/createCancelServerTicket.json",
        json!([202, "No longer needed", "bye", true, "HARDWARE"]),
    );
    assert_eq!(
        r.error(),
        format!(
            "A cancellation ticket already exists for this server. Please refer to ticket {}.",
            ticket["id"]
        )
    );
}

/// Cancellation requests: the empty template is refused, items are cancelled,
/// only the latest 25 are listed without resultLimit.
#[test]
fn cancellation_requests() {
    let emu = start(config());
    let r = post(
        &emu,
        "SoftLayer_Billing_Item_Cancellation_Request/createObject.json",
        json!([{"accountId": 278184, "items": []}]),
    );
    assert_eq!(
        (r.status, r.error()),
        (
            500,
            "A cancellation request should have at least one billing item to cancel.".to_owned()
        )
    );
    let r = post(
        &emu,
        "SoftLayer_Billing_Item_Cancellation_Request/createObject.json",
        json!([{"items": [{"billingItemId": 5010, "immediateCancellationFlag": true}]}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        get(
            &emu,
            "SoftLayer_Network_Subnet_IpAddress_Global/501/getObject.json"
        )
        .status,
        404
    );
    for i in 0..29 {
        let r = post(
            &emu,
            "SoftLayer_Billing_Item_Cancellation_Request/createObject.json",
            json!([{"items": [{"billingItemId": 7000 + i, "immediateCancellationFlag": false}]}]),
        );
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let all = get(
        &emu,
        "SoftLayer_Billing_Item_Cancellation_Request/getAllCancellationRequests.json?objectMask=mask%5Bid%2CitemCount%5D",
    );
    assert_eq!(all.json().as_array().unwrap().len(), 25);
    assert_eq!(all.header("SoftLayer-Total-Items"), Some("30"));
    let paged = get(
        &emu,
        "SoftLayer_Billing_Item_Cancellation_Request/getAllCancellationRequests.json?resultLimit=0%2C50",
    );
    assert_eq!(paged.json().as_array().unwrap().len(), 30);
    let item = get(&emu, &format!("SoftLayer_Billing_Item/7000/getObject.json?objectMask={}", q("mask[id,pendingCancellationFlag,activeCancellationItem.immediateCancellationFlag,cancellationRequests[id,itemCount]]"))).json();
    assert_eq!(
        item,
        json!({"id": 7000, "pendingCancellationFlag": true, "activeCancellationItem": {"immediateCancellationFlag": false}, "cancellationRequests": [{"id": 20_000_002, "itemCount": 1}]})
    );
}

/// LBaaS: DELETE_PENDING, a second cancel refused, gone after the reclaim delay.
#[test]
fn lbaas_cancel() {
    let uuid = "1a1aa111-4474-4e16-9f02-4de959229b85";
    let emu = start(reclaim(Duration::from_secs(3600)));
    assert_eq!(
        post(
            &emu,
            "SoftLayer_Network_LBaaS_LoadBalancer/cancelLoadBalancer.json",
            json!([uuid])
        )
        .text,
        "true"
    );
    let lb = post(
        &emu,
        "SoftLayer_Network_LBaaS_LoadBalancer/getLoadBalancer.json",
        json!([uuid]),
    )
    .json();
    assert_eq!(lb["provisioningStatus"], "DELETE_PENDING");
    let r = post(
        &emu,
        "SoftLayer_Network_LBaaS_LoadBalancer/cancelLoadBalancer.json",
        json!([uuid]),
    );
    assert_eq!(r.status, 500);
    assert!(r.error().contains("DELETE_PENDING"), "{}", r.error());
    let emu = start(config());
    assert_eq!(
        post(
            &emu,
            "SoftLayer_Network_LBaaS_LoadBalancer/cancelLoadBalancer.json",
            json!([uuid])
        )
        .text,
        "true"
    );
    let r = post(
        &emu,
        "SoftLayer_Network_LBaaS_LoadBalancer/getLoadBalancer.json",
        json!([uuid]),
    );
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (
            404,
            json!("SoftLayer_Exception_Network_LBaaS_ObjectNotFound")
        )
    );
    let r = get(
        &emu,
        "SoftLayer_Network_LBaaS_LoadBalancer/601/getObject.json",
    );
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (
            404,
            json!("SoftLayer_Exception_Network_LBaaS_ObjectNotFound")
        )
    );
}

/// voidCancelService takes back a scheduled cancellation only.
#[test]
fn void_cancel_service() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Billing_Item/3010/voidCancelService.json");
    assert_eq!(
        r.error(),
        "Cannot void cancellation.  This billing item is not set to cancel."
    );
    post(
        &emu,
        "SoftLayer_Billing_Item/3010/cancelItem.json",
        json!([false, true, "x"]),
    );
    assert_eq!(
        get(&emu, "SoftLayer_Billing_Item/3010/voidCancelService.json").text,
        "true"
    );
    let item = get(&emu, "SoftLayer_Billing_Item/3010/getObject.json?objectMask=mask%5Bid%2CcancellationDate%2CactiveChildren.id%5D").json();
    assert_eq!(item, json!({"id": 3010, "activeChildren": [{"id": 3011}]}));
}

/// cancelService excludes bare metal: hourly and monthly `server` items are
/// refused and stay active; other items still cancel through it.
#[test]
fn cancel_service_refuses_bare_metal() {
    let emu = start(config());
    for item in [2010, 2020] {
        let r = get(
            &emu,
            &format!("SoftLayer_Billing_Item/{item}/cancelService.json"),
        );
        assert_eq!(
            (r.status, r.json()),
            (
                500,
                json!({"error": NOT_THROUGH_API, "code": "SoftLayer_Exception_Public"})
            ),
            "{item}"
        );
    }
    let w = world(&emu);
    for id in [201, 202] {
        let hw = find(&w, "hardware", id).unwrap();
        assert!(hw["billingItem"].get("cancellationDate").is_none(), "{hw}");
    }
    assert!(w["tickets"].as_array().is_none_or(Vec::is_empty));
    // The same hourly server still cancels now through cancelItem.
    let r = post(
        &emu,
        "SoftLayer_Billing_Item/2020/cancelItem.json",
        json!([true, false, "No longer needed", null]),
    );
    assert_eq!(r.text, "true");
}

/// voidCancelService on a virtual or bare metal server's item is refused
/// (its cancellation went through a ticket); the cancellation stands.
#[test]
fn void_refused_for_servers() {
    let emu = start(config());
    for (item, owner, id) in [(1010, "virtualGuests", 101), (2010, "hardware", 201)] {
        let r = post(
            &emu,
            &format!("SoftLayer_Billing_Item/{item}/cancelItem.json"),
            json!([false, false, "No longer needed", null]),
        );
        assert_eq!(r.text, "true", "{item}");
        let r = get(
            &emu,
            &format!("SoftLayer_Billing_Item/{item}/voidCancelService.json"),
        );
        assert_eq!(
            (r.status, r.json()),
            (
                500,
                json!({
                    "error": "The ticket was closed automatically as the cancellation was approved and set to cancel on the anniversary date. Once more, in order to cancel these type of cancellations you would need to contact us or our sales team.",
                    "code": "SoftLayer_Exception_Public",
                })
            ),
            "{item}"
        );
        let res = find(&world(&emu), owner, id).unwrap();
        assert_eq!(
            res["billingItem"]["cancellationDate"], ANNIVERSARY,
            "{item}"
        );
    }
}

/// Only an open cancellation ticket blocks a server's cancellation; closed
/// ones (by statusId or by status name) do not, and a new ticket opens.
#[test]
fn closed_tickets_do_not_block() {
    let mut w = crate::support::test_world();
    w["tickets"] = json!([
        {"id": 9, "title": "Server Cancellation Request", "statusId": 1002,
         "attachedHardware": [{"id": 201}]},
        {"id": 10, "title": "Cancel server", "status": {"id": 1002, "name": "Closed"},
         "attachedHardware": [{"id": 201}]},
        {"id": 11, "title": "Server Cancellation Request", "statusId": 1001,
         "attachedHardware": [{"id": 202}]},
    ]);
    let emu = crate::support::start_world(&w, config());
    let r = post(
        &emu,
        "SoftLayer_Billing_Item/2010/cancelItem.json",
        json!([false, false, "No longer needed", null]),
    );
    assert_eq!(r.text, "true");
    let hw = get(
        &emu,
        &format!(
            "SoftLayer_Hardware_Server/201/getObject.json?objectMask={}",
            q("mask[id,openCancellationTicket.id]")
        ),
    )
    .json();
    let ticket = hw["openCancellationTicket"]["id"].as_i64().unwrap();
    assert!(ticket > 11, "{hw}");
    // The open one still blocks, with the documented generic exception.
    let r = post(
        &emu,
        "SoftLayer_Ticket/createCancelServerTicket.json",
        json!([202, "No longer needed", "bye", false, "HARDWARE"]),
    );
    assert_eq!(
        (r.status, r.json()),
        (
            500,
            json!({
                "error": "A cancellation ticket already exists for this server. Please refer to ticket 11.",
                "code": "SoftLayer_Exception",
            })
        )
    );
}

/// Network_Storage::deleteObject deletes snapshots only: a volume is refused
/// with SoftLayer_Exception and keeps its billing item; unknown ids are 404.
#[test]
fn storage_delete_object_refused() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Network_Storage/301/deleteObject.json");
    assert_eq!(
        (r.status, r.json()),
        (
            500,
            json!({"error": "Only snapshots may be deleted with this method.", "code": "SoftLayer_Exception"})
        )
    );
    let volume = find(&world(&emu), "networkStorage", 301).unwrap();
    assert!(volume["billingItem"].get("cancellationDate").is_none());
    assert_eq!(
        get(&emu, "SoftLayer_Network_Storage/999/deleteObject.json").status,
        404
    );
}

/// Known differences, pinned: a request naming the same item twice is
/// accepted (two lines, one cancellation), its accountId is not checked,
/// and it is created Approved.
#[test]
fn request_quirks_are_as_documented() {
    let emu = start(config());
    let r = post(
        &emu,
        &format!(
            "SoftLayer_Billing_Item_Cancellation_Request/createObject.json?objectMask={}",
            q("mask[id,accountId,items,status]")
        ),
        json!([{"accountId": 1, "items": [
            {"billingItemId": 7000, "immediateCancellationFlag": false},
            {"billingItemId": 7000, "immediateCancellationFlag": false},
        ]}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let request = r.json();
    assert_eq!(request["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(request["accountId"], 278184);
    assert_eq!(request["status"]["name"], "Approved");
    let item = find(&world(&emu), "allTopLevelBillingItems", 7000).unwrap();
    assert_eq!(item["cancellationDate"], ANNIVERSARY);
    // Hardware_Server::deleteObject exists in the API and is not
    // emulated: said so, never "not a valid method".
    let r = get(&emu, "SoftLayer_Hardware_Server/201/deleteObject.json");
    assert_eq!(
        (r.status, r.error()),
        (
            501,
            "SoftLayer_Hardware_Server::deleteObject exists in the API but is not emulated."
                .to_owned()
        )
    );
    assert_eq!(r.json()["code"], "Emulator_NotImplemented");
}

/// A cancellation request's `void(closeRelatedTicketFlag)` takes back the
/// scheduled cancellations it made, marks the request `Voided`, closes its
/// ticket when asked, and refuses a second time; a request whose
/// cancellation took effect already is refused untouched.
#[test]
fn void_cancellation_request() {
    let emu = start(config());
    let created = post(
        &emu,
        "SoftLayer_Billing_Item_Cancellation_Request/createObject.json",
        json!([{"items": [{"billingItemId": 3010, "immediateCancellationFlag": false}]}]),
    )
    .json();
    let (id, ticket) = (created["id"].as_i64().unwrap(), created["ticketId"].clone());
    let mask = q("mask[id,cancellationDate,activeCancellationItem[id,cancellationRequestId]]");
    let item = get(
        &emu,
        &format!("SoftLayer_Billing_Item/3010/getObject.json?objectMask={mask}"),
    )
    .json();
    assert_eq!(item["cancellationDate"], ANNIVERSARY);
    assert_eq!(item["activeCancellationItem"]["cancellationRequestId"], id);
    let r = post(
        &emu,
        &format!("SoftLayer_Billing_Item_Cancellation_Request/{id}/void.json"),
        json!([true]),
    );
    assert_eq!((r.status, r.text.as_str()), (200, "true"));
    let item = get(
        &emu,
        &format!("SoftLayer_Billing_Item/3010/getObject.json?objectMask={mask}"),
    )
    .json();
    assert_eq!(
        item,
        json!({"id": 3010}),
        "active again, no open request item"
    );
    let request = get(
        &emu,
        &format!(
            "SoftLayer_Billing_Item_Cancellation_Request/{id}/getObject.json?objectMask={}",
            q("mask[status[name]]")
        ),
    )
    .json();
    assert_eq!(request["status"]["name"], "Voided");
    let closed = get(&emu, &format!("SoftLayer_Ticket/{ticket}/getObject.json")).json();
    assert_eq!(closed["statusId"], 1002, "{closed}");
    let again = post(
        &emu,
        &format!("SoftLayer_Billing_Item_Cancellation_Request/{id}/void.json"),
        json!([false]),
    );
    assert_eq!(
        (again.status, again.error()),
        (
            500,
            format!("Cannot void cancellation request {id}: its status is Voided.")
        )
    );
    // An immediate request: the global IP is cancelled at once.
    let immediate = post(
        &emu,
        "SoftLayer_Billing_Item_Cancellation_Request/createObject.json",
        json!([{"items": [{"billingItemId": 5010, "immediateCancellationFlag": true}]}]),
    )
    .json();
    let r = post(
        &emu,
        &format!(
            "SoftLayer_Billing_Item_Cancellation_Request/{}/void.json",
            immediate["id"]
        ),
        json!([true]),
    );
    assert_eq!(
        (r.status, r.error()),
        (
            500,
            // The item's own refusal (reference §1.3).
            "Cannot void cancellation.  The void cnacellation period has expired.".to_owned()
        )
    );
    let unknown = post(
        &emu,
        "SoftLayer_Billing_Item_Cancellation_Request/999/void.json",
        json!([true]),
    );
    assert_eq!(unknown.status, 404);
}
