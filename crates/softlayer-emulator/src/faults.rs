//! Fault injection: a small seeded generator (splitmix64) for random 500s
//! and lost responses, and SoftLayer's per-user rate limit.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// splitmix64: tiny, fast and reproducible from a seed.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A fixed one-second window per username.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    windows: HashMap<String, (Instant, u32)>,
}

impl RateLimiter {
    /// Counts a request; when it exceeds `limit` in the current second,
    /// `Err` with the time until that second ends (when the user may call
    /// again).
    pub(crate) fn admit(&mut self, user: &str, limit: u32, now: Instant) -> Result<(), Duration> {
        if limit == 0 {
            return Ok(());
        }
        let window = Duration::from_secs(1);
        let entry = self.windows.entry(user.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 <= limit {
            Ok(())
        } else {
            Err(window.saturating_sub(now.duration_since(entry.0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same seed gives the same sequence; values stay in [0, 1).
    #[test]
    fn seeded_sequence_is_reproducible() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        let xs: Vec<f64> = (0..100).map(|_| a.next_f64()).collect();
        let ys: Vec<f64> = (0..100).map(|_| b.next_f64()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert_ne!(SplitMix64::new(1).next_u64(), SplitMix64::new(2).next_u64());
    }

    /// The limit applies per user and resets after a second.
    #[test]
    fn limits_per_user_per_second() {
        let mut rl = RateLimiter::default();
        let t0 = Instant::now();
        assert!(rl.admit("a", 2, t0).is_ok());
        assert!(rl.admit("a", 2, t0).is_ok());
        assert_eq!(
            rl.admit("a", 2, t0 + Duration::from_millis(300)),
            Err(Duration::from_millis(700)),
            "refused until the second is over"
        );
        assert!(rl.admit("b", 2, t0).is_ok());
        assert!(rl.admit("a", 2, t0 + Duration::from_millis(1001)).is_ok());
        assert!(rl.admit("a", 0, t0).is_ok());
    }
}
