//! Per-pod custom metrics with an `AverageValue` target (`GetMetricReplicas`), transcribed from
//! `replica_calculator_test.go`. Readiness does not filter these samples; only `Pending` pods
//! count as unready.

use tidal_core::hpa::{
    ConditionStatus::{False, True},
    Current, PodPhase, Proposal, Tolerances, pods_metric_replicas,
};

use super::fixtures::{Calc, cool, default_tolerances, hot, samples};

#[track_caller]
fn expect(calc: &Calc, target: i64, tolerances: Tolerances, replicas: i32, usage: i64) -> Proposal {
    let pods = calc.pods();
    let metrics = calc.metrics(1);
    let proposal =
        pods_metric_replicas(target, calc.current, &samples(&pods, &metrics), tolerances).unwrap();
    assert_eq!(proposal.replicas, replicas, "replicas");
    assert_eq!(
        proposal.current,
        Current::AverageValue {
            average_value: usage
        },
        "usage"
    );
    proposal
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpCM
#[test]
fn scale_up() {
    let calc = Calc {
        current: 3,
        levels: vec![20000, 10000, 30000],
        ..Calc::default()
    };
    expect(&calc, 15000, default_tolerances(), 4, 20000);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale
#[test]
fn scale_up_unready_hot_cpu_no_less_scale() {
    let calc = Calc {
        current: 3,
        levels: vec![50000, 10000, 30000],
        readiness: vec![True, True, False],
        start: vec![cool(), cool(), hot()],
        ..Calc::default()
    };
    expect(&calc, 15000, default_tolerances(), 6, 30000);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown
#[test]
fn scale_up_unready_hot_cpu_would_scale_down() {
    let calc = Calc {
        current: 3,
        levels: vec![50000, 15000, 30000],
        readiness: vec![False, True, False],
        start: vec![hot(), cool(), hot()],
        ..Calc::default()
    };
    expect(&calc, 15000, default_tolerances(), 7, 31666);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownCM
#[test]
fn scale_down() {
    let calc = Calc {
        current: 5,
        levels: vec![12000; 5],
        ..Calc::default()
    };
    expect(&calc, 20000, default_tolerances(), 3, 12000);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcToleranceCM
#[test]
fn tolerance() {
    let calc = Calc {
        current: 3,
        levels: vec![20000, 21000, 21000],
        ..Calc::default()
    };
    expect(&calc, 20000, default_tolerances(), 3, 20666);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcPodMetric "outside configurable 1% tolerance"
#[test]
fn outside_configurable_tolerance() {
    let calc = Calc {
        current: 3,
        levels: vec![20000, 21000, 21000],
        ..Calc::default()
    };
    let tolerances = Tolerances {
        scale_down: 0.1,
        scale_up: 0.01,
    };
    expect(&calc, 20000, tolerances, 4, 20666);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcPodMetric "no change: missing metrics"
#[test]
fn no_change_missing_metrics() {
    let calc = Calc {
        current: 5,
        levels: vec![20000, 19000, 21000],
        ..Calc::default()
    };
    expect(&calc, 20000, default_tolerances(), 5, 20000);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcPodMetric "rolling update with maxSurge: extra pod missing metric"
#[test]
fn rolling_update_extra_pod_missing_metric() {
    let calc = Calc {
        current: 2,
        levels: vec![10000, 10000],
        phase: vec![PodPhase::Running; 3],
        ..Calc::default()
    };
    expect(&calc, 17000, default_tolerances(), 2, 10000);
}
