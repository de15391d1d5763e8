//! Voiding cancellations: `SoftLayer_Billing_Item::voidCancelService` and
//! `SoftLayer_Billing_Item_Cancellation_Request::void`, with the reference's
//! texts (softlayer-api-semantics.md §1.3, §2.3).

use std::time::Duration;

use serde_json::{Value, json};
use softlayer_emulator::Config;

use crate::support::{NOW, config, find, get, post, q, start, start_world, test_world, world};

const NOT_SET: &str = "Cannot void cancellation.  This billing item is not set to cancel.";
const EXPIRED: &str = "Cannot void cancellation.  The void cnacellation period has expired.";
const NOT_THROUGH_API: &str = "Cannot void cancellation for this service through the API.";
const ANNIVERSARY: &str = "2026-12-01T00:00:00-06:00";

fn public(message: &str) -> (u16, Value) {
    (
        500,
        json!({"error": message, "code": "SoftLayer_Exception_Public"}),
    )
}

fn void_item(emu: &softlayer_emulator::Emulator, id: i64) -> crate::support::Resp {
    get(
        emu,
        &format!("SoftLayer_Billing_Item/{id}/voidCancelService.json"),
    )
}

fn request(emu: &softlayer_emulator::Emulator, items: &Value) -> i64 {
    let r = post(
        emu,
        "SoftLayer_Billing_Item_Cancellation_Request/createObject.json",
        json!([{"items": items}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

fn void_request(emu: &softlayer_emulator::Emulator, id: i64, close: bool) -> crate::support::Resp {
    post(
        emu,
        &format!("SoftLayer_Billing_Item_Cancellation_Request/{id}/void.json"),
        json!([close]),
    )
}

fn item(emu: &softlayer_emulator::Emulator, id: i64) -> Value {
    get(
        emu,
        &format!(
            "SoftLayer_Billing_Item/{id}/getObject.json?objectMask={}",
            q("mask[id,cancellationDate,pendingCancellationFlag,activeCancellationItem.id]")
        ),
    )
    .json()
}

/// A cancellation that already took effect cannot be voided (the period
/// has expired), even while its resource is still being reclaimed; an item
/// that was never cancelled is not set to cancel.
#[test]
fn expired_and_unset_cancellations_are_refused() {
    let emu = start(Config {
        reclaim_after: Duration::from_secs(3600),
        ..config()
    });
    assert_eq!(
        (void_item(&emu, 3010).status, void_item(&emu, 3010).json()),
        public(NOT_SET)
    );
    assert_eq!(
        get(&emu, "SoftLayer_Billing_Item/3010/cancelService.json").text,
        "true"
    );
    let r = void_item(&emu, 3010);
    assert_eq!((r.status, r.json()), public(EXPIRED));
    // Nothing changed: the volume is still on its way out.
    let volume = find(&world(&emu), "networkStorage", 301).unwrap();
    assert_eq!(volume["billingItem"]["cancellationDate"], NOW, "{volume}");
    let shown = get(
        &emu,
        &format!(
            "SoftLayer_Network_Storage/301/getObject.json?objectMask={}",
            q("mask[id,billingItem.id]")
        ),
    )
    .json();
    assert_eq!(shown, json!({"id": 301}));
    assert_eq!(void_item(&emu, 424_242).status, 404);
}

/// Voiding a pending cancellation makes the item, and the children that
/// were cancelled with it, active again; the resource is no longer due to
/// be reclaimed.
#[test]
fn void_restores_item_children_and_resource() {
    let emu = start(Config {
        reclaim_after: Duration::from_secs(60),
        ..config()
    });
    assert_eq!(
        get(
            &emu,
            "SoftLayer_Billing_Item/3010/cancelServiceOnAnniversaryDate.json"
        )
        .text,
        "true"
    );
    assert_eq!(item(&emu, 3011)["cancellationDate"], ANNIVERSARY);
    assert_eq!(void_item(&emu, 3010).text, "true");
    for id in [3010, 3011] {
        assert_eq!(
            item(&emu, id),
            json!({"id": id, "pendingCancellationFlag": false}),
            "{id}"
        );
    }
    // Served again after the anniversary, the volume is still there.
    let later = world(&emu);
    let mut w = later.clone();
    w["clock"] = json!("2026-12-05T12:00:00-06:00");
    let emu = start_world(
        &w,
        Config {
            now: Some("2026-12-05T12:00:00-06:00".parse().unwrap()),
            ..Config::default()
        },
    );
    let r = get(&emu, "SoftLayer_Network_Storage/301/getObject.json");
    assert_eq!(r.status, 200, "{}", r.text);
    let again = void_item(&emu, 3010);
    assert_eq!((again.status, again.json()), public(NOT_SET));
}

/// What the API cannot cancel it does not un-cancel; a child's
/// cancellation is voided with its parent's, not on its own.
#[test]
fn not_through_the_api() {
    let mut w = test_world();
    let items = w["allTopLevelBillingItems"].as_array_mut().unwrap();
    let flagged = items.iter_mut().find(|i| i["id"] == 9_001).unwrap();
    flagged["cancellationDate"] = json!(ANNIVERSARY);
    let emu = start_world(&w, config());
    let r = void_item(&emu, 9_001);
    assert_eq!((r.status, r.json()), public(NOT_THROUGH_API));
    post(
        &emu,
        "SoftLayer_Billing_Item/3010/cancelItem.json",
        json!([false, true, "No longer needed", null]),
    );
    let r = void_item(&emu, 3011);
    assert_eq!((r.status, r.json()), public(NOT_THROUGH_API));
    assert_eq!(item(&emu, 3011)["cancellationDate"], ANNIVERSARY);
    assert_eq!(void_item(&emu, 3010).text, "true");
    assert!(item(&emu, 3011).get("cancellationDate").is_none());
}

/// A request's `void` takes back every pending item, marks the request
/// Voided and, when asked, closes its ticket; it cannot be voided twice.
#[test]
fn request_void_takes_back_its_items() {
    let emu = start(config());
    let id = request(
        &emu,
        &json!([
            {"billingItemId": 7000, "immediateCancellationFlag": false},
            {"billingItemId": 7001, "immediateCancellationFlag": false},
        ]),
    );
    assert_eq!(item(&emu, 7000)["pendingCancellationFlag"], true);
    assert!(item(&emu, 7000).get("activeCancellationItem").is_some());
    assert_eq!(void_request(&emu, id, true).text, "true");
    for billing in [7000, 7001] {
        assert_eq!(
            item(&emu, billing),
            json!({"id": billing, "pendingCancellationFlag": false}),
            "{billing}"
        );
    }
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Billing_Item_Cancellation_Request/{id}/getObject.json?objectMask={}",
            q("mask[id,statusId,status[keyName,name],ticket[id,statusId,status.name]]")
        ),
    )
    .json();
    assert_eq!(r["statusId"], 5);
    assert_eq!(r["status"], json!({"keyName": "VOIDED", "name": "Voided"}));
    assert_eq!(r["ticket"]["statusId"], 1002);
    assert_eq!(r["ticket"]["status"]["name"], "Closed");
    let again = void_request(&emu, id, false);
    assert_eq!(
        (again.status, again.json()),
        public(&format!(
            "Cannot void cancellation request {id}: its status is Voided."
        ))
    );
    assert_eq!(void_request(&emu, 999, false).status, 404);
}

/// Without the flag the ticket stays open; items voided on their own since
/// are skipped.
#[test]
fn request_void_skips_items_already_voided() {
    let emu = start(config());
    let id = request(
        &emu,
        &json!([
            {"billingItemId": 7002, "immediateCancellationFlag": false},
            {"billingItemId": 7003, "immediateCancellationFlag": false},
        ]),
    );
    assert_eq!(void_item(&emu, 7002).text, "true");
    assert_eq!(void_request(&emu, id, false).text, "true");
    assert!(item(&emu, 7003).get("cancellationDate").is_none());
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Billing_Item_Cancellation_Request/{id}/getObject.json?objectMask={}",
            q("mask[id,ticket.statusId]")
        ),
    )
    .json();
    assert_eq!(r["ticket"]["statusId"], 1001);
}

/// A request with an item whose cancellation already took effect is not
/// voided at all: the error names why, and nothing changes.
#[test]
fn request_void_is_all_or_nothing() {
    let emu = start(config());
    let id = request(
        &emu,
        &json!([
            {"billingItemId": 7004, "immediateCancellationFlag": false},
            {"billingItemId": 7005, "immediateCancellationFlag": true},
        ]),
    );
    let r = void_request(&emu, id, true);
    assert_eq!((r.status, r.json()), public(EXPIRED));
    assert_eq!(item(&emu, 7004)["cancellationDate"], ANNIVERSARY);
    let status = get(
        &emu,
        &format!(
            "SoftLayer_Billing_Item_Cancellation_Request/{id}/getObject.json?objectMask={}",
            q("mask[status.name]")
        ),
    )
    .json();
    assert_eq!(status["status"]["name"], "Approved");
}
