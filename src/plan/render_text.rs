//! The terraform-like text rendering: a symbol per state, one block per
//! item, warnings, errors, and one summary line.

use std::fmt::Write as _;

use super::anniversary::date_text;
use super::call::records;
use super::model::{Plan, PlanItem, State, Timing};
use crate::kinds::Kind;
use crate::resolve::money::Money;
use crate::resolve::resource::ObjectRef;

/// The symbol and colour (ANSI SGR) of each state.
pub fn symbol(state: State) -> (&'static str, &'static str) {
    match state {
        State::Cancel => ("-", "31"),
        State::Scheduled => ("~", "36"),
        State::Absent => ("?", "2"),
        State::Protected => ("#", "32"),
        State::Blocked => ("!", "33"),
        State::Waiting => (">", "35"),
    }
}

/// Renders the plan for a terminal or a log; `color` adds ANSI colours.
pub fn render(plan: &Plan, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let bold = |text: &str| paint("1", text);
    let mut out = String::new();
    let files = plan.manifests.len();
    let _ = writeln!(
        out,
        "slretire plan for account {} ({}), {files} manifest file{}, {}",
        plan.account.id,
        one_line(&plan.account.company),
        if files == 1 { "" } else { "s" },
        one_line(&plan.endpoint)
    );
    if let Some(as_of) = plan.as_of() {
        let _ = writeln!(out, "{}", paint("2", &format!("Dates are judged {as_of}.")));
    }
    if plan.is_partial() {
        let _ = writeln!(
            out,
            "\n{}",
            paint(
                "1;33",
                &format!(
                    "Partial plan: only --target {} and what they wait for. It is not the whole plan.",
                    one_line(&plan.targets.join(", "))
                )
            )
        );
    }
    let present: Vec<State> = State::ALL
        .into_iter()
        .filter(|s| plan.items.iter().any(|i| i.state == *s))
        .collect();
    if !present.is_empty() {
        let legend: Vec<String> = present
            .iter()
            .map(|s| {
                let (sym, code) = symbol(*s);
                format!("{} {}", paint(code, sym), s.as_str())
            })
            .collect();
        let _ = writeln!(out, "\nSymbols: {}", legend.join("   "));
    }
    for item in &plan.items {
        out.push('\n');
        render_item(&mut out, item, &paint);
    }
    if !plan.excluded.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint(
                "1",
                "Excluded by `exclude` (these entries do not retire them):"
            )
        );
        for x in &plan.excluded {
            let name = if x.name.is_empty() {
                String::new()
            } else {
                format!("  {}", one_line(&x.name))
            };
            let _ = writeln!(
                out,
                "  {} {}{name}\n    from      {}",
                x.kind,
                x.id,
                one_line(&x.excluded_from.join(", "))
            );
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", paint("33", "Warnings:"));
        for w in &plan.warnings {
            let _ = writeln!(out, "  - {}", one_line(w));
        }
    }
    if !plan.errors.is_empty() {
        let _ = writeln!(out, "\n{}", paint("31", "Errors:"));
        for e in &plan.errors {
            let _ = writeln!(out, "  error[{}]: {}", e.code, one_line(&e.message));
            for origin in &e.origins {
                let _ = writeln!(out, "    --> {}", one_line(origin));
            }
        }
    }
    let _ = writeln!(out, "\n{}", bold(&summary_line(plan)));
    if !plan.errors.is_empty() {
        let n = plan.errors.len();
        let _ = writeln!(
            out,
            "{}",
            paint(
                "31",
                &format!(
                    "Planning failed: {n} error{}. This plan cannot be applied.",
                    if n == 1 { "" } else { "s" }
                )
            )
        );
    }
    out
}

fn render_item(out: &mut String, item: &PlanItem, paint: &dyn Fn(&str, &str) -> String) {
    let (sym, code) = symbol(item.state);
    let name = if item.name.is_empty() {
        String::new()
    } else {
        format!("  {}", one_line(&item.name))
    };
    let _ = writeln!(
        out,
        "{} {}",
        paint(code, sym),
        paint("1", &format!("{} {}{name}", item.kind, item.id))
    );
    // Below the first line everything is shown through `one_line`: the
    // details, categories, places and call arguments come from the API or
    // the manifest, and must not reach a reviewer's terminal as controls.
    let _ = writeln!(out, "    {}", one_line(&headline(item)));
    if let Some(call) = &item.call {
        let _ = writeln!(out, "    call      {}", one_line(&call.to_string()));
    }
    if let Some(billing) = &item.billing_item {
        let mut line = format!("item {} {}", billing.id, billing.category);
        match item.monthly_fee {
            None => line.push_str(", fee unknown"),
            Some(fee) if !fee.is_zero() || item.state == State::Cancel => {
                let approx = if item.monthly_fee_estimated { "~" } else { "" };
                let _ = write!(line, ", {approx}{} USD/month", fee.grouped());
            }
            Some(_) => {}
        }
        if billing.hourly {
            line.push_str(" (hourly)");
        }
        if !billing.children.is_empty() {
            let n = billing.children.len();
            let _ = write!(line, ", {n} child item{}", if n == 1 { "" } else { "s" });
        }
        let _ = writeln!(out, "    billing   {}", one_line(&line));
    }
    let place: Vec<String> = item
        .datacenter
        .iter()
        .cloned()
        .chain([item.addresses.join(", ")])
        .filter(|s| !s.is_empty())
        .collect();
    if !place.is_empty() {
        let _ = writeln!(out, "    where     {}", one_line(&place.join("  ")));
    }
    if let (State::Cancel | State::Waiting, Some(reason), Some(call)) =
        (item.state, &item.reason, &item.call)
    {
        let note = item
            .note
            .as_ref()
            .map(|n| format!(" / {n}"))
            .unwrap_or_default();
        // Reviewers should know when SoftLayer will not see what they wrote.
        let kept = match records(call) {
            (true, _) => "",
            (false, true) => " (SoftLayer gets the note only)",
            (false, false) => " (journal only: this call takes no reason)",
        };
        let _ = writeln!(
            out,
            "    reason    {}",
            one_line(&format!("{reason}{note}{kept}"))
        );
    }
    let _ = writeln!(out, "    from      {}", one_line(&item.origins.join(", ")));
}

