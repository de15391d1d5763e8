//! Apply progress on stderr: bars on a terminal, one plain line per action
//! otherwise (CI logs), nothing in tests. indicatif hides bars off a
//! terminal and then drops `println`, hence the separate plain style.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::apply::{ActionResult, Observer, Outcome};
use crate::plan::model::PlanItem;
use crate::terminal_text::escape_controls;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Bars,
    Plain,
    Silent,
}

/// The bar of apply, and of plan for each kind: a spinner, the bar, done
/// of all, the elapsed time and what it is about.
pub(super) fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {elapsed} {msg}").map_or_else(
        |_| ProgressStyle::default_bar(),
        |s| s.progress_chars("=> "),
    )
}

/// The progress display.
#[derive(Debug)]
pub(super) struct Progress {
    style: Style,
    color: bool,
    bar: Option<ProgressBar>,
    total: AtomicUsize,
    finished: AtomicUsize,
    /// Writing a plain line failed (stderr closed or full).
    broken: AtomicBool,
}

impl Progress {
    pub(super) fn new(style: Style, color: bool) -> Progress {
        let bar = (style == Style::Bars).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(bar_style());
            bar
        });
        Progress {
            style,
            color,
            bar,
            total: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            broken: AtomicBool::new(false),
        }
    }

    /// Removes the bar once the apply is over.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn line(&self, text: &str) {
        match (&self.bar, self.style) {
            (Some(bar), _) => bar.println(text),
            (None, Style::Plain) => {
                let mut stderr = std::io::stderr().lock();
                if writeln!(stderr, "{text}")
                    .and_then(|()| stderr.flush())
                    .is_err()
                {
                    self.broken.store(true, Ordering::SeqCst);
                }
            }
            _ => {}
        }
    }
}

impl Observer for Progress {
    /// A closed or full stderr stops apply like Ctrl-C: the operator can no
    /// longer follow it.
    fn failed(&self) -> bool {
        self.broken.load(Ordering::SeqCst)
    }

    fn start(&self, total: usize) {
        self.total.store(total, Ordering::SeqCst);
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
        }
    }

    fn started(&self, item: &PlanItem) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} {}", item.kind, item.id));
        }
    }

    fn finished(&self, item: &PlanItem, result: &ActionResult) {
        let n = self.finished.fetch_add(1, Ordering::SeqCst) + 1;
        let total = self.total.load(Ordering::SeqCst);
        let width = total.to_string().len();
        let (label, code) = match result.outcome {
            Outcome::Cancelled => ("cancelled", "32"),
            Outcome::AlreadyDone => ("already done", "36"),
            Outcome::Drifted => ("drifted", "33"),
            Outcome::Failed => ("failed", "31"),
            Outcome::Skipped => ("skipped", "2"),
            Outcome::Waiting => ("waiting", "35"),
            Outcome::Voided => ("voided", "32"),
        };
        let label = format!("{label:<12}");
        let label = if self.color {
            format!("\x1b[{code}m{label}\x1b[0m")
        } else {
            label
        };
        let name = if item.name.is_empty() {
            String::new()
        } else {
            format!(" {}", escape_controls(&item.name))
        };
        let detail = if result.outcome == Outcome::Cancelled {
            String::new()
        } else {
            format!(": {}", escape_controls(&result.detail))
        };
        self.line(&format!(
            "[{n:>width$}/{total}] {label} {} {}{name} ({:.1}s){detail}",
            item.kind,
            item.id,
            result.elapsed.as_secs_f64()
        ));
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn note(&self, message: &str) {
        self.line(&format!("note: {message}"));
    }
}
