//! One adaptive rate limiter for every call the process makes, from any
//! thread.
//!
//! Calls are spaced evenly, `1/rate` seconds apart (a token bucket holding
//! one token, written as GCRA: each call reserves the next free slot), so
//! idle time builds no burst. The rate starts at the cap (`--rate-limit`,
//! default SoftLayer's 50 calls per second per user) and adapts to what
//! the API says, as TCP adapts to loss:
//!
//! - on SoftLayer's rate-limit error the rate is multiplied down to 85% of
//!   the most calls the API answered within one second over the last
//!   three (SoftLayer counts per second: that is what it admits), but
//!   never below half the calls sent in the last second nor below a
//!   quarter of the rate before, and then up to 10% lower at random, so
//!   that two clients sharing one API user do not move in lockstep. Within
//!   a second of the last decrease a rate already at or under that target
//!   stays: the refusal then says that the server's window is still full,
//!   not that the rate is too high. Later refusals always take at least 5%
//!   off. Only a call admitted after the last decrease can cause the next
//!   one: calls already in flight at the old rate say nothing about the
//!   new one.
//! - every thread then holds off for the retry wait ([`RateLimiter::hold_off`]:
//!   `Retry-After` when the API sent one, else about one interval at the
//!   new rate, doubled for each refusal since the last answer from any
//!   thread), also the threads already waiting for a slot;
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
const TARGET_SHARE: f64 = 0.85;
/// ...but never below this share of what was sent...
const SENT_SHARE: f64 = 0.5;
/// ...nor below this share of the rate before: a client that sent little
/// (another one exhausted the user's budget) learns little from a refusal.
const MIN_FACTOR: f64 = 0.25;
/// A refusal more than a window after the last decrease takes at least
/// this share off.
const MIN_DECREASE: f64 = 0.05;
/// The random part of a decrease: up to this share lower.
const JITTER_SHARE: f64 = 0.1;
/// Calls per second regained per second, as a share of the refused rate.
const RECOVERY_SHARE: f64 = 0.05;
/// The window over which answers and calls are counted (SoftLayer's own:
/// "50 requests for every 1 second(s)").
const WINDOW: Duration = Duration::from_secs(1);
/// How far back answers are remembered: the busiest window in it is what
/// the API admits (a server's windows need not line up with ours).
const HISTORY: Duration = Duration::from_secs(3);

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
    /// When calls were admitted within the last [`WINDOW`].
    sent: VecDeque<Instant>,
    /// When answers (not refusals) came within the last [`HISTORY`].
    answers: VecDeque<Instant>,
    /// Refusals since the last answer, from any thread.
    streak: u32,
}

/// What the last decrease set: the rate then, and how fast it recovers.
#[derive(Debug, Clone, Copy)]
struct Decrease {
    at: Instant,
    rate: f64,
    per_second: f64,
}

/// What a refusal left: the rate now, and the refusals since the last
/// answer from any thread (each one should wait longer: the server's window
/// is still full).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Refusal {
    pub(crate) rate: f64,
    pub(crate) streak: u32,
}

