//! Several policies on one workload, over several seeds, on every core: the comparison users
//! read and the way every policy we ship is measured.
//!
//! Runs are independent and results are put back in (policy, seed) order, so the output does
//! not depend on which thread finished first.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::needs::needed_per_minute;
use crate::policy::Policy;
use crate::policy::foresight::{Oracle, StaticPeak};
use crate::policy::kpa::Kpa;
use crate::run::{RunOutput, run};
use crate::scenario::{PolicySpec, Prepared};
use crate::summary::{Summary, round};

/// Builds a fresh policy from its specification.
///
/// # Errors
/// [`Error::Policy`] when the specification cannot be honoured.
pub fn build_policy(spec: &PolicySpec, prepared: &Prepared) -> Result<Box<dyn Policy>> {
    let bounds = prepared.scenario.replicas;
    Ok(match spec {
        PolicySpec::KnativeKpa(kpa) => Box::new(Kpa::new(kpa.clone(), bounds)),
        PolicySpec::StaticPeak => Box::new(StaticPeak::new(bounds)),
        PolicySpec::Oracle => Box::new(Oracle::new(prepared.lead_time(), bounds)),
        other => crate::engine::build(other, prepared)?,
    })
}

/// The median figures of one policy over the seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Policy name.
    pub policy: String,
    /// Median SLO violation, percent of requests.
    pub violation_pct: f64,
    /// Median SLO violation minutes.
    pub violation_minutes: f64,
    /// Median p99 latency (TTFT for LLM services), seconds.
    pub p99: f64,
    /// Median replica-hours.
    pub replica_hours: f64,
    /// Median GPU-hours.
    pub gpu_hours: f64,
    /// Median cost ÷ oracle cost.
    pub cost_vs_oracle: f64,
    /// Median over-provisioning, percent.
    pub over_provisioning_pct: f64,
    /// Median under-provisioned minutes.
    pub under_provisioned_minutes: f64,
    /// Median scaling events.
    pub scaling_events: f64,
    /// Median direction reversals.
    pub reversals: f64,
    /// Median downstream breach minutes.
    pub downstream_breach_minutes: f64,
    /// Median dropped plus failed requests.
    pub dropped: f64,
}

/// The result of a comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Scenario name.
    pub scenario: String,
    /// Seeds run.
    pub seeds: Vec<u64>,
    /// Policies run, in order.
    pub policies: Vec<String>,
    /// Runs in (policy, seed) order.
    pub runs: Vec<RunOutput>,
    /// One row per policy.
    pub table: Vec<Row>,
}

/// Runs every policy on every seed (`0..seeds`) using up to `threads` threads; `progress`
/// counts simulation steps done (the total is `runs × steps`).
///
/// # Errors
/// [`Error::Impossible`] when the scenario cannot meet its SLO within its bounds, and policy
/// build errors.
pub fn compare(
    prepared: &Prepared,
    specs: &[PolicySpec],
    seeds: u32,
    threads: usize,
    progress: Option<&AtomicU64>,
) -> Result<Comparison> {
    let seeds: Vec<u64> = (0..u64::from(seeds.max(1))).collect();
    let mut specs = specs.to_vec();
    // The oracle is the cost yardstick; it always runs.
    let oracle = if let Some(index) = specs.iter().position(|s| matches!(s, PolicySpec::Oracle)) {
        index
    } else {
        specs.push(PolicySpec::Oracle);
        specs.len() - 1
    };
    // Fail early on a bad policy, before spending minutes on the others.
    for spec in &specs {
        build_policy(spec, prepared)?;
    }
    let needed: Vec<Vec<u32>> = seeds
        .iter()
        .map(|&s| needed_per_minute(prepared, s))
        .collect::<Result<_>>()?;
    let jobs: Vec<(usize, usize)> = (0..specs.len())
        .flat_map(|p| (0..seeds.len()).map(move |s| (p, s)))
        .collect();
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<RunOutput>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.clamp(1, jobs.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut finished = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(p, s)) = jobs.get(index) else {
                            break finished;
                        };
                        let output = build_policy(&specs[p], prepared).map(|mut policy| {
                            run(prepared, policy.as_mut(), seeds[s], &needed[s], progress)
                        });
                        finished.push((index, output));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            // A panicking run is a bug: carry its panic to the caller unchanged.
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    // Back in (policy, seed) order, whichever thread finished first.
    done.sort_by_key(|(index, _)| *index);
    let mut runs: Vec<RunOutput> = done
        .into_iter()
        .map(|(_, output)| output)
        .collect::<Result<_>>()?;
    let oracle_cost: Vec<f64> = (0..seeds.len())
        .map(|s| runs[oracle * seeds.len() + s].summary.cost())
        .collect();
    for (index, output) in runs.iter_mut().enumerate() {
        let cost = oracle_cost[index % seeds.len()];
        output.summary.cost_vs_oracle =
            (cost > 0.0).then(|| round(output.summary.cost() / cost, 4));
    }
    let policies: Vec<String> = specs.iter().map(PolicySpec::name).collect();
    let table = policies
        .iter()
        .enumerate()
        .map(|(p, name)| row(name, &runs[p * seeds.len()..(p + 1) * seeds.len()]))
        .collect();
    Ok(Comparison {
        scenario: prepared.scenario.name.clone(),
        seeds,
        policies,
        runs,
        table,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let m = if n % 2 == 1 {
        values[n / 2]
    } else {
        f64::midpoint(values[n / 2 - 1], values[n / 2])
    };
    round(m, 4)
}

fn row(policy: &str, runs: &[RunOutput]) -> Row {
    let of = |f: &dyn Fn(&Summary) -> f64| median(runs.iter().map(|r| f(&r.summary)).collect());
    Row {
        policy: policy.to_string(),
        violation_pct: of(&|s| s.slo.violation_pct),
        violation_minutes: of(&|s| s.slo.violation_minutes as f64),
        p99: of(&|s| s.ttft.map_or(s.latency.p99, |t| t.p99)),
        replica_hours: of(&|s| s.replica_hours),
        gpu_hours: of(&|s| s.gpu_hours),
        cost_vs_oracle: of(&|s| s.cost_vs_oracle.unwrap_or(0.0)),
        over_provisioning_pct: of(&|s| s.over_provisioning_pct),
        under_provisioned_minutes: of(&|s| s.under_provisioned_minutes as f64),
        scaling_events: of(&|s| s.scaling.events as f64),
        reversals: of(&|s| s.scaling.reversals as f64),
        downstream_breach_minutes: of(&|s| s.downstream.map_or(0.0, |d| d.breach_minutes as f64)),
        dropped: of(&|s| (s.requests.dropped + s.requests.failed) as f64),
    }
}

impl Comparison {
    /// Simulation steps one run takes, for progress totals.
    pub fn steps_per_run(prepared: &Prepared) -> u64 {
        (prepared.duration / prepared.scenario.step.secs())
            .round()
            .max(1.0) as u64
    }

    /// Whether a policy name was an error of the caller rather than the scenario.
    pub fn unknown_policy(name: &str) -> Error {
        Error::Policy {
            policy: name.into(),
            message: "unknown policy".into(),
        }
    }
}
