//! `slretire whoami` against the emulator: output, credential sources,
//! failures, and the key never shown.

use serde_json::json;

use crate::support::{
    TEST_API_KEY, emulator, slretire, slretire_with_home, text, world_with_guests,
};

/// A world whose only user is `user` with `key`.
fn world_for(user: &str, key: &str) -> String {
    json!({
        "format": "slretire-world/1",
        "account": {"id": 278184, "companyName": "Example Corp", "email": "ops@example.com"},
        "users": [{"id": 7001, "username": user, "apiKey": key}]
    })
    .to_string()
}

/// Valid credentials print the account, company, user and endpoint, and never the key.
#[test]
fn prints_the_account() {
    let emulator = emulator(&world_with_guests(0));
    let output = slretire()
        .args(["whoami", "--endpoint", &emulator.base_url()])
        .env("SL_USERNAME", "testuser")
        .env("SL_API_KEY", TEST_API_KEY)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let expected = format!(
        "account:     278184\ncompany:     Example Corp\nemail:       ops@example.com\nuser:        testuser\n\
         endpoint:    {}\ncredentials: environment variables SL_USERNAME and SL_API_KEY\n",
        emulator.base_url()
    );
    assert_eq!(stdout, expected);
    assert!(!stdout.contains(TEST_API_KEY) && !stderr.contains(TEST_API_KEY));
    let calls: Vec<String> = emulator
        .requests()
        .iter()
        .map(|r| r.method_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(calls, vec!["getObject", "getCurrentUser"]);
}

/// Username `apikey` is noted as an IBM Cloud API key.
#[test]
fn notes_an_ibm_cloud_key() {
    let emulator = emulator(&world_for("apikey", "IAMKEY123"));
    let output = slretire()
        .args(["whoami", "--endpoint", &emulator.base_url()])
        .env("SL_USERNAME", "apikey")
        .env("SL_API_KEY", "IAMKEY123")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("user:        apikey (IBM Cloud API key)"),
        "{stdout}"
    );
}

/// Wrong credentials exit 1 with a clear message that does not contain the key.
#[test]
fn rejected_credentials_exit_1() {
    let emulator = emulator(&world_with_guests(0));
    let key = "badkey-Zq81xVv-do-not-print";
    let output = slretire()
        .args(["whoami", "--endpoint", &emulator.base_url()])
        .env("SL_USERNAME", "testuser")
        .env("SL_API_KEY", key)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("authentication failed (HTTP 401"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Check the username and API key"),
        "{stderr}"
    );
    assert!(!stdout.contains(key) && !stderr.contains(key));
    assert_eq!(
        emulator.requests().len(),
        1,
        "an authentication failure is not retried"
    );
}

/// Without credentials, one message names the three ways to provide them; no request is made.
#[test]
fn missing_credentials_exit_1() {
    let emulator = emulator(&world_with_guests(0));
    let output = slretire()
        .args(["whoami", "--endpoint", &emulator.base_url()])
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    for needle in [
        "--username",
        "--api-key",
        "SL_USERNAME",
        "SL_API_KEY",
        "~/.softlayer",
        "--config",
    ] {
        assert!(stderr.contains(needle), "{needle} missing from: {stderr}");
    }
    assert!(emulator.requests().is_empty());
}

/// An SDK config file in HOME supplies credentials and endpoint.
#[test]
fn reads_the_sdk_config_file() {
    let emulator = emulator(&world_with_guests(0));
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".softlayer"),
        format!("[softlayer]\nusername = testuser\napi_key = {TEST_API_KEY}\nendpoint_url = {}\ntimeout = 0\n", emulator.base_url()),
    )
    .unwrap();
    let output = slretire_with_home(home.path())
        .arg("whoami")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("endpoint:    {}", emulator.base_url())),
        "{stdout}"
    );
    assert!(stdout.contains("credentials: config file"), "{stdout}");
    assert!(!stdout.contains(TEST_API_KEY));
}

/// Plain http to a non-loopback host is refused before any connection.
#[test]
fn refuses_plain_http_off_loopback() {
    let output = slretire()
        .args([
            "whoami",
            "--endpoint",
            "http://api.softlayer.com/rest/v3.1/",
        ])
        .env("SL_USERNAME", "testuser")
        .env("SL_API_KEY", TEST_API_KEY)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("only allowed for a loopback host"),
        "{stderr}"
    );
}

