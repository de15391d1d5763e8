//! `slretire completions` and `slretire man`: generated from the command
//! line definitions, so every command is in them; the scripts parse.

use std::process::Command;

use clap::CommandFactory;

const BIN: &str = env!("CARGO_BIN_EXE_slretire");

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Every command of the CLI, as clap knows it (new ones included).
fn commands() -> Vec<String> {
    slretire::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// bash parses the bash script (`bash -n`), and it completes every command.
#[test]
fn bash_completion_parses() {
    let script = run(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slretire.bash");
    std::fs::write(&path, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(check.status.success(), "{check:?}");
    assert!(script.contains("complete -F _slretire"), "{script}");
    for command in commands() {
        assert!(
            script.contains(&format!("slretire,{command})")),
            "{command} missing"
        );
    }
    // Values complete too: the formats of `diff`.
    assert!(script.contains("text json markdown"), "{script}");
}

/// The other shells get their own script, naming every command.
#[test]
fn other_shells() {
    for (shell, marker) in [
        ("zsh", "#compdef slretire"),
        ("fish", "complete -c slretire"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'slretire'",
        ),
    ] {
        let script = run(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        for command in commands() {
            assert!(script.contains(&command), "{shell}: {command} missing");
        }
    }
}

/// An unknown shell is a usage error (exit 1) naming the choices.
#[test]
fn unknown_shell() {
    let out = Command::new(BIN)
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[possible values: bash, zsh, fish, powershell]"),
        "{stderr}"
    );
}

/// The man page has its title line and a section for every command.
#[test]
fn man_page_names_every_command() {
    let page = run(&["man"]);
    assert!(page.contains("\n.TH slretire 1 "), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for command in commands() {
        assert!(
            page.contains(&format!("slretire\\-{command}(1)")),
            "{command} missing"
        );
    }
}

/// `--out-dir` writes the main page and one per command, each with its title.
#[test]
fn man_pages_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["man", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let main = std::fs::read_to_string(dir.path().join("slretire.1")).unwrap();
    assert!(main.contains(".TH slretire 1 "));
    for command in commands() {
        let page =
            std::fs::read_to_string(dir.path().join(format!("slretire-{command}.1"))).unwrap();
        assert!(
            page.contains(&format!(".TH slretire-{command} 1 ")),
            "{page}"
        );
        assert!(
            page.contains(&format!("\\fBslretire {command}\\fR")),
            "{page}"
        );
    }
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(files, commands().len() + 1);
}
