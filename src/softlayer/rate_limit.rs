//! One adaptive rate limiter for every call the process makes, from any
//! thread.
//!
//! Calls are spaced evenly, `1/rate` seconds apart (a token bucket holding
//! one token, written as GCRA: each call reserves the next free slot), so
//! idle time builds no burst. The rate starts at the cap (`--rate-limit`,
//! default SoftLayer's 50 calls per second per user) and adapts to what
//! the API says, as TCP adapts to loss:
//!
//! - on SoftLayer's rate-limit error it drops multiplicatively, to 90% of
//!   the rate the API answered over the last second, but by at least 15%
//!   and at most half, and then up to 10% lower at random, so that two
//!   clients sharing one API user do not move in lockstep. Only a call
//!   admitted after the last decrease can cause the next one: the calls
//!   already in flight at the old rate say nothing new about the new one.
//! - every thread then holds off for the retry wait (`Retry-After` when the
//!   API sent one), also those already waiting for a slot;
//! - afterwards the rate climbs back linearly, by 5% of the rate at which
//!   the API refused per second without a refusal, never above the cap.
//!
//! Waits go through the injected [`Clock`], so tests never sleep.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::softlayer::clock::Clock;

/// Slowest rate the limiter drops to (the lowest `--rate-limit` accepted).
const MIN_RATE: f64 = 0.1;
/// After a refusal the rate aims at this share of what the API answered.
const TARGET_SHARE: f64 = 0.9;
/// Each decrease multiplies the rate by at least this much...
const MIN_FACTOR: f64 = 0.5;
/// ...and at most this much, before the random part.
const MAX_FACTOR: f64 = 0.85;
/// The random part of a decrease: up to this share lower.
const JITTER_SHARE: f64 = 0.1;
/// Calls per second regained per second, as a share of the refused rate.
const RECOVERY_SHARE: f64 = 0.05;
/// The window over which the answered rate is observed (SoftLayer's own:
/// "50 requests for every 1 second(s)").
const WINDOW: Duration = Duration::from_secs(1);

/// Evenly spaced, adaptive admission of API calls.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    cap: f64,
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug)]
struct State {
    /// The earliest moment the next call may go.
    next_free: Option<Instant>,
    /// The last decrease, when there was one.
    decrease: Option<Decrease>,
    /// Bumped by every hold-off that moves `next_free`: a caller that was
    /// waiting for an earlier slot queues again behind the hold-off.
    epoch: u64,
    /// When answers (not refusals) came within the last [`WINDOW`].
    answers: VecDeque<Instant>,
}

/// What the last decrease set: the rate then, and how fast it recovers.
#[derive(Debug, Clone, Copy)]
struct Decrease {
    at: Instant,
    rate: f64,
    per_second: f64,
}

/// A call's admission: when it went, and under which hold-off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    at: Instant,
    epoch: u64,
}

impl RateLimiter {
    /// A limiter starting at, and never exceeding, `cap` calls per second.
    pub(crate) fn new(cap: f64, clock: Arc<dyn Clock>) -> RateLimiter {
        let cap = if cap.is_finite() && cap > 0.0 {
            cap.max(MIN_RATE)
        } else {
            MIN_RATE
        };
        RateLimiter {
            cap,
            state: Mutex::new(State {
                next_free: None,
                decrease: None,
                epoch: 0,
                answers: VecDeque::new(),
            }),
            clock,
        }
    }

    /// The rate calls are admitted at now.
    pub(crate) fn rate(&self) -> f64 {
        self.rate_at(&self.lock(), self.clock.now())
    }

    /// Waits for this call's slot. A hold-off ordered while waiting (another
    /// thread was refused) sends the caller to the back of the new queue.
    pub(crate) fn acquire(&self) -> Ticket {
        loop {
            let (ticket, wait) = self.reserve();
            // Sleep outside the lock so other threads can reserve later slots.
            if !wait.is_zero() {
                self.clock.sleep(wait);
            }
            if self.lock().epoch == ticket.epoch {
                return ticket;
            }
        }
    }

    /// An answer that was not a rate-limit refusal: the API admitted the call.
    pub(crate) fn answered(&self) {
        let now = self.clock.now();
        let mut state = self.lock();
        state.answers.push_back(now);
        prune(&mut state.answers, now);
    }

