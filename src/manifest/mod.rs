//! Manifests: YAML -> raw types with spans -> validated model, with
//! diagnostics for every problem found on the way.
//!
//! The pipeline: `discover` finds the files, `yaml` parses each into a
//! tree of spanned values, `read` checks the shape into `raw` types,
//! `validate` gives the values their meaning, `merge` joins the files into
//! one [`model::Manifests`]. Findings are [`Diagnostic`] values that
//! [`render`] turns into text for people, JSON or GitHub annotations.

mod address;
pub mod diagnostic;
mod did_you_mean;
mod discover;
mod duration;
mod keys;
mod merge;
pub mod model;
pub(crate) mod node;
mod number;
pub mod pattern;
mod raw;
mod read;
pub mod render;
mod schema;
pub mod source;
mod validate;
pub(crate) mod yaml;
mod yaml_tags;

use std::path::PathBuf;

pub use diagnostic::{Code, Diagnostic, Location, Severity};
pub use node::ByteSpan;
pub use render::{render_github, render_human, render_json};
pub use schema::manifest_schema_json;
pub use source::{SourceFile, SourceMap};
pub use yaml::MAX_FILE_BYTES;

/// Manifests that passed validation.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The merged model.
    pub manifests: model::Manifests,
    /// Findings that do not fail validation.
    pub warnings: Vec<Diagnostic>,
    /// The texts, to render the warnings against.
    pub sources: SourceMap,
}

/// Manifests that did not pass: every finding, and the texts to show them.
#[derive(Debug, Clone)]
pub struct LoadFailure {
    /// Every finding (errors and warnings), sorted by file, line, column.
    pub diagnostics: Vec<Diagnostic>,
    /// The texts the diagnostics point into.
    pub sources: SourceMap,
    /// How many files and entries were read.
    pub summary: Summary,
}

/// What a run read, for the one-line summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Manifest files read.
    pub files: usize,
    /// `retire` entries in them, valid or not.
    pub entries: usize,
}

impl Loaded {
    /// How many files and entries were read.
    pub fn summary(&self) -> Summary {
        Summary {
            files: self.manifests.files.len(),
            entries: self.manifests.entries.len(),
        }
    }
}

/// Discovers, reads, parses and validates the manifests below `paths`
/// (files, or directories searched for `*.yaml`/`*.yml`). Offline.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, LoadFailure> {
    let mut diags = Vec::new();
    let found = discover::discover(paths, &mut diags);
    let mut texts = Vec::new();
    // Every found file gets its place in the map in discovery order, so
    // findings sort by file even when a file could not be read.
    let mut sources = SourceMap::new();
    for file in &found {
        match discover::read(file) {
            Ok(text) => {
                sources.add(file.display.clone(), text.clone());
                texts.push((file.display.clone(), text));
            }
            Err(unreadable) => {
                let discover::Unreadable { diagnostic, lossy } = *unreadable;
                sources.add(file.display.clone(), lossy.unwrap_or_default());
                diags.push(diagnostic);
            }
        }
    }
    let outcome = check(&texts, sources, diags);
    finish(outcome, found.len())
}

/// Reads the manifest files a plan recorded, each under its recorded name,
/// from `base` (a checkout elsewhere) or from where the plan ran: every
/// file with the reader's rules (a link may not leave the directory that
/// holds it, pseudo files are refused), then validated as `load` does.
pub fn load_recorded(
    base: Option<&std::path::Path>,
    recorded: &[String],
) -> Result<Loaded, LoadFailure> {
    let mut diags = Vec::new();
    let mut texts = Vec::new();
    let mut sources = SourceMap::new();
    for name in recorded {
        let path = base.map_or_else(|| PathBuf::from(name), |base| base.join(name));
        for file in discover::discover(&[path], &mut diags) {
            match discover::read(&file) {
                Ok(text) => texts.push((name.clone(), text)),
                Err(unreadable) => {
                    let discover::Unreadable { diagnostic, lossy } = *unreadable;
                    sources.add(file.display.clone(), lossy.unwrap_or_default());
                    diags.push(diagnostic);
                }
            }
        }
    }
    let outcome = check(&texts, sources, diags);
    finish(outcome, recorded.len())
}

