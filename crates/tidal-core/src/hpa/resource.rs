//! Pod-averaged metrics: a resource (`cpu`, `memory`) against a `Utilization` or `AverageValue`
//! target, and a per-pod custom metric against an `AverageValue` target.
//!
//! This is `GetResourceReplicas`, `GetRawResourceReplicas` and `calcPlainMetricReplicas` of
//! Kubernetes' `replica_calculator.go`:
//!
//! 1. Group the pods (see [`super::pods`]) and drop the samples of ignored and unready pods.
//! 2. Compute the usage ratio from the remaining samples with integer arithmetic: for
//!    `Utilization`, `percent = (Σ usage × 100) / Σ request` and `ratio = percent / target`; for
//!    `AverageValue`, `average = Σ usage / n` and `ratio = average / target`.
//! 3. If no pod is missing and there is no unready pod on a scale-up, keep the current count
//!    within tolerance, otherwise propose `ceil(ratio × ready pods)`.
//! 4. Otherwise fill in the gaps pessimistically for the direction of the change: missing pods at
//!    0 on a scale-up and at the target (or 100 % of request, whichever is larger) on a scale-down;
//!    unready pods at 0 on a scale-up. Recompute the ratio; keep the current count if it is now
//!    within tolerance or if the change would reverse direction, else propose
//!    `ceil(new ratio × pods counted)`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::pods::{Pod, PodGroups, PodMetric, ReadinessConfig, ResourceName, group_by_name};
use super::proposal::{Current, PodCounts, Proposal, Rule};
use super::tolerance::Tolerances;
use super::{Error, Result, ceil_replicas};

/// The target of a resource metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type", content = "value")]
pub enum ResourceTarget {
    /// `averageUtilization`: percent of the pods' request (must be > 0).
    Utilization(i32),
    /// `averageValue`: milli-units per pod (must be > 0).
    AverageValue(i64),
}

/// A resource metric as the HPA spec states it (`type: Resource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceMetric {
    /// The resource measured.
    pub resource: ResourceName,
    /// The target per pod.
    pub target: ResourceTarget,
}

/// The pods behind the target and their samples, observed at `now`.
#[derive(Debug, Clone, Copy)]
pub struct PodSamples<'a> {
    /// Every pod the target's selector matches, in any state.
    pub pods: &'a [Pod],
    /// The samples the metrics API returned; may name pods not in `pods` (those are ignored for
    /// utilization and counted for plain averages, as Kubernetes does).
    pub metrics: &'a [PodMetric],
    /// The decision time.
    pub now: Timestamp,
    /// Which CPU samples to trust.
    pub readiness: ReadinessConfig,
}

/// Proposes a replica count for a resource metric, as `GetResourceReplicas` (for
/// `Utilization`) or `GetRawResourceReplicas` (for `AverageValue`) does.
///
/// `current_replicas` is the target's `spec.replicas`.
///
/// # Errors
/// - [`Error::InvalidTarget`] when the target is not positive;
/// - [`Error::NoPods`] when `samples.pods` is empty;
/// - [`Error::NoReadyMetrics`] when no sample of a ready pod remains;
/// - [`Error::MissingRequest`] (utilization only) when a pod has no request for the resource;
/// - [`Error::NoMetricsMatchedPods`] (utilization only) when no sample belongs to a known pod.
pub fn resource_replicas(
    metric: &ResourceMetric,
    current_replicas: i32,
    samples: &PodSamples<'_>,
    tolerances: Tolerances,
) -> Result<Proposal> {
    match metric.target {
        ResourceTarget::Utilization(target) => {
            if target <= 0 {
                return Err(invalid_target(
                    "target.averageUtilization",
                    i64::from(target),
                ));
            }
            let averaging = Averaging::Utilization {
                target,
                requests: BTreeMap::new(),
                resource: metric.resource,
            };
            pod_averaged(
                averaging,
                Some(metric.resource),
                current_replicas,
                samples,
                tolerances,
            )
        }
        ResourceTarget::AverageValue(target) => {
            if target <= 0 {
                return Err(invalid_target("target.averageValue", target));
            }
            pod_averaged(
                Averaging::Plain { target },
                Some(metric.resource),
                current_replicas,
                samples,
                tolerances,
            )
        }
    }
}

/// Proposes a replica count for a per-pod custom metric (`type: Pods`, `AverageValue` target in
/// milli-units), as `GetMetricReplicas` does: readiness is ignored, only `Pending` pods count as
/// unready.
///
/// # Errors
/// As [`resource_replicas`] for an `AverageValue` target.
pub fn pods_metric_replicas(
    target_average: i64,
    current_replicas: i32,
    samples: &PodSamples<'_>,
    tolerances: Tolerances,
) -> Result<Proposal> {
    if target_average <= 0 {
        return Err(invalid_target("target.averageValue", target_average));
    }
    pod_averaged(
        Averaging::Plain {
            target: target_average,
        },
        None,
        current_replicas,
        samples,
        tolerances,
    )
}

fn invalid_target(field: &'static str, value: i64) -> Error {
    Error::InvalidTarget {
        field,
        value,
        allowed: "a value greater than 0",
    }
}

/// The two ways of averaging per-pod samples.
enum Averaging<'a> {
    /// Percent of request; `requests` is filled once the pods are known.
    Utilization {
        target: i32,
        requests: BTreeMap<&'a str, i64>,
        resource: ResourceName,
    },
    /// Plain average against a milli-unit target.
    Plain { target: i64 },
}

