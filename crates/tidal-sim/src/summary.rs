//! The figures of a run, as JSON: SLO attainment, latency percentiles, cost in replica- and
//! GPU-hours, provisioning error against the oracle's need, scaling churn, downstream breaches.
//!
//! Numbers are rounded to a fixed number of decimals so that summaries compare byte for byte
//! between runs with the same seed and read well in a diff.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cluster::Cluster;
use crate::histogram::Histogram;
use crate::metrics::Recorder;
use crate::run::ScaleEvent;
use crate::scenario::Prepared;

/// Request counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Requests {
    /// Arrived.
    pub arrived: u64,
    /// Completed.
    pub served: u64,
    /// Dropped at a queue limit, by a KV cache too small, or cut off by a drain.
    pub dropped: u64,
    /// Failed by the downstream.
    pub failed: u64,
    /// Still queued or in service at the end.
    pub in_system_at_end: u64,
}

/// Latency percentiles, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl Percentiles {
    fn of(h: &Histogram) -> Self {
        Self {
            p50: round(h.quantile(0.5), 4),
            p95: round(h.quantile(0.95), 4),
            p99: round(h.quantile(0.99), 4),
        }
    }
}

/// SLO attainment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SloFigures {
    /// Requests that missed a bound (or were dropped or failed), percent of judged requests.
    pub violation_pct: f64,
    /// Minutes whose share of good requests fell below the objective.
    pub violation_minutes: u64,
}

/// Scaling churn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scaling {
    /// Changes of the desired replica count.
    pub events: u64,
    /// Changes whose direction differs from the previous change.
    pub reversals: u64,
    /// Largest desired replica count.
    pub max_replicas: u32,
}

/// Downstream figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Downstream {
    /// Minutes in which the database breached a limit or its latency budget.
    pub breach_minutes: u64,
    /// Peak connections.
    pub peak_connections: u32,
    /// Peak utilisation (queries ÷ capacity).
    pub peak_utilization: f64,
}

/// The JSON summary of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Policy name.
    pub policy: String,
    /// Seed of the run.
    pub seed: u64,
    /// Request counts.
    pub requests: Requests,
    /// SLO attainment.
    pub slo: SloFigures,
    /// End-to-end latency.
    pub latency: Percentiles,
    /// Mean end-to-end latency, seconds.
    pub mean_latency: f64,
    /// Time to first token (LLM services).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttft: Option<Percentiles>,
    /// Inter-token latency (LLM services).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub itl: Option<Percentiles>,
    /// Pod-hours billed.
    pub replica_hours: f64,
    /// GPU-hours billed.
    pub gpu_hours: f64,
    /// Node-hours billed, when nodes are modelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_hours: Option<f64>,
    /// This run's cost ÷ the oracle's on the same seed (GPU-hours when pods use GPUs).
    pub cost_vs_oracle: Option<f64>,
    /// Billed replicas beyond the need, percent of billed replica-minutes.
    pub over_provisioning_pct: f64,
    /// Minutes with fewer ready replicas than needed.
    pub under_provisioned_minutes: u64,
    /// Scaling churn.
    pub scaling: Scaling,
    /// Downstream figures, when a downstream is modelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downstream: Option<Downstream>,
    /// Decisions per rule that fixed them (`metric`, `stabilization`, `cooldown`, …), for
    /// policies decided by tidal-core: why the policy scaled, or did not.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub decisions: BTreeMap<&'static str, u64>,
}

/// `value` rounded to `decimals` places.
pub fn round(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    let rounded = (value * factor).round() / factor;
    if rounded == 0.0 { 0.0 } else { rounded }
}

impl Summary {
    /// The summary of a finished run.
    pub fn new(
        policy: &str,
        seed: u64,
        rec: &Recorder,
        cluster: &Cluster,
        events: &[ScaleEvent],
        in_system: u64,
        prepared: &Prepared,
    ) -> Self {
        let judged = rec.served + rec.dropped + rec.failed;
        let objective = rec.slo().objective;
        let minutes = &rec.minutes;
        let violation_minutes = minutes.iter().filter(|m| m.violated(objective)).count() as u64;
        let billed: u64 = minutes.iter().map(|m| u64::from(m.billed)).sum();
        let surplus: u64 = minutes
            .iter()
            .map(|m| u64::from(m.billed.saturating_sub(m.needed)))
            .sum();
        let under = minutes.iter().filter(|m| m.ready < m.needed).count() as u64;
        let mut reversals = 0;
        for pair in events.windows(2) {
            if (pair[0].to > pair[0].from) != (pair[1].to > pair[1].from) {
                reversals += 1;
            }
        }
        let is_llm = prepared.llm.is_some();
        let downstream = prepared.scenario.downstream.as_ref().map(|_| Downstream {
            breach_minutes: minutes.iter().filter(|m| m.db_breach).count() as u64,
            peak_connections: minutes.iter().map(|m| m.db_connections).max().unwrap_or(0),
            peak_utilization: round(
                minutes.iter().map(|m| m.db_utilization).fold(0.0, f64::max),
                4,
            ),
        });
        Self {
            policy: policy.to_string(),
            seed,
            requests: Requests {
                arrived: rec.arrived,
                served: rec.served,
                dropped: rec.dropped,
                failed: rec.failed,
                in_system_at_end: in_system,
            },
            slo: SloFigures {
                violation_pct: if judged == 0 {
                    0.0
                } else {
                    round(100.0 * rec.bad as f64 / judged as f64, 4)
                },
                violation_minutes,
            },
            latency: Percentiles::of(&rec.latency),
            mean_latency: round(rec.latency.mean(), 6),
            ttft: is_llm.then(|| Percentiles::of(&rec.ttft)),
            itl: is_llm.then(|| Percentiles::of(&rec.itl)),
            replica_hours: round(cluster.pod_seconds / 3600.0, 4),
            gpu_hours: round(cluster.gpu_seconds / 3600.0, 4),
            node_hours: prepared
                .scenario
                .cluster
                .nodes
                .as_ref()
                .map(|_| round(cluster.node_seconds / 3600.0, 4)),
            cost_vs_oracle: None,
            over_provisioning_pct: if billed == 0 {
                0.0
            } else {
                round(100.0 * surplus as f64 / billed as f64, 4)
            },
            under_provisioned_minutes: under,
            scaling: Scaling {
                events: events.len() as u64,
                reversals,
                max_replicas: events
                    .iter()
                    .map(|e| e.to)
                    .chain(minutes.iter().map(|m| m.desired))
                    .max()
                    .unwrap_or(0),
            },
            downstream,
            decisions: BTreeMap::new(),
        }
    }

    /// The cost figure compared with the oracle: GPU-hours when pods use GPUs, else
    /// replica-hours.
    pub fn cost(&self) -> f64 {
        if self.gpu_hours > 0.0 {
            self.gpu_hours
        } else {
            self.replica_hours
        }
    }
}