/// What happens to the item, in one phrase.
pub fn headline(item: &PlanItem) -> String {
    let detail = item.detail.clone().unwrap_or_default();
    match item.state {
        State::Cancel => format!("will be cancelled {}", when(item)),
        State::Waiting if item.call.is_some() => format!(
            "waiting: will be cancelled {} {} (apply --wait, or a later plan)",
            when(item),
            after_gone(&item.depends_on)
        ),
        State::Scheduled => format!("already scheduled: {detail}"),
        State::Absent => format!("absent: {detail}"),
        State::Protected => detail,
        State::Blocked => format!("blocked: {detail}"),
        State::Waiting => format!("waiting: {detail}"),
    }
}

/// `immediately`, `on 2026-12-01 (anniversary)`.
fn when(item: &PlanItem) -> String {
    match (item.timing, item.effective_date) {
        (Some(Timing::Immediate), _) => "immediately".into(),
        (_, Some(date)) => format!("on {} (anniversary)", date_text(date)),
        _ => "on its next bill date (anniversary)".into(),
    }
}

/// `after subnet 85467 is gone`, `after virtual_guest 1, 2 and subnet 7
/// are gone`: what a waiting item waits for, at most five ids a kind.
pub fn after_gone(refs: &[ObjectRef]) -> String {
    let mut kinds: Vec<(Kind, Vec<u64>)> = Vec::new();
    for r in refs {
        match kinds.iter_mut().find(|(k, _)| *k == r.kind) {
            Some((_, ids)) => ids.push(r.id),
            None => kinds.push((r.kind, vec![r.id])),
        }
    }
    let parts: Vec<String> = kinds
        .iter()
        .map(|(kind, ids)| {
            let shown: Vec<String> = ids.iter().take(5).map(ToString::to_string).collect();
            let more = match ids.len() {
                n if n > 5 => format!(" (+{} more)", n - 5),
                _ => String::new(),
            };
            format!("{kind} {}{more}", shown.join(", "))
        })
        .collect();
    let list = match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => "what it waits for".into(),
    };
    let verb = if refs.len() == 1 { "is" } else { "are" };
    format!("after {list} {verb} gone")
}

/// The waiting items `apply --wait` cancels (they carry their call), and
/// the sum of their known monthly fees.
pub fn waiting_to_cancel(plan: &Plan) -> (usize, Money) {
    let waiting: Vec<&PlanItem> = plan
        .items
        .iter()
        .filter(|i| i.state == State::Waiting && i.call.is_some())
        .collect();
    (
        waiting.len(),
        waiting.iter().filter_map(|i| i.monthly_fee).sum(),
    )
}

/// `Plan: 5 to cancel (3 immediately, 2 on anniversary), 2 scheduled, 1
/// absent, 1 blocked. Monthly fees retired: 1,203.40 USD.`; `No changes: ...`
/// when nothing is cancelled; `Partial plan: ...` and `No changes in this
/// partial plan: ...` for a plan narrowed with `--target`.
pub fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    let mut others: Vec<String> = Vec::new();
    for (count, label) in [
        (s.scheduled, "scheduled"),
        (s.absent, "absent"),
        (s.protected, "protected"),
        (s.blocked, "blocked"),
        (s.waiting, "waiting"),
    ] {
        if count > 0 {
            others.push(format!("{count} {label}"));
        }
    }
    if s.cancel == 0 {
        let rest = if others.is_empty() {
            String::new()
        } else {
            format!(" ({})", others.join(", "))
        };
        let what = if plan.is_partial() {
            "No changes in this partial plan"
        } else {
            "No changes"
        };
        return format!("{what}: nothing to cancel{rest}.");
    }
    let mut timing = Vec::new();
    if s.cancel_immediately > 0 {
        timing.push(format!("{} immediately", s.cancel_immediately));
    }
    if s.cancel_on_anniversary > 0 {
        timing.push(format!("{} on anniversary", s.cancel_on_anniversary));
    }
    let mut parts = vec![format!("{} to cancel ({})", s.cancel, timing.join(", "))];
    parts.extend(others);
    let unknown = match s.monthly_fee_unknown {
        0 => String::new(),
        n => format!(
            ", plus {n} item{} whose fee cannot be read",
            if n == 1 { "" } else { "s" }
        ),
    };
    let (waiting, waiting_fee) = waiting_to_cancel(plan);
    let later = match waiting {
        0 => String::new(),
        n => format!(
            "; {} {} more with the {n} waiting item{} (apply --wait)",
            waiting_fee.grouped(),
            s.currency,
            if n == 1 { "" } else { "s" }
        ),
    };
    format!(
        "{}: {}. Monthly fees retired: {} {}{unknown}{later}.",
        if plan.is_partial() {
            "Partial plan"
        } else {
            "Plan"
        },
        parts.join(", "),
        s.monthly_fee_retired.grouped(),
        s.currency
    )
}

/// Text from a manifest or the API on one line, without control
/// characters: a note with line breaks must not break the plan's layout
/// (or, inside the markdown comment, its code block), and escape sequences
/// must not reach a reviewer's terminal.
pub(crate) fn one_line(text: &str) -> String {
    crate::terminal_text::escape_controls(text).into_owned()
}
