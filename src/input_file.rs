//! Reading an input file the program was pointed at (a plan, a world, a
//! config file, a manifest) without trusting it: only regular files (a FIFO
//! would block forever, `/dev/zero` would never end), never more than a
//! size limit, and text must be UTF-8.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path} is not a regular file")]
    NotAFile { path: String },
    #[error("{path} is larger than {limit} bytes, too large for {what}")]
    TooLarge {
        path: String,
        limit: u64,
        what: String,
    },
    #[error("{path} is not UTF-8 text, so not {what}")]
    NotText { path: String, what: String },
}

/// Reads `path` as UTF-8 text of at most `limit` bytes; `what` names what
/// the file should be ("a plan file", "a world file") for messages.
pub fn read_text(path: &Path, limit: u64, what: &str) -> Result<String, InputFileError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| InputFileError::Io {
        path: shown.clone(),
        message: e.to_string(),
    };
    // Opening a FIFO blocks until a writer appears: refuse it by name first.
    if std::fs::metadata(path).is_ok_and(|meta| !meta.is_file()) {
        return Err(InputFileError::NotAFile { path: shown });
    }
    let file = File::open(path).map_err(io)?;
    // Checked on the open file, so a swap after the check cannot sneak in
    // a FIFO or a device.
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(InputFileError::NotAFile { path: shown });
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(InputFileError::TooLarge {
            path: shown,
            limit,
            what: what.to_string(),
        });
    }
    String::from_utf8(bytes).map_err(|_| InputFileError::NotText {
        path: shown,
        what: what.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regular files are read; directories, devices and oversize files are not.
    #[test]
    fn refuses_what_is_not_a_small_regular_text_file() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("a.json");
        std::fs::write(&small, "{}").unwrap();
        assert_eq!(read_text(&small, 10, "a plan file").unwrap(), "{}");
        assert!(matches!(
            read_text(&small, 1, "a plan file"),
            Err(InputFileError::TooLarge { .. })
        ));
        assert!(matches!(
            read_text(dir.path(), 10, "a plan file"),
            Err(InputFileError::NotAFile { .. })
        ));
        assert!(matches!(
            read_text(Path::new("/dev/zero"), 10, "a plan file"),
            Err(InputFileError::NotAFile { .. })
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        assert!(matches!(
            read_text(&fifo, 10, "a plan file"),
            Err(InputFileError::NotAFile { .. })
        ));
        let binary = dir.path().join("b.json");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_text(&binary, 10, "a plan file"),
            Err(InputFileError::NotText { .. })
        ));
        assert!(matches!(
            read_text(&dir.path().join("missing"), 10, "x"),
            Err(InputFileError::Io { .. })
        ));
    }
}
