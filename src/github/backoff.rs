//! How long to wait before retrying a read: exponential backoff with jitter, so
//! the retries of several clients do not line up. Rate-limit waits are GitHub's
//! to decide and live in the client.

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Backoff with jitter, from a small xorshift generator: retries of several
/// clients do not line up, and no random-number crate is needed.
pub struct Jitter(Cell<u64>);

impl Jitter {
    pub fn seeded() -> Jitter {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        Jitter::with_seed(u64::from(nanos) ^ u64::from(std::process::id()) << 32)
    }

    pub fn with_seed(seed: u64) -> Jitter {
        Jitter(Cell::new(seed | 1)) // xorshift never leaves zero, so never start there
    }

    fn next(&self) -> u64 {
        let mut state = self.0.get();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        self.0.set(state);
        state
    }

    /// 200 ms doubling per attempt (at most 6.4 s), plus up to half of it again.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let base = 200 * 2u64.pow(attempt.min(5));
        Duration::from_millis(base + self.next() % (base / 2 + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let jitter = Jitter::with_seed(42);
        let delays: Vec<Duration> = (0..20).map(|_| jitter.backoff(1)).collect();
        for delay in &delays {
            assert!(
                (Duration::from_millis(400)..=Duration::from_millis(600)).contains(delay),
                "{delay:?}"
            );
        }
        assert!(
            delays.windows(2).any(|pair| pair[0] != pair[1]),
            "jittered: {delays:?}"
        );
        assert!(Jitter::with_seed(0).backoff(u32::MAX) <= Duration::from_millis(9600));
    }
}
