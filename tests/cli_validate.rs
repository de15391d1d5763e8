//! `slretire validate` cases that need files made at test time (too large
//! to check in) or a look at timing-independent limits.

use std::path::Path;

use snapbox::cmd::Command;

fn slretire(dir: &Path) -> Command {
    Command::new(env!("CARGO_BIN_EXE_slretire"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
}

/// A file over the 1 MiB cap is refused from its size alone, before it is read.
#[test]
fn refuses_files_over_the_size_cap() {
    let dir = tempfile::tempdir().unwrap();
    let big = std::fs::File::create(dir.path().join("big.yaml")).unwrap();
    // Sparse: the size is there, the bytes are not, so only the metadata
    // check can catch it quickly.
    big.set_len(2 * 1024 * 1024).unwrap();
    std::fs::write(
        dir.path().join("ok.yaml"),
        "version: 1\naccount: 278184\nretire:\n  - kind: cdn\n    name: \"14793\"\n",
    )
    .unwrap();
    slretire(dir.path())
        .args(["validate", "."])
        .assert()
        .code(1)
        .stdout_eq("")
        .stderr_eq(
            "\
error[manifest::file-too-large]: big.yaml is larger than 1024 KiB (2097152 bytes); manifests are small text files
 --> big.yaml
  |
  = help: split it into several manifests, or check that this is the file you meant

error: 2 files, 1 entry: 1 error
",
        );
}

/// A file exactly at the cap is read (and here refused only for its content).
#[test]
fn reads_files_at_the_size_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("version: 1\naccount: 278184\nretire: []\n");
    let cap = usize::try_from(slretire::manifest::MAX_FILE_BYTES).unwrap();
    while text.len() < cap {
        text.push_str(&"#".repeat((cap - text.len()).min(79)));
        text.push('\n');
    }
    text.truncate(cap);
    assert_eq!(text.len(), cap);
    std::fs::write(dir.path().join("full.yaml"), &text).unwrap();
    slretire(dir.path())
        .args(["validate", "full.yaml"])
        .assert()
        .code(0)
        .stdout_eq("1 file, 0 entries: valid, 1 warning\n");
}

/// Symlinked directories are not followed (no loops), hidden entries are skipped.
#[cfg(unix)]
#[test]
fn does_not_follow_directory_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir(&manifests).unwrap();
    std::fs::write(
        manifests.join("a.yaml"),
        "version: 1\naccount: 278184\nretire:\n  - kind: cdn\n    name: \"14793\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&manifests, manifests.join("loop")).unwrap();
    std::fs::write(manifests.join(".hidden.yaml"), "not: [valid").unwrap();
    slretire(dir.path())
        .args(["validate"])
        .assert()
        .code(0)
        .stdout_eq("1 file, 1 entry: valid\n");
}

const ONE_ENTRY: &str =
    "version: 1\naccount: 278184\nretire:\n  - kind: cdn\n    name: \"14793\"\n";

/// A FIFO named on the command line is refused at once (opening it would wait for a writer forever).
#[cfg(unix)]
#[test]
fn refuses_a_fifo_named_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("fifo.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    slretire(dir.path())
        .args(["validate", "fifo.yaml"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stdout_eq("")
        .stderr_eq(
            "\
error[manifest::read-failed]: fifo.yaml is a named pipe (FIFO), not a regular file
 --> fifo.yaml
  |
  = help: give a manifest file or a directory of manifests; pipes and devices are not read

error: 0 files, 0 entries: 1 error
",
        );
}

/// A FIFO with a manifest name inside a directory is reported, never opened and never silently skipped.
#[cfg(unix)]
#[test]
fn reports_a_fifo_inside_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir(&manifests).unwrap();
    std::fs::write(manifests.join("a.yaml"), ONE_ENTRY).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(manifests.join("fifo.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    slretire(dir.path())
        .args(["validate", "manifests"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stdout_eq("")
        .stderr_eq(
            "\
error[manifest::read-failed]: manifests/fifo.yaml is a named pipe (FIFO), not a regular file
 --> manifests/fifo.yaml
  |
  = help: give a manifest file or a directory of manifests; pipes and devices are not read

error: 1 file, 1 entry: 1 error
",
        );
}

/// A file reached under two spellings (or through a symlink) is read once, under the first spelling in sorted order.
#[cfg(unix)]
#[test]
fn reads_a_file_named_twice_once() {
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir(&manifests).unwrap();
    std::fs::write(manifests.join("a.yaml"), ONE_ENTRY).unwrap();
    std::os::unix::fs::symlink("a.yaml", manifests.join("same.yaml")).unwrap();
    slretire(dir.path())
        .args([
            "validate",
            "manifests",
            "./manifests/a.yaml",
            "manifests/../manifests/a.yaml",
        ])
        .assert()
        .code(0)
        .stdout_eq("1 file, 1 entry: valid\n");
    // The model (what plan merges) holds the entry once, from the first spelling.
    let loaded =
        slretire::manifest::load(&[manifests.clone(), dir.path().join("./manifests/a.yaml")])
            .unwrap();
    let origins: Vec<&str> = loaded
        .manifests
        .entries
        .iter()
        .map(|e| e.origin.file.as_str())
        .collect();
    let first = format!("{}/./manifests/a.yaml", dir.path().display());
    assert_eq!(origins, [first.as_str()]);
}

/// A symlink loop is named by the system's words, not reported as a missing file.
#[cfg(unix)]
#[test]
fn names_a_symlink_loop() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("b.yaml", dir.path().join("a.yaml")).unwrap();
    std::os::unix::fs::symlink("a.yaml", dir.path().join("b.yaml")).unwrap();
    let output = slretire(dir.path())
        .args(["validate", "a.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let loop_error = std::fs::metadata(dir.path().join("a.yaml")).unwrap_err();
    assert!(
        stderr.starts_with(&format!(
            "error[manifest::read-failed]: cannot read a.yaml: it is a symbolic link to `b.yaml`, \
             which cannot be opened: {loop_error}\n"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("no such file"), "{stderr}");
}

/// An unreadable directory gives its one real error, not also "no manifests in directory".
#[cfg(unix)]
#[test]
fn reports_an_unreadable_directory_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("manifests").join("locked");
    std::fs::create_dir_all(&locked).unwrap();
    std::fs::write(locked.join("a.yaml"), ONE_ENTRY).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut command = slretire(dir.path());
    if std::fs::read_dir(&locked).is_ok() {
        // Running as root: only an unprivileged user sees the lock.
        let setpriv = Path::new("/usr/bin/setpriv");
        if !setpriv.exists() {
            eprintln!("skipped: privileged, and no setpriv to drop privileges");
            return;
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        command = Command::new(setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_slretire"))
            .current_dir(dir.path())
            .env("NO_COLOR", "1");
    }
    command
        .args(["validate", "manifests", "manifests/locked"])
        .assert()
        .code(1)
        .stdout_eq("")
        .stderr_eq(
            "\
error[manifest::read-failed]: cannot read directory manifests/locked: Permission denied (os error 13)
 --> manifests/locked
  |
  = help: check that the path exists and is readable by this user, or leave it out of the run

error: 0 files, 0 entries: 1 error
",
        );
}

/// An unreadable manifest inside a directory is a read-failed finding naming it, not skipped, and the other files are still read.
#[cfg(unix)]
#[test]
fn reports_an_unreadable_file_inside_a_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    std::fs::write(manifests.join("a.yaml"), ONE_ENTRY).unwrap();
    let locked = manifests.join("locked.yaml");
    std::fs::write(&locked, ONE_ENTRY).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut command = slretire(dir.path());
    if std::fs::read(&locked).is_ok() {
        // Running as root: only an unprivileged user sees the lock.
        let setpriv = Path::new("/usr/bin/setpriv");
        if !setpriv.exists() {
            eprintln!("skipped: privileged, and no setpriv to drop privileges");
            return;
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        command = Command::new(setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_slretire"))
            .current_dir(dir.path())
            .env("NO_COLOR", "1");
    }
    command
        .args(["validate", "manifests"])
        .assert()
        .code(1)
        .stdout_eq("")
        .stderr_eq(
            "\
error[manifest::read-failed]: cannot read manifests/locked.yaml: Permission denied (os error 13)
 --> manifests/locked.yaml
  |
  = help: check that the path exists and is readable by this user, or leave it out of the run

error: 2 files, 1 entry: 1 error
",
        );
}

/// Output into a closed pipe or a full disk ends with exit 1 and a short message, never a panic.
#[cfg(target_os = "linux")]
#[test]
fn survives_closed_and_full_outputs() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), ONE_ENTRY).unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "version: 2\n").unwrap();
    let run = |args: &[&str], stdout: Stdio, stderr: Stdio| {
        std::process::Command::new(env!("CARGO_BIN_EXE_slretire"))
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .args(args)
            .stdout(stdout)
            .stderr(stderr)
            .output()
            .unwrap()
    };
    let closed_pipe = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Stdio::from(writer)
    };
    let full = || Stdio::from(std::fs::File::create("/dev/full").unwrap());
    for args in [
        &["validate", "a.yaml"][..],
        &["validate", "--message-format", "json", "bad.yaml"],
        &["validate", "--message-format", "github", "bad.yaml"],
        &["schema"],
        &["schema", "plan"],
    ] {
        for (what, stdout) in [("closed pipe", closed_pipe()), ("full disk", full())] {
            let output = run(args, stdout, Stdio::piped());
            assert_eq!(output.status.code(), Some(1), "{args:?} into a {what}");
            let stderr = String::from_utf8(output.stderr).unwrap();
            assert!(
                stderr.starts_with("error: cannot write the "),
                "{args:?} into a {what}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
        // Neither stream writable: still exit 1, quietly.
        let output = run(args, full(), closed_pipe());
        assert_eq!(output.status.code(), Some(1), "{args:?} with no outputs");
    }
    // Human diagnostics go to stderr: a full stderr fails the run too.
    let output = run(&["validate", "bad.yaml"], Stdio::null(), full());
    assert_eq!(output.status.code(), Some(1));
}
