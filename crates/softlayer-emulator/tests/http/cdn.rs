//! CDN: the CDN Marketplace mapping service, served from the world's
//! `cdnDomainMappings`; today's API (no such service, no getCdnAccounts)
//! when the world has none; old world files with legacy `cdnAccounts`.

use std::time::Duration;

use serde_json::{Value, json};
use softlayer_emulator::{Config, World};

use crate::support::{config, get, post, q, start_world, test_world, world};

const SERVICE: &str = "SoftLayer_Network_CdnMarketplace_Configuration_Mapping";

/// The test world with two mappings, shaped like softlayer-python 6.2.9's
/// fixtures (`SoftLayer_Network_CdnMarketplace_Configuration_Mapping.py`).
fn cdn_world() -> Value {
    let mut w = test_world();
    w["cdnDomainMappings"] = json!([
        {"cacheKeyQueryRule": "include-all", "cname": "cdnakauuiet7s6u6.cdnedge.bluemix.net",
         "createDate": "2020-09-29T15:19:01-06:00", "domain": "test.example.com",
         "header": "test.example.com", "httpPort": 80, "originHost": "1.1.1.1",
         "originType": "HOST_SERVER", "path": "/", "protocol": "HTTP",
         "status": "CNAME_CONFIGURATION", "uniqueId": "11223344", "vendorName": "akamai"},
        {"akamaiCname": "wildcard.appdomain.mdc.edgekey.net", "certificateType": "NO_CERT",
         "cname": "cdnakayq9fye4t88239.cdn.appdomain.cloud", "createDate": "2023-03-29T07:33:42-06:00",
         "domain": "www.test.com", "header": "www.header.com", "httpPort": 80, "httpsPort": null,
         "modifyDate": "2023-03-29T07:33:46-06:00", "originHost": "67.228.227.82",
         "originType": "HOST_SERVER", "path": "/path/*", "performanceConfiguration": "General web delivery",
         "protocol": "HTTP", "respectHeaders": false, "serveStale": true, "status": "RUNNING",
         "uniqueId": "303727924488685", "vendorName": "akamai"},
    ]);
    w
}

fn call(emu: &softlayer_emulator::Emulator, method: &str, params: Value) -> crate::support::Resp {
    post(emu, &format!("{SERVICE}/{method}.json"), params)
}

/// listDomainMappings lists every mapping (mask, filter at the datatype,
/// total header); listDomainMappingByUniqueId answers a list of one; an
/// unknown uniqueId is a 404.
#[test]
fn lists_and_looks_up_mappings() {
    let emu = start_world(&cdn_world(), config());
    let all = get(&emu, &format!("{SERVICE}/listDomainMappings.json"));
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.header("SoftLayer-Total-Items"), Some("2"));
    let list = all.json();
    assert_eq!(list[0]["uniqueId"], "11223344");
    assert_eq!(list[0]["domain"], "test.example.com");
    assert_eq!(list[1]["status"], "RUNNING");
    assert!(
        list[0].get("id").is_none(),
        "a mapping has no id: {}",
        list[0]
    );
    let masked = get(
        &emu,
        &format!(
            "{SERVICE}/listDomainMappings.json?objectMask={}&objectFilter={}",
            q("mask[uniqueId,domain]"),
            q(r#"{"domain": {"operation": "www.test.com"}}"#)
        ),
    );
    assert_eq!(
        masked.json(),
        json!([{"uniqueId": "303727924488685", "domain": "www.test.com"}])
    );
    assert_eq!(masked.header("SoftLayer-Total-Items"), Some("1"));
    // A filter on `id` names no property of the mapping and is ignored.
    let by_id = get(
        &emu,
        &format!(
            "{SERVICE}/listDomainMappings.json?objectFilter={}",
            q(r#"{"id": {"operation": "in", "options": [{"name": "data", "value": [1]}]}}"#)
        ),
    );
    assert_eq!(by_id.json().as_array().map(Vec::len), Some(2));

    let one = call(&emu, "listDomainMappingByUniqueId", json!(["11223344"]));
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.json().as_array().map(Vec::len), Some(1));
    assert_eq!(
        one.json()[0]["cname"],
        "cdnakauuiet7s6u6.cdnedge.bluemix.net"
    );
    for method in ["listDomainMappingByUniqueId", "deleteDomainMapping"] {
        let missing = call(&emu, method, json!(["999"]));
        assert_eq!(
            (missing.status, missing.json()),
            (
                404,
                json!({"error": "Unable to find object with unique identifier of '999'.",
                       "code": "SoftLayer_Exception_ObjectNotFound"})
            ),
            "{method}"
        );
    }
    // Methods the service has (in the 2024-06 metadata) that the emulator
    // does not model are said to be so; names it never had are the API's 404.
    let r = call(&emu, "createDomainMapping", json!([{}]));
    assert_eq!(
        (r.status, r.error()),
        (
            501,
            format!("{SERVICE}::createDomainMapping exists in the API but is not emulated.")
        )
    );
    let r = get(&emu, &format!("{SERVICE}/getNope.json"));
    assert_eq!(
        (r.status, r.error()),
        (
            404,
            "Function (\"getNope\") is not a valid method for this service.".to_owned()
        )
    );
}

