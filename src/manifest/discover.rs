//! Command-line paths -> the manifest files to read, sorted, each read
//! with a size cap checked before any byte is loaded.

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
/// directories skipped). Sorted by display path, without duplicates.
pub(crate) fn discover(paths: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<Found> {
    let mut found = Vec::new();
    for path in paths {
        let display = display_of(path);
        match std::fs::metadata(path) {
            Err(_) => diags.push(
                Diagnostic::about_file(
                    Code::PathNotFound,
                    &display,
                    format!("no such file or directory: {display}"),
                )
                .help("give a manifest file or a directory of manifests (default: manifests/)"),
            ),
            Ok(meta) if meta.is_dir() => {
                let before = found.len();
                walk(path, &display, &mut found, diags);
                if found.len() == before {
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
            Ok(_) => found.push(Found {
                display,
                path: path.clone(),
            }),
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.display == b.display);
    found
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

fn walk(dir: &Path, display: &str, found: &mut Vec<Found>, diags: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            diags.push(Diagnostic::about_file(
                Code::ReadFailed,
                display,
                format!("cannot read directory {display}: {err}"),
            ));
            return;
        }
    };
    let mut children: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    children.sort();
    for (name, path) in children {
        let child_display = if display == "." {
            name.clone()
        } else {
            format!("{display}/{name}")
        };
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, &child_display, found, diags);
        } else if is_manifest_name(&name) && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            found.push(Found {
                display: child_display,
                path,
            });
        }
    }
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
    let fail = |message: String| {
        unreadable(
            Diagnostic::about_file(Code::ReadFailed, &found.display, message),
            None,
        )
    };
    let meta = std::fs::metadata(&found.path)
        .map_err(|e| fail(format!("cannot read {}: {e}", found.display)))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(unreadable(too_large(&found.display, meta.len()), None));
    }
    let file = std::fs::File::open(&found.path)
        .map_err(|e| fail(format!("cannot read {}: {e}", found.display)))?;
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
