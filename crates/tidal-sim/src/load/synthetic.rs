//! Synthetic load shapes — diurnal waves, ramps, steps, bursts and noise — for rehearsing a
//! policy on a pattern no recording shows yet.
//!
//! Shapes multiply a base rate; the seeded parts (burst times, noise) are drawn once per run
//! from the run's seed so every policy of a comparison sees the same curve.

use std::f64::consts::TAU;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::series::RateCurve;
use crate::dist::unit;
use crate::span::Span;

/// A synthetic load: `base` requests per second shaped by the optional parts below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synthetic {
    /// Base rate in requests per second.
    pub base: f64,
    /// A daily (or any period) wave around the base.
    #[serde(default)]
    pub diurnal: Option<Diurnal>,
    /// Linear ramps of the rate factor.
    #[serde(default)]
    pub ramps: Vec<Ramp>,
    /// Sudden changes of the rate factor.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Random bursts at a mean interval.
    #[serde(default)]
    pub bursts: Option<Bursts>,
    /// Standard deviation of multiplicative lognormal noise, redrawn every minute (0.1 ≈ ±10 %).
    #[serde(default)]
    pub noise: f64,
}

/// A cosine wave: the factor is `1 + amplitude·cos(2π(t − peak)/period)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diurnal {
    /// Relative swing, between 0 and 1.
    pub amplitude: f64,
    /// Length of one wave (default one day).
    #[serde(default = "one_day")]
    pub period: Span,
    /// Offset of the crest from the start (default 14h).
    #[serde(default = "two_pm")]
    pub peak: Span,
}

/// A ramp of the factor from 1 at `start` to `to` at `end`, held afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ramp {
    /// When the ramp starts.
    pub start: Span,
    /// When the ramp reaches its factor.
    pub end: Span,
    /// The factor reached.
    pub to: f64,
}

/// From `at` on, the rate is multiplied by `factor` (until `until`, when given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When the step happens.
    pub at: Span,
    /// The factor applied from then on.
    pub factor: f64,
    /// When the step ends (never, if absent).
    #[serde(default)]
    pub until: Option<Span>,
}

/// Bursts whose starts form a Poisson process with mean gap `every`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bursts {
    /// Mean time between burst starts.
    pub every: Span,
    /// How long each burst lasts.
    pub length: Span,
    /// Factor applied during a burst.
    pub factor: f64,
}

fn one_day() -> Span {
    Span(86_400.0)
}

fn two_pm() -> Span {
    Span(14.0 * 3600.0)
}

