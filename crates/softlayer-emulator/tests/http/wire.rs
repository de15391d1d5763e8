//! Routes, verbs, auth, headers, error bodies, paging and the control
//! endpoints.

use serde_json::{Value, json};
use softlayer_emulator::World;

use crate::support::{
    USER, config, get, post, q, raw, send_raw, start, start_world, test_world, world,
};

/// getObject answers with every local property and the JSON content type.
#[test]
fn get_object_returns_locals() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Virtual_Guest/101/getObject.json");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.header("SoftLayer-Total-Items"), None);
    let body = r.json();
    assert_eq!(body["hostname"], "ci-runner-01");
    assert_eq!(body["fullyQualifiedDomainName"], "ci-runner-01.example.com");
    assert!(body.get("billingItem").is_none());
    assert!(body.get("primaryIpAddress").is_none());
}

/// The verb-implied and suffix-less URL forms reach the same methods.
#[test]
fn verb_implied_and_short_forms_route() {
    let emu = start(config());
    for target in [
        "/rest/v3.1/SoftLayer_Virtual_Guest/101.json",
        "/rest/v3/SoftLayer_Virtual_Guest/101/getObject.json",
        "/rest/v3.1/SoftLayer_Virtual_Guest/101/getObject",
        "/rest/v3.1/SoftLayer_Virtual_Guest/101",
    ] {
        let r = raw(&emu, "GET", target, Some(USER), None);
        assert_eq!(r.status, 200, "{target}");
        assert_eq!(r.json()["id"], 101, "{target}");
    }
    let r = raw(
        &emu,
        "DELETE",
        "/rest/v3.1/SoftLayer_Virtual_Guest/102.json",
        Some(USER),
        None,
    );
    assert_eq!((r.status, r.text.as_str()), (200, "true"));
    assert_eq!(
        get(&emu, "SoftLayer_Virtual_Guest/102/getObject.json").status,
        404
    );
    let r = raw(
        &emu,
        "POST",
        "/rest/v3.1/SoftLayer_Billing_Item_Cancellation_Request.json?objectMask=mask%5Bitems%5D",
        Some(USER),
        Some(
            r#"{"parameters": [{"items": [{"billingItemId": 7000, "immediateCancellationFlag": true}]}]}"#,
        ),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["items"][0]["billingItemId"], 7000);
}

/// Missing or wrong credentials get SoftLayer's 401 body.
#[test]
fn bad_credentials_get_401() {
    let emu = start(config());
    for auth in [
        None,
        Some(("SL278184", "wrong")),
        Some(("other", "secret-key")),
    ] {
        let r = raw(
            &emu,
            "GET",
            "/rest/v3.1/SoftLayer_Account/getObject.json",
            auth,
            None,
        );
        assert_eq!(r.status, 401);
        assert_eq!(
            r.json(),
            json!({"error": "Invalid API token.", "code": "SoftLayer_Exception_InvalidLegacyToken"})
        );
    }
}

/// A world without users accepts any credentials, but not none.
#[test]
fn no_users_accepts_any_credentials() {
    let mut w = test_world();
    w.as_object_mut().unwrap().remove("users");
    let emu = start_world(&w, config());
    let r = raw(
        &emu,
        "GET",
        "/rest/v3.1/SoftLayer_Account/getCurrentUser.json",
        Some(("anyone", "x")),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["username"], "anyone");
    assert!(r.json().get("apiKey").is_none());
    let r = raw(
        &emu,
        "GET",
        "/rest/v3.1/SoftLayer_Account/getObject.json",
        None,
        None,
    );
    assert_eq!(r.status, 401);
}

/// getCurrentUser answers the authenticated user, never the API key.
#[test]
fn current_user_has_no_api_key() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Account/getCurrentUser.json");
    assert_eq!(
        r.json(),
        json!({"id": 7001, "username": "SL278184", "firstName": "Ada", "lastName": "Ops", "accountId": 278184})
    );
    assert!(!r.text.contains("secret-key"));
}

/// Unknown ids, services and methods get 404 with SoftLayer's texts.
#[test]
fn not_found_errors() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Virtual_Guest/404404/getObject.json");
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"error": "Unable to find object with id of '404404'.", "code": "SoftLayer_Exception_ObjectNotFound"})
    );
    let r = get(&emu, "SoftLayer_Network_Vlan/abc/getObject.json");
    assert_eq!(
        (r.status, r.error()),
        (404, "Unable to find object with id of 'abc'.".to_owned())
    );
    let r = get(&emu, "SoftLayer_Nope/getObject.json");
    assert_eq!(
        (r.status, r.error()),
        (404, "Service does not exist".to_owned())
    );
    let r = get(&emu, "SoftLayer_Virtual_Guest/101/reboot.json");
    assert_eq!(r.status, 404);
    assert_eq!(
        r.error(),
        "Function (\"reboot\") is not a valid method for this service."
    );
    assert_eq!(r.json()["code"], "SoftLayer_Exception_Public");
}

