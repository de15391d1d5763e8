//! The emulator's own service time, served at `/__emulator/stats`: what the
//! emulator itself spent on API requests (the configured latency left out),
//! so a benchmark can tell its time from the client's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

/// Counters over every API request since the emulator started.
#[derive(Debug, Default)]
pub(crate) struct ServiceStats {
    requests: AtomicU64,
    service_us: AtomicU64,
    max_us: AtomicU64,
    lock_wait_us: AtomicU64,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl ServiceStats {
    /// Counts one request: its service time and the part of it spent
    /// waiting for the state lock (other requests holding it).
    pub(crate) fn record(&self, service: Duration, lock_wait: Duration) {
        let us = micros(service);
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.service_us.fetch_add(us, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
        self.lock_wait_us
            .fetch_add(micros(lock_wait), Ordering::Relaxed);
    }

    /// `{"requests", "service_s", "max_ms", "lock_wait_s"}`.
    pub(crate) fn to_json(&self) -> Value {
        let seconds = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64 / 1e6;
        json!({
            "requests": self.requests.load(Ordering::Relaxed),
            "service_s": seconds(&self.service_us),
            "max_ms": self.max_us.load(Ordering::Relaxed) as f64 / 1e3,
            "lock_wait_s": seconds(&self.lock_wait_us),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Totals add up, the maximum is kept.
    #[test]
    fn totals_and_maximum() {
        let stats = ServiceStats::default();
        stats.record(Duration::from_millis(3), Duration::from_millis(1));
        stats.record(Duration::from_micros(1_500), Duration::ZERO);
        assert_eq!(
            stats.to_json(),
            json!({"requests": 2, "service_s": 0.0045, "max_ms": 3.0, "lock_wait_s": 0.001})
        );
    }
}