    /// The API refused the call `ticket` admitted with its rate-limit error:
    /// slow down (unless a decrease since its admission already did) and hold
    /// every thread off for `pause`. `jitter` is uniform in [0, 1).
    pub(crate) fn refused(&self, ticket: Ticket, pause: Duration, jitter: f64) {
        let now = self.clock.now();
        let mut state = self.lock();
        prune(&mut state.answers, now);
        // Admitted no later than the last decrease: sent at the old rate.
        let stale = state.decrease.is_some_and(|last| ticket.at <= last.at);
        if !stale {
            let before = self.rate_at(&state, now);
            let observed = state.answers.len() as f64 * TARGET_SHARE;
            let kept = observed.clamp(before * MIN_FACTOR, before * MAX_FACTOR);
            let rate = (kept * (1.0 - JITTER_SHARE * jitter.clamp(0.0, 1.0))).max(MIN_RATE);
            state.decrease = Some(Decrease {
                at: now,
                rate: rate.min(self.cap),
                per_second: (before * RECOVERY_SHARE).max(MIN_RATE * RECOVERY_SHARE),
            });
        }
        let until = now + pause;
        if state.next_free.is_none_or(|next| next < until) {
            state.next_free = Some(until);
            state.epoch += 1;
        }
    }

    /// The rate at `now`: the cap, or the last decrease plus what was
    /// regained since.
    fn rate_at(&self, state: &State, now: Instant) -> f64 {
        match state.decrease {
            None => self.cap,
            Some(last) => {
                let since = now.saturating_duration_since(last.at).as_secs_f64();
                (last.rate + last.per_second * since).min(self.cap)
            }
        }
    }

