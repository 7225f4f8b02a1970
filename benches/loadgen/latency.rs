//! Latencies and statuses of the requests of one run (or one window of it), and their summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Every latency (microseconds) and every status seen.
#[derive(Default, Clone)]
pub struct Tally {
    micros: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    /// Requests that got no HTTP answer (connection refused or reset).
    pub transport_errors: u64,
}

impl Tally {
    pub fn record(&mut self, status: u16, latency: Duration) {
        self.micros
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
        *self.statuses.entry(status).or_default() += 1;
    }

    pub fn merge(&mut self, other: Tally) {
        self.micros.extend(other.micros);
        for (s, n) in other.statuses {
            *self.statuses.entry(s).or_default() += n;
        }
        self.transport_errors += other.transport_errors;
    }

    pub fn count(&self) -> u64 {
        self.micros.len() as u64
    }

    /// Answers with a status outside 2xx, plus transport errors.
    pub fn failures(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| !(200..300).contains(*s))
            .map(|(_, n)| n)
            .sum::<u64>()
            + self.transport_errors
    }

    /// The latency at quantile `q` (0..=1) in milliseconds, by the nearest-rank rule.
    fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        f64::from(sorted[rank - 1]) / 1000.0
    }

    /// One line: count, rate over `elapsed`, p50/p90/p99/p99.9/max and the statuses.
    pub fn summary(&self, elapsed: Duration) -> Summary {
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        Summary {
            requests: self.count(),
            per_second: self.count() as f64 / elapsed.as_secs_f64().max(1e-9),
            p50_ms: Self::quantile_ms(&sorted, 0.50),
            p90_ms: Self::quantile_ms(&sorted, 0.90),
            p99_ms: Self::quantile_ms(&sorted, 0.99),
            p999_ms: Self::quantile_ms(&sorted, 0.999),
            max_ms: sorted.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
            statuses: self.statuses.clone(),
            transport_errors: self.transport_errors,
        }
    }
}

pub struct Summary {
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub statuses: BTreeMap<u16, u64>,
    pub transport_errors: u64,
}

impl Summary {
    pub fn line(&self) -> String {
        let mut statuses = String::new();
        for (s, n) in &self.statuses {
            let _ = write!(statuses, " {s}:{n}");
        }
        format!(
            "{} requests, {:.0}/s, p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms; statuses{}{}",
            self.requests,
            self.per_second,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.p999_ms,
            self.max_ms,
            statuses,
            if self.transport_errors > 0 {
                format!(", transport errors {}", self.transport_errors)
            } else {
                String::new()
            }
        )
    }
}
