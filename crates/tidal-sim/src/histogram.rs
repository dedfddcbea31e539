//! A fixed-memory histogram of positive values (latencies in seconds) with bounded relative
//! error, for percentiles over runs of millions of requests.
//!
//! Keeping every latency of a week-long run would cost hundreds of megabytes; log-spaced buckets
//! keep any quantile within half a bucket (0.5 % by default) of the exact value in a few
//! kilobytes, and merge by addition.

/// Smallest value told apart from zero: one microsecond.
const FLOOR: f64 = 1e-6;

/// A log-bucketed histogram.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    zero: u64,
    total: u64,
    sum: f64,
    ln_growth: f64,
}

impl Histogram {
    /// A histogram whose buckets grow by `growth` (e.g. 1.01 for 1 % buckets) and reach
    /// `max` seconds; larger values land in the last bucket.
    pub fn new(growth: f64, max: f64) -> Self {
        let ln_growth = growth.ln();
        let buckets = ((max / FLOOR).ln() / ln_growth).ceil() as usize + 1;
        Self {
            counts: vec![0; buckets],
            zero: 0,
            total: 0,
            sum: 0.0,
            ln_growth,
        }
    }

    /// A histogram with 1 % buckets up to ten days, for whole-run percentiles.
    pub fn fine() -> Self {
        Self::new(1.01, 864_000.0)
    }

    /// A histogram with 5 % buckets up to ten days, for per-minute and per-scrape percentiles.
    pub fn coarse() -> Self {
        Self::new(1.05, 864_000.0)
    }

    /// Records `count` observations of `value`.
    pub fn record_n(&mut self, value: f64, count: u64) {
        if count == 0 {
            return;
        }
        self.total += count;
        self.sum += value * count as f64;
        if value < FLOOR {
            self.zero += count;
            return;
        }
        let index = ((value / FLOOR).ln() / self.ln_growth) as usize;
        let last = self.counts.len() - 1;
        self.counts[index.min(last)] += count;
    }

    /// Records one observation.
    pub fn record(&mut self, value: f64) {
        self.record_n(value, 1);
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Mean of the observations, or 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.sum / self.total as f64
        }
    }

    /// The `q`-quantile (0 < q ≤ 1), or 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        if rank <= self.zero {
            return 0.0;
        }
        let mut seen = self.zero;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                // The geometric middle of the bucket.
                return FLOOR * ((index as f64 + 0.5) * self.ln_growth).exp();
            }
        }
        FLOOR * ((self.counts.len() as f64) * self.ln_growth).exp()
    }

    /// Forgets every observation, keeping the buckets.
    pub fn clear(&mut self) {
        if self.total > 0 {
            self.counts.iter_mut().for_each(|c| *c = 0);
            self.zero = 0;
            self.total = 0;
            self.sum = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    #[test]
    fn quantiles_are_within_half_a_bucket() {
        let mut h = Histogram::fine();
        for i in 1..=10_000 {
            h.record(f64::from(i) / 1000.0);
        }
        for (q, exact) in [(0.5, 5.0), (0.95, 9.5), (0.99, 9.9)] {
            let got = h.quantile(q);
            assert!((got / exact - 1.0).abs() < 0.006, "q{q}: {got} vs {exact}");
        }
        assert!((h.mean() - 5.0005).abs() < 1e-9);
    }

    #[test]
    fn zero_and_empty_are_handled() {
        let mut h = Histogram::coarse();
        assert!(h.quantile(0.99).abs() < 1e-12, "empty histograms answer 0");
        h.record_n(0.0, 99);
        h.record(2.0);
        assert!(h.quantile(0.5).abs() < 1e-12, "zeros are kept apart");
        assert!((h.quantile(1.0) / 2.0 - 1.0).abs() < 0.03);
        h.clear();
        assert_eq!(h.count(), 0);
    }
}
