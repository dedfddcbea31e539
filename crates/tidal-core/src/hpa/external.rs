//! Metrics that describe the whole workload rather than each pod: a KEDA trigger value seen by
//! the HPA as an `External` metric (and, with the same formulas, an `Object` metric).
//!
//! This is `GetExternalMetricReplicas` and `GetExternalPerPodMetricReplicas` of Kubernetes'
//! `replica_calculator.go`. The metric value is the sum of every series returned (saturating).
//!
//! - `Value` target: `ratio = value / target`. From zero replicas the proposal is `ceil(ratio)`
//!   with no tolerance (this is how a workload scales up from zero). Otherwise the count is kept
//!   within tolerance, else the proposal is `ceil(ratio × ready pods)`, where ready pods are the
//!   `Running` pods with `Ready=True`.
//! - `AverageValue` target: against the target's `status.replicas`,
//!   `ratio = value / (target × status replicas)`; the count is kept within tolerance, else the
//!   proposal is `ceil(value / target)`, independent of how many pods are ready. The reported
//!   average is `ceil(value / status replicas)`.

use serde::{Deserialize, Serialize};

use super::proposal::{Current, Proposal, Rule};
use super::tolerance::Tolerances;
use super::{Error, Result, ceil_replicas};

/// The target of an external (or object) metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type", content = "value")]
pub enum ExternalTarget {
    /// `value`: the total the metric should have, in milli-units (must be > 0).
    Value(i64),
    /// `averageValue`: the metric per replica, in milli-units (must be > 0).
    AverageValue(i64),
}

/// What the replica calculator knows about the scale target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleState {
    /// `spec.replicas` of the scale subresource: the current count the `Value` path keeps.
    pub spec_replicas: i32,
    /// `status.replicas`: the count the `AverageValue` path divides by.
    pub status_replicas: i32,
    /// `Running` pods with `Ready=True` among the pods the selector matches; `None` when the
    /// selector matches no pod at all (see [`super::ready_pod_count`]).
    pub ready_pods: Option<u32>,
}

/// Proposes a replica count for an external metric whose series sum to the given values.
///
/// # Errors
/// - [`Error::InvalidTarget`] when the target is not positive;
/// - [`Error::NoExternalValues`] when `values` is empty;
/// - [`Error::NoPods`] when a `Value` target needs the ready-pod count and no pod matched.
pub fn external_replicas(
    target: ExternalTarget,
    values: &[i64],
    scale: &ScaleState,
    tolerances: Tolerances,
) -> Result<Proposal> {
    let (field, target_value) = match target {
        ExternalTarget::Value(v) => ("target.value", v),
        ExternalTarget::AverageValue(v) => ("target.averageValue", v),
    };
    if target_value <= 0 {
        return Err(Error::InvalidTarget {
            field,
            value: target_value,
            allowed: "a value greater than 0",
        });
    }
    if values.is_empty() {
        return Err(Error::NoExternalValues);
    }
    let usage = values.iter().fold(0i64, |sum, v| sum.saturating_add(*v));
    match target {
        ExternalTarget::Value(target) => Ok(value_replicas(usage, target, scale, tolerances)?),
        ExternalTarget::AverageValue(target) => Ok(per_pod_replicas(
            usage,
            target,
            scale.status_replicas,
            tolerances,
        )),
    }
}

/// `GetExternalMetricReplicas` / `GetObjectMetricReplicas` after the value is known.
fn value_replicas(
    usage: i64,
    target: i64,
    scale: &ScaleState,
    tolerances: Tolerances,
) -> Result<Proposal> {
    let ratio = usage as f64 / target as f64;
    let current = scale.spec_replicas;
    let (replicas, rule) = if current == 0 {
        (ceil_replicas(ratio), Rule::FromZero)
    } else if tolerances.is_within(ratio) {
        (current, Rule::WithinTolerance)
    } else {
        let ready = scale.ready_pods.ok_or(Error::NoPods)?;
        (ceil_replicas(ratio * f64::from(ready)), Rule::Proportional)
    };
    Ok(Proposal {
        replicas,
        usage_ratio: ratio,
        current: Current::Value { value: usage },
        rule,
        pods: None,
    })
}

/// `GetExternalPerPodMetricReplicas` / `GetObjectPerPodMetricReplicas` after the value is known.
fn per_pod_replicas(
    usage: i64,
    target: i64,
    status_replicas: i32,
    tolerances: Tolerances,
) -> Proposal {
    let ratio = usage as f64 / (target as f64 * f64::from(status_replicas));
    let (replicas, rule) = if tolerances.is_within(ratio) {
        (status_replicas, Rule::WithinTolerance)
    } else {
        (
            ceil_replicas(usage as f64 / target as f64),
            Rule::Proportional,
        )
    };
    let average_value = if usage as f64 >= i64::MAX as f64 {
        i64::MAX
    } else if status_replicas == 0 {
        0
    } else {
        (usage as f64 / f64::from(status_replicas)).ceil() as i64
    };
    Proposal {
        replicas,
        usage_ratio: ratio,
        current: Current::AverageValue { average_value },
        rule,
        pods: None,
    }
}
