//! The diff for a terminal or a log: one block per item that differs,
//! `+` added, `-` removed, `~` changed, then one summary line.

use std::fmt::Write as _;

use super::{Fee, FieldChange, ItemChange, ItemDiff, PlanDiff, When};
use crate::plan::anniversary::date_text;
use crate::plan::model::{ApiCall, PlanItem, Timing};
use crate::plan::render_text::{headline, one_line};

/// The symbol and colour (ANSI SGR) of each kind of change.
pub fn symbol(change: &ItemChange) -> (&'static str, &'static str) {
    match change {
        ItemChange::Added { .. } => ("+", "32"),
        ItemChange::Removed { .. } => ("-", "31"),
        ItemChange::Changed { .. } => ("~", "33"),
    }
}

/// Renders the diff; `color` adds ANSI colours.
pub fn render(diff: &PlanDiff, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "slretire diff {} ({}) -> {} ({})",
        one_line(&diff.old.path),
        diff.old.digest,
        one_line(&diff.new.path),
        diff.new.digest
    );
    if let Some(account) = &diff.account {
        let _ = writeln!(
            out,
            "\n{}",
            paint(
                "33",
                &format!(
                    "The plans are for different accounts: {} ({}) and {} ({}).",
                    account.old.id,
                    one_line(&account.old.company),
                    account.new.id,
                    one_line(&account.new.company)
                )
            )
        );
    }
    for item in &diff.items {
        out.push('\n');
        render_item(&mut out, item, &paint);
    }
    for (label, errors) in [
        ("Errors only the new plan has:", &diff.errors_added),
        ("Errors only the old plan had:", &diff.errors_removed),
    ] {
        if !errors.is_empty() {
            let _ = writeln!(out, "\n{}", paint("31", label));
            for e in errors {
                let _ = writeln!(out, "  error[{}]: {}", e.code, one_line(&e.message));
            }
        }
    }
    let _ = writeln!(out, "\n{}", paint("1", &summary_line(diff)));
    out
}

fn render_item(out: &mut String, item: &ItemDiff, paint: &dyn Fn(&str, &str) -> String) {
    let (sym, code) = symbol(&item.change);
    let _ = writeln!(
        out,
        "{} {}",
        paint(code, sym),
        paint("1", &item_title(item))
    );
    match &item.change {
        ItemChange::Added { item } => {
            let _ = writeln!(out, "    added     {}", one_line(&outcome(item)));
            if let Some(call) = &item.call {
                let _ = writeln!(out, "    call      {}", one_line(&call.to_string()));
            }
        }
        ItemChange::Removed { item } => {
            let _ = writeln!(out, "    removed   was: {}", one_line(&outcome(item)));
        }
        ItemChange::Changed { changes } => {
            for change in changes {
                let (label, old, new) = field_texts(change);
                let _ = writeln!(
                    out,
                    "    {label:<9} {} -> {}",
                    one_line(&old),
                    one_line(&new)
                );
            }
        }
    }
}

/// `virtual_guest 70000402  stg-web-02.example.com`, with the uuid of an
/// LBaaS instance.
pub fn item_title(item: &ItemDiff) -> String {
    let mut title = format!("{} {}", item.kind, item.id);
    if let Some(uuid) = &item.uuid {
        let _ = write!(title, " ({uuid})");
    }
    if !item.name.is_empty() {
        let _ = write!(title, "  {}", one_line(&item.name));
    }
    title
}

/// What the plan does with an item, with its fee: `will be cancelled
/// immediately, 76.50 USD/month`.
pub fn outcome(item: &PlanItem) -> String {
    let mut text = headline(item);
    let fee = Fee {
        monthly_fee: item.monthly_fee,
        estimated: item.monthly_fee_estimated,
    };
    if fee.monthly_fee.is_none_or(|f| !f.is_zero()) {
        let _ = write!(text, ", {}", fee_text(fee));
    }
    text
}

/// The label of a changed field and its old and new values, for people.
pub fn field_texts(change: &FieldChange) -> (&'static str, String, String) {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| NONE.to_string());
    let call = |c: &Option<ApiCall>| {
        c.as_ref()
            .map_or_else(|| NONE.to_string(), ToString::to_string)
    };
    match change {
        FieldChange::State { old, new } => ("state", old.as_str().into(), new.as_str().into()),
        FieldChange::Detail { old, new } => ("detail", opt(old), opt(new)),
        FieldChange::Timing { old, new } => ("timing", when_text(*old), when_text(*new)),
        FieldChange::Call { old, new } => ("call", call(old), call(new)),
        FieldChange::Reason { old, new } => ("reason", opt(old), opt(new)),
        FieldChange::Note { old, new } => ("note", opt(old), opt(new)),
        FieldChange::MonthlyFee { old, new } => ("fee", fee_text(*old), fee_text(*new)),
        FieldChange::Facts { old, new, facts } => {
            let changed = match facts.as_deref() {
                Some([]) | None => String::new(),
                Some(names) => format!(" ({} changed)", names.join(", ")),
            };
            ("facts", old.clone(), format!("{new}{changed}"))
        }
    }
}

/// Shown for a value a plan does not have.
const NONE: &str = "(none)";

fn when_text(when: When) -> String {
    match (when.timing, when.effective_date) {
        (Some(Timing::Immediate), _) => "immediately".into(),
        (Some(Timing::Anniversary), Some(date)) => format!("on {} (anniversary)", date_text(date)),
        (Some(Timing::Anniversary), None) => "on the anniversary".into(),
        (None, Some(date)) => format!("effective {}", date_text(date)),
        (None, None) => NONE.into(),
    }
}

fn fee_text(fee: Fee) -> String {
    match fee.monthly_fee {
        None => "fee unknown".into(),
        Some(money) => format!(
            "{}{} USD/month",
            if fee.estimated { "~" } else { "" },
            money.grouped()
        ),
    }
}

/// `Diff: 1 added, 1 removed, 2 changed, 36 unchanged. Monthly fees
/// retired: 4,176.14 -> 4,252.64 USD (+76.50).`, or `No differences: ...`.
pub fn summary_line(diff: &PlanDiff) -> String {
    summary_with_arrow(diff, "->")
}

/// The summary line with `arrow` between the old and the new fees.
pub fn summary_with_arrow(diff: &PlanDiff, arrow: &str) -> String {
    let s = &diff.summary;
    if diff.equal {
        return format!(
            "No differences: both plans hold the same {} item{}.",
            s.unchanged,
            if s.unchanged == 1 { "" } else { "s" }
        );
    }
    let fees = &s.monthly_fee_retired;
    let delta = diff.fee_delta();
    let sign = if delta.cents() > 0 { "+" } else { "" };
    let fee_part = if delta.cents() == 0 {
        format!(
            "Monthly fees retired: {} {} (unchanged).",
            fees.new.grouped(),
            s.currency
        )
    } else {
        format!(
            "Monthly fees retired: {} {arrow} {} {} ({sign}{}).",
            fees.old.grouped(),
            fees.new.grouped(),
            s.currency,
            delta.grouped()
        )
    };
    format!(
        "Diff: {} added, {} removed, {} changed, {} unchanged. {fee_part}",
        s.added, s.removed, s.changed, s.unchanged
    )
}
