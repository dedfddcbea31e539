//! HPA-exact replica math: what each metric proposes, computed the way Kubernetes' horizontal
//! pod autoscaler computes it, down to the integer divisions and the rounding.
//!
//! Tidal owns the replica decision, so users who move from an HPA (or from KEDA, which hands its
//! metrics to an HPA) must see the same counts for the same inputs. Each function here restates
//! one function of `pkg/controller/podautoscaler/replica_calculator.go` over plain data: no
//! client, no clock, every value in the milli-units `Quantity.MilliValue()` yields (see
//! [`crate::quantity`]).
//!
//! # Entry points
//!
//! | metric | target | function |
//! |---|---|---|
//! | `Resource` `cpu`/`memory` | `Utilization`, `AverageValue` | [`resource_replicas`] |
//! | `ContainerResource` | `Utilization`, `AverageValue` | [`resource_replicas`] over [`Pod::for_container`] and [`container_metrics`] |
//! | `Pods` (per-pod custom metric) | `AverageValue` | [`pods_metric_replicas`] |
//! | `External` (every KEDA trigger), `Object` | `Value`, `AverageValue` | [`external_replicas`] |
//! | several metrics on one target | — | [`combine`] |
//!
//! Each returns a [`Proposal`]: the replicas, the usage ratio, the current value as the HPA
//! status would report it, and the [`Rule`] that decided. The proposal is *not* yet bounded by
//! `minReplicas`/`maxReplicas`, stabilization or rate policies: that is [`crate::behavior`].
//!
//! # Tolerance
//!
//! A ratio inside `[1 - scaleDown, 1 + scaleUp]` ([`Tolerances`], 0.1 on both sides by default,
//! per-direction since KEP-4951) keeps the current count.
//!
//! # Known differences from Kubernetes
//!
//! Totals are summed in 128-bit integers and saturate instead of wrapping: Kubernetes' `int64`
//! sums overflow only for absurd values, where it would produce garbage. A negative total of an
//! external metric with an `AverageValue` target stays negative here (Kubernetes mistakes it for
//! an overflow and proposes `MaxInt32` replicas).

mod combine;
mod container;
mod external;
mod pods;
mod proposal;
mod resource;
mod tolerance;

pub use combine::{Combined, combine};
pub use container::{ContainerRequests, ContainerUsage, PodUsage, container_metrics, pod_metrics};
pub use external::{ExternalTarget, ScaleState, external_replicas};
pub use pods::{
    ConditionStatus, Pod, PodGroups, PodMetric, PodPhase, ReadinessConfig, ReadyCondition,
    Requests, ResourceName, group_pods, ready_pod_count,
};
pub use proposal::{Current, PodCounts, Proposal, Rule};
pub use resource::{
    PodSamples, ResourceMetric, ResourceTarget, pods_metric_replicas, resource_replicas,
};
pub use tolerance::{DEFAULT_TOLERANCE, Tolerances};

/// Why a metric could not propose a replica count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The metric's target is zero or negative; the HPA API rejects such specs.
    #[error("metric {field} is {value}; allowed: {allowed}")]
    InvalidTarget {
        /// The field path within the metric spec, e.g. `target.averageUtilization`.
        field: &'static str,
        /// The bad value (milli-units for quantities).
        value: i64,
        /// What is allowed.
        allowed: &'static str,
    },
    /// The target's selector matches no pod.
    #[error("no pods returned by selector while calculating replica count")]
    NoPods,
    /// Every pod with a sample was ignored or unready, or no sample came back.
    #[error("did not receive metrics for targeted pods (pods might be unready)")]
    NoReadyMetrics,
    /// A `Utilization` target needs every pod to request the resource.
    #[error(
        "missing request for {resource} in Pod {pod}: a Utilization target needs every container \
         to set resources.requests.{resource}; set it or use an AverageValue target"
    )]
    MissingRequest {
        /// The pod without a request.
        pod: String,
        /// The resource.
        resource: ResourceName,
    },
    /// A `ContainerResource` metric names a container that no pod's metrics list.
    #[error(
        "container {container} not present in metrics for any pod (pod {pod}, for one): check \
         the container named by the trigger's metadata.containerName"
    )]
    ContainerNotInMetrics {
        /// The container the metric names.
        container: String,
        /// The first pod with metrics.
        pod: String,
    },
    /// The samples and the pods are disjoint, so there is no request to compare against.
    #[error("no metrics returned matched known pods")]
    NoMetricsMatchedPods,
    /// The external metric returned no series.
    #[error("no values returned for the external metric")]
    NoExternalValues,
    /// [`combine`] was given no metric.
    #[error("no metrics to compute a replica count from")]
    NoMetrics,
    /// Some metrics failed and the others would scale down (or all failed): do not scale.
    #[error("invalid metrics ({invalid} invalid out of {total}), first error is: {first}")]
    InvalidMetrics {
        /// How many metrics failed.
        invalid: usize,
        /// How many metrics there were.
        total: usize,
        /// The first failure.
        first: Box<Error>,
    },
}

/// This module's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `int32(math.Ceil(x))` with the cast saturating at the `i32` range, as recent Kubernetes caps
/// proposals at `MaxInt32` (NaN becomes 0).
fn ceil_replicas(x: f64) -> i32 {
    x.ceil() as i32
}

#[cfg(test)]
mod tests;
