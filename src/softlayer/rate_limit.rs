//! One rate limiter for every call the process makes, from any thread.
//!
//! Calls are spaced evenly, `1/rate` seconds apart (a token bucket holding
//! one token, written as GCRA: each call reserves the next free slot). Any
//! one-second window therefore sees at most `rate + 1` calls, which keeps a
//! configured 10/s far below SoftLayer's 50 per second per user even when
//! eight page workers start at once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::softlayer::clock::Clock;

/// Evenly spaced admission of API calls.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    next_free: Mutex<Option<Instant>>,
    clock: Arc<dyn Clock>,
}

impl RateLimiter {
    /// A limiter admitting `per_second` calls per second (must be > 0).
    pub(crate) fn new(per_second: f64, clock: Arc<dyn Clock>) -> RateLimiter {
        let interval = Duration::try_from_secs_f64(1.0 / per_second).unwrap_or(Duration::ZERO);
        RateLimiter {
            interval,
            next_free: Mutex::new(None),
            clock,
        }
    }

    /// Waits for this call's slot and returns how long it waited.
    pub(crate) fn acquire(&self) -> Duration {
        let (_, wait) = self.reserve();
        // Sleep outside the lock so other threads can reserve later slots.
        if !wait.is_zero() {
            self.clock.sleep(wait);
        }
        wait
    }

    /// Admits no call before `delay` from now, for every thread: after a
    /// rate-limit error the whole process backs off, not just one worker.
    pub(crate) fn hold_off(&self, delay: Duration) {
        let mut next_free = self
            .next_free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let until = self.clock.now() + delay;
        *next_free = Some(next_free.map_or(until, |next| next.max(until)));
    }

    /// Takes the next free slot: when this call may go, and how far away that is.
    fn reserve(&self) -> (Instant, Duration) {
        // A poisoned lock only means another thread panicked while holding
        // it; the slot time inside is still valid.
        let mut next_free = self
            .next_free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = self.clock.now();
        let slot = next_free.map_or(now, |next| next.max(now));
        *next_free = Some(slot + self.interval);
        (slot, slot.saturating_duration_since(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::softlayer::clock::FakeClock;

    /// The first call passes at once; the next ones are spaced 1/rate apart.
    #[test]
    fn spaces_calls_evenly() {
        let clock = Arc::new(FakeClock::new());
        let limiter = RateLimiter::new(10.0, clock.clone());
        let waits: Vec<Duration> = (0..5).map(|_| limiter.acquire()).collect();
        assert_eq!(waits[0], Duration::ZERO);
        for wait in &waits[1..] {
            assert_eq!(*wait, Duration::from_millis(100));
        }
        assert_eq!(clock.elapsed(), Duration::from_millis(400));
    }

    /// After an idle period no credit accumulates: there is no burst.
    #[test]
    fn idle_time_does_not_build_a_burst() {
        let clock = Arc::new(FakeClock::new());
        let limiter = RateLimiter::new(4.0, clock.clone());
        limiter.acquire();
        clock.advance(Duration::from_secs(10));
        assert_eq!(limiter.acquire(), Duration::ZERO);
        assert_eq!(limiter.acquire(), Duration::from_millis(250));
    }

    /// Threads that arrive together get distinct, evenly spaced slots.
    #[test]
    fn threads_share_one_schedule() {
        let clock = Arc::new(FakeClock::new());
        let limiter = RateLimiter::new(20.0, clock.clone());
        let start = clock.now();
        let mut slots: Vec<Duration> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| limiter.reserve().0 - start))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        slots.sort();
        let expected: Vec<Duration> = (0..8).map(|i| Duration::from_millis(50 * i)).collect();
        assert_eq!(slots, expected);
    }

    /// After a hold-off every caller waits for it, then spacing resumes.
    #[test]
    fn hold_off_delays_everyone() {
        let clock = Arc::new(FakeClock::new());
        let limiter = RateLimiter::new(10.0, clock.clone());
        limiter.acquire();
        limiter.hold_off(Duration::from_secs(2));
        assert_eq!(limiter.acquire(), Duration::from_secs(2));
        assert_eq!(limiter.acquire(), Duration::from_millis(100));
        limiter.hold_off(Duration::from_millis(1));
        assert_eq!(
            limiter.acquire(),
            Duration::from_millis(100),
            "a shorter hold-off does not move slots earlier"
        );
    }

    /// In any one-second window at most rate + 1 calls are admitted.
    #[test]
    fn never_more_than_rate_plus_one_per_second() {
        let clock = Arc::new(FakeClock::new());
        let limiter = RateLimiter::new(5.0, clock.clone());
        let mut admitted = Vec::new();
        for _ in 0..30 {
            limiter.acquire();
            admitted.push(clock.elapsed());
        }
        for (i, start) in admitted.iter().enumerate() {
            let in_window = admitted[i..]
                .iter()
                .filter(|t| **t - *start <= Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 6,
                "{in_window} calls within a second of {start:?}"
            );
        }
    }
}
