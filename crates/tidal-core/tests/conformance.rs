//! Conformance with Kubernetes' horizontal pod autoscaler: Kubernetes' own unit-test tables,
//! transcribed case by case, run against `tidal_core::hpa` and `tidal_core::behavior`.
//!
//! Sources (each case names its test function, and its sub-case where the upstream table has
//! names):
//! - `kubernetes/kubernetes` `pkg/controller/podautoscaler/replica_calculator_test.go` and
//!   `horizontal_test.go` (classic function names such as `TestReplicaCalcScaleUp`);
//! - `omerap12/kubernetes@a769d588` (replica calculator) and `@060da168` (controller), forks
//!   tracking master, for the cases added with configurable tolerances (KEP-4951), overflow
//!   saturation and the missing-pod fill above 100 %.
//!
//! Fixture conventions: upstream leaves start times, readiness transitions and sample
//! timestamps at Go's zero time and reads the clock with `time.Now()`; here they are a fixed
//! instant in 2000 and a fixed "now" in 2026 (see `conformance/fixtures.rs`).
//!
//! # Transcribed
//!
//! | file | upstream | cases |
//! |---|---|---|
//! | `resource.rs` | `TestReplicaCalcScaleUp`, `…ScaleUpUnreadyLessScale`, `…ScaleUpHotCpuLessScale`, `…ScaleUpUnreadyNoScale`, `…ScaleHotCpuNoScale`, `…ScaleUpIgnoresFailedPods`, succeeded pods (scale up and down), `…ScaleUpIgnoresDeletionPods`, `…ScaleDown`, `…ScaleDownIncludeUnreadyPods`, `…ScaleDownExcludeUnscheduledPods`, `…ScaleDownIgnoreHotCpuPods`, `…ScaleDownIgnoresFailedPods`, `…ScaleDownIgnoresDeletionPods`, `…Tolerance`, five `TestReplicaCalcResourceTolerance` cases, `…SuperfluousMetrics`, `…MissingMetrics`, `…EmptyMetrics`, `…EmptyCPURequest`, `…MissingMetricsNoChangeEq/Gt/Lt`, `…MissingMetricsUnreadyChange`, `…MissingMetricsHotCpuNoChange`, `…MissingMetricsUnreadyScaleUp`, `…MissingMetricsHotCpuScaleUp`, `…MissingMetricsUnreadyScaleDown`, target over 100, rolling update with maxSurge, `…DisjointResourcesMetrics`, `…ComputedToleranceAlgImplementation` (2 runs) | 40 |
//! | `pods_metric.rs` | `TestReplicaCalcScaleUpCM`, `…CMUnreadyHotCpuNoLessScale`, `…CMUnreadyHotCpuScaleWouldScaleDown`, `…ScaleDownCM`, `…ToleranceCM`, `TestReplicaCalcPodMetric` (1 % tolerance, missing metrics, maxSurge) | 8 |
//! | `external.rs` | external `Value` (5), object `Value` (5), external `AverageValue` (8), object `AverageValue` (4) from `TestReplicaCalc*CMExternal*`, `*CMObject*`, `TestReplicaCalcExternalMetric`, `TestReplicaCalcExternalPerPodMetric`, `TestReplicaCalcObjectMetric`, `TestReplicaCalcObjectPerPodMetric` | 22 |
//! | `group_pods.rs` | `TestGroupPods` (every case) | 15 |
//! | `stabilization.rs` | `TestNormalizeDesiredReplicasWithBehavior` (every case), `TestNormalizeDesiredReplicas` (every case) | 16 |
//! | `rate_policies.rs` | `TestScalingWithRules` (every case), `TestCalculateScaleUpLimitWithScalingRules`, `TestCalculateScaleDownLimitWithBehaviors` | 42 |
//! | `scale_events.rs` | `TestStoreScaleEvents` (every case, both directions) | 8 |
//! | `legacy.rs` | `TestConvertDesiredReplicasWithRules` (every case) | 5 |
//! | `reconcile.rs` | `TestReplicaLimits` (6 of 7), `TestConfigurableTolerance` (3 of 4), `TestScaleUpOneMetricEmpty`, `TestNoScaleDownOneMetricEmpty` | 11 |
//!
//! # Skipped, and why
//!
//! - Every `container:` variant of `TestReplicaCalcResourceScale` (`ContainerResource`
//!   metrics): choosing one container's request and usage happens where Tidal builds the
//!   per-pod inputs, before `resource_replicas`; the arithmetic after that is the pod-level
//!   cases above. `TestCalculateRequests` (pod-level requests, sidecars, named containers) is
//!   skipped for the same reason.
//! - `TestReplicaLimits` "no scaling when spec replicas is zero" and the scale-to-zero
//!   condition tests: a target at zero replicas belongs to KEDA's activation rules in Tidal,
//!   not to the HPA normalization.
//! - `TestConfigurableTolerance` "…feature gate is disabled": Tidal has no feature gates;
//!   per-direction tolerances are always honoured.
//! - Controller plumbing tests (`TestMultipleHPAs`, `TestAvoidUnnecessaryUpdates`, event,
//!   condition-message and monitor-label checks, selector conflicts, metric client fakes):
//!   they test Kubernetes' IO, which Tidal does not share.
//! - `TestEventNotCreated`, `TestScaleUpRCImmediately`-style reconcile tests whose
//!   expectations depend on the fake clients' ordering: covered by the unit-level cases above.

#[path = "conformance/external.rs"]
mod external;
#[path = "conformance/fixtures.rs"]
mod fixtures;
#[path = "conformance/group_pods.rs"]
mod group_pods;
#[path = "conformance/legacy.rs"]
mod legacy;
#[path = "conformance/pods_metric.rs"]
mod pods_metric;
#[path = "conformance/rate_policies.rs"]
mod rate_policies;
#[path = "conformance/reconcile.rs"]
mod reconcile;
#[path = "conformance/resource.rs"]
mod resource;
#[path = "conformance/scale_events.rs"]
mod scale_events;
#[path = "conformance/stabilization.rs"]
mod stabilization;
