//! When a failed attempt is repeated, and after how long.
//!
//! Reads (and anything that certainly never reached the server) are repeated
//! on transport errors, server faults and rate limits, with exponential
//! backoff and jitter, within an attempt count and a deadline. A mutating
//! call is repeated only when the server certainly did not process it: the
//! request never left, or SoftLayer rejected it with its rate-limit error
//! (the limit is checked before the call is dispatched to the service, so a
//! rate-limited cancel has not happened). Everything else about a mutating
//! call is reported, never repeated blindly.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use crate::softlayer::error::Fault;

/// How often and how patiently failed calls are repeated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// Attempts when the connection itself fails (refused, DNS, TLS): a
    /// misconfigured or unreachable endpoint should fail fast.
    pub max_connect_attempts: u32,
    /// Backoff before the second attempt; doubled for each further one.
    pub base_delay: Duration,
    /// Longest single backoff.
    pub max_delay: Duration,
    /// No retry is started later than this after the first attempt.
    pub deadline: Duration,
    /// Longest backoff base after a rate-limit error without `Retry-After`
    /// (the base is one interval at the lowered rate, at most this):
    /// SoftLayer counts calls per second.
    pub rate_limit_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            max_connect_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(15),
            deadline: Duration::from_secs(300),
            rate_limit_delay: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before attempt `attempts + 1`, or `None` to stop.
    /// `jitter` is uniform in [0, 1); `elapsed` counts from the first attempt.
    pub(crate) fn next_delay(
        &self,
        fault: Fault,
        mutating: bool,
        attempts: u32,
        elapsed: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts
            || (fault == Fault::NotSent && attempts >= self.max_connect_attempts)
        {
            return None;
        }
        let delay = match fault {
            Fault::Final => return None,
            Fault::Unknown if mutating => return None,
            Fault::Unknown | Fault::NotSent => self.backoff(self.base_delay, attempts, jitter),
            Fault::RateLimited(retry_after) => {
                let exponent = attempts.saturating_sub(1).min(16);
                let step = self.rate_limit_delay.saturating_mul(1 << exponent);
                return self.rate_limit_delay(retry_after, attempts, elapsed, jitter, step);
            }
        };
        (elapsed + delay <= self.deadline).then_some(delay)
    }

    /// The wait after a rate-limit refusal (any call, mutating ones too: the
    /// API did not run it), or `None` to stop: `Retry-After` when the API
    /// sent one, plus a little jitter so parallel workers do not come back in
    /// the same instant; else half of `step` fixed and half random (the
    /// client's step is one interval at the lowered rate, doubled for each
    /// refusal since the last answer), at most `max_delay`.
    pub(crate) fn rate_limit_delay(
        &self,
        retry_after: Option<Duration>,
        attempts: u32,
        elapsed: Duration,
        jitter: f64,
        step: Duration,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let delay = match retry_after {
            Some(retry_after) => retry_after + self.base_delay.mul_f64(jitter),
            None => {
                let step = step.min(self.max_delay);
                step / 2 + (step / 2).mul_f64(jitter.clamp(0.0, 1.0))
            }
        };
        (elapsed + delay <= self.deadline).then_some(delay)
    }

    /// "Equal jitter": half of the exponential step fixed, half random, so a
    /// retry never comes back immediately but workers still spread out.
    fn backoff(&self, base: Duration, attempts: u32, jitter: f64) -> Duration {
        let exponent = attempts.saturating_sub(1).min(16);
        let step = base.saturating_mul(1 << exponent).min(self.max_delay);
        step / 2 + (step / 2).mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// A `Retry-After` value: delay seconds or an HTTP date (IMF-fixdate).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let now = jiff::Timestamp::try_from(now).ok()?;
    let wait = now.until(when).ok()?.total(jiff::Unit::Millisecond).ok()?;
    // A date in the past means "now".
    #[allow(
        clippy::cast_possible_truncation,
        reason = "a float cast saturates; years of waiting are capped by the deadline"
    )]
    let wait = wait.max(0.0) as i64;
    Some(Duration::from_millis(u64::try_from(wait).unwrap_or(0)))
}

