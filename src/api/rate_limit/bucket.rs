//! One client's token bucket: it holds at most `burst` tokens, regains `per_second` a second,
//! and each request takes one.

use std::time::Instant;

/// The refill rate and size of every bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    per_second: f64,
    burst: f64,
}

impl Rate {
    /// `per_second` tokens a second (finite, above 0), at most `burst` held (at least 1).
    #[must_use]
    pub fn new(per_second: f64, burst: u32) -> Option<Self> {
        (per_second.is_finite() && per_second > 0.0 && burst >= 1).then_some(Self {
            per_second,
            burst: f64::from(burst),
        })
    }
}

/// A bucket: its tokens when last seen.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket (a client not seen before, or not for a while).
    pub(super) fn full(rate: Rate, now: Instant) -> Self {
        Self {
            tokens: rate.burst,
            at: now,
        }
    }

    fn tokens_at(&self, rate: Rate, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + elapsed * rate.per_second).min(rate.burst)
    }

    /// Whether the bucket has refilled by `now`: then it is the same as a new one.
    pub(super) fn is_full(&self, rate: Rate, now: Instant) -> bool {
        self.tokens_at(rate, now) >= rate.burst
    }

    /// Takes a token, or says in how many whole seconds (at least 1) one will be there.
    pub(super) fn take(&mut self, rate: Rate, now: Instant) -> Result<(), u32> {
        self.tokens = self.tokens_at(rate, now);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - self.tokens) / rate.per_second).ceil();
        // `as` saturates; a rate of a token per century still answers a number.
        Err((wait as u32).max(1))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_passes_then_the_bucket_refills_at_the_rate() -> Result<(), String> {
        let rate = Rate::new(2.0, 3).ok_or("rate")?;
        let t0 = Instant::now();
        let mut b = Bucket::full(rate, t0);
        for _ in 0..3 {
            assert_eq!(b.take(rate, t0), Ok(()));
        }
        assert_eq!(b.take(rate, t0), Err(1));
        assert!(!b.is_full(rate, t0));
        // Half a second brings one token back at 2/s.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(b.take(rate, t1), Ok(()));
        assert_eq!(b.take(rate, t1), Err(1));
        // Refilled, it never holds more than the burst.
        let t2 = t1 + Duration::from_secs(60);
        assert!(b.is_full(rate, t2));
        for _ in 0..3 {
            assert_eq!(b.take(rate, t2), Ok(()));
        }
        assert_eq!(b.take(rate, t2), Err(1));
        Ok(())
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() -> Result<(), String> {
        let slow = Rate::new(0.1, 1).ok_or("rate")?;
        let t0 = Instant::now();
        let mut b = Bucket::full(slow, t0);
        assert_eq!(b.take(slow, t0), Ok(()));
        assert_eq!(b.take(slow, t0), Err(10));
        assert_eq!(b.take(slow, t0 + Duration::from_millis(9_500)), Err(1));
        let glacial = Rate::new(1e-30, 1).ok_or("rate")?;
        let mut b = Bucket::full(glacial, t0);
        assert_eq!(b.take(glacial, t0), Ok(()));
        assert_eq!(b.take(glacial, t0), Err(u32::MAX));
        assert!(Rate::new(0.0, 1).is_none());
        assert!(Rate::new(f64::NAN, 1).is_none());
        assert!(Rate::new(1.0, 0).is_none());
        Ok(())
    }
}