/// Every list answer carries SoftLayer-Total-Items; resultLimit pages it.
#[test]
fn lists_page_with_total_items() {
    let emu = start(config());
    let r = get(
        &emu,
        "SoftLayer_Account/getVirtualGuests.json?objectMask=mask%5Bid%5D",
    );
    assert_eq!(r.header("SoftLayer-Total-Items"), Some("6"));
    assert_eq!(r.json().as_array().unwrap().len(), 6);
    let r = get(
        &emu,
        "SoftLayer_Account/getVirtualGuests.json?objectMask=mask%5Bid%5D&resultLimit=2%2C2",
    );
    assert_eq!(r.header("SoftLayer-Total-Items"), Some("6"));
    assert_eq!(r.json(), json!([{"id": 103}, {"id": 104}]));
    let r = get(
        &emu,
        "SoftLayer_Account/getVirtualGuests.json?objectMask=mask%5Bid%5D&resultLimit=3",
    );
    assert_eq!(r.json(), json!([{"id": 101}, {"id": 102}, {"id": 103}]));
    let r = get(
        &emu,
        "SoftLayer_Account/getVirtualGuests.json?objectMask=mask%5Bid%5D&resultLimit=5%2C0",
    );
    assert_eq!(r.json(), json!([{"id": 106}]));
    let r = get(
        &emu,
        "SoftLayer_Account/getVirtualGuests.json?resultLimit=10%2C5",
    );
    assert_eq!(
        (r.json(), r.header("SoftLayer-Total-Items")),
        (json!([]), Some("6"))
    );
    // The SDK's iter_call adds a top-level id orderBy: accepted.
    let f =
        q(r#"{"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]}}"#);
    let r = get(
        &emu,
        &format!("SoftLayer_Account/getVirtualGuests.json?resultLimit=0%2C2&objectFilter={f}"),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_array().unwrap()[0]["id"], 101);
}

/// `+` in a query decodes as a space (form decoding).
#[test]
fn query_plus_is_space() {
    let emu = start(config());
    let r = get(
        &emu,
        "SoftLayer_Virtual_Guest/101/getObject.json?objectMask=mask%5Bid%2C%0A++++hostname%5D",
    );
    assert_eq!(r.json(), json!({"id": 101, "hostname": "ci-runner-01"}));
}

/// findByIpAddress: the object on a hit, null on a miss, an error for junk.
#[test]
fn find_by_ip_address() {
    let emu = start(config());
    let r = post(
        &emu,
        "SoftLayer_Virtual_Guest/findByIpAddress.json?objectMask=mask%5Bid%5D",
        json!(["10.0.0.11"]),
    );
    assert_eq!(r.json(), json!({"id": 102}));
    let r = post(
        &emu,
        "SoftLayer_Hardware_Server/findByIpAddress.json",
        json!(["10.0.0.132"]),
    );
    assert_eq!(r.json()["id"], 201);
    let r = post(
        &emu,
        "SoftLayer_Virtual_Guest/findByIpAddress.json",
        json!(["10.9.9.9"]),
    );
    assert_eq!((r.status, r.text.as_str()), (200, "null"));
    let r = post(
        &emu,
        "SoftLayer_Virtual_Guest/findByIpAddress.json",
        json!(["1.2.3"]),
    );
    assert_eq!(
        (r.status, r.error()),
        (500, "Invalid IP address of 1.2.3 defined.".to_owned())
    );
}

/// The request log records method, path, decoded query, status and call.
#[test]
fn request_log_records_calls() {
    let emu = start(config());
    get(
        &emu,
        "SoftLayer_Virtual_Guest/101/getObject.json?objectMask=mask%5Bid%5D",
    );
    get(&emu, "SoftLayer_Virtual_Guest/999/getObject.json");
    let mut log = raw(&emu, "GET", "/__emulator/requests", None, None).json();
    // The emulator's own time on each, measured.
    for field in ["service_us", "lock_wait_us"] {
        let us = log[0].as_object_mut().unwrap().remove(field);
        assert!(us.is_some_and(|us| us.is_u64()), "{field}: {log}");
    }
    assert_eq!(
        log[0],
        json!({"method": "GET", "path": "/rest/v3.1/SoftLayer_Virtual_Guest/101/getObject.json",
               "query": {"objectMask": "mask[id]"}, "status": 200, "service": "SoftLayer_Virtual_Guest",
               "method_name": "getObject", "id": "101"})
    );
    assert_eq!(log[1]["status"], 404);
    assert_eq!(emu.requests().len(), 2);
}

/// The world endpoint answers the current state in the world format.
#[test]
fn world_endpoint_round_trips() {
    let emu = start(config());
    let w = world(&emu);
    assert_eq!(w["format"], "slretire-world/1");
    let again = World::from_json_str(&w.to_string()).unwrap().to_json();
    assert_eq!(again, w);
    assert_eq!(emu.world(), w);
    assert_eq!(raw(&emu, "GET", "/__emulator/nope", None, None).status, 404);
}

/// A body that is not JSON is a bad request.
#[test]
fn bad_body_is_rejected() {
    let emu = start(config());
    let r = raw(
        &emu,
        "POST",
        "/rest/v3.1/SoftLayer_Billing_Item/7000/cancelItem.json",
        Some(USER),
        Some("{nope"),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["code"],
        "SoftLayer_Exception_WebService_BadRequest"
    );
    let _: Value = r.json();
}

/// Verbs other than GET, POST, PUT and DELETE get 405 with an Allow header
/// and a JSON error body; the four verbs still route.
#[test]
fn other_verbs_get_405() {
    let emu = start(config());
    for verb in ["PATCH", "OPTIONS", "HEAD"] {
        let r = raw(
            &emu,
            verb,
            "/rest/v3.1/SoftLayer_Account/getObject.json",
            Some(USER),
            None,
        );
        assert_eq!(r.status, 405, "{verb}");
        assert_eq!(r.header("Allow"), Some("GET, POST, PUT, DELETE"), "{verb}");
        if verb != "HEAD" {
            assert_eq!(
                r.json()["code"],
                "SoftLayer_Exception_WebService_BadRequest",
                "{verb}"
            );
        }
    }
    let log = raw(&emu, "GET", "/__emulator/requests", None, None).json();
    assert_eq!(log[0]["method"], "PATCH");
    assert_eq!(log[0]["status"], 405);
    assert_eq!(get(&emu, "SoftLayer_Account/getObject.json").status, 200);
}

/// The Basic and Bearer schemes match in any case.
#[test]
fn auth_scheme_is_case_insensitive() {
    let emu = start(config());
    let token = base64_credentials();
    for scheme in ["basic", "BASIC", "bAsIc"] {
        let r = send_raw(
            &emu,
            &format!(
                "GET /rest/v3.1/SoftLayer_Account/getObject.json HTTP/1.1\r\nHost: {{authority}}\r\nConnection: close\r\nAuthorization: {scheme} {token}\r\n\r\n"
            ),
        );
        assert_eq!(r.status, 200, "{scheme}: {}", r.text);
        assert_eq!(r.json()["id"], 278184);
    }
}

fn base64_credentials() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", USER.0, USER.1))
}

