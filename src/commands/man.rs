//! `slretire man`: the man page (clap_mangen), made from the same command
//! line definitions as `--help`.

use anyhow::Context as _;
use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::commands::{EXIT_OK, Term};
use crate::output_file;

pub(crate) fn run(args: &ManArgs, term: &Term) -> anyhow::Result<i32> {
    let cli = Cli::command();
    let Some(dir) = &args.out_dir else {
        term.out(&page(cli)?)?;
        return Ok(EXIT_OK);
    };
    let mut written = vec![dir.join("slretire.1")];
    output_file::write_text(&written[0], &page(cli.clone())?, &[])?;
    for sub in cli.get_subcommands() {
        let name = format!("slretire-{}", sub.get_name());
        let path = dir.join(format!("{name}.1"));
        // Named slretire-plan (NAME section, title), used as `slretire plan`
        // (SYNOPSIS).
        let sub = sub
            .clone()
            .display_name(name)
            .bin_name(format!("slretire {}", sub.get_name()))
            .version(env!("CARGO_PKG_VERSION"));
        output_file::write_text(&path, &page(sub)?, &[])?;
        written.push(path);
    }
    term.say(&format!(
        "Wrote {} man pages to {}\n",
        written.len(),
        dir.display()
    ));
    Ok(EXIT_OK)
}

/// The roff source of `cmd`'s page in section 1.
fn page(cmd: clap::Command) -> anyhow::Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .context("rendering the man page")?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}
