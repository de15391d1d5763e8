//! Manifests that are symbolic links, or pseudo files, never disclose what
//! lies outside the manifest tree: a pull request that adds
//! `manifests/x.yaml -> /proc/self/environ` must not print the CI job's
//! credentials. Each case runs `validate` and `plan` with a secret in the
//! environment and on the command line, and checks it is not printed.
#![cfg(unix)]

use std::path::Path;
use std::process::Output;

use std::os::unix::fs::symlink;

const ONE_ENTRY: &str =
    "version: 1\naccount: 278184\nretire:\n  - kind: cdn\n    name: \"14793\"\n";
const SECRET: &str = "s3cr3t-api-key-0123456789abcdef";

fn run(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_slretire"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SL_USERNAME", "alice")
        .env("SL_API_KEY", SECRET)
        // Nothing listens there: a plan that got as far as the API fails,
        // but these runs must stop at the manifest.
        .env("SL_ENDPOINT_URL", "http://127.0.0.1:9/rest/v3.1/")
        .env("HOME", dir)
        .args(args)
        .output()
        .unwrap()
}

/// Runs validate and plan (with the key also on the command line) and
/// returns their stderr, after checking each exits 1 without the secret.
fn refused(dir: &Path, path: &str) -> Vec<String> {
    let mut outputs = Vec::new();
    for args in [
        vec!["validate", path],
        vec!["validate", "--message-format", "json", path],
        vec!["validate", "--message-format", "github", path],
        vec!["plan", path, "--api-key", SECRET],
    ] {
        let output = run(dir, &args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        for text in [&stdout, &stderr] {
            assert!(!text.contains(SECRET), "{args:?} printed the key: {text}");
            assert!(!text.contains("SL_API_KEY"), "{args:?}: {text}");
            assert!(!text.contains("root:x:0"), "{args:?}: {text}");
            assert!(!text.contains("panicked"), "{args:?}: {text}");
        }
        outputs.push(stdout + &stderr);
    }
    outputs
}

fn manifests_with(link: &str, target: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir(&manifests).unwrap();
    std::fs::write(manifests.join("a.yaml"), ONE_ENTRY).unwrap();
    symlink(target, manifests.join(link)).unwrap();
    dir
}

/// A link in a manifest directory to /proc/self/environ is refused by name as a pseudo file, never read.
#[test]
fn a_link_to_the_environment_is_refused_unread() {
    let dir = manifests_with("x.yaml", "/proc/self/environ");
    for text in refused(dir.path(), "manifests") {
        assert!(text.contains("pseudo-file"), "{text}");
        assert!(text.contains("manifests/x.yaml"), "{text}");
    }
}

/// A link named on the command line to /proc/self/cmdline (which holds `--api-key`) is refused.
#[test]
fn a_named_link_to_the_command_line_is_refused_unread() {
    let dir = manifests_with("x.yaml", "/proc/self/cmdline");
    for text in refused(dir.path(), "manifests/x.yaml") {
        assert!(text.contains("pseudo-file"), "{text}");
    }
}

/// A pseudo file named directly is refused too.
#[test]
fn a_pseudo_file_named_directly_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for text in refused(dir.path(), "/proc/self/environ") {
        assert!(text.contains("pseudo-file"), "{text}");
    }
}

/// A link to an ordinary file outside the tree (/etc/passwd, ~/.softlayer) is refused by name with its target, never read or quoted.
#[test]
fn a_link_out_of_the_tree_is_refused_unread() {
    for target in ["/etc/passwd", "../outside.yaml"] {
        let dir = manifests_with("x.yaml", target);
        // A file that is not a manifest and would fail with a quoted line.
        std::fs::write(
            dir.path().join("outside.yaml"),
            format!("api_key = {SECRET}\n"),
        )
        .unwrap();
        let nested = dir.path().join("manifests/sub");
        std::fs::create_dir(&nested).unwrap();
        symlink("../../.softlayer", nested.join("y.yaml")).unwrap();
        std::fs::write(
            dir.path().join(".softlayer"),
            format!("[softlayer]\napi_key = {SECRET}\n"),
        )
        .unwrap();
        for text in refused(dir.path(), "manifests") {
            assert!(
                text.contains(&format!(
                    "manifests/x.yaml is a symbolic link to `{target}`, outside manifests; it was not read"
                )),
                "{text}"
            );
            assert!(
                text.contains("manifests/sub/y.yaml is a symbolic link to `../../.softlayer`"),
                "{text}"
            );
            assert!(text.contains("link-leaves-tree"), "{text}");
        }
    }
}

/// A link named on the command line may not leave the directory that holds it.
#[test]
fn a_named_link_out_of_its_directory_is_refused() {
    let dir = manifests_with("x.yaml", "../outside.yaml");
    std::fs::write(dir.path().join("outside.yaml"), format!("key: [{SECRET}\n")).unwrap();
    for text in refused(dir.path(), "manifests/x.yaml") {
        assert!(text.contains("link-leaves-tree"), "{text}");
    }
}

/// Links that stay inside the tree keep working: to a file in a subdirectory, and through a chain of links.
#[test]
fn links_inside_the_tree_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir_all(manifests.join("shared")).unwrap();
    std::fs::write(
        manifests.join("shared/real.yml"),
        ONE_ENTRY.replace("14793", "555"),
    )
    .unwrap();
    symlink("shared/real.yml", manifests.join("b.yaml")).unwrap();
    symlink("b.yaml", manifests.join("c.yaml")).unwrap();
    std::fs::write(manifests.join("a.yaml"), ONE_ENTRY).unwrap();
    let output = run(dir.path(), &["validate", "manifests"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "2 files, 2 entries: valid\n",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0));
    let output = run(dir.path(), &["validate", "manifests/c.yaml"]);
    assert_eq!(output.status.code(), Some(0));
}
