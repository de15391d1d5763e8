//! How much memory the answers being read take at once, across every
//! thread of a client.
//!
//! Kinds are read in parallel and each list by several page workers, so a
//! per-answer cap alone lets memory grow with the number of threads times
//! the answer size (a plan against 250 MB answers peaked at 4 GB). Here
//! every answer is read and decoded under a [`Meter`] that counts its body
//! and the JSON tree built from it, drawn from one shared budget:
//!
//! - an answer starts in one of [`SMALL_SLOTS`] small slots, allowed
//!   [`SMALL_ALLOWANCE`] (a page of 500 objects is about 1 MB). A thread
//!   finding every slot taken waits, holding nothing;
//! - an answer that outgrows its slot waits for the one large lane, allowed
//!   [`LARGE_ALLOWANCE`], and keeps its small slot meanwhile. The lane's
//!   holder never waits for anything, so nothing can deadlock;
//! - past its cap an answer is refused as too large.
//!
//! So the answers in memory together never take more than
//! `SMALL_SLOTS x SMALL_ALLOWANCE + LARGE_ALLOWANCE` (448 MiB), however large
//! or many the answers. What the caller keeps of an answer (the objects it
//! reads from a page) is its data, not counted here.

use std::cell::Cell;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

const MIB: u64 = 1024 * 1024;
/// Answers read at once within their small allowance.
pub(crate) const SMALL_SLOTS: usize = 8;
/// Body and tree of an answer in a small slot.
pub(crate) const SMALL_ALLOWANCE: u64 = 8 * MIB;
/// Body and tree of the one answer in the large lane (its body is at most
/// the transport's 256 MiB; pages are decoded one object at a time).
pub(crate) const LARGE_ALLOWANCE: u64 = 384 * MIB;

/// The budget one client's answers share.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    lanes: Mutex<Lanes>,
    changed: Condvar,
}

#[derive(Debug)]
struct Lanes {
    free_small: usize,
    large_taken: bool,
}

impl MemoryBudget {
    pub(crate) fn new() -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget {
            lanes: Mutex::new(Lanes {
                free_small: SMALL_SLOTS,
                large_taken: false,
            }),
            changed: Condvar::new(),
        })
    }

    /// A meter for one answer allowed at most `cap` bytes (never more than
    /// [`LARGE_ALLOWANCE`]); waits for a small slot.
    pub(crate) fn meter(self: &Arc<MemoryBudget>, cap: u64) -> Meter {
        let mut lanes = self.lock();
        while lanes.free_small == 0 {
            lanes = self.wait(lanes);
        }
        lanes.free_small -= 1;
        Meter {
            budget: Some(self.clone()),
            cap: cap.min(LARGE_ALLOWANCE),
            used: Cell::new(0),
            large: Cell::new(false),
            exceeded: Cell::new(false),
        }
    }

    /// Answers in small slots and whether the large lane is taken (tests).
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> (usize, bool) {
        let lanes = self.lock();
        (SMALL_SLOTS - lanes.free_small, lanes.large_taken)
    }

    fn take_large(&self) {
        let mut lanes = self.lock();
        while lanes.large_taken {
            lanes = self.wait(lanes);
        }
        lanes.large_taken = true;
    }

    fn release(&self, large: bool) {
        let mut lanes = self.lock();
        lanes.free_small += 1;
        if large {
            lanes.large_taken = false;
        }
        drop(lanes);
        self.changed.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, Lanes> {
        // The counts stay valid if a holder panicked.
        self.lanes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, Lanes>) -> MutexGuard<'a, Lanes> {
        self.changed
            .wait(guard)
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The memory one answer takes while it is read and decoded; gives its
/// slot (and the large lane) back when dropped.
#[derive(Debug)]
pub(crate) struct Meter {
    budget: Option<Arc<MemoryBudget>>,
    cap: u64,
    used: Cell<u64>,
    large: Cell<bool>,
    exceeded: Cell<bool>,
}

impl Meter {
    /// A meter that never refuses and holds no slot (answers scripted in tests).
    #[cfg(test)]
    pub(crate) fn unlimited() -> Meter {
        Meter {
            budget: None,
            cap: u64::MAX,
            used: Cell::new(0),
            large: Cell::new(false),
            exceeded: Cell::new(false),
        }
    }

    /// Counts `bytes` more; false (and [`Meter::exceeded`] from then on)
    /// when that passes the cap. Outgrowing the small allowance waits for
    /// the large lane.
    pub(crate) fn charge(&self, bytes: u64) -> bool {
        let used = self.used.get().saturating_add(bytes);
        self.used.set(used);
        if used > self.cap {
            self.exceeded.set(true);
            return false;
        }
        if used > SMALL_ALLOWANCE
            && !self.large.get()
            && let Some(budget) = &self.budget
        {
            budget.take_large();
            self.large.set(true);
        }
        true
    }

    /// Gives back `bytes` that were freed (a decoded object handed on).
    pub(crate) fn credit(&self, bytes: u64) {
        self.used.set(self.used.get().saturating_sub(bytes));
    }

    /// Bytes counted now.
    pub(crate) fn used(&self) -> u64 {
        self.used.get()
    }

    /// The most this answer may take.
    pub(crate) fn cap(&self) -> u64 {
        self.cap
    }

    /// Whether a charge ever passed the cap.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded.get()
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        if let Some(budget) = &self.budget {
            budget.release(self.large.get());
        }
    }
}

