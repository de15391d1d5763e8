//! The files of one run -> one model: the same account everywhere, entries
//! in file order, every protect rule, every file's limits, and no
//! resource given two different `when` or `via`.

use std::collections::BTreeMap;

use super::diagnostic::{Code, Diagnostic};
use super::model::{IpPattern, Kind, LimitRule, LimitScope, Limits, Manifests, Via, When};
use super::node::ByteSpan;
use super::source::SourceMap;
use super::validate::{FileModel, OptionSource};

/// Merges checked files. Pushes cross-file problems onto `diags`; the
/// model is only returned when no error was found anywhere.
pub(crate) fn merge(
    files: &[FileModel],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<Manifests> {
    let account = check_accounts(files, sources, diags);
    check_contradictions(files, sources, diags);
    let entry_count: usize = files.iter().map(|f| f.entry_count).sum();
    // Only worth saying when nothing else is wrong: a broken `retire`
    // also counts no entries.
    if entry_count == 0
        && !diags.iter().any(Diagnostic::is_error)
        && let Some(first) = files.first()
    {
        diags.push(
            Diagnostic::about_file(
                Code::NothingToRetire,
                &first.file,
                "no file of this run retires anything",
            )
            .warning()
            .help("add entries under `retire:`; a plan of these files is always empty"),
        );
    }
    if diags.iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(Manifests {
        account: account?,
        files: files.iter().map(|f| f.file.clone()).collect(),
        digests: files
            .iter()
            .map(|f| {
                sources
                    .get(&f.file)
                    .map_or_else(String::new, |source| content_digest(&source.text))
            })
            .collect(),
        entries: files
            .iter()
            .flat_map(|f| f.entries.iter().map(|e| e.entry.clone()))
            .collect(),
        protect: files
            .iter()
            .flat_map(|f| f.protect.iter().cloned())
            .collect(),
        limits: files
            .iter()
            .filter(|f| f.limits != Limits::default())
            .map(|f| LimitRule {
                file: f.file.clone(),
                // A file that retires nothing holds shared guard rails: its
                // limits watch the whole run. Otherwise a file's limits watch
                // what its own entries select, so adding another team's
                // manifest to the directory cannot trip them.
                scope: if f.entry_count == 0 {
                    LimitScope::Run
                } else {
                    LimitScope::File
                },
                limits: f.limits,
            })
            .collect(),
    })
}

fn line_of(sources: &SourceMap, file: &str, span: ByteSpan) -> usize {
    sources.get(file).map_or(0, |f| f.line_col(span.start).line)
}

/// The first file's account is the run's; every other value is an error.
fn check_accounts(
    files: &[FileModel],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<u64> {
    let mut first: Option<(&FileModel, u64, ByteSpan)> = None;
    for file in files {
        let Some(account) = &file.account else {
            continue;
        };
        match first {
            None => first = Some((file, account.value, account.span)),
            Some((first_file, value, span)) if value != account.value => {
                let line = line_of(sources, &first_file.file, span);
                diags.push(
                    Diagnostic::error(
                        Code::AccountMismatch,
                        &file.file,
                        account.span,
                        format!(
                            "account {} differs from account {value} of {}",
                            account.value, first_file.file
                        ),
                    )
                    .label(format!("expected {value}"))
                    .help("every manifest of one run must pin the same account; run the accounts separately")
                    .note(format!("account {value} is set at {}:{line}", first_file.file)),
                );
            }
            Some(_) => {}
        }
    }
    first.map(|(_, value, _)| value)
}

/// What an explicit id or address is, for grouping entries that name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Id(u64),
    Ip(String),
}

/// Where a resource was first named, and with which options.
struct FirstNamed<'a> {
    file: &'a str,
    span: ByteSpan,
    when: When,
    via: Via,
    when_from: OptionSource,
    via_from: OptionSource,
}

