//! The diff as a pull-request comment section: a heading that counts the
//! changes, one table row per item that differs, the text diff folded.

use std::fmt::Write as _;

use super::render_text::{self, field_texts, outcome, symbol};
use super::{FieldChange, ItemChange, PlanDiff};
use crate::plan::render_markdown::{escape, fence_for};

/// GitHub/GitLab markdown: what the new plan does differently.
pub fn render(diff: &PlanDiff) -> String {
    let mut out = String::new();
    let s = &diff.summary;
    if diff.equal {
        let _ = writeln!(
            out,
            "### slretire diff: no differences\n\nBoth plans hold the same {} item{}.\n",
            s.unchanged,
            if s.unchanged == 1 { "" } else { "s" }
        );
    } else {
        let _ = writeln!(
            out,
            "### slretire diff: {} added, {} removed, {} changed\n",
            s.added, s.removed, s.changed
        );
    }
    if let Some(account) = &diff.account {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **The plans are for different accounts:** {} ({}) and {} ({}).\n",
            account.old.id,
            escape(&account.old.company),
            account.new.id,
            escape(&account.new.company)
        );
    }
    if !diff.errors_added.is_empty() {
        out.push_str("> [!CAUTION]\n> **Errors only the new plan has:**\n");
        for e in &diff.errors_added {
            let _ = writeln!(out, "> - `{}` {}", e.code, escape(&e.message));
        }
        out.push('\n');
    }
    if !diff.errors_removed.is_empty() {
        out.push_str("**Errors only the old plan had:**\n\n");
        for e in &diff.errors_removed {
            let _ = writeln!(out, "- `{}` {}", e.code, escape(&e.message));
        }
        out.push('\n');
    }
    if diff.equal {
        return out;
    }
    let _ = writeln!(
        out,
        "**{}**\n",
        escape(&render_text::summary_with_arrow(diff, "→"))
    );
    if !diff.items.is_empty() {
        out.push_str("| change | kind | id | name | what |\n");
        out.push_str("|---|---|---|---|---|\n");
        for item in &diff.items {
            let (sym, _) = symbol(&item.change);
            let (label, what) = match &item.change {
                ItemChange::Added { item } => ("added", format!("now: {}", outcome(item))),
                ItemChange::Removed { item } => ("removed", format!("was: {}", outcome(item))),
                ItemChange::Changed { changes } => ("changed", changed_cell(changes)),
            };
            let id = match &item.uuid {
                Some(uuid) => format!("{} ({uuid})", item.id),
                None => item.id.to_string(),
            };
            let _ = writeln!(
                out,
                "| `{sym}` {label} | {} | {} | {} | {} |",
                item.kind,
                escape(&id),
                escape(&item.name),
                escape(&what)
            );
        }
        out.push('\n');
    }
    let details = render_text::render(diff, false);
    // As in the plan comment: a fence no text inside can close.
    let fence = fence_for(&details);
    let _ = writeln!(
        out,
        "<details><summary>Details: old and new values, calls</summary>\n\n{fence}text"
    );
    out.push_str(&details);
    let _ = writeln!(out, "{fence}\n\n</details>\n");
    out
}

/// `state waiting → cancel; timing (none) → on 2026-12-01 (anniversary); call`:
/// short values in full, calls and facts by name (the details hold them).
fn changed_cell(changes: &[FieldChange]) -> String {
    let parts: Vec<String> = changes
        .iter()
        .map(|change| match change {
            FieldChange::Call { .. } => "call".to_string(),
            FieldChange::Detail { .. } => "detail".to_string(),
            FieldChange::Facts {
                facts: Some(names), ..
            } if !names.is_empty() => format!("facts: {}", names.join(", ")),
            FieldChange::Facts { .. } => "facts".to_string(),
            other => {
                let (label, old, new) = field_texts(other);
                format!("{label} {old} → {new}")
            }
        })
        .collect();
    parts.join("; ")
}
