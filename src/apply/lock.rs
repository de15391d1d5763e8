//! One apply per account at a time on a machine: an exclusive lock on a
//! file beside the journal, held for the whole run.
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on
//! Windows), not the file's existence: it ends with the process, however
//! the process ends (kill -9 included), so a lock is never stale. The file
//! stays behind with the last holder's process id and start time, which a
//! refused second run names.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held apply lock; released when dropped.
#[derive(Debug)]
pub struct ApplyLock {
    _file: File,
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another apply for account {account} is running on this machine ({holder}; lock {path}): wait for it to finish, then apply again (a re-run converges)"
    )]
    Held {
        account: u64,
        holder: String,
        path: String,
    },
    #[error("cannot take the apply lock {path}: {message}")]
    Io { path: String, message: String },
}

impl ApplyLock {
    /// Takes the lock for `account` in `dir` (created if missing), or says
    /// who holds it. Never waits: a second apply of the same plan started
    /// at the same time must not run at all.
    pub fn acquire(dir: &Path, account: u64, now: jiff::Timestamp) -> Result<ApplyLock, LockError> {
        let path = dir.join(format!("apply-{account}.lock"));
        let shown = path.display().to_string();
        let io = |e: std::io::Error| LockError::Io {
            path: shown.clone(),
            message: e.to_string(),
        };
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(LockError::Held {
                    account,
                    holder: if holder.is_empty() {
                        "holder unknown".into()
                    } else {
                        crate::terminal_text::escape_controls(holder).into_owned()
                    },
                    path: shown,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Who holds it, for the message a second run prints.
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "pid {} since {now}", std::process::id()).map_err(io)?;
        Ok(ApplyLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    /// A second lock for the same account is refused while the first is
    /// held, names the holder, and is granted once the first is released;
    /// another account is independent.
    #[test]
    fn one_apply_per_account() {
        let dir = tempfile::tempdir().unwrap();
        let first = ApplyLock::acquire(dir.path(), 278184, now()).unwrap();
        let err = ApplyLock::acquire(dir.path(), 278184, now()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("another apply for account 278184 is running")
                && text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        let other = ApplyLock::acquire(dir.path(), 1, now());
        assert!(other.is_ok());
        drop(first);
        assert!(ApplyLock::acquire(dir.path(), 278184, now()).is_ok());
    }
}
