//! Command-line paths -> the manifest files to read, sorted, each read
//! with a size cap checked before any byte is loaded.

use std::collections::BTreeSet;
use std::fs::Metadata;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::diagnostic::{Code, Diagnostic};
use super::node::ByteSpan;
use super::yaml::MAX_FILE_BYTES;

/// A manifest file found on disk.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Found {
    /// The path as the user wrote it, joined with `/`.
    pub(crate) display: String,
    pub(crate) path: PathBuf,
}

/// Every manifest below `paths`: a file is taken as given, a directory
/// contributes all `*.yaml`/`*.yml` below it (hidden entries and symlinked
/// directories skipped; a manifest-named entry that cannot be read, such as
/// a broken symlink, is reported, never skipped). Sorted by display path; a file reached twice
/// (`dir` and `./dir/a.yaml`, or through a symlink) is read once, under the
/// first of its spellings.
pub(crate) fn discover(paths: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<Found> {
    let mut found = Vec::new();
    for path in paths {
        let display = display_of(path);
        // A link named on the command line may lead only within the
        // directory that holds it: `m/x.yaml -> /proc/self/environ` in a
        // pull request must not be read, let alone quoted.
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink()) {
            let holder = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            if let Some(refused) = leaves_tree(path, holder, &display) {
                diags.push(refused);
                continue;
            }
        }
        if let Some(refused) = pseudo_file(path, &display) {
            diags.push(refused);
            continue;
        }
        match std::fs::metadata(path) {
            Err(err) if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink()) => {
                diags.push(broken_link(path, &display, &err));
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => diags.push(
                Diagnostic::about_file(
                    Code::PathNotFound,
                    &display,
                    format!("no such file or directory: {display}"),
                )
                .help("give a manifest file or a directory of manifests (default: manifests/)"),
            ),
            // A symlink loop or a permission problem is not a missing
            // path: show what the system said.
            Err(err) => diags.push(cannot_read(
                &display,
                &format!("cannot read {display}: {err}"),
            )),
            Ok(meta) if meta.is_dir() => {
                let before = (found.len(), diags.len());
                walk(path, path, &display, &mut found, diags);
                // Only when nothing went wrong: an unreadable directory is
                // not known to be empty.
                if (found.len(), diags.len()) == before {
                    diags.push(
                        Diagnostic::about_file(
                            Code::NoManifests,
                            &display,
                            format!("no manifests in directory {display}"),
                        )
                        .help("manifests are files ending in .yaml or .yml"),
                    );
                }
            }
            Ok(meta) if meta.is_file() => found.push(Found {
                display,
                path: path.clone(),
            }),
            // Opening a FIFO would wait for a writer forever, a device
            // might never end: refuse them before any open.
            Ok(meta) => diags.push(not_a_file(&display, &meta)),
        }
    }
    // A path given twice, or inside a directory also given, fails once.
    let mut reported = Vec::new();
    diags.retain(|d| {
        let new = !reported.contains(d);
        if new {
            reported.push(d.clone());
        }
        new
    });
    found.sort();
    let mut seen = BTreeSet::new();
    found.retain(|f| {
        let same_file = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
        seen.insert(same_file)
    });
    found
}

fn not_a_file(display: &str, meta: &Metadata) -> Diagnostic {
    Diagnostic::about_file(
        Code::ReadFailed,
        display,
        format!("{display} is {}, not a regular file", file_type_words(meta)),
    )
    .help("give a manifest file or a directory of manifests; pipes and devices are not read")
}

#[cfg(unix)]
fn file_type_words(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "something else"
    }
}

#[cfg(not(unix))]
fn file_type_words(_meta: &Metadata) -> &'static str {
    "something else"
}

fn display_of(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let trimmed = text.trim_end_matches('/');
    if trimmed.is_empty() {
        text
    } else {
        trimmed.to_owned()
    }
}

