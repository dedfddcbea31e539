//! What one metric proposes, with the numbers and the rule behind it, so a decision can be
//! explained line by line ("cpu at 85 % of request against a 50 % target: 3 → 6 pods").

use serde::{Deserialize, Serialize};

/// One metric's replica proposal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// The proposed replica count.
    pub replicas: i32,
    /// `usage / target` as first computed, before any missing or unready pod was filled in.
    /// For an `AverageValue` external or object target on a target with `status.replicas: 0`
    /// it is infinite (or NaN for a zero value), as in Kubernetes; serialized as `null`.
    pub usage_ratio: f64,
    /// The current value of the metric, as Kubernetes reports it in `status.currentMetrics`.
    pub current: Current,
    /// The rule that fixed `replicas`.
    pub rule: Rule,
    /// How the pods were grouped, for the pod-averaged metrics.
    pub pods: Option<PodCounts>,
}

/// The current metric value reported beside a proposal (all milli-units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Current {
    /// A resource `Utilization` target: the average percentage of request and the raw average.
    Utilization {
        /// `(Σ usage × 100) / Σ request`, integer division.
        percent: i32,
        /// `Σ usage / n`, integer division, in milli-units.
        average_value: i64,
    },
    /// A per-pod `AverageValue` target: the average per pod, in milli-units.
    AverageValue {
        /// The average, in milli-units.
        average_value: i64,
    },
    /// A total `Value` target: the metric value (sum of all series), in milli-units.
    Value {
        /// The value, in milli-units.
        value: i64,
    },
}

/// The rule that decided a proposal, in the order the replica calculator tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Rule {
    /// The usage ratio is within the tolerance band: keep the current count.
    WithinTolerance,
    /// No pod needed filling in: `ceil(ratio × ready pods)` (or `ceil(usage / per-pod target)`).
    Proportional,
    /// The target has zero replicas: `ceil(ratio)`, tolerance not applied.
    FromZero,
    /// Missing pods (assumed at 0 % on a scale-up, at the target or 100 % of request on a
    /// scale-down) or unready pods (assumed at 0 % on a scale-up) were filled in and the
    /// recomputed ratio gave `ceil(new ratio × pods counted)`.
    Rebalanced,
    /// After filling in missing or unready pods the ratio fell within tolerance: keep the count.
    RebalancedWithinTolerance,
    /// Filling in missing or unready pods would reverse the direction of the change (the ratio
    /// crossed 1.0, or the new count moved the other way): keep the current count.
    DirectionReversed,
}

impl Rule {
    /// A short human sentence for decision records.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::WithinTolerance => "usage ratio within tolerance, keeping current replicas",
            Self::Proportional => "replicas proportional to the usage ratio",
            Self::FromZero => "scaling from zero: replicas = ceil(usage ratio)",
            Self::Rebalanced => "recomputed after assuming values for missing or unready pods",
            Self::RebalancedWithinTolerance => {
                "within tolerance once missing or unready pods were accounted for, keeping current replicas"
            }
            Self::DirectionReversed => {
                "missing or unready pods would reverse the scaling direction, keeping current replicas"
            }
        }
    }
}

/// How the selected pods were grouped for a pod-averaged metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCounts {
    /// Pods whose samples were used as they were.
    pub ready: u32,
    /// Pending pods and CPU pods whose samples are not yet trusted.
    pub unready: u32,
    /// Running pods without a sample.
    pub missing: u32,
    /// Deleted, succeeded and failed pods.
    pub ignored: u32,
}
