//! `slretire status`: read every applied retirement back and say where it
//! stands.

use crate::cli::{StatusArgs, StatusFormat};
use crate::commands::{EXIT_CHANGES, EXIT_FAILURE, EXIT_OK, Term};
use crate::follow::read_input;
use crate::follow::render::{status_json, status_markdown, status_text};
use crate::follow::status::Status;
use crate::pipeline::{self, Session};

use super::connection::overrides;

pub(crate) fn run(args: &StatusArgs, term: &Term) -> anyhow::Result<i32> {
    // The files are read (and plans checked) before any connection.
    let inputs = args
        .paths
        .iter()
        .map(|p| read_input(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let session = Session::open(&overrides(&args.connection), None, &[])?;
    let following = pipeline::following(&session, inputs, args.journal.as_deref())?;
    let n = following.tracked.len();
    let report = pipeline::status(&session, following)?;
    term.say(&format!(
        "Read {n} retirement{} back with {} API calls.\n",
        if n == 1 { "" } else { "s" },
        session.client.calls_made()
    ));
    term.out(&match args.format {
        StatusFormat::Text => status_text(&report),
        StatusFormat::Markdown => status_markdown(&report),
        StatusFormat::Json => status_json(&report),
    })?;
    let pending = report.count(Status::Pending) + report.count(Status::TicketOpen);
    Ok(if report.count(Status::StillBilled) > 0 {
        EXIT_FAILURE
    } else if args.detailed_exitcode && pending > 0 {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}