/// Collects the manifests below `dir`; symlinks found there may lead only
/// within `tree`, the directory named on the command line.
fn walk(
    tree: &Path,
    dir: &Path,
    display: &str,
    found: &mut Vec<Found>,
    diags: &mut Vec<Diagnostic>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            diags.push(cannot_read(
                display,
                &format!("cannot read directory {display}: {err}"),
            ));
            return;
        }
    };
    let mut children: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => children.push((e.file_name().to_string_lossy().into_owned(), e.path())),
            // An entry the system would not list is not known to be no
            // manifest: say so instead of reading the rest as if complete.
            Err(err) => diags.push(cannot_read(
                display,
                &format!("cannot list every entry of directory {display}: {err}"),
            )),
        }
    }
    children.retain(|(name, _)| !name.starts_with('.'));
    children.sort();
    for (name, path) in children {
        let child_display = if display == "." {
            name.clone()
        } else {
            format!("{display}/{name}")
        };
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(err) => {
                if is_manifest_name(&name) {
                    diags.push(cannot_read(
                        &child_display,
                        &format!("cannot read {child_display}: {err}"),
                    ));
                }
                continue;
            }
        };
        if meta.is_dir() {
            walk(tree, &path, &child_display, found, diags);
            continue;
        }
        if !is_manifest_name(&name) {
            continue;
        }
        if meta.file_type().is_symlink()
            && let Some(refused) = leaves_tree(&path, tree, &child_display)
        {
            diags.push(refused);
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(target) if target.is_file() => found.push(Found {
                display: child_display,
                path,
            }),
            // A symlink to a directory is not followed (no loops); only
            // real directories are searched.
            Ok(target) if target.is_dir() => {}
            Ok(target) => diags.push(not_a_file(&child_display, &target)),
            Err(err) if meta.file_type().is_symlink() => {
                diags.push(broken_link(&path, &child_display, &err));
            }
            Err(err) => diags.push(cannot_read(
                &child_display,
                &format!("cannot read {child_display}: {err}"),
            )),
        }
    }
}

/// The refusal of a symlink at `link` whose final target is not inside
/// `tree` (both resolved, so `../` and chains of links count), or is a
/// pseudo file. `None` when it stays inside, or cannot be resolved (the
/// caller reports a broken link in the system's words).
fn leaves_tree(link: &Path, tree: &Path, display: &str) -> Option<Diagnostic> {
    let target = std::fs::canonicalize(link).ok()?;
    let root = std::fs::canonicalize(tree).ok()?;
    if is_pseudo_path(&target) {
        return pseudo_file(&target, display);
    }
    if target.starts_with(&root) {
        return None;
    }
    let written = std::fs::read_link(link).map_or_else(
        |_| "a target".to_owned(),
        |t| format!("`{}`", t.to_string_lossy()),
    );
    Some(
        Diagnostic::about_file(
            Code::LinkLeavesTree,
            display,
            format!(
                "{display} is a symbolic link to {written}, outside {}; it was not read",
                display_of(tree)
            ),
        )
        .help(
            "a manifest link may point only at a file inside the directory named on the \
             command line; copy the manifest into the tree instead",
        ),
    )
}

/// Kernel pseudo file systems: their files report a size of 0 and make
/// their content when read (the process environment, its command line).
const PSEUDO_ROOTS: [&str; 3] = ["/proc", "/sys", "/dev"];

fn is_pseudo_path(path: &Path) -> bool {
    PSEUDO_ROOTS.iter().any(|root| path.starts_with(root))
}

/// The refusal of a path that resolves into a pseudo file system.
fn pseudo_file(path: &Path, display: &str) -> Option<Diagnostic> {
    let resolved = std::fs::canonicalize(path).ok()?;
    is_pseudo_path(&resolved).then(|| pseudo_diagnostic(display))
}

fn pseudo_diagnostic(display: &str) -> Diagnostic {
    Diagnostic::about_file(
        Code::PseudoFile,
        display,
        format!("{display} is a pseudo file (such as /proc/self/environ), not a manifest; it was not read"),
    )
    .help("give a manifest file or a directory of manifests")
}

