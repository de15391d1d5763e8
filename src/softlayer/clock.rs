//! Time as the client sees it, injectable so the rate limiter and the retry
//! loop can be tested without sleeping.

use std::fmt;
use std::time::{Duration, Instant};

/// Reads the time and waits.
pub(crate) trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Blocks the calling thread for `duration`.
    fn sleep(&self, duration: Duration);
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

#[cfg(test)]
pub(crate) use fake::FakeClock;

#[cfg(test)]
mod fake {
    use std::sync::Mutex;

    use super::*;

    /// A clock that only moves when someone sleeps, recording every sleep.
    #[derive(Debug)]
    pub(crate) struct FakeClock {
        start: Instant,
        state: Mutex<(Duration, Vec<Duration>)>,
    }

    impl FakeClock {
        pub(crate) fn new() -> FakeClock {
            FakeClock {
                start: Instant::now(),
                state: Mutex::new((Duration::ZERO, Vec::new())),
            }
        }

        /// Every sleep so far, in order.
        pub(crate) fn sleeps(&self) -> Vec<Duration> {
            self.state.lock().unwrap().1.clone()
        }

        /// Time elapsed on this clock.
        pub(crate) fn elapsed(&self) -> Duration {
            self.state.lock().unwrap().0
        }

        /// Moves time forward without recording a sleep.
        pub(crate) fn advance(&self, duration: Duration) {
            self.state.lock().unwrap().0 += duration;
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start + self.state.lock().unwrap().0
        }

        fn sleep(&self, duration: Duration) {
            let mut state = self.state.lock().unwrap();
            state.0 += duration;
            state.1.push(duration);
        }
    }
}
