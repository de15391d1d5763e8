//! `slretire snapshot`: the account's inventory as a world file.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

use crate::cli::SnapshotArgs;
use crate::commands::{EXIT_OK, Term};
use crate::softlayer::{Client, ListReport, Settings, export_world, parse_kinds};

pub(crate) fn run(args: &SnapshotArgs, _term: &Term) -> anyhow::Result<i32> {
    let kinds =
        parse_kinds(&args.kinds).map_err(|message| anyhow::anyhow!("--kinds: {message}"))?;
    let settings = Settings::resolve(&args.connection)?;
    let client = Client::new(settings)?;
    let world = export_world(&client, &kinds, |report| {
        eprintln!("{}", progress_line(report));
    })?;
    let mut text = serde_json::to_string_pretty(&world).context("serialising the world file")?;
    text.push('\n');
    write_atomically(&args.out, text.as_bytes())
        .with_context(|| format!("writing {}", args.out.display()))?;
    let objects: usize = world
        .as_object()
        .map(|w| {
            w.values()
                .filter_map(serde_json::Value::as_array)
                .map(Vec::len)
                .sum()
        })
        .unwrap_or(0);
    let account = world
        .get("account")
        .and_then(|a| a.get("id"))
        .map(ToString::to_string)
        .unwrap_or_default();
    eprintln!(
        "wrote {} (account {account}, {} objects, {} calls)",
        args.out.display(),
        thousands(objects as u64),
        client.calls_made()
    );
    Ok(EXIT_OK)
}

/// `virtualGuests: 1,234 objects (5 calls, 0.8s)`.
fn progress_line(report: &ListReport) -> String {
    let calls = if report.calls == 1 {
        "1 call".to_string()
    } else {
        format!("{} calls", report.calls)
    };
    let objects = if report.objects == 1 {
        "1 object".to_string()
    } else {
        format!("{} objects", thousands(report.objects as u64))
    };
    format!(
        "{}: {objects} ({calls}, {:.1}s)",
        report.key,
        report.elapsed.as_secs_f64()
    )
}

/// 1234567 -> "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over
/// `path`: readers see the old file or the whole new one, never a part.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let temp = path.with_file_name(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Progress lines use thousands separators, singulars and one decimal of seconds.
    #[test]
    fn progress_line_format() {
        let report = ListReport {
            key: "virtualGuests",
            objects: 1234,
            calls: 5,
            elapsed: Duration::from_millis(812),
        };
        assert_eq!(
            progress_line(&report),
            "virtualGuests: 1,234 objects (5 calls, 0.8s)"
        );
        let report = ListReport {
            key: "hardware",
            objects: 1,
            calls: 1,
            elapsed: Duration::ZERO,
        };
        assert_eq!(progress_line(&report), "hardware: 1 object (1 call, 0.0s)");
    }

    /// Separators every three digits.
    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    /// The file is replaced whole and no temporary file is left behind.
    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new contents").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new contents");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_atomically(&dir.path().join("missing/world.json"), b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
