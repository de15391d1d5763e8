//! The client's HTTP against a raw capture server: exact request bytes,
//! timeouts, dropped connections, Retry-After, redirects, proxies.

use std::time::{Duration, Instant};

use serde_json::json;
use slretire::softlayer::{ApiError, Call, Client, RetryPolicy, Settings};

use crate::support::capture::{CaptureServer, Scripted};
use crate::support::{explicit_connection, slretire, text};

const KEY: &str = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
const BASIC: &str = "Basic dGVzdHVzZXI6YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OQ==";

/// A client for `server` as `testuser` with the capture key, fast retries and `timeout`.
fn client(server: &CaptureServer, dir: &tempfile::TempDir, timeout: f64) -> Client {
    let mut connection = explicit_connection(&server.base_url(), "testuser", KEY, dir.path());
    connection.timeout = Some(timeout);
    let mut settings = Settings::resolve(&connection).expect("settings");
    settings.retry = RetryPolicy {
        max_attempts: 3,
        max_connect_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        deadline: Duration::from_secs(30),
        rate_limit_delay: Duration::from_millis(50),
    };
    Client::new(settings).expect("client")
}

/// getBillingItem goes out with the captured request line, headers and no body.
#[test]
fn get_request_matches_reference_capture() {
    let server = CaptureServer::start(vec![Scripted::json(200, r#"{"id": 987654}"#)]);
    let dir = tempfile::tempdir().unwrap();
    let value = client(&server, &dir, 5.0)
        .read(
            &Call::new("SoftLayer_Virtual_Guest", "getBillingItem")
                .id(12345678)
                .mask("mask[id]"),
        )
        .unwrap();
    assert_eq!(value, json!({"id": 987654}));
    let request = &server.requests()[0];
    assert_eq!(
        request.request_line,
        "GET /rest/v3.1/SoftLayer_Virtual_Guest/12345678/getBillingItem.json?objectMask=mask%5Bid%5D HTTP/1.1"
    );
    assert_eq!(request.header("Accept"), Some("*/*"));
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(request.header("Authorization"), Some(BASIC));
    assert_eq!(
        request.header("User-Agent"),
        Some(concat!("slretire/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(request.header("Content-Length"), None);
    assert!(request.body.is_empty());
}

/// cancelItem is a POST with the SDK's exact body and Content-Length.
#[test]
fn post_request_matches_reference_capture() {
    let server = CaptureServer::start(vec![Scripted::json(200, "true")]);
    let dir = tempfile::tempdir().unwrap();
    let call = Call::new("SoftLayer_Billing_Item", "cancelItem")
        .id(555)
        .params(vec![
            json!(false),
            json!(false),
            json!("No longer needed"),
            json!("Api test"),
        ]);
    assert_eq!(
        client(&server, &dir, 5.0).write(&call).unwrap(),
        json!(true)
    );
    let request = &server.requests()[0];
    assert_eq!(
        request.request_line,
        "POST /rest/v3.1/SoftLayer_Billing_Item/555/cancelItem.json HTTP/1.1"
    );
    assert_eq!(
        request.body_text(),
        r#"{"parameters": [false, false, "No longer needed", "Api test"]}"#
    );
    assert_eq!(request.header("Content-Length"), Some("62"));
    assert_eq!(request.header("Content-Type"), Some("application/json"));
}

/// Argument-less createObject/editObject send POST/PUT with Content-Length 0; non-ASCII is escaped.
#[test]
fn empty_bodies_and_non_ascii() {
    let server = CaptureServer::start(Vec::new());
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server, &dir, 5.0);
    client
        .write(&Call::new("SoftLayer_Virtual_Guest", "createObject"))
        .unwrap();
    client
        .write(&Call::new("SoftLayer_Virtual_Guest", "editObject").id(1))
        .unwrap();
    client
        .write(
            &Call::new("SoftLayer_Billing_Item", "cancelItem")
                .id(555)
                .params(vec![
                    json!(false),
                    json!(false),
                    json!("Größe ☃"),
                    json!("a&b=c#d"),
                ]),
        )
        .unwrap();
    let requests = server.requests();
    assert_eq!(
        requests[0].request_line,
        "POST /rest/v3.1/SoftLayer_Virtual_Guest/createObject.json HTTP/1.1"
    );
    assert_eq!(requests[0].header("Content-Length"), Some("0"));
    assert_eq!(
        requests[1].request_line,
        "PUT /rest/v3.1/SoftLayer_Virtual_Guest/1/editObject.json HTTP/1.1"
    );
    assert_eq!(requests[1].header("Content-Length"), Some("0"));
    assert_eq!(
        requests[2].body_text(),
        r#"{"parameters": [false, false, "Gr\u00f6\u00dfe \u2603", "a&b=c#d"]}"#
    );
    assert_eq!(requests[2].header("Content-Length"), Some("67"));
}

/// createCancelServerTicket and a cancellation request carry the captured bodies.
#[test]
fn more_post_bodies_match_reference_captures() {
    let server = CaptureServer::start(Vec::new());
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server, &dir, 5.0);
    client
        .write(
            &Call::new("SoftLayer_Ticket", "createCancelServerTicket").params(vec![
                json!(123),
                json!("No longer needed"),
                json!("content"),
                json!(true),
                json!("HARDWARE"),
            ]),
        )
        .unwrap();
    client
        .write(
            &Call::new("SoftLayer_Billing_Item_Cancellation_Request", "createObject").params(vec![
                json!({"accountId": 1, "items": [{"billingItemId": 2, "immediateCancellationFlag": true}]}),
            ]),
        )
        .unwrap();
    let requests = server.requests();
    assert_eq!(
        requests[0].request_line,
        "POST /rest/v3.1/SoftLayer_Ticket/createCancelServerTicket.json HTTP/1.1"
    );
    assert_eq!(
        requests[0].body_text(),
        r#"{"parameters": [123, "No longer needed", "content", true, "HARDWARE"]}"#
    );
    assert_eq!(requests[0].header("Content-Length"), Some("70"));
    assert_eq!(
        requests[1].request_line,
        "POST /rest/v3.1/SoftLayer_Billing_Item_Cancellation_Request/createObject.json HTTP/1.1"
    );
    assert_eq!(
        requests[1].body_text(),
        r#"{"parameters": [{"accountId": 1, "items": [{"billingItemId": 2, "immediateCancellationFlag": true}]}]}"#
    );
    assert_eq!(requests[1].header("Content-Length"), Some("102"));
}

/// A read that times out is repeated; a write that times out is Ambiguous after one attempt.
#[test]
fn timeouts() {
    let server = CaptureServer::start(vec![
        Scripted::Stall(Duration::from_secs(2)),
        Scripted::json(200, "[]"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let value = client(&server, &dir, 0.3)
        .read(&Call::new("SoftLayer_Account", "getHardware"))
        .unwrap();
    assert_eq!(value, json!([]));
    assert_eq!(server.requests().len(), 2);

    let server = CaptureServer::start(vec![Scripted::Stall(Duration::from_secs(2))]);
    let err = client(&server, &dir, 0.3)
        .write(&Call::new("SoftLayer_Billing_Item", "cancelService").id(5))
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert!(
        err.to_string().contains("may or may not have taken effect"),
        "{err}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "a mutating call is not repeated"
    );
}

/// A connection dropped after the request: reads retry, writes are ambiguous.
#[test]
fn dropped_connections() {
    let server = CaptureServer::start(vec![Scripted::Drop, Scripted::json(200, r#"{"id": 1}"#)]);
    let dir = tempfile::tempdir().unwrap();
    let value = client(&server, &dir, 5.0)
        .read(&Call::new("SoftLayer_Account", "getObject"))
        .unwrap();
    assert_eq!(value, json!({"id": 1}));

    let server = CaptureServer::start(vec![Scripted::Drop]);
    let err = client(&server, &dir, 5.0)
        .write(&Call::new("SoftLayer_Ticket", "createCancelServerTicket").params(vec![json!(123)]))
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

/// A write to a port nobody listens on never left: it is retried, then reported as a transport error.
#[test]
fn refused_connection_is_not_ambiguous() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut connection = explicit_connection(
        &format!("http://127.0.0.1:{port}/rest/v3.1/"),
        "testuser",
        KEY,
        dir.path(),
    );
    connection.timeout = Some(2.0);
    let mut settings = Settings::resolve(&connection).unwrap();
    settings.retry.base_delay = Duration::from_millis(10);
    settings.retry.max_attempts = 3;
    let client = Client::new(settings).unwrap();
    let err = client
        .write(&Call::new("SoftLayer_Billing_Item", "cancelService").id(5))
        .unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert_eq!(client.calls_made(), 3);
}

/// Retry-After on a 429 is waited out before the one repeat.
#[test]
fn retry_after_is_honoured() {
    let server = CaptureServer::start(vec![
        Scripted::json_with(
            429,
            ("Retry-After", "1"),
            r#"{"error": "Too many", "code": "x"}"#,
        ),
        Scripted::json(200, "[]"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    client(&server, &dir, 5.0)
        .read(&Call::new("SoftLayer_Account", "getHardware"))
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 2);
}

/// SoftLayer's rate-limit exception on a write means it did not run: repeated once, then done.
#[test]
fn rate_limited_write_is_repeated() {
    let server = CaptureServer::start(vec![
        Scripted::json(
            500,
            r#"{"error": "Rate limit of 50 requests for every 1 second(s) exceeded.", "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}"#,
        ),
        Scripted::json(200, "true"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let value = client(&server, &dir, 5.0)
        .write(&Call::new("SoftLayer_Billing_Item", "cancelService").id(5))
        .unwrap();
    assert_eq!(value, json!(true));
    assert_eq!(server.requests().len(), 2);
}

/// A redirect is not followed (it could carry the Authorization header elsewhere).
#[test]
fn redirects_are_not_followed() {
    let server = CaptureServer::start(vec![Scripted::json_with(
        302,
        ("Location", "http://127.0.0.1:1/elsewhere"),
        "",
    )]);
    let dir = tempfile::tempdir().unwrap();
    let err = client(&server, &dir, 5.0)
        .read(&Call::new("SoftLayer_Account", "getObject"))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::InvalidResponse { status: 302, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(
            "(HTTP 302): a redirect to http://127.0.0.1:1/elsewhere, which slretire does not follow"
        ),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

/// A redirected POST is neither followed nor repeated, and is no JSON parse error.
#[test]
fn redirected_writes_are_final() {
    for status in [301, 303, 307, 308] {
        let server = CaptureServer::start(vec![Scripted::json_with(
            status,
            (
                "Location",
                "https://elsewhere.example/rest/v3.1/x?token=abc",
            ),
            "<html>moved</html>",
        )]);
        let dir = tempfile::tempdir().unwrap();
        let err = client(&server, &dir, 5.0)
            .write(
                &Call::new("SoftLayer_Billing_Item", "cancelItem")
                    .id(1)
                    .params(vec![json!(true)]),
            )
            .unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, ApiError::InvalidResponse { status: s, .. } if s == status),
            "{err:?}"
        );
        assert!(
            message.contains(&format!(
                "(HTTP {status}): a redirect to https://elsewhere.example/rest/v3.1/x?***"
            )) && !message.contains("not JSON")
                && !message.contains("token=abc"),
            "{message}"
        );
        assert_eq!(server.requests().len(), 1, "{status}");
    }
}

/// Proxy variables are ignored for a loopback endpoint.
#[test]
fn loopback_bypasses_proxy() {
    let server = CaptureServer::start(vec![
        Scripted::json(
            200,
            r#"{"id": 278184, "companyName": "Example Corp", "email": "ops@example.com"}"#,
        ),
        Scripted::json(200, r#"{"id": 7001, "username": "testuser"}"#),
    ]);
    let output = slretire()
        .args(["whoami", "--endpoint", &server.base_url()])
        .env("SL_USERNAME", "testuser")
        .env("SL_API_KEY", KEY)
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("278184"), "{stdout}");
    assert_eq!(server.requests()[0].header("Authorization"), Some(BASIC));
}
