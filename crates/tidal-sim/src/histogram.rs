//! A fixed-memory histogram of positive values (latencies in seconds) with bounded relative
//! error, for percentiles over runs of millions of requests.
//!
//! Keeping every latency of a week-long run would cost hundreds of megabytes; log-spaced buckets
//! keep any quantile within half a bucket of the exact value in a few kilobytes. The buckets are
//! read straight off the bits of an `f64` — its exponent and the top bits of its mantissa — so
//! recording is a shift and an add: no logarithm on the hot path, where every request passes
//! through three of these.

/// Smallest value told apart from zero: one microsecond.
const FLOOR: f64 = 1e-6;

/// Largest value with its own bucket: ten days.
const CEILING: f64 = 864_000.0;

/// A log-bucketed histogram: each power of two is split into `2^precision` equal buckets.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    /// Bits of an `f64` dropped to get its bucket.
    shift: u32,
    /// The bucket key of [`FLOOR`].
    base: u64,
    zero: u64,
    total: u64,
    sum: f64,
    /// The touched range of `counts`, so clearing and scanning skip the empty ends.
    low: usize,
    high: usize,
}

impl Histogram {
    /// A histogram with `2^precision` buckets per power of two (a bucket is at most
    /// `2^-precision` of its value wide), from one microsecond to ten days; larger values land
    /// in the last bucket.
    pub fn new(precision: u32) -> Self {
        let shift = 52 - precision.min(52);
        let base = FLOOR.to_bits() >> shift;
        let buckets = ((CEILING.to_bits() >> shift) - base + 1) as usize;
        Self {
            counts: vec![0; buckets],
            shift,
            base,
            zero: 0,
            total: 0,
            sum: 0.0,
            low: buckets,
            high: 0,
        }
    }

    /// A histogram with buckets under 0.8 % wide, for whole-run percentiles.
    pub fn fine() -> Self {
        Self::new(7)
    }

    /// A histogram with buckets under 6.3 % wide, for per-minute and per-scrape percentiles.
    pub fn coarse() -> Self {
        Self::new(4)
    }

    /// Records `count` observations of `value`.
    pub fn record_n(&mut self, value: f64, count: u64) {
        if count == 0 {
            return;
        }
        self.total += count;
        self.sum += value * count as f64;
        // Also catches NaN and negative values, which no latency should be.
        if value.is_nan() || value < FLOOR {
            self.zero += count;
            return;
        }
        let key = (value.min(CEILING).to_bits() >> self.shift) - self.base;
        let index = key as usize;
        self.counts[index] += count;
        self.low = self.low.min(index);
        self.high = self.high.max(index);
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
        for index in self.low..=self.high {
            seen += self.counts[index];
            if seen >= rank {
                return self.middle(index);
            }
        }
        self.middle(self.high)
    }

    /// The geometric middle of bucket `index`.
    fn middle(&self, index: usize) -> f64 {
        let key = self.base + index as u64;
        let low = f64::from_bits(key << self.shift);
        let high = f64::from_bits((key + 1) << self.shift);
        (low * high).sqrt()
    }

    /// Forgets every observation, keeping the buckets.
    pub fn clear(&mut self) {
        if self.low <= self.high {
            self.counts[self.low..=self.high].fill(0);
        }
        self.low = self.counts.len();
        self.high = 0;
        self.zero = 0;
        self.total = 0;
        self.sum = 0.0;
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
        // 2.0 opens its bucket [2, 2.125): the middle is √(1 + 1/16) − 1 ≈ 3.1 % above it.
        assert!((h.quantile(1.0) / 2.0 - 1.0).abs() < 0.032);
        h.clear();
        assert_eq!(h.count(), 0);
        h.record(0.5);
        assert!(
            (h.quantile(0.5) / 0.5 - 1.0).abs() < 0.032,
            "usable after a clear"
        );
    }

    #[test]
    fn every_magnitude_from_a_microsecond_to_ten_days_keeps_its_precision() {
        let mut value = 1e-6;
        while value < 864_000.0 {
            let mut h = Histogram::fine();
            h.record(value);
            let got = h.quantile(0.5);
            // Half a bucket of at most 1/128 of the value.
            assert!((got / value - 1.0).abs() < 0.004, "{value}: {got}");
            value *= 1.37;
        }
        let mut h = Histogram::fine();
        h.record(1e9);
        assert!(
            h.quantile(1.0) < 1e6,
            "beyond ten days lands in the last bucket"
        );
    }
}
