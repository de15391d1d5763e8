//! Renderers for `status` (text, markdown for a tracking comment, json)
//! and for the revert plan: pure functions of their reports.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::revert::{Step, Undo};
use super::status::{Report, Row, Status};
use crate::resolve::money::Money;
use crate::terminal_text::escape_controls;

/// `Status: 12 reclaimed, 15 pending, ... Monthly fees retired: ...`.
pub fn status_summary(report: &Report) -> String {
    let counts: Vec<String> = Status::ALL
        .iter()
        .map(|s| format!("{} {}", report.count(*s), s.as_str().replace('_', " ")))
        .collect();
    let (retired, left, unknown) = report.fees();
    let unknown = match unknown {
        0 => String::new(),
        n => format!(
            " ({n} item{} whose fee is not known)",
            if n == 1 { "" } else { "s" }
        ),
    };
    format!(
        "Status: {}. Monthly fees retired: {} USD; still to retire: {} USD{unknown}.",
        counts.join(", "),
        retired.grouped(),
        left.grouped()
    )
}

fn head(report: &Report) -> String {
    let n = report.rows.len();
    format!(
        "slretire status for account {}: {n} retirement{} from {}, as of {}",
        report.account,
        if n == 1 { "" } else { "s" },
        report.sources.join(", "),
        report.at
    )
}

fn name(row: &Row) -> String {
    if row.tracked.name.is_empty() {
        String::new()
    } else {
        format!("  {}", escape_controls(&row.tracked.name))
    }
}

/// The text report: one line per retirement and the summary.
pub fn status_text(report: &Report) -> String {
    let mut out = format!("{}\n\n", escape_controls(&head(report)));
    for row in &report.rows {
        let _ = writeln!(
            out,
            "{:<13} {} {}{}: {}",
            row.status.as_str(),
            row.tracked.kind,
            row.tracked.id,
            name(row),
            escape_controls(&row.detail)
        );
    }
    if !report.rows.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{}", status_summary(report));
    out
}

/// Keeps a table cell intact (pipes, line breaks, HTML).
fn cell(text: &str) -> String {
    escape_controls(text)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The markdown report: a comment that tracks the retirements, with a
/// banner when something is still billed.
pub fn status_markdown(report: &Report) -> String {
    let mut out = format!("### {}\n\n", cell(&head(report)));
    let billed = report.count(Status::StillBilled);
    if billed > 0 {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **{billed} retirement{} still billed although {} cancellation was due.**\n",
            if billed == 1 { " is" } else { "s are" },
            if billed == 1 { "its" } else { "their" }
        );
    }
    let _ = writeln!(out, "**{}**\n", status_summary(report));
    if !report.rows.is_empty() {
        out.push_str("| status | kind | id | name | detail | monthly fee |\n");
        out.push_str("|---|---|---|---|---|---:|\n");
        for row in &report.rows {
            let fee = row
                .tracked
                .monthly_fee
                .map_or_else(|| "unknown".to_string(), Money::grouped);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {fee} |",
                row.status.as_str(),
                row.tracked.kind,
                row.tracked.id,
                cell(&row.tracked.name),
                cell(&row.detail)
            );
        }
    }
    out
}

/// The json report.
pub fn status_json(report: &Report) -> String {
    let (retired, left, unknown) = report.fees();
    let mut counts = serde_json::Map::new();
    for s in Status::ALL {
        counts.insert(s.as_str().into(), report.count(s).into());
    }
    let items: Vec<Value> = report
        .rows
        .iter()
        .map(|row| {
            json!({
                "kind": row.tracked.kind,
                "id": row.tracked.id,
                "uuid": row.tracked.uuid,
                "name": row.tracked.name,
                "status": row.status,
                "detail": row.detail,
                "date": row.date.map(|d| d.to_string()),
                "monthly_fee": row.tracked.monthly_fee,
                "plan": row.tracked.plan,
            })
        })
        .collect();
    let doc = json!({
        "account": report.account,
        "at": report.at.to_string(),
        "sources": report.sources,
        "summary": {
            "counts": counts,
            "monthly_fee_retired": retired,
            "monthly_fee_to_retire": left,
            "monthly_fee_unknown": unknown,
            "currency": "USD",
        },
        "items": items,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A section of the revert plan: its title, its symbol, what belongs.
type Group = (&'static str, &'static str, fn(&Undo) -> bool);

/// The revert plan: what will be voided (with the call), what cannot be
/// undone and why, what has nothing to undo, and one summary line.
pub fn revert_plan(account: u64, sources: &[String], steps: &[Step]) -> String {
    let mut out = format!(
        "slretire revert for account {account}: {} retirement{} from {}\n",
        steps.len(),
        if steps.len() == 1 { "" } else { "s" },
        escape_controls(&sources.join(", "))
    );
    let groups: [Group; 3] = [
        ("Will void (billing resumes):", "+", |u| {
            matches!(u, Undo::Void(_))
        }),
        ("Cannot be undone:", "!", |u| matches!(u, Undo::Cannot(_))),
        ("Nothing to undo:", "=", |u| matches!(u, Undo::Nothing(_))),
    ];
    for (title, symbol, wanted) in groups {
        let group: Vec<&Step> = steps.iter().filter(|s| wanted(&s.undo)).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}");
        for step in group {
            let t = &step.tracked;
            let name = if t.name.is_empty() {
                String::new()
            } else {
                format!("  {}", escape_controls(&t.name))
            };
            let _ = writeln!(out, "{symbol} {} {}{name}", t.kind, t.id);
            match &step.undo {
                Undo::Void(call) => {
                    let _ = writeln!(out, "    now       {}", escape_controls(&step.standing));
                    let _ = writeln!(out, "    call      {}", escape_controls(&call.to_string()));
                }
                Undo::Cannot(why) | Undo::Nothing(why) => {
                    let _ = writeln!(out, "    why       {}", escape_controls(why));
                }
            }
        }
    }
    let _ = writeln!(out, "\n{}", revert_summary(steps));
    out
}

/// `Revert: 1 to void, 27 cannot be undone, 0 nothing to undo. Monthly fees
/// back on the bill: 115.00 USD.`
pub fn revert_summary(steps: &[Step]) -> String {
    let count = |f: fn(&Undo) -> bool| steps.iter().filter(|s| f(&s.undo)).count();
    let fee: Money = steps
        .iter()
        .filter(|s| matches!(s.undo, Undo::Void(_)))
        .filter_map(|s| s.tracked.monthly_fee)
        .sum();
    format!(
        "Revert: {} to void, {} cannot be undone, {} nothing to undo. Monthly fees back on the bill: {} USD.",
        count(|u| matches!(u, Undo::Void(_))),
        count(|u| matches!(u, Undo::Cannot(_))),
        count(|u| matches!(u, Undo::Nothing(_))),
        fee.grouped()
    )
}
