//! Request shapes and error mapping against the emulator: its request log
//! must show what the reference captured from the official SDK.

use std::time::Duration;

use serde_json::{Value, json};
use slretire::softlayer::{ApiError, Call, Client, RetryPolicy, Settings};
use softlayer_emulator::{Config, LoggedRequest};

use crate::support::{TEST_API_KEY, emulator, emulator_with, explicit_connection};

/// The reference's capture world: guest 12345678 with billing item 987654,
/// billing item 555, five guests 1000..=1004. (Its CDN account 14793 is no
/// more: getCdnAccounts left the API in 2019.)
fn capture_world() -> String {
    let mut guests = vec![json!({
        "id": 12345678, "hostname": "ci-runner-01", "domain": "example.com",
        "billingItem": {"id": 987654, "categoryCode": "guest_core", "recurringFee": "0", "hourlyFlag": true}
    })];
    guests.extend(
        (0..5).map(
            |i| json!({"id": 1000 + i, "hostname": format!("vs{i}"), "domain": "example.com"}),
        ),
    );
    json!({
        "format": "slretire-world/1",
        "account": {"id": 278184, "companyName": "Example Corp", "email": "ops@example.com"},
        "users": [{"id": 7001, "username": "testuser", "apiKey": TEST_API_KEY}],
        "virtualGuests": guests,
        "allTopLevelBillingItems": [{
            "id": 555, "categoryCode": "monitoring_package", "recurringFee": "0.00", "hourlyFlag": false,
            "allowCancellationFlag": 1, "nextBillDate": "2026-12-01T00:00:00-06:00"
        }]
    })
    .to_string()
}

/// A client as `username`/`key` with short retries.
fn client_for(base_url: &str, username: &str, key: &str, dir: &tempfile::TempDir) -> Client {
    let mut settings =
        Settings::resolve(&explicit_connection(base_url, username, key, dir.path())).unwrap();
    settings.retry = fast_retries();
    Client::new(settings).unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 8,
        max_connect_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        deadline: Duration::from_secs(60),
        rate_limit_delay: Duration::from_millis(200),
    }
}

fn query(request: &LoggedRequest) -> Vec<(&str, &str)> {
    request
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// getBillingItem, getCdnAccounts (mask + filter) and cancelItem reach the
/// emulator as captured; getCdnAccounts is refused as today's API refuses it.
#[test]
fn calls_match_reference_captures() {
    let emulator = emulator(&capture_world());
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(&emulator.base_url(), "testuser", TEST_API_KEY, &dir);

    let item = client
        .read(
            &Call::new("SoftLayer_Virtual_Guest", "getBillingItem")
                .id(12345678)
                .mask("mask[id]"),
        )
        .unwrap();
    assert_eq!(item, json!({"id": 987654}));
    let gone = client
        .read(
            &Call::new("SoftLayer_Account", "getCdnAccounts")
                .filter(json!({"cdnAccounts": {"cdnAccountName": {"operation": "14793"}}}))
                .mask("mask[billingItem]"),
        )
        .unwrap_err();
    assert!(gone.is_unknown_method(), "{gone:?}");
    assert_eq!(gone.status(), Some(404));
    let cancelled = client
        .write(
            &Call::new("SoftLayer_Billing_Item", "cancelItem")
                .id(555)
                .params(vec![
                    json!(false),
                    json!(false),
                    json!("No longer needed"),
                    json!("Api test"),
                ]),
        )
        .unwrap();
    assert_eq!(cancelled, json!(true));

    let log = emulator.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str()),
        (
            "GET",
            "/rest/v3.1/SoftLayer_Virtual_Guest/12345678/getBillingItem.json"
        )
    );
    assert_eq!(query(&log[0]), vec![("objectMask", "mask[id]")]);
    assert_eq!(
        log[1].path,
        "/rest/v3.1/SoftLayer_Account/getCdnAccounts.json"
    );
    assert_eq!(
        query(&log[1]),
        vec![
            ("objectMask", "mask[billingItem]"),
            (
                "objectFilter",
                r#"{"cdnAccounts": {"cdnAccountName": {"operation": "14793"}}}"#
            )
        ]
    );
    assert_eq!(
        (log[2].method.as_str(), log[2].path.as_str()),
        (
            "POST",
            "/rest/v3.1/SoftLayer_Billing_Item/555/cancelItem.json"
        )
    );
    assert_eq!(
        log[2].parameters,
        Some(vec![
            json!(false),
            json!(false),
            json!("No longer needed"),
            json!("Api test")
        ])
    );
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 404, 200]);
}