impl<'a> Averaging<'a> {
    /// Collects every pod's request, failing on the first pod without one (deleted pods
    /// included, as Kubernetes computes requests over the whole pod list).
    fn load_requests(&mut self, pods: &'a [Pod]) -> Result<()> {
        if let Self::Utilization {
            requests, resource, ..
        } = self
        {
            for pod in pods {
                let request = pod
                    .requests
                    .get(*resource)
                    .ok_or_else(|| Error::MissingRequest {
                        pod: pod.name.clone(),
                        resource: *resource,
                    })?;
                requests.insert(pod.name.as_str(), request);
            }
        }
        Ok(())
    }

    /// The usage ratio and the current value, with Kubernetes' integer divisions.
    fn ratio(&self, metrics: &BTreeMap<&str, i64>) -> Result<(f64, Current)> {
        match self {
            Self::Utilization {
                target, requests, ..
            } => {
                let (mut usage, mut requested, mut counted) = (0i128, 0i128, 0i128);
                for (pod, value) in metrics {
                    if let Some(request) = requests.get(pod) {
                        usage += i128::from(*value);
                        requested += i128::from(*request);
                        counted += 1;
                    }
                }
                if requested == 0 {
                    return Err(Error::NoMetricsMatchedPods);
                }
                let percent = saturate_i32(usage * 100 / requested);
                let average_value = saturate_i64(usage / counted);
                Ok((
                    f64::from(percent) / f64::from(*target),
                    Current::Utilization {
                        percent,
                        average_value,
                    },
                ))
            }
            Self::Plain { target } => {
                let total: i128 = metrics.values().map(|v| i128::from(*v)).sum();
                let average_value = saturate_i64(total / metrics.len() as i128);
                Ok((
                    average_value as f64 / *target as f64,
                    Current::AverageValue { average_value },
                ))
            }
        }
    }

    /// The value assumed for a missing pod on a scale-down.
    fn scale_down_fill(&self, pod: &str) -> i64 {
        match self {
            Self::Utilization {
                target, requests, ..
            } => {
                let request = requests.get(pod).copied().unwrap_or(0);
                saturate_i64(i128::from(request) * i128::from((*target).max(100)) / 100)
            }
            Self::Plain { target } => *target,
        }
    }
}

fn saturate_i32(v: i128) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

fn saturate_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

fn counts(groups: &PodGroups<'_>) -> PodCounts {
    PodCounts {
        ready: groups.ready as u32,
        unready: groups.unready.len() as u32,
        missing: groups.missing.len() as u32,
        ignored: groups.ignored.len() as u32,
    }
}

/// The shared algorithm of the pod-averaged metrics (module docs, steps 1–4).
fn pod_averaged<'a>(
    mut averaging: Averaging<'a>,
    resource: Option<ResourceName>,
    current: i32,
    samples: &PodSamples<'a>,
    tolerances: Tolerances,
) -> Result<Proposal> {
    if samples.pods.is_empty() {
        return Err(Error::NoPods);
    }
    let by_pod: BTreeMap<&str, &PodMetric> = samples
        .metrics
        .iter()
        .map(|m| (m.pod.as_str(), m))
        .collect();
    let groups = group_by_name(
        samples.pods,
        &by_pod,
        resource,
        samples.readiness,
        samples.now,
    );
    let mut metrics: BTreeMap<&str, i64> = by_pod
        .iter()
        .filter(|(pod, _)| !groups.ignored.contains(*pod) && !groups.unready.contains(*pod))
        .map(|(pod, m)| (*pod, m.value))
        .collect();
    if metrics.is_empty() {
        return Err(Error::NoReadyMetrics);
    }
    averaging.load_requests(samples.pods)?;

    let (ratio, current_value) = averaging.ratio(&metrics)?;
    let proposal = |replicas, rule| Proposal {
        replicas,
        usage_ratio: ratio,
        current: current_value,
        rule,
        pods: Some(counts(&groups)),
    };

    let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && groups.missing.is_empty() {
        if tolerances.is_within(ratio) {
            return Ok(proposal(current, Rule::WithinTolerance));
        }
        return Ok(proposal(
            ceil_replicas(ratio * groups.ready as f64),
            Rule::Proportional,
        ));
    }

    fill(&mut metrics, &groups.missing, |pod| {
        if ratio < 1.0 {
            Some(averaging.scale_down_fill(pod))
        } else if ratio > 1.0 {
            Some(0)
        } else {
            None
        }
    });
    if scale_up_with_unready {
        fill(&mut metrics, &groups.unready, |_| Some(0));
    }

    let (new_ratio, _) = averaging.ratio(&metrics)?;
    if tolerances.is_within(new_ratio) {
        return Ok(proposal(current, Rule::RebalancedWithinTolerance));
    }
    if (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0) {
        return Ok(proposal(current, Rule::DirectionReversed));
    }
    let replicas = ceil_replicas(new_ratio * metrics.len() as f64);
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        return Ok(proposal(current, Rule::DirectionReversed));
    }
    Ok(proposal(replicas, Rule::Rebalanced))
}

/// Sets an assumed value for each pod in `pods` (when `value` gives one).
fn fill<'a>(
    metrics: &mut BTreeMap<&'a str, i64>,
    pods: &BTreeSet<&'a str>,
    value: impl Fn(&str) -> Option<i64>,
) {
    for pod in pods {
        if let Some(v) = value(pod) {
            metrics.insert(pod, v);
        }
    }
}
