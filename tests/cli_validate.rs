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