/// Parses a duration as manifests write one (`7d`, `12h`, `2w`), for flags
/// that take the same form.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    duration::parse_duration(text).map_err(|e| match e {
        duration::DurationError::Malformed => {
            format!("`{text}` is not a duration such as 7d, 12h or 2w")
        }
        duration::DurationError::AmbiguousMinutes => {
            "`m` could mean minutes or months; use h, d or w".into()
        }
        duration::DurationError::Zero => "a duration must be more than zero".into(),
        duration::DurationError::TooLong => "that is longer than a hundred years".into(),
    })
}

/// Parses and validates texts already in memory: `(display path, text)`
/// pairs, in reading order. Pure (no IO); the model is `Some` exactly when
/// no diagnostic is an error. Diagnostics are sorted.
pub fn parse_and_validate(
    files: &[(String, String)],
) -> (Option<model::Manifests>, Vec<Diagnostic>) {
    let outcome = check(files, SourceMap::new(), Vec::new());
    (outcome.manifests, outcome.diagnostics)
}

/// Like [`parse_and_validate`], also returning the source map and summary
/// (for renderers and tests).
pub fn check_texts(
    files: &[(String, String)],
) -> (
    Option<model::Manifests>,
    Vec<Diagnostic>,
    SourceMap,
    Summary,
) {
    let outcome = check(files, SourceMap::new(), Vec::new());
    (
        outcome.manifests,
        outcome.diagnostics,
        outcome.sources,
        outcome.summary,
    )
}

struct Outcome {
    manifests: Option<model::Manifests>,
    diagnostics: Vec<Diagnostic>,
    sources: SourceMap,
    summary: Summary,
}

fn check(
    files: &[(String, String)],
    mut sources: SourceMap,
    mut diags: Vec<Diagnostic>,
) -> Outcome {
    let mut models = Vec::new();
    let mut entries = 0;
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
        let Some(file) = sources.get(name).cloned() else {
            continue;
        };
        if file.text.len() as u64 > MAX_FILE_BYTES {
            diags.push(
                Diagnostic::about_file(
                    Code::FileTooLarge,
                    name,
                    format!(
                        "{name} is larger than {} KiB; manifests are small text files",
                        MAX_FILE_BYTES / 1024
                    ),
                )
                .help("split it into several manifests"),
            );
            continue;
        }
        let root = match yaml::parse(&file) {
            Ok(Some(root)) => root,
            Ok(None) => {
                diags.push(
                    Diagnostic::about_file(
                        Code::EmptyFile,
                        name,
                        format!("{name} holds no manifest"),
                    )
                    .help(
                        "start it with `version: 1`, `account: <id>` and `retire:`, or delete it",
                    ),
                );
                continue;
            }
            Err(refused) => {
                diags.extend(refused);
                continue;
            }
        };
        let raw = read::read(&file, &root, &mut diags);
        let model = validate::validate(&file, &raw, &mut diags);
        entries += model.entry_count;
        models.push(model);
    }
    let manifests = if models.is_empty() {
        None
    } else {
        merge::merge(&models, &sources, &mut diags)
    };
    let manifests = manifests.filter(|_| !diags.iter().any(Diagnostic::is_error));
    sort(&mut diags, &sources);
    Outcome {
        manifests,
        diagnostics: diags,
        sources,
        summary: Summary {
            files: files.len(),
            entries,
        },
    }
}

fn finish(outcome: Outcome, files_found: usize) -> Result<Loaded, LoadFailure> {
    match outcome.manifests {
        Some(manifests) if !outcome.diagnostics.iter().any(Diagnostic::is_error) => Ok(Loaded {
            manifests,
            warnings: outcome.diagnostics,
            sources: outcome.sources,
        }),
        _ => Err(LoadFailure {
            diagnostics: outcome.diagnostics,
            sources: outcome.sources,
            summary: Summary {
                files: files_found,
                entries: outcome.summary.entries,
            },
        }),
    }
}

/// Sorts findings by file (reading order; paths without a file first),
/// position, then code, so output is stable.
fn sort(diags: &mut [Diagnostic], sources: &SourceMap) {
    diags.sort_by_cached_key(|d| {
        let (file, name, span) = match &d.location {
            Some(loc) => (
                sources.index_of(&loc.file),
                loc.file.clone(),
                loc.span.map_or((0, 0), |s| (s.start, s.end)),
            ),
            None => (None, String::new(), (0, 0)),
        };
        (file, name, span, d.severity, d.code, d.message.clone())
    });
}