/// A method-like second segment is a method without an init id; a numeric
/// one is an id with getObject implied.
#[test]
fn method_like_segments_route() {
    let emu = start(config());
    let r = get(&emu, "SoftLayer_Account/getObject");
    assert_eq!((r.status, r.json()["id"].clone()), (200, json!(278184)));
    let r = get(&emu, "SoftLayer_Virtual_Guest/101");
    assert_eq!((r.status, r.json()["id"].clone()), (200, json!(101)));
    let r = get(
        &emu,
        "SoftLayer_Virtual_Guest/findByIpAddress/169.45.1.11.json",
    );
    assert_eq!((r.status, r.json()["id"].clone()), (200, json!(102)));
}

/// A malformed objectFilter (not JSON, or the wrong shape) is ignored: the
/// whole list comes back, as the real API does.
#[test]
fn malformed_filters_are_ignored() {
    let emu = start(config());
    let all = get(&emu, "SoftLayer_Account/getVirtualGuests.json").json();
    let n = all.as_array().unwrap().len();
    for filter in [
        "{not json",
        "[1, 2]",
        "\"virtualGuests\"",
        r#"{"virtualGuests": "x"}"#,
        r#"{"virtualGuests": {"hostname": "web-01"}}"#,
        r#"{"virtualGuests": {"hostname": {"options": 3}}}"#,
        r#"{"virtualGuests": {"noSuchProperty": {"operation": "x"}}}"#,
    ] {
        let r = get(
            &emu,
            &format!(
                "SoftLayer_Account/getVirtualGuests.json?objectFilter={}",
                q(filter)
            ),
        );
        assert_eq!(r.status, 200, "{filter}: {}", r.text);
        assert_eq!(r.json().as_array().map(Vec::len), Some(n), "{filter}");
        assert_eq!(
            r.header("SoftLayer-Total-Items"),
            Some(n.to_string().as_str())
        );
    }
}
