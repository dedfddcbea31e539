//! The load a scenario replays: a request trace, a rate series or a synthetic shape, turned into
//! a seeded stream of arrivals in virtual time.
//!
//! Files are read once per scenario ([`LoadData`]); each run draws its own arrivals from its
//! seed ([`Arrivals`]), so every policy of a comparison sees the very same requests (common
//! random numbers) and differences in results come from the policies alone.

pub mod series;
pub mod synthetic;
pub mod trace;

use std::path::PathBuf;
use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dist::{Dist, Sampler, unit};
use series::{RateCurve, RateUnit};
use synthetic::Synthetic;
use trace::Trace;

/// The `load` section of a scenario: exactly one of `trace`, `series` or `synthetic`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    /// Replay a request trace (`TIMESTAMP,ContextTokens,GeneratedTokens`).
    #[serde(default)]
    pub trace: Option<TraceLoad>,
    /// Poisson arrivals following a rate series (`ts,value`).
    #[serde(default)]
    pub series: Option<SeriesLoad>,
    /// Poisson arrivals following a synthetic shape.
    #[serde(default)]
    pub synthetic: Option<Synthetic>,
    /// Prompt tokens per request for `series` and `synthetic` loads (LLM services need them).
    #[serde(default)]
    pub input_tokens: Option<Dist<f64>>,
    /// Generated tokens per request for `series` and `synthetic` loads.
    #[serde(default)]
    pub output_tokens: Option<Dist<f64>>,
}

/// `load.trace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceLoad {
    /// The trace file, relative to the scenario file.
    pub path: PathBuf,
    /// Time compression: 2 plays the trace twice as fast (twice the rate). Default 1.
    #[serde(default = "one")]
    pub speed: f64,
    /// Start again from the top when the trace ends. Default false.
    #[serde(default, rename = "loop")]
    pub looped: bool,
}

/// `load.series`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesLoad {
    /// The series file, relative to the scenario file.
    pub path: PathBuf,
    /// Unit of the values. Default `rps`.
    #[serde(default = "rps")]
    pub unit: RateUnit,
    /// Multiplier applied to every value (to turn a usage series into requests). Default 1.
    #[serde(default = "one")]
    pub scale: f64,
    /// Time compression: 60 plays one recorded minute per virtual second. Default 1.
    #[serde(default = "one")]
    pub speed: f64,
    /// Start again from the top when the series ends. Default false.
    #[serde(default, rename = "loop")]
    pub looped: bool,
}

fn one() -> f64 {
    1.0
}

fn rps() -> RateUnit {
    RateUnit::Rps
}

/// Load files read once for a scenario.
#[derive(Debug, Clone)]
pub enum LoadData {
    /// A request trace.
    Trace {
        /// The rows.
        trace: Arc<Trace>,
        /// Time compression.
        speed: f64,
        /// Replay from the top at the end.
        looped: bool,
    },
    /// A rate curve read from a series.
    Curve {
        /// The curve.
        curve: Arc<RateCurve>,
        /// Time compression.
        speed: f64,
        /// Replay from the top at the end.
        looped: bool,
    },
    /// A synthetic shape, drawn per seed.
    Synthetic(Arc<Synthetic>),
}

impl LoadData {
    /// Virtual seconds covered by one pass of the load (`None` for synthetic loads, which cover
    /// any duration).
    pub fn span(&self) -> Option<f64> {
        match self {
            LoadData::Trace { trace, speed, .. } => Some(trace.span / speed),
            LoadData::Curve { curve, speed, .. } => Some(curve.span / speed),
            LoadData::Synthetic(_) => None,
        }
    }

    /// Whether the load repeats after its span.
    pub fn looped(&self) -> bool {
        match self {
            LoadData::Trace { looped, .. } | LoadData::Curve { looped, .. } => *looped,
            LoadData::Synthetic(_) => true,
        }
    }

    /// Whether requests carry their own token sizes.
    pub fn has_sizes(&self) -> bool {
        matches!(self, LoadData::Trace { .. })
    }
}

/// One request entering the system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    /// Virtual time of arrival, in seconds.
    pub at: f64,
    /// Prompt tokens (0 when the load has no sizes).
    pub input_tokens: u32,
    /// Generated tokens (0 when the load has no sizes).
    pub output_tokens: u32,
    /// Service demand drawn for this request (seconds of one worker for request/response
    /// services; unused by the others).
    pub work: f64,
}

/// The seeded arrival stream of one run.
#[derive(Debug)]
pub struct Arrivals {
    source: Source,
    rng: ChaCha8Rng,
    input: Option<Sampler>,
    output: Option<Sampler>,
    work: Option<Sampler>,
}