impl Refusal {
    /// The backoff step after this refusal of a call's `attempts`-th try:
    /// one interval at the new rate, doubled for each earlier refusal in the
    /// streak, but at most `longest` doubled per earlier attempt of the call.
    pub(crate) fn step(&self, longest: Duration, attempts: u32) -> Duration {
        let interval = Duration::try_from_secs_f64(1.0 / self.rate).unwrap_or(longest);
        let doubled =
            |base: Duration, times: u32| base.saturating_mul(1 << times.saturating_sub(1).min(16));
        doubled(interval, self.streak).min(doubled(longest, attempts))
    }
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
                sent: VecDeque::new(),
                answers: VecDeque::new(),
                streak: 0,
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
            let mut state = self.lock();
            if state.epoch == ticket.epoch {
                let now = self.clock.now();
                state.sent.push_back(now);
                prune(&mut state.sent, now, WINDOW);
                return ticket;
            }
        }
    }

    /// An answer that was not a rate-limit refusal: the API admitted the call.
    pub(crate) fn answered(&self) {
        let now = self.clock.now();
        let mut state = self.lock();
        state.answers.push_back(now);
        prune(&mut state.answers, now, HISTORY);
        state.streak = 0;
    }

    /// The API refused the call `ticket` admitted with its rate-limit error:
    /// slow down, unless a decrease since its admission already did.
    /// `jitter` is uniform in [0, 1). Returns the rate now and the refusals
    /// since the last answer (this one included), for the hold-off.
    pub(crate) fn refused(&self, ticket: Ticket, jitter: f64) -> Refusal {
        let now = self.clock.now();
        let mut state = self.lock();
        state.streak = state.streak.saturating_add(1);
        prune(&mut state.answers, now, HISTORY);
        prune(&mut state.sent, now, WINDOW);
        // Admitted no later than the last decrease: sent at the old rate.
        let stale = state.decrease.is_some_and(|last| ticket.at <= last.at);
        let before = self.rate_at(&state, now);
        let answered = busiest_window(&state.answers) as f64 * TARGET_SHARE;
        let floor = (state.sent.len() as f64 * SENT_SHARE).max(before * MIN_FACTOR);
        let mut target = answered.max(floor);
        // Within a window of the last decrease, a rate already at or under
        // the target stays: the refusal says the server's window is still
        // full, which the hold-off deals with. Later, a refusal means this
        // rate is too high, whatever was answered: it always slows down.
        let settled = state
            .decrease
            .is_none_or(|last| now.saturating_duration_since(last.at) >= WINDOW);
        if settled {
            target = target.min(before * (1.0 - MIN_DECREASE));
        }
        if !stale && target < before {
            let rate = (target * (1.0 - JITTER_SHARE * jitter.clamp(0.0, 1.0))).max(MIN_RATE);
            state.decrease = Some(Decrease {
                at: now,
                rate: rate.min(self.cap),
                per_second: (before * RECOVERY_SHARE).max(MIN_RATE * RECOVERY_SHARE),
            });
        }
        Refusal {
            rate: self.rate_at(&state, now),
            streak: state.streak,
        }
    }

    /// Admits no call before `pause` from now, for every thread: SoftLayer
    /// counts calls per user, so one worker backing off while the others
    /// keep calling would not help.
    pub(crate) fn hold_off(&self, pause: Duration) {
        let until = self.clock.now() + pause;
        let mut state = self.lock();
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

/// Forgets instants `keep` or more before `now`.
fn prune(instants: &mut VecDeque<Instant>, now: Instant, keep: Duration) {
    while instants
        .front()
        .is_some_and(|at| now.saturating_duration_since(*at) >= keep)
    {
        instants.pop_front();
    }
}

/// The most of `instants` (in order) that fall within one [`WINDOW`].
fn busiest_window(instants: &VecDeque<Instant>) -> usize {
    let mut start = 0;
    let mut most = 0;
    for (end, at) in instants.iter().enumerate() {
        while at.saturating_duration_since(instants[start]) >= WINDOW {
            start += 1;
        }
        most = most.max(end + 1 - start);
    }
    most
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

    /// `n` calls, each answered at once; the last one's ticket.
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
        assert!(close(limiter.rate(), 50.0));
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

    /// A server admitting 20 per second refuses the 21st call, sent at 50/s:
    /// the rate drops at once to 85% of the 20 answered (more than by half),
    /// and jitter takes up to 10% more off.
    #[test]
    fn refusal_drops_to_a_share_of_what_was_answered() {
        let (_, limiter) = limiter(50.0);
        answered_calls(&limiter, 20);
        let refused = limiter.acquire();
        assert!(
            close(limiter.refused(refused, 0.0).rate, 17.0),
            "{}",
            limiter.rate()
        );
        let (_, limiter) = self::limiter(50.0);
        answered_calls(&limiter, 20);
        let refused = limiter.acquire();
        assert!(close(limiter.refused(refused, 0.5).rate, 17.0 * 0.95));
    }

    /// Never below half of what was sent in the last second, nor below a
    /// quarter of the rate: a client whose calls were all refused, or that
    /// sent little while another client used up the budget, does not
    /// collapse to a crawl.
    #[test]
    fn decreases_are_bounded() {
        let (_, limiter) = limiter(50.0);
        let mut last = None;
        for _ in 0..40 {
            last = Some(limiter.acquire()); // sent, never answered
        }
        assert!(
            close(limiter.refused(last.unwrap(), 0.0).rate, 20.0),
            "half of 40 sent"
        );
        let (_, limiter) = self::limiter(50.0);
        let refused = limiter.acquire();
        assert!(
            close(limiter.refused(refused, 0.0).rate, 12.5),
            "a quarter of 50"
        );
        // 50 -> 12.5 -> 4.25 against a server that answers 5 per second.
        let (_, limiter) = self::limiter(50.0);
        answered_calls(&limiter, 5);
        let refused = limiter.acquire();
        assert!(close(limiter.refused(refused, 0.0).rate, 12.5));
        let refused = limiter.acquire();
        let rate = limiter.refused(refused, 0.0).rate;
        assert!((rate - 4.25).abs() < 0.01, "{rate}");
    }

    /// Refusals within a second of a decrease (a server window that is
    /// still full) keep the rate within the jitter of the target: no
    /// collapse. A refusal a second later always takes at least 5% off.
    #[test]
    fn refusals_within_a_window_do_not_collapse_the_rate() {
        let (clock, limiter) = limiter(10.0);
        answered_calls(&limiter, 5);
        let refused = limiter.acquire();
        let rate = limiter.refused(refused, 0.0).rate;
        assert!(close(rate, 4.25), "85% of 5: {rate}");
        for _ in 0..3 {
            let refused = limiter.acquire(); // 235 ms apart
            let again = limiter.refused(refused, 0.99).rate;
            assert!(again >= 4.25 * 0.9 - 1e-9, "{rate} -> {again}");
        }
        clock.advance(WINDOW);
        let before = limiter.rate();
        let refused = limiter.acquire();
        let after = limiter.refused(refused, 0.0).rate;
        assert!(after <= before * 0.95 + 0.1, "{before} -> {after}");
    }

    /// Calls admitted before a decrease cause no second one: eight workers
    /// refused for one burst slow down once.
    #[test]
    fn one_decrease_per_burst() {
        let (_, limiter) = limiter(50.0);
        let tickets: Vec<Ticket> = (0..8).map(|_| limiter.acquire()).collect();
        for ticket in &tickets {
            limiter.refused(*ticket, 0.5);
        }
        // A quarter of 50 (more than half of the 8 sent), 5% jitter, once.
        assert!(close(limiter.rate(), 12.5 * 0.95), "{}", limiter.rate());
        // A call admitted after the decrease and refused again: a second one.
        let before = limiter.rate();
        let ticket = limiter.acquire();
        let rate = limiter.refused(ticket, 0.5).rate;
        assert!(rate < before * 0.96, "{before} -> {rate}");
    }

    /// After a decrease the rate climbs back by 5% of the refused rate per
    /// second, and stops at the cap.
    #[test]
    fn recovers_linearly_to_the_cap() {
        let (clock, limiter) = limiter(40.0);
        let ticket = answered_calls(&limiter, 20);
        assert!(close(limiter.refused(ticket, 0.0).rate, 17.0));
        clock.advance(Duration::from_secs(4));
        assert!(close(limiter.rate(), 25.0), "{}", limiter.rate());
        clock.advance(Duration::from_secs(6));
        assert!(close(limiter.rate(), 37.0), "{}", limiter.rate());
        clock.advance(Duration::from_secs(60));
        assert!(close(limiter.rate(), 40.0), "never above the cap");
    }

    /// The target is the busiest second of the last three, not the last
    /// second alone: a server's windows need not line up with the client's.
    #[test]
    fn target_is_the_busiest_recent_second() {
        let (clock, limiter) = limiter(50.0);
        answered_calls(&limiter, 20); // 20 answers within 0.4 s
        clock.advance(Duration::from_millis(1500));
        answered_calls(&limiter, 5);
        let refused = limiter.acquire();
        assert!(
            close(limiter.refused(refused, 0.0).rate, 17.0),
            "{}",
            limiter.rate()
        );
        let instants: VecDeque<Instant> = [0u64, 100, 900, 1000, 1050, 1999, 3000]
            .iter()
            .map(|ms| clock.now() + Duration::from_millis(*ms))
            .collect();
        assert_eq!(busiest_window(&instants), 4, "100, 900, 1000 and 1050");
        assert_eq!(busiest_window(&VecDeque::new()), 0);
    }

    /// Refusals without an answer in between, from any thread, double the
    /// step; an answer starts over.
    #[test]
    fn refusal_streaks_lengthen_the_hold_off() {
        let (_, limiter) = limiter(10.0);
        answered_calls(&limiter, 5);
        let steps: Vec<Duration> = (0..3)
            .map(|_| {
                let ticket = limiter.acquire();
                limiter.refused(ticket, 0.0).step(Duration::from_secs(1), 1)
            })
            .collect();
        assert!(
            steps[1] > steps[0] * 2 - MS && steps[2] > steps[1] * 2 - MS,
            "{steps:?}"
        );
        let first = Refusal {
            rate: 4.0,
            streak: 1,
        };
        assert_eq!(first.step(Duration::from_secs(1), 1), 250 * MS);
        assert_eq!(first.step(100 * MS, 1), 100 * MS, "at most `longest`");
        let long = Refusal {
            rate: 4.0,
            streak: 9,
        };
        assert_eq!(long.step(Duration::from_secs(1), 1), Duration::from_secs(1));
        assert_eq!(long.step(Duration::from_secs(1), 3), Duration::from_secs(4));
        limiter.answered();
        let ticket = limiter.acquire();
        assert_eq!(limiter.refused(ticket, 0.0).streak, 1);
    }

    /// The rate never drops below 0.1 calls per second.
    #[test]
    fn never_below_the_floor() {
        let (_, limiter) = limiter(1.0);
        for _ in 0..20 {
            let ticket = limiter.acquire();
            limiter.refused(ticket, 0.99);
        }
        assert!(limiter.rate() >= MIN_RATE, "{}", limiter.rate());
    }

    /// A hold-off delays every caller, then spacing resumes; a shorter
    /// hold-off does not move slots earlier.
    #[test]
    fn hold_off_delays_everyone() {
        let (clock, limiter) = limiter(10.0);
        limiter.acquire();
        limiter.hold_off(Duration::from_secs(2));
        let before = clock.elapsed();
        limiter.acquire();
        assert_eq!(clock.elapsed() - before, Duration::from_secs(2));
        let before = clock.elapsed();
        limiter.acquire();
        assert_eq!(clock.elapsed() - before, 100 * MS);
        limiter.hold_off(MS);
        let before = clock.elapsed();
        limiter.acquire();
        assert_eq!(
            clock.elapsed() - before,
            100 * MS,
            "a shorter hold-off does not move slots earlier"
        );
    }

    /// A caller already waiting for its slot when another is refused queues
    /// again behind the hold-off instead of going at its old slot.
    #[test]
    fn waiting_callers_queue_behind_a_hold_off() {
        let clock = Arc::new(HoldOffWhileSleeping::new());
        let limiter = Arc::new(RateLimiter::new(10.0, clock.clone()));
        *clock.limiter.lock().unwrap() = Some(limiter.clone());
        limiter.acquire(); // slot 0, no sleep
        // The next acquire sleeps 100 ms; during that sleep another thread
        // orders a hold-off of 3 s.
        limiter.acquire();
        assert_eq!(clock.inner.elapsed(), Duration::from_secs(3));
    }

    /// A fake clock that, on the first sleep, has a 3 s hold-off ordered.
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
                limiter.hold_off(Duration::from_secs(3));
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

    /// A simulated server admitting `limit` calls per fixed one-second
    /// window, each refusal followed by a hold-off of one interval: over
    /// 60 s the limiter answers close to the limit with few refusals.
    #[test]
    fn settles_under_a_server_limit() {
        for limit in [5u32, 20, 45] {
            let (clock, limiter) = limiter(50.0);
            let mut window = (Duration::ZERO, 0u32);
            let (mut answered, mut refused) = (0u32, 0u32);
            let mut jitter = 0.0;
            while clock.elapsed() < Duration::from_secs(60) {
                let ticket = limiter.acquire();
                let now = clock.elapsed();
                if now - window.0 >= Duration::from_secs(1) {
                    window = (now, 0);
                }
                window.1 += 1;
                if window.1 <= limit {
                    limiter.answered();
                    answered += 1;
                } else {
                    refused += 1;
                    jitter = (jitter + 0.37) % 1.0;
                    let refusal = limiter.refused(ticket, jitter);
                    limiter.hold_off(refusal.step(Duration::from_secs(1), 1).mul_f64(0.75));
                }
            }
            let per_second = f64::from(answered) / clock.elapsed().as_secs_f64();
            assert!(
                per_second > 0.85 * f64::from(limit),
                "limit {limit}: only {per_second:.1}/s answered"
            );
            assert!(refused < 40, "limit {limit}: {refused} refusals in 60 s");
        }
    }
}
