//! `slretire emulator`: the real binary serving a world, generating one, and
//! refusing bad input with exit code 1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_slretire");

fn write_world(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("world.json");
    std::fs::write(&path, text).unwrap();
    path
}

/// Kills the child process when the test ends, even on failure.
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first stdout line is the base URL, and the server answers on it.
#[test]
fn serves_world_and_prints_base_url() {
    let dir = tempfile::tempdir().unwrap();
    let world = write_world(
        &dir,
        r#"{"format": "slretire-world/1", "account": {"id": 42, "companyName": "X"}}"#,
    );
    let mut child = Command::new(BIN)
        .args(["emulator", "--world"])
        .arg(&world)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line.trim();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/rest/v3.1/"),
        "{url}"
    );
    let authority = url.trim_start_matches("http://").split('/').next().unwrap();
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET /rest/v3.1/SoftLayer_Account/getObject.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic dTpr\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.ends_with(r#"{"companyName":"X","id":42}"#),
        "{response}"
    );
    drop(served);
}

/// A bad world file is a clear error naming the position, exit code 1.
#[test]
fn bad_world_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let world = write_world(
        &dir,
        r#"{"format": "slretire-world/1", "account": {"id": 1}, "virtualGuests": [{"id": 1, "hostnme": "x"}]}"#,
    );
    let out = Command::new(BIN)
        .args(["emulator", "--world"])
        .arg(&world)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("virtualGuests[0].hostnme: unknown property 'hostnme' for SoftLayer_Virtual_Guest (did you mean 'hostname'?)"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let syntax = write_world(&dir, "{\n  \"format\": ");
    let out = Command::new(BIN)
        .args(["emulator", "--world"])
        .arg(&syntax)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2 column"),
        "{out:?}"
    );
    let out = Command::new(BIN)
        .args(["emulator", "--world", "/nonexistent/world.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// Invalid flag values are clear errors with exit code 1.
#[test]
fn bad_flags_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let world = write_world(
        &dir,
        r#"{"format": "slretire-world/1", "account": {"id": 1}}"#,
    );
    for (flag, value, text) in [
        ("--fail-rate", "1.5", "--fail-rate must be between 0 and 1"),
        (
            "--lose-response-rate",
            "2",
            "--lose-response-rate must be between 0 and 1",
        ),
        (
            "--reclaim-after",
            "5 minutes",
            "--reclaim-after: invalid duration",
        ),
    ] {
        let out = Command::new(BIN)
            .args(["emulator", "--world"])
            .arg(&world)
            .arg(format!("{flag}={value}"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{flag}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(text),
            "{out:?}"
        );
    }
}

/// --generate writes a deterministic world that the emulator loads.
#[test]
fn generates_a_loadable_world() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    for path in [&a, &b] {
        let out = Command::new(BIN)
            .args(["emulator", "--generate", "300", "--seed", "5", "--out"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(text, std::fs::read_to_string(&b).unwrap());
    assert!(softlayer_emulator::World::from_json_str(&text).is_ok());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}
