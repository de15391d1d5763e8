//! Writing a file the user asked for (`--out`): all at once, never over one
//! of the run's own inputs, and without turning a device or a symlink into
//! a regular file.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an output file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputFileError {
    #[error("cannot write {path}: {message}")]
    Io { path: String, message: String },
    #[error("refusing to write {path}: it is one of this run's inputs")]
    IsInput { path: String },
}

/// Writes `text` to `path`. A regular file (or a new one) is replaced
/// atomically: a temporary file in the same directory, then a rename, so a
/// reader never sees half a file; a symlink is followed and its target
/// replaced; a device or pipe (`/dev/stdout`, `>(...)`) is written in place.
/// The directory must exist: a typo in a path is an error, not a new
/// directory tree. `inputs` are the files the run read: writing over one of
/// them is refused.
pub fn write_text(path: &Path, text: &str, inputs: &[&Path]) -> Result<(), OutputFileError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| OutputFileError::Io {
        path: shown.clone(),
        message: e.to_string(),
    };
    let target = resolve(path);
    if inputs
        .iter()
        .any(|input| std::fs::canonicalize(input).is_ok_and(|i| i == target))
    {
        return Err(OutputFileError::IsInput { path: shown });
    }
    if let Ok(meta) = std::fs::metadata(&target)
        && !meta.is_file()
    {
        let mut file = File::create(&target).map_err(io)?;
        return file
            .write_all(text.as_bytes())
            .and_then(|()| file.flush())
            .map_err(io);
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(OutputFileError::Io {
            path: shown.clone(),
            message: format!("the directory {} does not exist", dir.display()),
        });
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = File::create(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
        })
        .and_then(|()| std::fs::rename(&temp, &target));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(e));
    }
    Ok(())
}

/// The file `path` names: symlinks followed, a dangling one too (its
/// target is created, the link stays a link).
fn resolve(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let mut current = path.to_path_buf();
    // Bounded: a link loop is left for the write to report.
    for _ in 0..40 {
        match std::fs::read_link(&current) {
            Ok(next) => {
                current = match current.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                }
            }
            Err(_) => return current,
        }
    }
    path.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// New and existing files are replaced whole; a missing directory is an error.
    #[test]
    fn writes_regular_files_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let missing = write_text(&dir.path().join("typo/plan.json"), "one", &[]).unwrap_err();
        assert!(
            missing.to_string().ends_with("typo does not exist"),
            "{missing}"
        );
        assert!(!dir.path().join("typo").exists());
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let path = dir.path().join("sub/plan.json");
        write_text(&path, "one", &[]).unwrap();
        write_text(&path, "two", &[]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    /// A symlink stays a symlink; its target gets the text.
    #[test]
    fn follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_text(&link, "new", &[]).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");

        // A dangling link: its target is created, the link kept.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("later.json", &dangling).unwrap();
        write_text(&dangling, "made", &[]).unwrap();
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("later.json")).unwrap(),
            "made"
        );
    }

    /// An input of the run is never overwritten, whatever the spelling.
    #[test]
    fn refuses_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("world.json");
        std::fs::write(&input, "{}").unwrap();
        let spelled = dir.path().join(".").join("world.json");
        let err = write_text(&spelled, "plan", &[input.as_path()]).unwrap_err();
        assert!(matches!(err, OutputFileError::IsInput { .. }));
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "{}");
    }
}
