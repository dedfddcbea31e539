//! Random distributions users pick in a scenario (pod startup, service time, token counts) and
//! their seeded samplers.
//!
//! A scenario names a distribution by shape and by the numbers people actually know (a median
//! and a p99 rather than `mu` and `sigma`); [`Dist::sampler`] turns it into a [`Sampler`] once,
//! so the hot loop only draws.

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};
use serde::{Deserialize, Serialize};

/// The standard normal quantile at 0.99, used to turn a p99 into a lognormal `sigma`.
const Z99: f64 = 2.326_347_874_040_841;

/// A distribution of non-negative values, as written in a scenario.
///
/// `V` is the unit of the values: [`crate::Span`] for times, `f64` for counts such as tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist<V> {
    /// Always the same value.
    Fixed(V),
    /// Uniform between two values.
    Uniform {
        /// Smallest value.
        min: V,
        /// Largest value.
        max: V,
    },
    /// Exponential with the given mean (memoryless: service times of an M/M/c queue).
    Exponential {
        /// The mean.
        mean: V,
    },
    /// Lognormal given by its median and 99th percentile (the p99 must exceed the median).
    Lognormal {
        /// The median.
        median: V,
        /// The 99th percentile.
        p99: V,
    },
    /// Draw uniformly from measured values, interpolating between neighbours.
    Empirical(Vec<V>),
}

/// A compiled, ready-to-draw distribution.
#[derive(Debug, Clone)]
pub enum Sampler {
    /// A constant.
    Fixed(f64),
    /// Uniform on `[min, max)`.
    Uniform(f64, f64),
    /// Exponential.
    Exponential(Exp<f64>, f64),
    /// Lognormal, with its mean and p99 kept for capacity planning.
    Lognormal(LogNormal<f64>, f64, f64),
    /// Sorted measured values.
    Empirical(Vec<f64>),
}

impl<V: Copy + Into<f64>> Dist<V> {
    /// Compiles the distribution, or explains which number is out of range.
    ///
    /// # Errors
    /// A message naming the bad number and the allowed range.
    pub fn sampler(&self) -> Result<Sampler, String> {
        let non_negative = |v: f64, what: &str| {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(format!(
                    "{what} is {v}, but it must be a finite number >= 0"
                ))
            }
        };
        Ok(match self {
            Dist::Fixed(v) => Sampler::Fixed(non_negative((*v).into(), "the value")?),
            Dist::Uniform { min, max } => {
                let (lo, hi) = (
                    non_negative((*min).into(), "min")?,
                    non_negative((*max).into(), "max")?,
                );
                if hi < lo {
                    return Err(format!("min ({lo}) is above max ({hi})"));
                }
                Sampler::Uniform(lo, hi)
            }
            Dist::Exponential { mean } => {
                let mean = non_negative((*mean).into(), "mean")?;
                if mean == 0.0 {
                    Sampler::Fixed(0.0)
                } else {
                    Sampler::Exponential(Exp::new(1.0 / mean).map_err(|e| e.to_string())?, mean)
                }
            }
            Dist::Lognormal { median, p99 } => {
                let median = non_negative((*median).into(), "median")?;
                let p99 = non_negative((*p99).into(), "p99")?;
                if median <= 0.0 || p99 <= median {
                    return Err(format!(
                        "a lognormal needs 0 < median < p99, got median {median} and p99 {p99}"
                    ));
                }
                let mu = median.ln();
                let sigma = (p99.ln() - mu) / Z99;
                let mean = (mu + sigma * sigma / 2.0).exp();
                Sampler::Lognormal(
                    LogNormal::new(mu, sigma).map_err(|e| e.to_string())?,
                    mean,
                    p99,
                )
            }
            Dist::Empirical(values) => {
                let mut sorted = Vec::with_capacity(values.len());
                for v in values {
                    sorted.push(non_negative((*v).into(), "an empirical value")?);
                }
                if sorted.is_empty() {
                    return Err("an empirical distribution needs at least one value".into());
                }
                sorted.sort_by(f64::total_cmp);
                Sampler::Empirical(sorted)
            }
        })
    }
}

impl Sampler {
    /// Draws one value.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform(lo, hi) => lo + (hi - lo) * unit(rng),
            Sampler::Exponential(exp, _) => exp.sample(rng),
            Sampler::Lognormal(ln, _, _) => ln.sample(rng),
            Sampler::Empirical(sorted) => {
                let position = unit(rng) * (sorted.len() - 1) as f64;
                let low = position.floor() as usize;
                let high = (low + 1).min(sorted.len() - 1);
                sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
            }
        }
    }

    /// The mean of the distribution.
    pub fn mean(&self) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform(lo, hi) => (lo + hi) / 2.0,
            Sampler::Exponential(_, mean) | Sampler::Lognormal(_, mean, _) => *mean,
            Sampler::Empirical(sorted) => sorted.iter().sum::<f64>() / sorted.len() as f64,
        }
    }

    /// A high quantile (p99) of the distribution, used where a plan must cover the slow case.
    pub fn p99(&self) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform(lo, hi) => lo + 0.99 * (hi - lo),
            Sampler::Exponential(_, mean) => mean * 100f64.ln(),
            Sampler::Lognormal(_, _, p99) => *p99,
            Sampler::Empirical(sorted) => {
                let position = 0.99 * (sorted.len() - 1) as f64;
                sorted[position.ceil() as usize]
            }
        }
    }
}

/// A uniform draw on `[0, 1)`.
pub fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // 53 random bits, the precision of an f64 mantissa.
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
