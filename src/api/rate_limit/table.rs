//! The buckets of every client seen, bounded: at most `max_clients` entries, the least recently
//! seen evicted when a new client arrives at the cap, and buckets that have refilled dropped from
//! the cold end as requests pass (a refilled bucket is the same as no bucket, so dropping it
//! changes nothing a client sees).

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::time::Instant;

use lru::LruCache;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};

use super::bucket::{Bucket, Rate};
use crate::metrics;

/// Who a bucket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientId {
    /// A valid API key or token, by its SHA-256 (the credential itself is never kept).
    Key([u8; 32]),
    /// A client without a valid credential, by its IP address.
    Ip(IpAddr),
}

impl ClientId {
    /// The id of a credential.
    #[must_use]
    pub fn key(credential: &[u8]) -> Self {
        Self::Key(Sha256::digest(credential).into())
    }

    /// The metric label of this kind of id.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Key(_) => "key",
            Self::Ip(_) => "ip",
        }
    }
}

/// Refilled buckets dropped from the cold end per request, at most: enough to keep up with
/// clients arriving, small enough that a request never pays for a long sweep.
const SWEEP_PER_REQUEST: usize = 2;

/// The rate and the bounded table of buckets.
#[derive(Debug)]
pub struct RateLimiter {
    rate: Rate,
    buckets: Mutex<LruCache<ClientId, Bucket>>,
}

impl RateLimiter {
    /// A limiter holding at most `max_clients` buckets.
    #[must_use]
    pub fn new(rate: Rate, max_clients: NonZeroUsize) -> Self {
        Self {
            rate,
            buckets: Mutex::new(LruCache::new(max_clients)),
        }
    }

    /// Takes a token from `client`'s bucket at `now`.
    ///
    /// # Errors
    /// The seconds (at least 1) until the bucket has a token again.
    pub fn check(&self, client: ClientId, now: Instant) -> Result<(), u32> {
        let rate = self.rate;
        let mut buckets = self.buckets.lock();
        for _ in 0..SWEEP_PER_REQUEST {
            match buckets.peek_lru() {
                Some((_, b)) if b.is_full(rate, now) => {
                    buckets.pop_lru();
                }
                _ => break,
            }
        }
        let verdict = if let Some(bucket) = buckets.get_mut(&client) {
            bucket.take(rate, now)
        } else {
            let mut bucket = Bucket::full(rate, now);
            let verdict = bucket.take(rate, now);
            // At the cap this evicts the least recently seen client.
            buckets.push(client, bucket);
            verdict
        };
        metrics::RATE_LIMIT_CLIENTS.set(i64::try_from(buckets.len()).unwrap_or(i64::MAX));
        verdict
    }

    /// Clients tracked now.
    #[must_use]
    pub fn clients(&self) -> usize {
        self.buckets.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use super::*;

    fn ip(n: u32) -> ClientId {
        ClientId::Ip(IpAddr::V4(Ipv4Addr::from(n)))
    }

    #[test]
    fn clients_have_separate_buckets() -> Result<(), String> {
        let limiter = RateLimiter::new(
            Rate::new(1.0, 2).ok_or("rate")?,
            NonZeroUsize::MIN.saturating_add(99),
        );
        let t0 = Instant::now();
        let (a, b) = (ClientId::key(b"key-a"), ClientId::key(b"key-b"));
        assert_ne!(a, b);
        assert_eq!(limiter.check(a, t0), Ok(()));
        assert_eq!(limiter.check(a, t0), Ok(()));
        assert_eq!(limiter.check(a, t0), Err(1));
        assert_eq!(limiter.check(b, t0), Ok(()));
        assert_eq!(limiter.check(ip(1), t0), Ok(()));
        Ok(())
    }

    #[test]
    fn the_table_never_exceeds_its_cap_and_forgets_refilled_buckets() -> Result<(), String> {
        let cap = NonZeroUsize::new(100).ok_or("cap")?;
        let limiter = RateLimiter::new(Rate::new(10.0, 5).ok_or("rate")?, cap);
        let t0 = Instant::now();
        for n in 0..10_000 {
            let _ = limiter.check(ip(n), t0);
            assert!(limiter.clients() <= 100);
        }
        assert_eq!(limiter.clients(), 100);
        // A second later every bucket has refilled: each request drops refilled ones as it
        // passes, so the table shrinks back while one client keeps calling.
        let later = t0 + Duration::from_secs(1);
        for _ in 0..60 {
            let _ = limiter.check(ip(u32::MAX), later);
        }
        assert!(limiter.clients() < 10, "{} clients kept", limiter.clients());
        Ok(())
    }

    #[test]
    fn a_client_evicted_at_the_cap_starts_again_with_a_full_bucket() -> Result<(), String> {
        let limiter = RateLimiter::new(
            Rate::new(0.001, 1).ok_or("rate")?,
            NonZeroUsize::new(2).ok_or("cap")?,
        );
        let t0 = Instant::now();
        assert_eq!(limiter.check(ip(1), t0), Ok(()));
        assert_eq!(limiter.check(ip(1), t0), Err(1000));
        assert_eq!(limiter.check(ip(2), t0), Ok(()));
        assert_eq!(limiter.check(ip(3), t0), Ok(()));
        assert_eq!(limiter.clients(), 2);
        // 1 was the least recently seen, so it was forgotten.
        assert_eq!(limiter.check(ip(1), t0), Ok(()));
        Ok(())
    }
}