#[derive(Debug)]
enum Source {
    Trace {
        trace: Arc<Trace>,
        speed: f64,
        looped: bool,
        index: usize,
        offset: f64,
    },
    Curve {
        curve: Arc<RateCurve>,
        speed: f64,
        looped: bool,
    },
}

impl Arrivals {
    /// The arrival stream of `data` for `seed` over `duration` seconds. `input`/`output` draw
    /// token sizes for rate loads; `work` draws each request's service demand.
    pub fn new(
        data: &LoadData,
        seed: u64,
        duration: f64,
        input: Option<Sampler>,
        output: Option<Sampler>,
        work: Option<Sampler>,
    ) -> Self {
        let source = match data {
            LoadData::Trace {
                trace,
                speed,
                looped,
            } => Source::Trace {
                trace: Arc::clone(trace),
                speed: *speed,
                looped: *looped,
                index: 0,
                offset: 0.0,
            },
            LoadData::Curve {
                curve,
                speed,
                looped,
            } => Source::Curve {
                curve: Arc::clone(curve),
                speed: *speed,
                looped: *looped,
            },
            LoadData::Synthetic(shape) => Source::Curve {
                curve: Arc::new(shape.curve(duration, seed)),
                speed: 1.0,
                looped: false,
            },
        };
        Self {
            source,
            rng: ChaCha8Rng::seed_from_u64(seed),
            input,
            output,
            work,
        }
    }

    /// The offered rate (requests per second) at `t`, for rate loads; `None` for traces.
    pub fn rate(&self, t: f64) -> Option<f64> {
        match &self.source {
            Source::Curve {
                curve,
                speed,
                looped,
            } => Some(curve.rate(t * speed, *looped) * speed),
            Source::Trace { .. } => None,
        }
    }

    /// Appends the arrivals in `[t0, t1)` to `out`, in time order.
    pub fn fill(&mut self, t0: f64, t1: f64, out: &mut Vec<Arrival>) {
        match &mut self.source {
            Source::Trace {
                trace,
                speed,
                looped,
                index,
                offset,
            } => loop {
                if *index == trace.rows.len() {
                    if !*looped {
                        return;
                    }
                    // The gap that would follow the last row: the trace's mean gap.
                    let gap = trace.span / trace.rows.len().max(1) as f64;
                    *offset += (trace.span + gap) / *speed;
                    *index = 0;
                }
                let row = trace.rows[*index];
                let at = *offset + row.at / *speed;
                if at >= t1 {
                    return;
                }
                *index += 1;
                if at >= t0 {
                    let work = self.work.as_ref().map_or(0.0, |w| w.sample(&mut self.rng));
                    out.push(Arrival {
                        at,
                        input_tokens: row.input_tokens,
                        output_tokens: row.output_tokens,
                        work,
                    });
                }
            },
            Source::Curve {
                curve,
                speed,
                looped,
            } => {
                let rate = curve.rate(t0 * *speed, *looped) * *speed;
                if rate <= 0.0 {
                    return;
                }
                // Exponential gaps at the rate of this step; restarting at the step boundary
                // is exact for a piecewise-constant rate because the process is memoryless.
                let mut t = t0;
                loop {
                    t -= (1.0 - unit(&mut self.rng)).ln() / rate;
                    if t >= t1 {
                        return;
                    }
                    let draw = |s: &Option<Sampler>, rng: &mut ChaCha8Rng| {
                        s.as_ref()
                            .map_or(0, |s| s.sample(rng).round().max(0.0) as u32)
                    };
                    let input_tokens = draw(&self.input, &mut self.rng);
                    let output_tokens = draw(&self.output, &mut self.rng);
                    let work = self.work.as_ref().map_or(0.0, |w| w.sample(&mut self.rng));
                    out.push(Arrival {
                        at: t,
                        input_tokens,
                        output_tokens,
                        work,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Arrivals, LoadData};
    use crate::load::series::RateCurve;

    #[test]
    fn poisson_arrivals_follow_the_rate_and_the_seed() {
        let curve = Arc::new(RateCurve::new(vec![(0.0, 50.0)], 10_000.0));
        let data = LoadData::Curve {
            curve,
            speed: 1.0,
            looped: false,
        };
        let count = |seed| {
            let mut arrivals = Arrivals::new(&data, seed, 10_000.0, None, None, None);
            let mut out = Vec::new();
            for s in 0..10_000 {
                arrivals.fill(f64::from(s), f64::from(s + 1), &mut out);
            }
            assert!(out.windows(2).all(|w| w[0].at <= w[1].at));
            out.len()
        };
        let n = count(3);
        // 500,000 expected; a Poisson count's standard deviation is ~707.
        assert!((n as f64 - 500_000.0).abs() < 3_600.0, "{n}");
        assert_eq!(n, count(3));
        assert_ne!(n, count(4));
    }
}