/// `12 MiB`, `384 MiB`: a cap in words.
pub(crate) fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes.div_ceil(MIB))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Small answers take a slot each and give it back when dropped.
    #[test]
    fn small_answers_take_a_slot() {
        let budget = MemoryBudget::new();
        let a = budget.meter(LARGE_ALLOWANCE);
        let b = budget.meter(LARGE_ALLOWANCE);
        assert!(a.charge(SMALL_ALLOWANCE));
        assert_eq!(budget.in_use(), (2, false));
        drop(a);
        drop(b);
        assert_eq!(budget.in_use(), (0, false));
    }

    /// Past the small allowance an answer takes the large lane; past its cap it is refused.
    #[test]
    fn large_answers_take_the_lane_and_are_capped() {
        let budget = MemoryBudget::new();
        let meter = budget.meter(20 * MIB);
        assert!(meter.charge(SMALL_ALLOWANCE + 1));
        assert_eq!(budget.in_use(), (1, true));
        meter.credit(SMALL_ALLOWANCE);
        assert_eq!(meter.used(), 1);
        assert!(!meter.charge(20 * MIB));
        assert!(meter.exceeded());
        drop(meter);
        assert_eq!(budget.in_use(), (0, false));
        assert_eq!(budget.meter(u64::MAX).cap(), LARGE_ALLOWANCE);
    }

    /// However many threads read large answers at once, one holds the lane
    /// at a time and at most SMALL_SLOTS hold slots: the counted total never
    /// passes SMALL_SLOTS x SMALL_ALLOWANCE + LARGE_ALLOWANCE.
    #[test]
    fn concurrent_answers_stay_within_the_budget() {
        let budget = MemoryBudget::new();
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let large = AtomicUsize::new(0);
        let peak_large = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for i in 0..32u64 {
                let (budget, in_flight, peak, large, peak_large) =
                    (&budget, &in_flight, &peak, &large, &peak_large);
                s.spawn(move || {
                    let meter = budget.meter(LARGE_ALLOWANCE);
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let big = i % 2 == 0;
                    assert!(meter.charge(if big { 100 * MIB } else { MIB }));
                    if big {
                        let now = large.fetch_add(1, Ordering::SeqCst) + 1;
                        peak_large.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        large.fetch_sub(1, Ordering::SeqCst);
                    }
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    drop(meter);
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= SMALL_SLOTS);
        assert_eq!(peak_large.load(Ordering::SeqCst), 1);
        assert_eq!(budget.in_use(), (0, false));
    }

    /// An unlimited meter never refuses and holds nothing.
    #[test]
    fn unlimited_meter() {
        let meter = Meter::unlimited();
        assert!(meter.charge(u64::MAX / 2));
        assert!(!meter.exceeded());
    }
}
