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
use rand_distr::{Distribution, Exp1, Poisson};
use serde::{Deserialize, Serialize};

use crate::dist::{Dist, Sampler};
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
///
/// Two random streams, both from the seed: one draws how many requests arrive in each step, the
/// other everything about them (times within the step, sizes, service demand). The need pass
/// ([`crate::needs`]) reads the first alone through [`Arrivals::count`] and so sees exactly the
/// run's arrival counts at a fraction of the cost of generating every request.
#[derive(Debug)]
pub struct Arrivals {
    source: Source,
    counts: ChaCha8Rng,
    detail: ChaCha8Rng,
    input: Option<Sampler>,
    output: Option<Sampler>,
    work: Option<Sampler>,
    /// Reused buffer of cumulative exponential spacings.
    spacings: Vec<f64>,
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
            counts: ChaCha8Rng::seed_from_u64(seed),
            detail: ChaCha8Rng::seed_from_u64(seed ^ 0xA5A5_0D17_A115),
            input,
            output,
            work,
            spacings: Vec::new(),
        }
    }

    /// Appends the arrivals in `[t0, t1)` to `out`, in time order.
    pub fn fill(&mut self, t0: f64, t1: f64, out: &mut Vec<Arrival>) {
        let work = self.work.as_ref();
        let detail = &mut self.detail;
        let draw_work = |rng: &mut ChaCha8Rng| work.map_or(0.0, |w| w.sample(rng));
        match &mut self.source {
            Source::Trace { .. } => {
                while let Some(row) = self.source.next_row(t0, t1) {
                    let (at, row) = row;
                    out.push(Arrival {
                        at,
                        input_tokens: row.input_tokens,
                        output_tokens: row.output_tokens,
                        work: draw_work(detail),
                    });
                }
            }
            Source::Curve {
                curve,
                speed,
                looped,
            } => {
                let n = poisson_count(curve, *speed, *looped, t0, t1, &mut self.counts);
                if n == 0 {
                    return;
                }
                // Given their number, the arrivals of a Poisson process are uniform over the
                // step; normalised exponential spacings give them already sorted.
                self.spacings.clear();
                let mut total = 0.0;
                for _ in 0..=n {
                    let gap: f64 = Exp1.sample(detail);
                    total += gap;
                    self.spacings.push(total);
                }
                let scale = (t1 - t0) / total;
                let tokens = |s: Option<&Sampler>, rng: &mut ChaCha8Rng| {
                    s.map_or(0, |s| s.sample(rng).round().max(0.0) as u32)
                };
                for &cumulative in &self.spacings[..n as usize] {
                    let input_tokens = tokens(self.input.as_ref(), detail);
                    let output_tokens = tokens(self.output.as_ref(), detail);
                    out.push(Arrival {
                        at: t0 + cumulative * scale,
                        input_tokens,
                        output_tokens,
                        work: draw_work(detail),
                    });
                }
            }
        }
    }

    /// How many requests arrive in `[t0, t1)`: the same number [`Arrivals::fill`] would give
    /// for the same sequence of steps, without generating them.
    pub fn count(&mut self, t0: f64, t1: f64) -> u64 {
        match &mut self.source {
            Source::Trace { .. } => {
                let mut n = 0;
                while self.source.next_row(t0, t1).is_some() {
                    n += 1;
                }
                n
            }
            Source::Curve {
                curve,
                speed,
                looped,
            } => poisson_count(curve, *speed, *looped, t0, t1, &mut self.counts),
        }
    }
}

impl Source {
    /// The next trace row arriving before `t1` (rows before `t0` are skipped), with its time.
    fn next_row(&mut self, t0: f64, t1: f64) -> Option<(f64, trace::TraceRow)> {
        let Source::Trace {
            trace,
            speed,
            looped,
            index,
            offset,
        } = self
        else {
            return None;
        };
        loop {
            if *index == trace.rows.len() {
                if !*looped || trace.rows.is_empty() {
                    return None;
                }
                // The gap that would follow the last row: the trace's mean gap.
                let gap = trace.span / trace.rows.len() as f64;
                *offset += (trace.span + gap) / *speed;
                *index = 0;
            }
            let row = trace.rows[*index];
            let at = *offset + row.at / *speed;
            if at >= t1 {
                return None;
            }
            *index += 1;
            if at >= t0 {
                return Some((at, row));
            }
        }
    }
}

/// Draws how many requests a rate curve sends in `[t0, t1)`, the rate held at its value at `t0`.
fn poisson_count(
    curve: &RateCurve,
    speed: f64,
    looped: bool,
    t0: f64,
    t1: f64,
    rng: &mut ChaCha8Rng,
) -> u64 {
    let mean = curve.rate(t0 * speed, looped) * speed * (t1 - t0);
    if mean <= 0.0 {
        return 0;
    }
    // The rate is finite and far below Poisson's limit by construction of the curve.
    Poisson::new(mean).map_or(0, |p| p.sample(rng) as u64)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Arrivals, LoadData};
    use crate::dist::Sampler;
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

    #[test]
    fn counting_sees_exactly_the_arrivals_a_run_generates() {
        // A rate that changes every second, with sizes and service times drawn per request:
        // the need pass counts without drawing any of them and must still agree step by step.
        let points = (0..600)
            .map(|s| (f64::from(s), f64::from(s % 37)))
            .collect();
        let data = LoadData::Curve {
            curve: Arc::new(RateCurve::new(points, 600.0)),
            speed: 1.0,
            looped: false,
        };
        let sizes = || Some(Sampler::Uniform(10.0, 500.0));
        let mut full = Arrivals::new(&data, 9, 600.0, sizes(), sizes(), sizes());
        let mut counted = Arrivals::new(&data, 9, 600.0, None, None, None);
        let mut out = Vec::new();
        for s in 0..600 {
            let (t0, t1) = (f64::from(s), f64::from(s + 1));
            out.clear();
            full.fill(t0, t1, &mut out);
            assert_eq!(out.len() as u64, counted.count(t0, t1), "step {s}");
            assert!(
                out.iter()
                    .all(|a| a.at >= t0 && a.at < t1 && a.work >= 10.0)
            );
            assert!(out.windows(2).all(|w| w[0].at <= w[1].at));
        }
    }
}