/// Listing in pages of 2 sends resultLimit 0,2 / 2,2 / 4,2 before an id orderBy under the root.
#[test]
fn paged_list_matches_iter_call_capture() {
    let emulator = emulator(&capture_world());
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::resolve(&explicit_connection(
        &emulator.base_url(),
        "testuser",
        TEST_API_KEY,
        dir.path(),
    ))
    .unwrap();
    settings.page_size = 2;
    let client = Client::new(settings).unwrap();
    let guests = client
        .list(
            &Call::new("SoftLayer_Account", "getVirtualGuests")
                .filter(json!({"virtualGuests": {"hostname": {"operation": "^= vs"}}})),
            Some("virtualGuests"),
        )
        .unwrap();
    let ids: Vec<u64> = guests.iter().map(|g| g["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, vec![1000, 1001, 1002, 1003, 1004]);
    let log = emulator.requests();
    let mut limits: Vec<&str> = log.iter().map(|r| query(r)[0].1).collect();
    limits.sort_unstable();
    assert_eq!(limits, vec!["0,2", "2,2", "4,2"]);
    let filter = r#"{"virtualGuests": {"hostname": {"operation": "^= vs"}, "id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]}}}"#;
    for request in &log {
        assert_eq!(query(request)[0].0, "resultLimit");
        assert_eq!(query(request)[1], ("objectFilter", filter));
    }
}

/// A missing object is NotFound with the API's status, code and message, after one request.
#[test]
fn not_found_is_typed() {
    let emulator = emulator(&capture_world());
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(&emulator.base_url(), "testuser", TEST_API_KEY, &dir);
    let err = client
        .read(&Call::new("SoftLayer_Virtual_Guest", "getObject").id(404404))
        .unwrap_err();
    assert_eq!(
        err,
        ApiError::NotFound {
            status: 404,
            code: "SoftLayer_Exception_ObjectNotFound".into(),
            message: "Unable to find object with id of '404404'.".into()
        }
    );
    assert_eq!(emulator.requests().len(), 1);
}

/// Wrong credentials are an authentication error, not retried, and the message has no key.
#[test]
fn bad_credentials_are_an_authentication_error() {
    let emulator = emulator(&capture_world());
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(&emulator.base_url(), "testuser", "wrong-key-7f3a9c", &dir);
    let err = client
        .read(&Call::new("SoftLayer_Account", "getObject"))
        .unwrap_err();
    assert!(err.is_authentication(), "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert!(!err.to_string().contains("wrong-key-7f3a9c"));
    assert!(!format!("{err:?}").contains("wrong-key-7f3a9c"));
    assert_eq!(emulator.requests().len(), 1);
}

/// A clean business-rule refusal keeps SoftLayer's text and is not repeated.
#[test]
fn refusal_is_final() {
    let emulator = emulator(&capture_world());
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(&emulator.base_url(), "testuser", TEST_API_KEY, &dir);
    let cancel = Call::new("SoftLayer_Billing_Item", "cancelService").id(555);
    client.write(&cancel).unwrap();
    let err = client.write(&cancel).unwrap_err();
    assert!(err.is_refused(), "{err:?}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), Some("SoftLayer_Exception_Public"));
    assert_eq!(emulator.requests().len(), 2);
}

/// A write whose response is lost took effect but is reported as Ambiguous, once.
#[test]
fn lost_response_is_ambiguous() {
    let config = Config {
        lose_response_rate: 1.0,
        ..Config::default()
    };
    let emulator = emulator_with(&capture_world(), config);
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(&emulator.base_url(), "testuser", TEST_API_KEY, &dir);
    let err = client
        .write(&Call::new("SoftLayer_Billing_Item", "cancelService").id(555))
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(client.calls_made(), 1, "never repeated blindly");
    let world = emulator.world();
    let item = &world["allTopLevelBillingItems"][0];
    assert_eq!(item["id"], json!(555));
    assert!(
        !item["cancellationDate"].is_null(),
        "the cancellation happened: {item}"
    );
    // Reading back is what the caller does next, and reads are safe.
    let read = client
        .read(
            &Call::new("SoftLayer_Billing_Item", "getObject")
                .id(555)
                .mask("mask[id,cancellationDate]"),
        )
        .unwrap();
    assert!(
        read.get("cancellationDate").is_some_and(Value::is_string),
        "{read}"
    );
}