/// deleteDomainMapping answers the mapping as DELETING (the fixture's
/// shape); it is gone at once with the default reclaim delay, from the
/// lists and from the world.
#[test]
fn delete_removes_the_mapping() {
    let emu = start_world(&cdn_world(), config());
    let r = call(&emu, "deleteDomainMapping", json!(["303727924488685"]));
    assert_eq!(r.status, 200, "{}", r.text);
    let deleted = r.json();
    assert_eq!(deleted.as_array().map(Vec::len), Some(1));
    assert_eq!(deleted[0]["uniqueId"], "303727924488685");
    assert_eq!(deleted[0]["status"], "DELETING");
    assert_eq!(deleted[0]["domain"], "www.test.com");
    assert_eq!(deleted[0]["modifyDate"], "2026-11-15T12:00:00-06:00");
    let list = get(&emu, &format!("{SERVICE}/listDomainMappings.json")).json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["uniqueId"], "11223344");
    assert_eq!(
        call(
            &emu,
            "listDomainMappingByUniqueId",
            json!(["303727924488685"])
        )
        .status,
        404
    );
    let w = world(&emu);
    let left: Vec<&Value> = w["cdnDomainMappings"].as_array().unwrap().iter().collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["uniqueId"], "11223344");
}

/// With a reclaim delay the mapping stays listed as DELETING until it
/// passes; deleting it again is refused.
#[test]
fn deleting_mapping_is_listed_until_reclaimed() {
    let emu = start_world(
        &cdn_world(),
        Config {
            reclaim_after: Duration::from_secs(3600),
            ..config()
        },
    );
    assert_eq!(
        call(&emu, "deleteDomainMapping", json!(["11223344"])).status,
        200
    );
    let one = call(&emu, "listDomainMappingByUniqueId", json!(["11223344"])).json();
    assert_eq!(one[0]["status"], "DELETING");
    let again = call(&emu, "deleteDomainMapping", json!(["11223344"]));
    assert_eq!(
        (again.status, again.json()),
        (
            500,
            json!({"error": "Domain mapping 11223344 is already being deleted.",
                   "code": "SoftLayer_Exception_Public"})
        )
    );
}

/// A world without `cdnDomainMappings` is today's API: the mapping service
/// does not exist, nor does the legacy CDN account service, and
/// getCdnAccounts is not a method of SoftLayer_Account.
#[test]
fn without_mappings_the_services_do_not_exist() {
    let emu = start_world(&test_world(), config());
    for method in [
        "listDomainMappings",
        "listDomainMappingByUniqueId",
        "deleteDomainMapping",
        "createDomainMapping",
    ] {
        let r = call(&emu, method, json!(["11223344"]));
        assert_eq!(
            (r.status, r.json()),
            (
                404,
                json!({"error": "Service does not exist", "code": "SoftLayer_Exception_Public"})
            ),
            "{method}"
        );
    }
    let r = get(
        &emu,
        "SoftLayer_Network_ContentDelivery_Account/14793/getObject.json",
    );
    assert_eq!(
        (r.status, r.error()),
        (404, "Service does not exist".into())
    );
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Account/getCdnAccounts.json?objectMask={}",
            q("mask[id,billingItem]")
        ),
    );
    assert_eq!(
        (r.status, r.json()),
        (
            404,
            json!({"error": "Function (\"getCdnAccounts\") is not a valid method for this service.",
                   "code": "SoftLayer_Exception_Public"})
        )
    );
    // An empty list is a service with no mappings.
    let mut w = test_world();
    w["cdnDomainMappings"] = json!([]);
    let emu = start_world(&w, config());
    let r = get(&emu, &format!("{SERVICE}/listDomainMappings.json"));
    assert_eq!((r.status, r.text.as_str()), (200, "[]"));
}

