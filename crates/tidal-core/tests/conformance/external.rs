//! Workload-level metrics: `External` (every KEDA trigger) and `Object` metrics against `Value`
//! and `AverageValue` targets (`GetExternalMetricReplicas`, `GetExternalPerPodMetricReplicas`,
//! `GetObjectMetricReplicas`, `GetObjectPerPodMetricReplicas`), transcribed from
//! `replica_calculator_test.go`. An object metric is one value, so it goes through the same
//! functions with a single series.

use tidal_core::hpa::{
    ConditionStatus::{False, True},
    Current, ExternalTarget, ScaleState, Tolerances, external_replicas, ready_pod_count,
};

use super::fixtures::{Calc, default_tolerances};

/// `currentReplicas` both as `spec.replicas` and `status.replicas`, with the fixture's pods.
fn scale(current: i32, calc: &Calc) -> ScaleState {
    ScaleState {
        spec_replicas: current,
        status_replicas: current,
        ready_pods: ready_pod_count(&calc.pods()).ok(),
    }
}

#[track_caller]
fn expect_value(calc: &Calc, values: &[i64], target: i64, tolerances: Tolerances, replicas: i32) {
    let p = external_replicas(
        ExternalTarget::Value(target),
        values,
        &scale(calc.current, calc),
        tolerances,
    )
    .unwrap();
    assert_eq!(p.replicas, replicas, "replicas");
    let sum = values.iter().fold(0i64, |a, v| a.saturating_add(*v));
    assert_eq!(p.current, Current::Value { value: sum }, "usage");
}

#[track_caller]
fn expect_per_pod(
    current: i32,
    value: i64,
    target: i64,
    tolerances: Tolerances,
    replicas: i32,
    usage: i64,
) {
    let calc = Calc {
        current,
        ..Calc::default()
    };
    let p = external_replicas(
        ExternalTarget::AverageValue(target),
        &[value],
        &scale(current, &calc),
        tolerances,
    )
    .unwrap();
    assert_eq!(p.replicas, replicas, "replicas");
    assert_eq!(
        p.current,
        Current::AverageValue {
            average_value: usage
        },
        "usage"
    );
}

fn one_percent_up() -> Tolerances {
    Tolerances {
        scale_down: 0.1,
        scale_up: 0.01,
    }
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods
#[test]
fn value_scale_up_counts_only_ready_pods() {
    let calc = Calc {
        current: 3,
        readiness: vec![False, True, False],
        ..Calc::default()
    };
    expect_value(&calc, &[8600], 4400, default_tolerances(), 2);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownCMExternal
#[test]
fn value_scale_down() {
    expect_value(
        &Calc {
            current: 5,
            ..Calc::default()
        },
        &[8600],
        14334,
        default_tolerances(),
        3,
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcToleranceCMExternal
#[test]
fn value_tolerance() {
    expect_value(
        &Calc {
            current: 3,
            ..Calc::default()
        },
        &[8600],
        8888,
        default_tolerances(),
        3,
    );
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcExternalMetric "outside configurable 1% tolerance"
#[test]
fn value_outside_configurable_tolerance() {
    expect_value(
        &Calc {
            current: 3,
            ..Calc::default()
        },
        &[8900],
        8800,
        one_percent_up(),
        4,
    );
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcExternalMetric "usage overflow caps at MaxInt64"
#[test]
fn value_sum_saturates() {
    let half = i64::MAX / 2 + 1;
    expect_value(
        &Calc {
            current: 3,
            ..Calc::default()
        },
        &[half, half],
        i64::MAX,
        default_tolerances(),
        3,
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpCMObject
#[test]
fn object_value_scale_up() {
    expect_value(
        &Calc {
            current: 3,
            ..Calc::default()
        },
        &[20000],
        15000,
        default_tolerances(),
        4,
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods
#[test]
fn object_value_counts_only_ready_pods() {
    let calc = Calc {
        current: 3,
        readiness: vec![False, True, False],
        ..Calc::default()
    };
    expect_value(&calc, &[50000], 10000, default_tolerances(), 5);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcObjectMetric "scale up: very large metric saturates replicas to MaxInt32"
#[test]
fn object_value_saturates_replicas() {
    expect_value(
        &Calc {
            current: 3,
            ..Calc::default()
        },
        &[i64::MAX],
        1,
        default_tolerances(),
        i32::MAX,
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownCMObject
#[test]
fn object_value_scale_down() {
    expect_value(
        &Calc {
            current: 5,
            ..Calc::default()
        },
        &[12000],
        20000,
        default_tolerances(),
        3,
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcToleranceCMObject
#[test]
fn object_value_tolerance() {
    expect_value(
        &Calc {
            current: 3,
            ..Calc::default()
        },
        &[20666],
        20000,
        default_tolerances(),
        3,
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpPerPodCMExternal
#[test]
fn per_pod_scale_up() {
    expect_per_pod(3, 8600, 2150, default_tolerances(), 4, 2867);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownPerPodCMExternal
#[test]
fn per_pod_scale_down() {
    expect_per_pod(5, 8600, 2867, default_tolerances(), 3, 1720);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcTolerancePerPodCMExternal
#[test]
fn per_pod_tolerance() {
    expect_per_pod(3, 8600, 2900, default_tolerances(), 3, 2867);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcExternalPerPodMetric "outside configurable 1% tolerance"
#[test]
fn per_pod_outside_configurable_tolerance() {
    expect_per_pod(3, 8600, 2800, one_percent_up(), 4, 2867);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcExternalPerPodMetric "replica count overflow saturates to MaxInt32"
#[test]
fn per_pod_saturates_replicas() {
    expect_per_pod(1, i64::MAX, 1, default_tolerances(), i32::MAX, i64::MAX);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcExternalPerPodMetric "usage overflow with huge target leaves replicas unchanged"
#[test]
fn per_pod_huge_target() {
    expect_per_pod(1, i64::MAX, i64::MAX, default_tolerances(), 1, i64::MAX);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcExternalPerPodMetric "statusReplicas zero does not overflow usage"
#[test]
fn per_pod_from_zero_replicas() {
    expect_per_pod(0, 20000, 5000, default_tolerances(), 4, 0);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcExternalPerPodMetric "statusReplicas zero and metric zero does not underflow"
#[test]
fn per_pod_zero_over_zero() {
    expect_per_pod(0, 0, 5000, default_tolerances(), 0, 0);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpCMPerPodObject
#[test]
fn object_per_pod_scale_up() {
    expect_per_pod(3, 20000, 5000, default_tolerances(), 4, 6667);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownPerPodCMObject
#[test]
fn object_per_pod_scale_down() {
    expect_per_pod(5, 6000, 2000, default_tolerances(), 3, 1200);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcTolerancePerPodCMObject
#[test]
fn object_per_pod_tolerance() {
    expect_per_pod(4, 20166, 5000, default_tolerances(), 4, 5042);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcObjectPerPodMetric "outside configurable 1% tolerance"
#[test]
fn object_per_pod_outside_configurable_tolerance() {
    expect_per_pod(4, 20208, 5000, one_percent_up(), 5, 5052);
}
