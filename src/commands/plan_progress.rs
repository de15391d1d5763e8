//! Progress on stderr while a plan reads the account: on a terminal one bar
//! per kind (objects read of the total the lists' first pages announced,
//! and the elapsed time), cleared before the plan is printed; with
//! `--progress plain` one line per kind once it is read; else nothing, so
//! what a pipeline or CI log shows stays as it was.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget};

use super::apply_progress::{Style, bar_style};
use super::snapshot::thousands;
use crate::kinds::Kind;
use crate::resolve::progress::{FetchObserver, Reading};

/// How often the bars redraw while no page arrives, so the elapsed time
/// and the spinner move during a slow call.
const TICK: Duration = Duration::from_millis(100);

/// The planning progress display.
#[derive(Debug)]
pub(crate) struct PlanProgress {
    style: Style,
    started: Instant,
    /// The bars, one per kind in plan order (`Style::Bars` only).
    bars: BTreeMap<Kind, ProgressBar>,
    multi: Option<MultiProgress>,
    /// The latest reading per kind, for the plain lines.
    readings: Mutex<BTreeMap<Kind, Reading>>,
}

impl PlanProgress {
    /// A display of `kinds` on stderr.
    pub(crate) fn new(style: Style, kinds: &[Kind]) -> PlanProgress {
        PlanProgress::drawn_to(style, kinds, ProgressDrawTarget::stderr())
    }

    /// A display whose bars go to `target` (stderr, or a test's terminal).
    fn drawn_to(style: Style, kinds: &[Kind], target: ProgressDrawTarget) -> PlanProgress {
        let multi = (style == Style::Bars).then(|| MultiProgress::with_draw_target(target));
        let bars = match &multi {
            Some(multi) => kinds
                .iter()
                .map(|&kind| {
                    // No length until a first page says one: an empty bar
                    // (a length of 0 would draw a full one).
                    let bar = multi.add(ProgressBar::with_draw_target(
                        None,
                        ProgressDrawTarget::hidden(),
                    ));
                    bar.set_style(bar_style());
                    bar.set_message(kind.as_str());
                    bar.enable_steady_tick(TICK);
                    (kind, bar)
                })
                .collect(),
            None => BTreeMap::new(),
        };
        PlanProgress {
            style,
            started: Instant::now(),
            bars,
            multi,
            readings: Mutex::new(BTreeMap::new()),
        }
    }

    /// Clears the bars once reading is over (the plan comes next).
    pub(crate) fn finish(&self) {
        // All at once: bars cleared one by one would redraw the others.
        if let Some(multi) = &self.multi {
            let _ = multi.clear();
            multi.set_draw_target(ProgressDrawTarget::hidden());
        }
        for bar in self.bars.values() {
            bar.finish_and_clear();
        }
    }
}

impl FetchObserver for PlanProgress {
    fn reading(&self, kind: Kind, reading: Reading) {
        if let Some(bar) = self.bars.get(&kind) {
            if reading.total > 0 {
                bar.set_length(reading.total);
            }
            bar.set_position(reading.read);
        } else if self.style == Style::Plain {
            self.readings
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(kind, reading);
        }
    }

    fn finished(&self, kind: Kind) {
        if let Some(bar) = self.bars.get(&kind) {
            if bar.length().is_none() {
                bar.set_length(bar.position());
            }
            // Stays, as it is with its elapsed time frozen, until every
            // kind is read.
            bar.abandon();
        } else if self.style == Style::Plain {
            let read = self
                .readings
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&kind)
                .map_or(0, |r| r.read);
            // A plan does not stop for a closed stderr: its output is stdout.
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                plain_line(kind, read, self.started.elapsed())
            );
        }
    }
}

/// `virtual_guest: 1,234 objects read (0.8s)`.
fn plain_line(kind: Kind, read: u64, elapsed: Duration) -> String {
    let objects = if read == 1 {
        "1 object".to_string()
    } else {
        format!("{} objects", thousands(read))
    };
    format!(
        "{}: {objects} read ({:.1}s)",
        kind.as_str(),
        elapsed.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use indicatif::TermLike;

    use super::*;

    /// A terminal that keeps every line drawn on it.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            let mut lines = self.0.lock().unwrap();
            lines.extend(s.lines().map(str::to_string));
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// On a terminal each kind has a bar with its name, its objects read
    /// of the announced total and the elapsed time.
    #[test]
    fn bars_show_each_kind_read_of_total() {
        let screen = Screen::default();
        let kinds = [Kind::ALL[0], Kind::ALL[1]];
        let progress = PlanProgress::drawn_to(
            Style::Bars,
            &kinds,
            ProgressDrawTarget::term_like(Box::new(screen.clone())),
        );
        progress.reading(kinds[0], Reading { read: 0, total: 5 });
        progress.reading(kinds[0], Reading { read: 5, total: 5 });
        progress.finished(kinds[0]);
        progress.reading(
            kinds[1],
            Reading {
                read: 3,
                total: 1200,
            },
        );
        progress.finished(kinds[1]);
        progress.finish();
        let lines = screen.0.lock().unwrap().clone();
        let name = kinds[0].as_str();
        let line = lines
            .iter()
            .find(|l| l.ends_with(&format!(" {name}")) && l.contains("5/5"))
            .unwrap_or_else(|| panic!("no finished line for {name} in {lines:#?}"));
        // Spinner, a full bar, read/total, the elapsed time, the kind.
        let bar = format!("[{}]", "=".repeat(30));
        let rest: Vec<&str> = line
            .split_once(&bar)
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        assert_eq!(rest.len(), 3, "{line}");
        assert_eq!((rest[0], rest[2]), ("5/5", name), "{line}");
        let seconds = rest[1].strip_suffix('s').unwrap_or_default();
        assert!(seconds.parse::<u64>().is_ok(), "elapsed time in {line}");
        let other = kinds[1].as_str();
        // Before its first page a kind's bar is empty, not full.
        let empty = format!("[{}] 0/0", " ".repeat(30));
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&empty) && l.ends_with(&format!(" {other}"))),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("3/1200") && l.ends_with(&format!(" {other}"))),
            "{lines:#?}"
        );
    }

    /// Plain and silent displays draw no bars.
    #[test]
    fn no_bars_unless_bars() {
        for style in [Style::Plain, Style::Silent] {
            let screen = Screen::default();
            let progress = PlanProgress::drawn_to(
                style,
                &Kind::ALL[..1],
                ProgressDrawTarget::term_like(Box::new(screen.clone())),
            );
            progress.reading(Kind::ALL[0], Reading { read: 1, total: 1 });
            progress.finish();
            assert!(screen.0.lock().unwrap().is_empty(), "{style:?}");
        }
    }

    /// Plain lines: thousands separators, singular, one decimal of seconds.
    #[test]
    fn plain_line_format() {
        let kind = Kind::ALL[0];
        let name = kind.as_str();
        assert_eq!(
            plain_line(kind, 40_000, Duration::from_millis(3240)),
            format!("{name}: 40,000 objects read (3.2s)")
        );
        assert_eq!(
            plain_line(kind, 1, Duration::ZERO),
            format!("{name}: 1 object read (0.0s)")
        );
    }
}
