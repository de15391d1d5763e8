//! The API key never appears in stdout, stderr or any file slretire writes,
//! on success and on every failure path.

use std::path::Path;
use std::process::Output;

use base64::Engine as _;
use serde_json::json;
use softlayer_emulator::generate_world;

use crate::support::{emulator, slretire, slretire_with_home, text};

const KEY: &str = "Xk7-distinctive-Qz9-api-key-5511";
const USER: &str = "keyholder";

/// Fails when the key, or the Basic header carrying it, shows in `output` or under `dir`.
fn assert_no_key(output: &Output, dir: &Path) {
    let (stdout, stderr) = text(output);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{KEY}"));
    for needle in [KEY, basic.as_str()] {
        assert!(!stdout.contains(needle), "key in stdout: {stdout}");
        assert!(!stderr.contains(needle), "key in stderr: {stderr}");
        for entry in walk(dir) {
            let bytes = std::fs::read(&entry).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(needle),
                "key in {}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn world() -> String {
    let mut world = generate_world(60, 3);
    world["users"] = json!([{"id": 7001, "username": USER, "apiKey": KEY}]);
    world.to_string()
}

/// whoami and snapshot succeed with the key and never print or write it.
#[test]
fn successful_runs_do_not_leak_the_key() {
    let emulator = emulator(&world());
    let dir = tempfile::tempdir().unwrap();
    let output = slretire()
        .args(["whoami", "--endpoint", &emulator.base_url()])
        .env("SL_USERNAME", USER)
        .env("SL_API_KEY", KEY)
        .output()
        .unwrap();
    assert!(output.status.success(), "{:?}", text(&output));
    assert_no_key(&output, dir.path());

    let output = slretire()
        .args([
            "snapshot",
            "--endpoint",
            &emulator.base_url(),
            "--rate-limit",
            "100",
            "--out",
        ])
        .arg(dir.path().join("world.json"))
        .args(["--username", USER, "--api-key", KEY])
        .output()
        .unwrap();
    assert!(output.status.success(), "{:?}", text(&output));
    assert_no_key(&output, dir.path());
    let written = std::fs::read_to_string(dir.path().join("world.json")).unwrap();
    assert!(
        !written.contains("\"users\"") && !written.contains("apiKey"),
        "no users in a snapshot"
    );
}

/// Rejected credentials, a refused endpoint and a broken config file do not echo the key.
#[test]
fn failures_do_not_leak_the_key() {
    let emulator = emulator(&world());
    let dir = tempfile::tempdir().unwrap();

    // The key is right, the user is not: 401.
    let output = slretire()
        .args(["snapshot", "--endpoint", &emulator.base_url(), "--out"])
        .arg(dir.path().join("w.json"))
        .env("SL_USERNAME", "someone-else")
        .env("SL_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_no_key(&output, dir.path());

    // An insecure endpoint is refused.
    let output = slretire()
        .args([
            "whoami",
            "--endpoint",
            "http://api.softlayer.com/rest/v3.1/",
            "--api-key",
            KEY,
            "--username",
            USER,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_no_key(&output, dir.path());

    // Credentials inside the URL are refused and hidden.
    let output = slretire()
        .args([
            "whoami",
            "--endpoint",
            &format!("https://{USER}:{KEY}@api.softlayer.com/rest/v3.1/"),
        ])
        .env("SL_USERNAME", USER)
        .env("SL_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_no_key(&output, dir.path());

    // A config file whose key line lost its `=`.
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".softlayer"),
        format!("[softlayer]\nusername = {USER}\napi_key {KEY}\n"),
    )
    .unwrap();
    let output = slretire_with_home(home.path())
        .args(["whoami", "--endpoint", &emulator.base_url()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let (_, stderr) = text(&output);
    assert!(stderr.contains(".softlayer:3:"), "{stderr}");
    assert_no_key(&output, dir.path());
}

/// The new refusal paths (bad port, brackets, scheme, query, bad timeouts)
/// never show the key, whether it came in the URL, a flag or the config file.
#[test]
fn endpoint_and_timeout_refusals_do_not_leak_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for endpoint in [
        format!("https://{USER}:{KEY}@api.softlayer.com:0/rest/v3.1/"),
        format!("https://{USER}:{KEY}@[::1/rest/v3.1/"),
        format!("ftp://{USER}:{KEY}@api.softlayer.com/"),
        format!("https://api.softlayer.com/rest/v3.1/?key={KEY}"),
        format!("https://api.softlayer.com/rest/v3.1/#{KEY}"),
        format!("https://{USER}:{KEY}/x@api.softlayer.com/"),
        format!("https://api.softlayer.com:{KEY}/"),
    ] {
        let output = slretire()
            .args(["whoami", "--endpoint", &endpoint, "--api-key", KEY])
            .args(["--username", USER])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{endpoint}");
        let (_, stderr) = text(&output);
        assert!(stderr.contains("invalid endpoint"), "{stderr}");
        assert_no_key(&output, dir.path());
    }

    // A config file with the key and a broken timeout or endpoint.
    for line in [
        "timeout = -3".to_string(),
        "timeout = NaN".to_string(),
        format!("endpoint_url = https://{USER}:{KEY}@api.softlayer.com:99999/"),
    ] {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join(".softlayer"),
            format!("[softlayer]\nusername = {USER}\napi_key = {KEY}\n{line}\n"),
        )
        .unwrap();
        let output = slretire_with_home(home.path())
            .arg("whoami")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{line}");
        assert_no_key(&output, dir.path());
    }
}

/// A redirect answer names the status and the redacted Location, never the key.
#[test]
fn redirect_errors_do_not_leak_the_key() {
    use crate::support::capture::{CaptureServer, Scripted};
    let server = CaptureServer::start(vec![Scripted::json_with(
        307,
        (
            "Location",
            &format!("https://{USER}:{KEY}@elsewhere.example/x?k={KEY}"),
        ),
        "",
    )]);
    let dir = tempfile::tempdir().unwrap();
    let output = slretire()
        .args(["whoami", "--endpoint", &server.base_url()])
        .env("SL_USERNAME", USER)
        .env("SL_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let (_, stderr) = text(&output);
    assert!(
        stderr.contains("HTTP 307") && stderr.contains("https://***@elsewhere.example/x?***"),
        "{stderr}"
    );
    assert_no_key(&output, dir.path());
    assert_eq!(server.requests().len(), 1, "a redirect is not followed");
}