impl Synthetic {
    /// Checks the numbers, naming the first bad field (relative to `load.synthetic`).
    ///
    /// # Errors
    /// `(field, value, allowed)` of the first bad number.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let bad = |field: &str, value: f64, allowed: &str| {
            Err((field.to_string(), value.to_string(), allowed.to_string()))
        };
        if !self.base.is_finite() || self.base < 0.0 {
            return bad("base", self.base, "a rate >= 0 requests per second");
        }
        if let Some(d) = &self.diurnal {
            if !(0.0..=1.0).contains(&d.amplitude) {
                return bad("diurnal.amplitude", d.amplitude, "between 0 and 1");
            }
            if d.period.secs() <= 0.0 {
                return bad("diurnal.period", d.period.secs(), "a duration > 0");
            }
        }
        for (i, ramp) in self.ramps.iter().enumerate() {
            if ramp.end.secs() <= ramp.start.secs() {
                return bad(
                    &format!("ramps[{i}].end"),
                    ramp.end.secs(),
                    "a time after `start`",
                );
            }
            if !ramp.to.is_finite() || ramp.to < 0.0 {
                return bad(&format!("ramps[{i}].to"), ramp.to, "a factor >= 0");
            }
        }
        for (i, step) in self.steps.iter().enumerate() {
            if !step.factor.is_finite() || step.factor < 0.0 {
                return bad(&format!("steps[{i}].factor"), step.factor, "a factor >= 0");
            }
        }
        if let Some(b) = &self.bursts {
            if b.every.secs() <= 0.0 {
                return bad("bursts.every", b.every.secs(), "a duration > 0");
            }
            if !b.factor.is_finite() || b.factor < 0.0 {
                return bad("bursts.factor", b.factor, "a factor >= 0");
            }
        }
        if !self.noise.is_finite() || !(0.0..=2.0).contains(&self.noise) {
            return bad("noise", self.noise, "a standard deviation between 0 and 2");
        }
        Ok(())
    }

    /// The curve at one-second resolution over `duration` seconds, with bursts and noise drawn
    /// from `seed`.
    pub fn curve(&self, duration: f64, seed: u64) -> RateCurve {
        let seconds = duration.ceil().max(1.0) as usize;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_5A7E);
        let mut burst = vec![false; seconds];
        if let Some(b) = &self.bursts {
            let mut t = 0.0;
            loop {
                t += -b.every.secs() * (1.0 - unit(&mut rng)).ln();
                if t >= duration {
                    break;
                }
                let end = ((t + b.length.secs()).ceil() as usize).min(seconds);
                burst[t as usize..end].iter_mut().for_each(|x| *x = true);
            }
        }
        let minutes = seconds.div_ceil(60);
        let noise: Vec<f64> = (0..minutes)
            .map(|_| {
                if self.noise == 0.0 {
                    1.0
                } else {
                    // Box–Muller for one standard normal; mean-corrected so noise keeps the mean.
                    let (u1, u2) = (1.0 - unit(&mut rng), unit(&mut rng));
                    let z = (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos();
                    (self.noise * z - self.noise * self.noise / 2.0).exp()
                }
            })
            .collect();
        let points = (0..seconds)
            .map(|s| {
                let t = s as f64;
                let mut factor = 1.0;
                if let Some(d) = &self.diurnal {
                    factor *=
                        1.0 + d.amplitude * (TAU * (t - d.peak.secs()) / d.period.secs()).cos();
                }
                for ramp in &self.ramps {
                    let progress = ((t - ramp.start.secs())
                        / (ramp.end.secs() - ramp.start.secs()))
                    .clamp(0.0, 1.0);
                    factor *= 1.0 + (ramp.to - 1.0) * progress;
                }
                for step in &self.steps {
                    if t >= step.at.secs() && step.until.is_none_or(|u| t < u.secs()) {
                        factor *= step.factor;
                    }
                }
                if burst[s] {
                    factor *= self.bursts.as_ref().map_or(1.0, |b| b.factor);
                }
                (t, self.base * factor * noise[s / 60])
            })
            .collect();
        RateCurve::new(points, seconds as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::{Diurnal, Step, Synthetic};
    use crate::span::Span;

    fn flat(base: f64) -> Synthetic {
        Synthetic {
            base,
            diurnal: None,
            ramps: vec![],
            steps: vec![],
            bursts: None,
            noise: 0.0,
        }
    }

    #[test]
    fn diurnal_peaks_where_asked_and_steps_multiply() {
        let mut shape = flat(10.0);
        shape.diurnal = Some(Diurnal {
            amplitude: 0.5,
            period: Span(100.0),
            peak: Span(25.0),
        });
        shape.steps.push(Step {
            at: Span(50.0),
            factor: 2.0,
            until: None,
        });
        let curve = shape.curve(100.0, 1);
        assert!((curve.rate(25.0, false) - 15.0).abs() < 1e-9);
        assert!((curve.rate(75.0, false) - 10.0).abs() < 1e-9); // trough 5, doubled
    }

    #[test]
    fn noise_is_seeded() {
        let mut shape = flat(10.0);
        shape.noise = 0.3;
        let a = shape.curve(600.0, 7);
        let b = shape.curve(600.0, 7);
        let c = shape.curve(600.0, 8);
        assert_eq!(
            a.rate(300.0, false).to_bits(),
            b.rate(300.0, false).to_bits(),
            "same seed, same noise"
        );
        assert_ne!(
            a.rate(300.0, false).to_bits(),
            c.rate(300.0, false).to_bits(),
            "another seed, other noise"
        );
        assert!(shape.check().is_ok());
        shape.noise = -1.0;
        assert_eq!(shape.check().unwrap_err().0, "noise");
    }
}