fn check_contradictions(files: &[FileModel], sources: &SourceMap, diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<(Kind, Target), FirstNamed<'_>> = BTreeMap::new();
    for file in files {
        for checked in &file.entries {
            let entry = &checked.entry;
            let targets = entry
                .selector
                .ids
                .iter()
                .map(|id| Target::Id(*id))
                .zip(checked.id_spans.iter().copied())
                .chain(
                    entry
                        .selector
                        .ips
                        .iter()
                        .map(|ip| Target::Ip(ip_key(ip)))
                        .zip(checked.ip_spans.iter().copied()),
                );
            for (target, span) in targets {
                let key = (entry.kind, target.clone());
                let Some(first) = seen.get(&key) else {
                    seen.insert(
                        key,
                        FirstNamed {
                            file: &file.file,
                            span,
                            when: entry.options.when,
                            via: entry.options.via,
                            when_from: checked.when_from,
                            via_from: checked.via_from,
                        },
                    );
                    continue;
                };
                let mut clashes = Vec::new();
                if first.when != entry.options.when {
                    clashes.push(Clash {
                        option: "when",
                        first_value: first.when.as_str(),
                        first_from: first.when_from,
                        value: entry.options.when.as_str(),
                        from: checked.when_from,
                        at: checked.when_at,
                    });
                }
                if first.via != entry.options.via {
                    clashes.push(Clash {
                        option: "via",
                        first_value: first.via.as_str(),
                        first_from: first.via_from,
                        value: entry.options.via.as_str(),
                        from: checked.via_from,
                        at: checked.via_at,
                    });
                }
                for clash in clashes {
                    let what = match &target {
                        Target::Id(id) => format!("{} {id}", entry.kind),
                        Target::Ip(ip) => format!("{} {ip}", entry.kind),
                    };
                    diags.push(contradiction(
                        &clash,
                        &what,
                        (&file.file, span),
                        (first.file, first.span),
                        sources,
                    ));
                }
            }
        }
    }
}

/// One option two entries give the same resource different values of.
struct Clash {
    option: &'static str,
    first_value: &'static str,
    first_from: OptionSource,
    value: &'static str,
    from: OptionSource,
    /// Where the later entry's value is written, if it is.
    at: Option<ByteSpan>,
}

/// The finding on the later entry, `named` where it names the resource:
/// it underlines the value it speaks of, where that is written (in the
/// entry or in its file's `defaults`); a value nobody wrote (the built-in
/// default) has no place, so then the id or address is underlined.
fn contradiction(
    clash: &Clash,
    what: &str,
    named: (&str, ByteSpan),
    first: (&str, ByteSpan),
    sources: &SourceMap,
) -> Diagnostic {
    let Clash { option, value, .. } = *clash;
    let (file, id_span) = named;
    let (span, label) = match (clash.at, clash.from) {
        (Some(at), OptionSource::Defaults) => {
            (at, format!("`{option}: {value}` from `defaults` here"))
        }
        (Some(at), _) => (at, format!("`{option}: {value}` here")),
        (None, _) => (
            id_span,
            format!("named here without `{option}` (the default is `{value}`)"),
        ),
    };
    let mut diag = Diagnostic::error(
        Code::ContradictoryOptions,
        file,
        span,
        format!("{what} is retired with two different `{option}` values"),
    )
    .label(label)
    .help(format!(
        "give every entry that names {what} the same `{option}`, or name it in one entry only"
    ));
    if span != id_span {
        // The underline is on the value: say which entry names the resource.
        let line = line_of(sources, file, id_span);
        diag = diag.note(format!("{what} is named at {file}:{line}"));
    }
    let first_line = line_of(sources, first.0, first.1);
    diag.note(format!(
        "the entry at {}:{first_line} gives it `{option}: {}`{}",
        first.0,
        clash.first_value,
        clash.first_from.words()
    ))
}

fn ip_key(ip: &IpPattern) -> String {
    ip.to_string()
}

/// `sha256:` and the hex digest of a manifest's text: what a plan records
/// and apply compares.
pub(crate) fn content_digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}
