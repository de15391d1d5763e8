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
                    clashes.push((
                        "when",
                        first.when.as_str(),
                        entry.options.when.as_str(),
                        first.when_from,
                        checked.when_from,
                    ));
                }
                if first.via != entry.options.via {
                    clashes.push((
                        "via",
                        first.via.as_str(),
                        entry.options.via.as_str(),
                        first.via_from,
                        checked.via_from,
                    ));
                }
                for (option, first_value, value, first_from, from) in clashes {
                    let what = match &target {
                        Target::Id(id) => format!("{} {id}", entry.kind),
                        Target::Ip(ip) => format!("{} {ip}", entry.kind),
                    };
                    let first_line = line_of(sources, first.file, first.span);
                    let source = |from: OptionSource, value: &str| {
                        format!("`{option}: {value}`{}", from.words())
                    };
                    diags.push(
                        Diagnostic::error(
                            Code::ContradictoryOptions,
                            &file.file,
                            span,
                            format!("{what} is retired with two different `{option}` values"),
                        )
                        .label(format!("`{option}: {value}`{} here", from.words()))
                        .help(format!(
                            "give every entry that names {what} the same `{option}`, or name it in one entry only"
                        ))
                        .note(format!(
                            "the entry at {}:{first_line} gives it {}",
                            first.file,
                            source(first_from, first_value)
                        )),
                    );
                }
            }
        }
    }
}

fn ip_key(ip: &IpPattern) -> String {
    ip.to_string()
}