/// An unreachable endpoint is a transport error, exit 1, no panic.
#[test]
fn unreachable_endpoint_exit_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = slretire()
        .args([
            "whoami",
            "--endpoint",
            &format!("http://127.0.0.1:{port}/rest/v3.1/"),
            "--timeout",
            "2",
        ])
        .env("SL_USERNAME", "testuser")
        .env("SL_API_KEY", TEST_API_KEY)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("could not reach the API"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

/// Names from the API reach the terminal with control characters escaped.
#[test]
fn api_names_are_terminal_safe() {
    let world = json!({
        "format": "slretire-world/1",
        "account": {"id": 278184, "companyName": "Evil\u{1b}[2J\u{1b}]0;pwned\u{7}Corp", "email": "ops@example.com\r\n"},
        "users": [{"id": 7001, "username": "bad\u{1b}[31muser", "apiKey": "k3y"}]
    });
    let emulator = emulator(&world.to_string());
    let output = slretire()
        .args(["whoami", "--endpoint", &emulator.base_url()])
        .env("SL_USERNAME", "bad\u{1b}[31muser")
        .env("SL_API_KEY", "k3y")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}') && !stdout.contains('\r'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("company:     Evil\\u{1b}[2J\\u{1b}]0;pwned\\u{7}Corp\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("email:       ops@example.com\\r\\n\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("user:        bad\\u{1b}[31muser\n"),
        "{stdout}"
    );
}

/// Malformed endpoints are refused before any connection, with the reason
/// and the URL shown without user-info, query or fragment.
#[test]
fn malformed_endpoints_are_refused() {
    for (endpoint, reason) in [
        ("https://api.softlayer.com:0/rest/v3.1/", "invalid port `0`"),
        ("https://api.softlayer.com:70000/rest/v3.1/", "1 to 65535"),
        ("https://[::1/rest/v3.1/", "unbalanced brackets"),
        ("https:///rest/v3.1/", "no host"),
        (
            "ftp://api.softlayer.com/rest/v3.1/",
            "unsupported scheme `ftp`",
        ),
        ("http://10.1.2.3/rest/v3.1/", "loopback"),
    ] {
        let output = slretire()
            .args(["whoami", "--endpoint", endpoint])
            .env("SL_USERNAME", "testuser")
            .env("SL_API_KEY", TEST_API_KEY)
            .output()
            .unwrap();
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{endpoint}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "invalid endpoint `{endpoint}` (from command-line flag)"
            )) && stderr.contains(reason),
            "{endpoint}: {stderr}"
        );
    }
    // A port that is not a number is not echoed: it may be a key.
    let output = slretire()
        .args(["whoami", "--endpoint", "https://user:s3cr3t/rest/v3.1/"])
        .env("SL_USERNAME", "testuser")
        .env("SL_API_KEY", TEST_API_KEY)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("`https://user:***/rest/v3.1/`")
            && stderr.contains("invalid port: not a number")
            && !stderr.contains("s3cr3t"),
        "{stderr}"
    );
    let output = slretire()
        .args([
            "whoami",
            "--endpoint",
            "https://api.softlayer.com/rest/v3.1/?token=s3cr3t#s3cr3t",
        ])
        .env("SL_USERNAME", "testuser")
        .env("SL_API_KEY", TEST_API_KEY)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("`https://api.softlayer.com/rest/v3.1/?***#***`")
            && !stderr.contains("s3cr3t"),
        "{stderr}"
    );
}

/// --timeout and the config file's `timeout` are refused when not a number
/// of seconds in range, naming the flag or the file and key and the range.
#[test]
fn bad_timeouts_are_refused() {
    for value in ["soon", "0", "-1", "NaN", "inf", "90000"] {
        let output = slretire()
            .args([
                "whoami",
                "--endpoint",
                "http://127.0.0.1:9/rest/v3.1/",
                "--timeout",
                value,
            ])
            .env("SL_USERNAME", "testuser")
            .env("SL_API_KEY", TEST_API_KEY)
            .output()
            .unwrap();
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{value}: {stderr}");
        assert!(
            stderr.contains("--timeout") && stderr.contains("more than 0 and at most 86400"),
            "{value}: {stderr}"
        );
    }
    for value in ["soon", "-5", "nan", "1e10"] {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join(".softlayer");
        std::fs::write(
            &file,
            format!(
                "[softlayer]\nusername = testuser\napi_key = {TEST_API_KEY}\ntimeout = {value}\n"
            ),
        )
        .unwrap();
        let output = slretire_with_home(home.path())
            .args(["whoami", "--endpoint", "http://127.0.0.1:9/rest/v3.1/"])
            .output()
            .unwrap();
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{value}: {stderr}");
        assert!(
            stderr.contains(&format!("`timeout` in {}", file.display()))
                && stderr.contains("more than 0 and at most 86400"),
            "{value}: {stderr}"
        );
        assert!(!stderr.contains(TEST_API_KEY));
    }
}
