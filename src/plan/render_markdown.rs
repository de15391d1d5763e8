//! The pull-request comment: the summary and a warning banner stay
//! visible, the items are a table, the full text plan is folded.

use std::fmt::Write as _;

use super::model::{Plan, State, Timing};
use super::render_text::{self, summary_line};

/// GitHub/GitLab markdown for a pull-request comment.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### slretire plan for account {} ({})\n",
        plan.account.id,
        escape(&plan.account.company)
    );
    if let Some(as_of) = plan.as_of() {
        let _ = writeln!(out, "_Dates are judged {as_of}._\n");
    }
    let s = &plan.summary;
    if plan.is_partial() {
        let _ = writeln!(
            out,
            "> [!IMPORTANT]\n> **Partial plan**: only `--target {}` and what they wait for. Other objects the manifests select are not in it.\n",
            escape(&plan.targets.join(", ")).replace('`', "'")
        );
    }
    if !plan.errors.is_empty() {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **Planning failed: this plan cannot be applied.**"
        );
        for e in &plan.errors {
            let _ = writeln!(out, "> - `{}` {}", e.code, escape(&e.message));
        }
        out.push('\n');
    }
    if s.cancel > 0 {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **This plan cancels {} resource{}** ({} immediately, which cannot be undone; {} on their anniversary) and retires **{} {}** of monthly fees.\n",
            s.cancel,
            if s.cancel == 1 { "" } else { "s" },
            s.cancel_immediately,
            s.cancel_on_anniversary,
            s.monthly_fee_retired.grouped(),
            s.currency
        );
    }
    let (waiting, waiting_fee) = render_text::waiting_to_cancel(plan);
    if waiting > 0 {
        let _ = writeln!(
            out,
            "> [!NOTE]\n> **{waiting} waiting item{} will be cancelled by `apply --wait`** once what {} for is gone (the table says what), retiring **{} {}** more of monthly fees.\n",
            if waiting == 1 { "" } else { "s" },
            if waiting == 1 {
                "it waits"
            } else {
                "they wait"
            },
            waiting_fee.grouped(),
            s.currency
        );
    }
    let _ = writeln!(out, "**{}**\n", summary_line(plan));
    if !plan.items.is_empty() {
        out.push_str("| state | kind | id | name | when | monthly fee | from |\n");
        out.push_str("|---|---|---|---|---|---:|---|\n");
        for item in &plan.items {
            let when = match (item.state, item.timing) {
                (State::Cancel, Some(Timing::Immediate)) => "immediately".to_string(),
                (State::Cancel, _) => item
                    .effective_date
                    .map_or_else(|| "anniversary".to_string(), super::anniversary::date_text),
                (State::Waiting, Some(timing)) if item.call.is_some() => {
                    let at = match (timing, item.effective_date) {
                        (Timing::Immediate, _) => "immediately".to_string(),
                        (_, Some(date)) => super::anniversary::date_text(date),
                        _ => "anniversary".to_string(),
                    };
                    format!("{at}, {}", render_text::after_gone(&item.depends_on))
                }
                (State::Scheduled, _) => item
                    .effective_date
                    .map(super::anniversary::date_text)
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let fee = match item.monthly_fee {
                None => "unknown".to_string(),
                Some(fee) if fee.is_zero() => String::new(),
                Some(fee) => format!(
                    "{}{}",
                    if item.monthly_fee_estimated { "~" } else { "" },
                    fee.grouped()
                ),
            };
            let (symbol, _) = render_text::symbol(item.state);
            let _ = writeln!(
                out,
                "| `{symbol}` {} | {} | {} | {} | {} | {} | {} |",
                item.state.as_str(),
                item.kind,
                item.id,
                escape(&item.name),
                when,
                fee,
                escape(&item.origins.join(", "))
            );
        }
        out.push('\n');
    }
    if let Some(diagram) = super::render_mermaid::render(plan) {
        out.push_str("**What waits on what** (apply performs the waves in order):\n\n");
        out.push_str(&diagram);
        out.push('\n');
    }
    if !plan.excluded.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} excluded by <code>exclude</code></summary>\n",
            plan.excluded.len()
        );
        out.push_str("| kind | id | name | excluded from |\n|---|---|---|---|\n");
        for x in &plan.excluded {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                x.kind,
                x.id,
                escape(&x.name),
                escape(&x.excluded_from.join(", "))
            );
        }
        out.push_str("\n</details>\n\n");
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} warning{}</summary>\n",
            plan.warnings.len(),
            if plan.warnings.len() == 1 { "" } else { "s" }
        );
        for w in &plan.warnings {
            let _ = writeln!(out, "- {}", escape(w));
        }
        out.push_str("\n</details>\n\n");
    }
    let details = render_text::render(plan, false);
    // A fence longer than any run of backticks in the text: a note or name
    // holding ``` cannot close the block and inject markdown into the
    // comment reviewers approve.
    let fence = fence_for(&details);
    let _ = writeln!(
        out,
        "<details><summary>Details: calls, billing items, reasons</summary>\n\n{fence}text"
    );
    out.push_str(&details);
    let _ = writeln!(
        out,
        "{fence}\n\n</details>\n\n<sub>plan digest `{}`</sub>",
        plan.digest
    );
    out
}

/// Keeps table cells and list items intact: pipes and line breaks would
/// break the row, `<` would open HTML (a `</details>` ends the fold), and
/// control characters have no place in a comment.
pub(crate) fn escape(text: &str) -> String {
    render_text::one_line(text)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A code fence (at least three backticks) longer than any run of
/// backticks in `text`.
pub(crate) fn fence_for(text: &str) -> String {
    "`".repeat(longest_backtick_run(text).max(2) + 1)
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}