/// A symbolic link that cannot be followed: named, with its target.
fn broken_link(path: &Path, display: &str, err: &std::io::Error) -> Diagnostic {
    let target = std::fs::read_link(path).map_or_else(
        |_| "a target".to_owned(),
        |t| format!("`{}`", t.to_string_lossy()),
    );
    let why = if err.kind() == std::io::ErrorKind::NotFound {
        "which does not exist".to_owned()
    } else {
        format!("which cannot be opened: {err}")
    };
    Diagnostic::about_file(
        Code::ReadFailed,
        display,
        format!("cannot read {display}: it is a symbolic link to {target}, {why}"),
    )
    .help("fix the link or delete it; a manifest directory must hold only readable manifests")
}

/// A read-failed finding with the usual help.
fn cannot_read(display: &str, message: &str) -> Diagnostic {
    Diagnostic::about_file(Code::ReadFailed, display, message)
        .help("check that the path exists and is readable by this user, or leave it out of the run")
}

fn is_manifest_name(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// A file that could not be used as text.
#[derive(Debug)]
pub(crate) struct Unreadable {
    /// Why (too large, unreadable, not UTF-8).
    pub(crate) diagnostic: Diagnostic,
    /// The text to show the diagnostic against, if there is one.
    pub(crate) lossy: Option<String>,
}

fn unreadable(diagnostic: Diagnostic, lossy: Option<String>) -> Box<Unreadable> {
    Box::new(Unreadable { diagnostic, lossy })
}

/// Reads one file as UTF-8 text.
pub(crate) fn read(found: &Found) -> Result<String, Box<Unreadable>> {
    let fail = |message: String| unreadable(cannot_read(&found.display, &message), None);
    let meta = std::fs::metadata(&found.path)
        .map_err(|e| fail(format!("cannot read {}: {e}", found.display)))?;
    // Checked again here: the file may have been swapped for a FIFO since
    // discovery, and opening one would block.
    if !meta.is_file() {
        return Err(unreadable(not_a_file(&found.display, &meta), None));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(unreadable(too_large(&found.display, meta.len()), None));
    }
    let file = std::fs::File::open(&found.path)
        .map_err(|e| fail(format!("cannot read {}: {e}", found.display)))?;
    let meta = file
        .metadata()
        .map_err(|e| fail(format!("cannot read {}: {e}", found.display)))?;
    if !meta.is_file() {
        return Err(unreadable(not_a_file(&found.display, &meta), None));
    }
    // The file may grow between the check and the read: never load more
    // than the cap plus one byte.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read {}: {e}", found.display)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(unreadable(
            too_large(&found.display, bytes.len() as u64),
            None,
        ));
    }
    // A file that yields more than its size is made as it is read (a
    // pseudo file on a file system not listed above): its content may be
    // anything, so it is neither parsed nor quoted.
    if bytes.len() as u64 > meta.len() {
        return Err(unreadable(pseudo_diagnostic(&found.display), None));
    }
    decode(&found.display, bytes)
}

fn too_large(display: &str, len: u64) -> Diagnostic {
    Diagnostic::about_file(
        Code::FileTooLarge,
        display,
        format!(
            "{display} is larger than {} KiB ({len} bytes); manifests are small text files",
            MAX_FILE_BYTES / 1024
        ),
    )
    .help("split it into several manifests, or check that this is the file you meant")
}

/// UTF-8 text, or an invalid-UTF-8 diagnostic pointing at the first bad
/// byte of the lossily decoded text.
pub(crate) fn decode(display: &str, bytes: Vec<u8>) -> Result<String, Box<Unreadable>> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let end = valid + lossy[valid..].chars().next().map_or(0, char::len_utf8);
            let diag = Diagnostic::error(
                Code::InvalidUtf8,
                display,
                ByteSpan { start: valid, end },
                format!("{display} is not valid UTF-8"),
            )
            .label("invalid byte")
            .help("save the file as UTF-8");
            Err(unreadable(diag, Some(lossy)))
        }
    }
}
