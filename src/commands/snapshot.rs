//! `slretire snapshot`: the account's inventory as a world file.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::SnapshotArgs;
use crate::commands::{EXIT_OK, Term};
use crate::output_file;
use crate::snapshot::{ListReport, export_world, parse_kinds};
use crate::softlayer::{Client, Settings, redact_endpoint};
use crate::terminal_text::escape_controls;

pub(crate) fn run(args: &SnapshotArgs, _term: &Term) -> anyhow::Result<i32> {
    let kinds =
        parse_kinds(&args.kinds).map_err(|message| anyhow::anyhow!("--kinds: {message}"))?;
    let settings = Settings::resolve(&super::connection::overrides(&args.connection))?;
    let client = Client::new(settings)?;
    let taken_at = crate::pipeline::fixed_now()?.unwrap_or_else(jiff::Timestamp::now);
    // A progress line that cannot be written (stderr closed, disk full)
    // ends the run with exit 1, and before the file is written.
    let mut progress_error: Option<std::io::Error> = None;
    let world = export_world(&client, &kinds, taken_at, |report| {
        if progress_error.is_none() {
            progress_error = writeln!(std::io::stderr(), "{}", progress_line(report)).err();
        }
    })?;
    if let Some(err) = progress_error {
        return Err(err).context("cannot write progress to stderr");
    }
    let mut text = serde_json::to_string_pretty(&world).context("serialising the world file")?;
    text.push('\n');
    let inputs = config_files(args);
    let inputs: Vec<&std::path::Path> = inputs.iter().map(PathBuf::as_path).collect();
    output_file::write_text(&args.out, &text, &inputs)?;
    let objects: usize = world.as_object().map_or(0, |w| {
        w.values()
            .filter_map(serde_json::Value::as_array)
            .map(Vec::len)
            .sum()
    });
    // JSON text of the id: a string id from the API comes quoted, its
    // control characters escaped.
    let account = world
        .get("account")
        .and_then(|a| a.get("id"))
        .map(ToString::to_string)
        .unwrap_or_default();
    writeln!(
        std::io::stderr(),
        "wrote {} (account {} at {}, {} objects, {} calls)",
        args.out.display(),
        escape_controls(&account),
        redact_endpoint(client.endpoint()),
        thousands(objects as u64),
        client.calls_made()
    )
    .context("cannot write to stderr")?;
    Ok(EXIT_OK)
}

/// The config files the run may have read: never to be overwritten by `--out`.
fn config_files(args: &SnapshotArgs) -> Vec<PathBuf> {
    match &args.connection.config {
        Some(path) => vec![path.clone()],
        None => std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| vec![PathBuf::from(home).join(".softlayer")])
            .unwrap_or_default(),
    }
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
    if let Some(why) = &report.left_out {
        return format!(
            "{}: left out, the API does not have it: {} ({calls}, {:.1}s)",
            report.key,
            crate::terminal_text::escape_controls(why),
            report.elapsed.as_secs_f64()
        );
    }
    format!(
        "{}: {objects} ({calls}, {:.1}s)",
        report.key,
        report.elapsed.as_secs_f64()
    )
}

/// 1234567 -> "1,234,567".
pub(super) fn thousands(n: u64) -> String {
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
            left_out: None,
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
            left_out: None,
        };
        assert_eq!(progress_line(&report), "hardware: 1 object (1 call, 0.0s)");
        let report = ListReport {
            key: "cdnAccounts",
            objects: 0,
            calls: 1,
            elapsed: Duration::ZERO,
            left_out: Some(
                "Function (\"getCdnAccounts\") is not a valid method for this service.".into(),
            ),
        };
        assert_eq!(
            progress_line(&report),
            "cdnAccounts: left out, the API does not have it: Function (\"getCdnAccounts\") is not a valid method for this service. (1 call, 0.0s)"
        );
    }

    /// Separators every three digits.
    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