/// An old world file with legacy `cdnAccounts` still loads: each account's
/// billing item stays on the account as a top-level billing item (the API
/// kept billing what getCdnAccounts no longer lists); the accounts
/// themselves are dropped, and the world is written back without them.
#[test]
fn legacy_cdn_accounts_become_billing_items() {
    let mut w = test_world();
    w["cdnAccounts"] = json!([
        {"id": 14793, "cdnAccountName": "14793", "accountId": 278184, "cdnSolutionName": "ORIGIN_PULL",
         "createDate": "2023-01-01T10:00:00-06:00",
         "billingItem": {"id": 99_000_701, "categoryCode": "cdn", "recurringFee": "10.00"}},
        {"id": 14794, "cdnAccountName": "14794"},
    ]);
    let emu = start_world(&w, config());
    let items = get(
        &emu,
        &format!(
            "SoftLayer_Account/getAllTopLevelBillingItems.json?objectFilter={}",
            q(r#"{"allTopLevelBillingItems": {"categoryCode": {"operation": "cdn"}}}"#)
        ),
    )
    .json();
    assert_eq!(
        items,
        json!([{"id": 99_000_701, "categoryCode": "cdn", "recurringFee": "10.00"}])
    );
    assert_eq!(
        post(
            &emu,
            "SoftLayer_Billing_Item/99000701/cancelItem.json",
            json!([true, false, "No longer needed", null])
        )
        .text,
        "true"
    );
    let out = world(&emu);
    assert!(out.get("cdnAccounts").is_none(), "{}", out["cdnAccounts"]);
    assert!(out.get("cdnDomainMappings").is_none());
    let kept = out["allTopLevelBillingItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == 99_000_701)
        .cloned()
        .unwrap();
    assert_eq!(kept["cancellationDate"], "2026-11-15T12:00:00-06:00");
    // Its billing item is still checked like any other.
    w["cdnAccounts"][1]["billingItem"] = json!({"id": 99_000_701});
    let e = World::from_json_str(&w.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("cdnAccounts[1].billingItem.id: duplicate billing item id 99000701"),
        "{e}"
    );
}

/// Mappings are keyed by a unique, non-empty string uniqueId and have the
/// container type's properties only (no `id`, no billing item).
#[test]
fn mapping_shape_is_checked() {
    let err = |mappings: Value| {
        let mut w = test_world();
        w["cdnDomainMappings"] = mappings;
        World::from_json_str(&w.to_string())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(json!([{"uniqueId": "1"}, {"uniqueId": "1"}])),
        "cdnDomainMappings[1].uniqueId: duplicate uniqueId \"1\" (already used at cdnDomainMappings[0])"
    );
    assert_eq!(
        err(json!([{"domain": "a.example.com"}])),
        "cdnDomainMappings[0]: missing string \"uniqueId\""
    );
    assert_eq!(
        err(json!([{"uniqueId": 5}])),
        "cdnDomainMappings[0]: missing string \"uniqueId\""
    );
    let e = err(json!([{"uniqueId": "1", "id": 1}]));
    assert!(
        e.starts_with("cdnDomainMappings[0].id: unknown property 'id' for SoftLayer_Container_Network_CdnMarketplace_Configuration_Mapping"),
        "{e}"
    );
    let e = err(json!([{"uniqueId": "1", "billingItem": {"id": 3}}]));
    assert!(e.contains("unknown property 'billingItem'"), "{e}");
}
