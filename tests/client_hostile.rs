//! A hostile or broken endpoint (or a proxy in front of it) cannot make
//! slretire print the credentials or flood the terminal, and bad
//! credentials are refused before anything is sent.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt as _;

use base64::Engine as _;

use crate::support::capture::{CaptureServer, Scripted};
use crate::support::{slretire, text};

const USER: &str = "keyholder";
const KEY: &str = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

/// `slretire whoami` against `server` with the test credentials in the environment.
fn whoami(server: &CaptureServer) -> (i32, String, String) {
    let output = slretire()
        .args(["whoami", "--endpoint", &server.base_url()])
        .env("SL_USERNAME", USER)
        .env("SL_API_KEY", KEY)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

fn basic() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{KEY}"))
}

/// Fails when any form of the credentials shows in `shown`.
fn assert_no_credentials(shown: &str) {
    let basic = basic();
    for needle in [
        KEY,
        &KEY[..16],
        &KEY.to_ascii_uppercase(),
        basic.as_str(),
        basic.trim_end_matches('='),
    ] {
        assert!(!shown.contains(needle), "{needle} shown in: {shown}");
    }
}

/// An API (or proxy) that echoes the Authorization header and the key in
/// its error text, as JSON or as an HTML page, gets neither printed.
#[test]
fn echoed_credentials_are_scrubbed() {
    let basic = basic();
    let bodies = [
        (
            400,
            format!(
                r#"{{"error": "rejected Authorization: Basic {basic} (user {USER}:{KEY}, key {})", "code": "SoftLayer_Exception_Public"}}"#,
                KEY.to_ascii_uppercase()
            ),
        ),
        (
            403,
            format!("<html><pre>Authorization: Basic {basic}\r\nX-Key: {KEY}</pre></html>"),
        ),
        (
            401,
            format!(
                r#"{{"error": "token {basic} invalid", "code": "SoftLayer_Exception_InvalidLegacyToken"}}"#
            ),
        ),
    ];
    for (status, body) in bodies {
        let server = CaptureServer::start(vec![Scripted::json(status, &body)]);
        let (code, stdout, stderr) = whoami(&server);
        assert_eq!(code, 1, "{stderr}");
        assert_no_credentials(&stdout);
        assert_no_credentials(&stderr);
        assert!(stderr.contains("***"), "{stderr}");
    }
}

/// A 12 MB error text is cut to a few KB, saying how much was left out
/// (answers over 16 MiB are refused whole: see below).
#[test]
fn huge_error_text_is_cut() {
    let message = format!("{}{KEY}", "e".repeat(12 * 1024 * 1024));
    let body = format!(r#"{{"error": "{message}", "code": "SoftLayer_Exception_Public"}}"#);
    let server = CaptureServer::start(vec![Scripted::json(500, &body)]);
    let (code, _, stderr) = whoami(&server);
    assert_eq!(code, 1);
    assert!(stderr.len() < 8 * 1024, "{} bytes of stderr", stderr.len());
    assert!(
        stderr.contains("more bytes not shown]"),
        "{}",
        &stderr[..stderr.len().min(500)]
    );
    assert_no_credentials(&stderr);
    assert_eq!(
        server.requests().len(),
        1,
        "a clean refusal is not repeated"
    );
}

/// A single-object answer of 20 MB is refused as too large (16 MiB is the
/// most one such call may take), once, without retries.
#[test]
fn oversized_object_answer_is_refused() {
    let body = format!(
        r#"{{"id": 1, "companyName": "{}"}}"#,
        "x".repeat(20 * 1024 * 1024)
    );
    let server = CaptureServer::start(vec![Scripted::json(200, &body)]);
    let (code, _, stderr) = whoami(&server);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the answer takes more than 16 MiB to read and hold"),
        "{stderr}"
    );
    assert_eq!(server.requests().len(), 1);
}

/// A non-UTF-8 SL_API_KEY is named as such (not "missing") and not shown.
#[test]
fn non_utf8_key_is_named() {
    let server = CaptureServer::start(vec![]);
    let output = slretire()
        .args(["whoami", "--endpoint", &server.base_url()])
        .env("SL_USERNAME", USER)
        .env(
            "SL_API_KEY",
            OsString::from_vec(b"abc\xffdef-secret".to_vec()),
        )
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("environment variable SL_API_KEY: it is not valid UTF-8"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("missing") && !stderr.contains("secret"),
        "{stderr}"
    );
    assert!(server.requests().is_empty());
}

/// A 100 KB key is refused up front, with its size, unshown, and nothing is sent.
#[test]
fn oversized_key_is_refused_before_any_call() {
    let server = CaptureServer::start(vec![]);
    let key = "k".repeat(100 * 1024);
    let output = slretire()
        .args(["whoami", "--endpoint", &server.base_url()])
        .env("SL_USERNAME", USER)
        .env("SL_API_KEY", &key)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains(
            "invalid API key (from environment variable SL_API_KEY): it is 102400 bytes long"
        ),
        "{stderr}"
    );
    assert!(stderr.len() < 1024 && !stderr.contains("kkkk"), "{stderr}");
    assert!(server.requests().is_empty());
}

/// A config line `timeout = <text>` is not echoed: it may be a mistyped key.
#[test]
fn config_timeout_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("softlayer.ini");
    std::fs::write(
        &config,
        format!("[softlayer]\nusername = {USER}\napi_key = x\ntimeout = {KEY}\n"),
    )
    .unwrap();
    let output = slretire()
        .args(["whoami", "--endpoint", "http://127.0.0.1:9/rest/v3.1/"])
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("invalid `timeout` in"), "{stderr}");
    assert_no_credentials(&stderr);
}
