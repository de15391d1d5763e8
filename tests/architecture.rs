//! The layering rules of `docs/architecture.md`, checked on the source:
//! the API client knows no domain, only `commands/` prints, and each
//! resource kind lives in its room.

use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The non-test code of a file: up to its `#[cfg(test)]` module, and
/// nothing of a file that is a test module itself.
fn production_code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `src/softlayer/` (the HTTP client) imports nothing of the domain, the
/// engines, the composition root or the command line.
#[test]
fn the_client_knows_no_domain() {
    let forbidden = [
        "manifest", "resolve", "plan", "apply", "kinds", "cli", "commands", "pipeline", "snapshot",
    ];
    let mut problems = Vec::new();
    for path in sources(&src().join("softlayer")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for module in forbidden {
            if text.contains(&format!("crate::{module}::"))
                || text.contains(&format!("crate::{module};"))
            {
                problems.push(format!("{} uses crate::{module}", path.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Only `src/commands/` writes to the terminal: everything else returns
/// what it has to say (observers, diagnostics, errors), so the engines stay
/// testable and their output is rendered in one place.
#[test]
fn only_commands_print() {
    let printing = [
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "std::io::stdout",
        "std::io::stderr",
        "indicatif",
    ];
    let commands = src().join("commands");
    let mut problems = Vec::new();
    for path in sources(&src()) {
        if path.starts_with(&commands) {
            continue;
        }
        let text = production_code(&path);
        for needle in printing {
            if text.contains(needle) {
                problems.push(format!("{} uses {needle}", path.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Each kind's variant is named by at most three non-test files: its
/// room, the enum and the registry (here the enum and the registry share
/// `kinds/mod.rs`).
#[test]
fn each_kind_lives_in_its_room() {
    let files: Vec<(PathBuf, String)> = sources(&src())
        .into_iter()
        .map(|p| {
            let code = production_code(&p);
            (p, code)
        })
        .collect();
    for kind in slretire::kinds::Kind::ALL {
        let variant = format!("Kind::{kind:?}");
        let naming: Vec<String> = files
            .iter()
            .filter(|(_, code)| {
                code.match_indices(&variant).any(|(i, _)| {
                    !code[i + variant.len()..].starts_with(|c: char| c.is_alphanumeric())
                })
            })
            .map(|(p, _)| p.strip_prefix(src()).unwrap().display().to_string())
            .collect();
        assert!(naming.len() <= 3, "{variant} is named in {naming:?}");
        let room = format!("kinds/{}.rs", kind.as_str());
        assert!(
            naming.contains(&room),
            "{variant} not in its room {room}: {naming:?}"
        );
    }
}

/// Load-balancer variants are decided on in the load-balancer room only.
#[test]
fn variants_are_decided_in_their_room() {
    for path in sources(&src()) {
        let code = production_code(&path);
        let shown = path.strip_prefix(src()).unwrap().display().to_string();
        for variant in ["Variant::Lbaas", "Variant::Vip", "Variant::DedicatedVip"] {
            if code.contains(variant) {
                assert!(
                    shown == "kinds/load_balancer.rs" || shown == "kinds/variant.rs",
                    "{variant} in {shown}"
                );
            }
        }
    }
}