/// A uniform number in [0, 1) from the standard library's per-process
/// random hasher keys, mixed with a counter: enough to spread retries.
pub(crate) fn jitter() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    /// Reads back off exponentially within [step/2, step], capped.
    #[test]
    fn reads_back_off_exponentially() {
        let p = policy();
        let delay = |attempts, jitter| {
            p.next_delay(Fault::Unknown, false, attempts, Duration::ZERO, jitter)
        };
        assert_eq!(delay(1, 0.0), Some(Duration::from_millis(125)));
        assert_eq!(delay(1, 1.0), Some(Duration::from_millis(250)));
        assert_eq!(delay(2, 0.0), Some(Duration::from_millis(250)));
        assert_eq!(delay(3, 0.5), Some(Duration::from_millis(750)));
        assert_eq!(
            delay(7, 1.0),
            Some(Duration::from_secs(15)),
            "capped at max_delay"
        );
    }

    /// The attempt count and the deadline both stop retries.
    #[test]
    fn attempts_and_deadline_are_bounded() {
        let p = policy();
        assert_eq!(
            p.next_delay(Fault::Unknown, false, 8, Duration::ZERO, 0.5),
            None
        );
        assert_eq!(
            p.next_delay(
                Fault::Unknown,
                false,
                2,
                Duration::from_millis(299_900),
                0.5
            ),
            None
        );
        assert!(
            p.next_delay(Fault::Unknown, false, 2, Duration::from_secs(10), 0.5)
                .is_some()
        );
    }

    /// Connection failures get fewer attempts than server faults.
    #[test]
    fn connection_failures_fail_fast() {
        let p = policy();
        assert!(
            p.next_delay(Fault::NotSent, false, 2, Duration::ZERO, 0.5)
                .is_some()
        );
        assert_eq!(
            p.next_delay(Fault::NotSent, false, 3, Duration::ZERO, 0.5),
            None
        );
        assert!(
            p.next_delay(Fault::Unknown, false, 3, Duration::ZERO, 0.5)
                .is_some()
        );
    }

    /// Definite answers are never repeated.
    #[test]
    fn final_answers_are_not_retried() {
        assert_eq!(
            policy().next_delay(Fault::Final, false, 1, Duration::ZERO, 0.5),
            None
        );
        assert_eq!(
            policy().next_delay(Fault::Final, true, 1, Duration::ZERO, 0.5),
            None
        );
    }

    /// A mutating call with an unknown outcome is never repeated.
    #[test]
    fn unknown_outcome_of_a_write_is_not_retried() {
        assert_eq!(
            policy().next_delay(Fault::Unknown, true, 1, Duration::ZERO, 0.5),
            None
        );
    }

    /// A write that never left, or was rate limited, is repeated.
    #[test]
    fn unsent_or_rate_limited_writes_are_retried() {
        assert!(
            policy()
                .next_delay(Fault::NotSent, true, 1, Duration::ZERO, 0.5)
                .is_some()
        );
        assert!(
            policy()
                .next_delay(Fault::RateLimited(None), true, 1, Duration::ZERO, 0.5)
                .is_some()
        );
    }

    /// Retry-After is honoured (plus jitter); without it the rate-limit wait starts near a second.
    #[test]
    fn rate_limit_waits() {
        let p = policy();
        let with_header = p.next_delay(
            Fault::RateLimited(Some(3 * SECOND)),
            false,
            1,
            Duration::ZERO,
            0.0,
        );
        assert_eq!(with_header, Some(3 * SECOND));
        let with_header = p
            .next_delay(
                Fault::RateLimited(Some(3 * SECOND)),
                false,
                1,
                Duration::ZERO,
                0.99,
            )
            .unwrap();
        assert!(with_header >= 3 * SECOND && with_header < 3 * SECOND + p.base_delay);
        let without = p
            .next_delay(Fault::RateLimited(None), false, 1, Duration::ZERO, 0.0)
            .unwrap();
        assert_eq!(without, SECOND / 2);
        let too_long = p.next_delay(
            Fault::RateLimited(Some(3600 * SECOND)),
            false,
            1,
            Duration::ZERO,
            0.0,
        );
        assert_eq!(too_long, None, "a wait past the deadline gives up");
    }

    /// Without Retry-After the wait is the given step, half of it fixed and
    /// half random, at most max_delay; the attempt limit and deadline hold.
    #[test]
    fn rate_limit_wait_follows_the_step() {
        let p = policy();
        let wait = |jitter, step| {
            p.rate_limit_delay(None, 1, Duration::ZERO, jitter, step)
                .unwrap()
        };
        let step = Duration::from_millis(200);
        assert_eq!(wait(0.0, step), Duration::from_millis(100));
        assert_eq!(wait(1.0, step), step);
        assert_eq!(wait(1.0, 100 * SECOND), p.max_delay);
        assert_eq!(p.rate_limit_delay(None, 8, Duration::ZERO, 0.5, step), None);
        assert_eq!(
            p.rate_limit_delay(None, 2, Duration::from_secs(300), 0.5, step),
            None
        );
    }

    /// Retry-After parses as seconds or as an HTTP date.
    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    /// Jitter stays in [0, 1) and varies.
    #[test]
    fn jitter_is_uniform_enough() {
        let values: Vec<f64> = (0..200).map(|_| jitter()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.iter().any(|v| *v < 0.3) && values.iter().any(|v| *v > 0.7));
    }
}