    /// Takes the next free slot: the ticket for it, and how far away it is.
    fn reserve(&self) -> (Ticket, Duration) {
        let now = self.clock.now();
        let mut state = self.lock();
        let slot = state.next_free.map_or(now, |next| next.max(now));
        let interval = Duration::try_from_secs_f64(1.0 / self.rate_at(&state, slot))
            .unwrap_or(Duration::from_secs(10));
        state.next_free = Some(slot + interval);
        let ticket = Ticket {
            at: slot,
            epoch: state.epoch,
        };
        (ticket, slot.saturating_duration_since(now))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked while holding
        // it; the state inside is still valid.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Forgets answers older than the window.
fn prune(answers: &mut VecDeque<Instant>, now: Instant) {
    while answers
        .front()
        .is_some_and(|at| now.saturating_duration_since(*at) >= WINDOW)
    {
        answers.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::softlayer::clock::FakeClock;

    const MS: Duration = Duration::from_millis(1);

    fn limiter(cap: f64) -> (Arc<FakeClock>, RateLimiter) {
        let clock = Arc::new(FakeClock::new());
        let limiter = RateLimiter::new(cap, clock.clone());
        (clock, limiter)
    }

    /// `n` calls, each answered at once.
    fn answered_calls(limiter: &RateLimiter, n: usize) -> Ticket {
        let mut last = None;
        for _ in 0..n {
            last = Some(limiter.acquire());
            limiter.answered();
        }
        last.unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    /// The first call passes at once; the next ones are spaced 1/rate apart.
    #[test]
    fn spaces_calls_evenly() {
        let (clock, limiter) = limiter(10.0);
        let mut waits = Vec::new();
        for _ in 0..5 {
            let before = clock.elapsed();
            limiter.acquire();
            waits.push(clock.elapsed() - before);
        }
        assert_eq!(waits[0], Duration::ZERO);
        for wait in &waits[1..] {
            assert_eq!(*wait, 100 * MS);
        }
        assert_eq!(clock.elapsed(), 400 * MS);
    }

    /// Without a refusal the limiter runs at the cap: 50 calls take 0.98 s at 50/s.
    #[test]
    fn starts_at_the_cap() {
        let (clock, limiter) = limiter(50.0);
        assert!(close(limiter.rate(), 50.0));
        answered_calls(&limiter, 50);
        assert_eq!(clock.elapsed(), 980 * MS);
    }

    /// After an idle period no credit accumulates: there is no burst.
    #[test]
    fn idle_time_does_not_build_a_burst() {
        let (clock, limiter) = limiter(4.0);
        limiter.acquire();
        clock.advance(Duration::from_secs(10));
        let before = clock.elapsed();
        limiter.acquire();
        limiter.acquire();
        assert_eq!(clock.elapsed() - before, 250 * MS);
    }

    /// Threads that arrive together get distinct, evenly spaced slots.
    #[test]
    fn threads_share_one_schedule() {
        let (clock, limiter) = limiter(20.0);
        let start = clock.now();
        let mut slots: Vec<Duration> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| limiter.reserve().0.at - start))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        slots.sort();
        let expected: Vec<Duration> = (0..8).map(|i| 50 * i * MS).collect();
        assert_eq!(slots, expected);
    }

    /// A refusal after a second of answers at 50/s, from a server allowing
    /// 20: the rate drops to 90% of the 50 answered, bounded to at most
    /// 0.85 of 50, and jitter takes up to 10% more off.
    #[test]
    fn refusal_drops_towards_the_answered_rate() {
        let (_, limiter) = limiter(50.0);
        let ticket = answered_calls(&limiter, 50);
        limiter.refused(ticket, Duration::ZERO, 0.0);
        assert!(close(limiter.rate(), 42.5), "{}", limiter.rate());
        let (_, limiter) = self::limiter(50.0);
        let ticket = answered_calls(&limiter, 50);
        limiter.refused(ticket, Duration::ZERO, 0.5);
        assert!(close(limiter.rate(), 42.5 * 0.95), "{}", limiter.rate());
    }

    /// A server that answered 20 in the last second: 90% of 20 is 18, within [25, 42.5]
    /// at 50/s so the floor (half) applies; from 25 the next drop reaches 18.
    #[test]
    fn refusal_aims_at_ninety_percent_of_what_was_answered() {
        let (clock, limiter) = limiter(50.0);
        answered_calls(&limiter, 20);
        let ticket = limiter.acquire(); // the 21st: refused
        limiter.refused(ticket, Duration::ZERO, 0.0);
        assert!(close(limiter.rate(), 25.0), "{}", limiter.rate());
        clock.advance(WINDOW); // the old answers leave the window
        let ticket = answered_calls(&limiter, 20);
        limiter.refused(ticket, Duration::ZERO, 0.0);
        assert!(close(limiter.rate(), 18.0), "{}", limiter.rate());
    }

    /// Calls admitted before a decrease cause no second one: eight workers
    /// refused for one burst slow down once.
    #[test]
    fn one_decrease_per_burst() {
        let (_, limiter) = limiter(50.0);
        let tickets: Vec<Ticket> = (0..8).map(|_| limiter.acquire()).collect();
        for ticket in &tickets {
            limiter.refused(*ticket, Duration::ZERO, 0.0);
        }
        assert!(close(limiter.rate(), 25.0), "{}", limiter.rate());
        // A call admitted after the decrease (20 ms later, when 0.05/s was
        // regained) and refused again: a second one.
        let ticket = limiter.acquire();
        limiter.refused(ticket, Duration::ZERO, 0.0);
        assert!(close(limiter.rate(), 25.05 / 2.0), "{}", limiter.rate());
    }

    /// After a decrease the rate climbs back by 5% of the refused rate per
    /// second, and stops at the cap.
    #[test]
    fn recovers_linearly_to_the_cap() {
        let (clock, limiter) = limiter(40.0);
        let ticket = limiter.acquire();
        limiter.refused(ticket, Duration::ZERO, 0.0);
        assert!(close(limiter.rate(), 20.0));
        clock.advance(Duration::from_secs(4));
        assert!(close(limiter.rate(), 28.0), "{}", limiter.rate());
        clock.advance(Duration::from_secs(6));
        assert!(close(limiter.rate(), 40.0), "{}", limiter.rate());
        clock.advance(Duration::from_secs(60));
        assert!(close(limiter.rate(), 40.0), "never above the cap");
    }

    /// The rate never drops below 0.1 calls per second.
    #[test]
    fn never_below_the_floor() {
        let (_, limiter) = limiter(1.0);
        for _ in 0..20 {
            let ticket = limiter.acquire();
            limiter.refused(ticket, Duration::ZERO, 0.99);
        }
        assert!(limiter.rate() >= MIN_RATE, "{}", limiter.rate());
    }

    /// A refusal holds every caller off for the pause, then spacing resumes
    /// at the lower rate; a shorter pause does not move slots earlier.
    #[test]
    fn refusal_holds_everyone_off() {
        let (clock, limiter) = limiter(10.0);
        let ticket = limiter.acquire();
        limiter.refused(ticket, Duration::from_secs(2), 0.0);
        let before = clock.elapsed();
        limiter.acquire();
        assert_eq!(clock.elapsed() - before, Duration::from_secs(2));
        let before = clock.elapsed();
        let ticket = limiter.acquire();
        let waited = clock.elapsed() - before;
        // 5/s right after the decrease, 6/s 2 s later (0.5/s regained per second).
        assert!(waited > 166 * MS && waited < 167 * MS, "{waited:?}");
        limiter.refused(ticket, MS, 0.0);
        let before = clock.elapsed();
        limiter.acquire();
        assert!(
            clock.elapsed() - before > MS,
            "still spaced after a 1 ms pause"
        );
    }

    /// A caller already waiting for its slot when another is refused queues
    /// again behind the hold-off instead of going at its old slot.
    #[test]
    fn waiting_callers_queue_behind_a_hold_off() {
        let clock = Arc::new(HoldOffWhileSleeping::new());
        let limiter = Arc::new(RateLimiter::new(10.0, clock.clone()));
        *clock.limiter.lock().unwrap() = Some(limiter.clone());
        limiter.acquire(); // slot 0
        // The next acquire sleeps 100 ms; during that sleep another thread is refused.
        let ticket = limiter.acquire();
        assert!(
            clock.inner.elapsed() >= Duration::from_secs(3),
            "went at {:?}, before the hold-off ended",
            clock.inner.elapsed()
        );
        assert!(ticket.at >= clock.inner.now() - Duration::from_millis(1));
    }

    /// A fake clock that, on the first sleep, has a refusal with a 3 s pause happen.
    #[derive(Debug)]
    struct HoldOffWhileSleeping {
        inner: FakeClock,
        limiter: Mutex<Option<Arc<RateLimiter>>>,
        fired: Mutex<bool>,
    }

    impl HoldOffWhileSleeping {
        fn new() -> Self {
            HoldOffWhileSleeping {
                inner: FakeClock::new(),
                limiter: Mutex::new(None),
                fired: Mutex::new(false),
            }
        }
    }

    impl Clock for HoldOffWhileSleeping {
        fn now(&self) -> Instant {
            self.inner.now()
        }

        fn sleep(&self, duration: Duration) {
            let fire = !std::mem::replace(&mut *self.fired.lock().unwrap(), true);
            if fire {
                let limiter = self.limiter.lock().unwrap().clone().unwrap();
                let other = Ticket {
                    at: self.inner.now(),
                    epoch: 0,
                };
                limiter.refused(other, Duration::from_secs(3), 0.0);
            }
            self.inner.sleep(duration);
        }
    }

    /// In any one-second window at most rate + 1 calls are admitted.
    #[test]
    fn never_more_than_rate_plus_one_per_second() {
        let (clock, limiter) = limiter(5.0);
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

    /// A simulated server that admits 20 calls per fixed one-second window:
    /// the limiter settles below 20/s and the answered rate stays near it.
    #[test]
    fn settles_under_a_server_limit() {
        let (clock, limiter) = limiter(50.0);
        let mut window = (Duration::ZERO, 0u32);
        let mut answered = 0u32;
        let mut refused = 0u32;
        while clock.elapsed() < Duration::from_secs(30) {
            let ticket = limiter.acquire();
            let now = clock.elapsed();
            if now - window.0 >= Duration::from_secs(1) {
                window = (now, 0);
            }
            window.1 += 1;
            if window.1 <= 20 {
                limiter.answered();
                answered += 1;
            } else {
                refused += 1;
                limiter.refused(ticket, Duration::from_millis(500), 0.5);
            }
        }
        let per_second = f64::from(answered) / clock.elapsed().as_secs_f64();
        assert!(per_second > 16.0, "only {per_second:.1}/s answered");
        assert!(refused < 40, "{refused} refusals in 30 s");
        assert!(limiter.rate() < 25.0, "{}", limiter.rate());
    }
}
