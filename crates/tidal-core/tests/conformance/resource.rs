//! Resource metrics with a `Utilization` target (`GetResourceReplicas`), transcribed from
//! `replica_calculator_test.go`. Every pod has two containers, so a pod requests twice
//! `requests[i]` and reports twice `levels[i]`; the raw average is per pod.

use tidal_core::hpa::{
    ConditionStatus::{False, True},
    Current, Error, PodPhase, Proposal, ResourceMetric, ResourceName, ResourceTarget, Rule,
    Tolerances, resource_replicas,
};

use super::fixtures::{CONTAINERS, Calc, cool, default_tolerances, hot, quantities, samples};

fn utilization(
    calc: &Calc,
    target: i32,
    tolerances: Tolerances,
) -> tidal_core::hpa::Result<Proposal> {
    let pods = calc.pods();
    let metrics = calc.metrics(CONTAINERS);
    let metric = ResourceMetric {
        resource: ResourceName::Cpu,
        target: ResourceTarget::Utilization(target),
    };
    resource_replicas(&metric, calc.current, &samples(&pods, &metrics), tolerances)
}

/// Checks the three values the upstream test checks: replicas, utilization and raw average.
#[track_caller]
fn expect(
    calc: &Calc,
    target: i32,
    tolerances: Tolerances,
    replicas: i32,
    percent: i32,
    raw: i64,
) -> Proposal {
    let proposal = utilization(calc, target, tolerances).unwrap();
    assert_eq!(proposal.replicas, replicas, "replicas");
    assert_eq!(
        proposal.current,
        Current::Utilization {
            percent,
            average_value: raw
        },
        "utilization"
    );
    proposal
}

fn ones(n: usize) -> Vec<String> {
    vec!["1.0".to_owned(); n]
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUp
#[test]
fn scale_up() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![300, 500, 700],
        ..Calc::default()
    };
    let p = expect(&calc, 30, default_tolerances(), 5, 50, CONTAINERS * 500);
    assert_eq!(p.rule, Rule::Proportional);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpUnreadyLessScale
#[test]
fn scale_up_unready_less_scale() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![300, 500, 700],
        readiness: vec![False, True, True],
        ..Calc::default()
    };
    let p = expect(&calc, 30, default_tolerances(), 4, 60, CONTAINERS * 600);
    assert_eq!(p.rule, Rule::Rebalanced);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpHotCpuLessScale
#[test]
fn scale_up_hot_cpu_less_scale() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![300, 500, 700],
        start: vec![hot(), cool(), cool()],
        ..Calc::default()
    };
    expect(&calc, 30, default_tolerances(), 4, 60, CONTAINERS * 600);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpUnreadyNoScale
#[test]
fn scale_up_unready_no_scale() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![400, 500, 700],
        readiness: vec![True, False, False],
        ..Calc::default()
    };
    let p = expect(&calc, 30, default_tolerances(), 3, 40, CONTAINERS * 400);
    // The unready pods, counted at 0 %, would turn the scale-up into a scale-down.
    assert_eq!(p.rule, Rule::DirectionReversed);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleHotCpuNoScale
#[test]
fn scale_hot_cpu_no_scale() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![400, 500, 700],
        readiness: vec![True, False, False],
        start: vec![cool(), hot(), hot()],
        ..Calc::default()
    };
    expect(&calc, 30, default_tolerances(), 3, 40, CONTAINERS * 400);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpIgnoresFailedPods
#[test]
fn scale_up_ignores_failed_pods() {
    let calc = Calc {
        current: 2,
        requests: ones(4),
        levels: vec![500, 700],
        readiness: vec![True, True, False, False],
        phase: vec![
            PodPhase::Running,
            PodPhase::Running,
            PodPhase::Failed,
            PodPhase::Failed,
        ],
        ..Calc::default()
    };
    expect(&calc, 30, default_tolerances(), 4, 60, CONTAINERS * 600);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceScale "scale up: succeeded pods ignored"
#[test]
fn scale_up_ignores_succeeded_pods() {
    let calc = Calc {
        current: 2,
        requests: ones(4),
        levels: vec![500, 700],
        readiness: vec![True, True, False, False],
        phase: vec![
            PodPhase::Running,
            PodPhase::Running,
            PodPhase::Succeeded,
            PodPhase::Succeeded,
        ],
        ..Calc::default()
    };
    expect(&calc, 30, default_tolerances(), 4, 60, CONTAINERS * 600);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleUpIgnoresDeletionPods
#[test]
fn scale_up_ignores_deletion_pods() {
    let calc = Calc {
        current: 2,
        requests: ones(4),
        levels: vec![500, 700],
        readiness: vec![True, True, False, False],
        phase: vec![PodPhase::Running; 4],
        deleting: vec![false, false, true, true],
        ..Calc::default()
    };
    expect(&calc, 30, default_tolerances(), 4, 60, CONTAINERS * 600);
}

fn scale_down_calc() -> Calc {
    Calc {
        current: 5,
        requests: ones(5),
        levels: vec![100, 300, 500, 250, 250],
        ..Calc::default()
    }
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDown
#[test]
fn scale_down() {
    expect(
        &scale_down_calc(),
        50,
        default_tolerances(),
        3,
        28,
        CONTAINERS * 280,
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownIncludeUnreadyPods
#[test]
fn scale_down_excludes_unready_pods() {
    let calc = Calc {
        readiness: vec![True, True, True, False, False],
        ..scale_down_calc()
    };
    expect(&calc, 50, default_tolerances(), 2, 30, CONTAINERS * 300);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownExcludeUnscheduledPods
#[test]
fn scale_down_excludes_unscheduled_pods() {
    let calc = Calc {
        levels: vec![100],
        readiness: vec![True, False, False, False, False],
        phase: vec![
            PodPhase::Running,
            PodPhase::Pending,
            PodPhase::Pending,
            PodPhase::Pending,
            PodPhase::Pending,
        ],
        ..scale_down_calc()
    };
    expect(&calc, 50, default_tolerances(), 1, 10, CONTAINERS * 100);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownIgnoreHotCpuPods
#[test]
fn scale_down_ignores_hot_cpu_pods() {
    let calc = Calc {
        start: vec![cool(), cool(), cool(), hot(), hot()],
        ..scale_down_calc()
    };
    expect(&calc, 50, default_tolerances(), 2, 30, CONTAINERS * 300);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownIgnoresFailedPods
#[test]
fn scale_down_ignores_failed_pods() {
    let calc = Calc {
        requests: ones(7),
        readiness: vec![True, True, True, True, True, False, False],
        phase: [vec![PodPhase::Running; 5], vec![PodPhase::Failed; 2]].concat(),
        ..scale_down_calc()
    };
    expect(&calc, 50, default_tolerances(), 3, 28, CONTAINERS * 280);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceScale "scale down: succeeded pods ignored"
#[test]
fn scale_down_ignores_succeeded_pods() {
    let calc = Calc {
        requests: ones(7),
        readiness: vec![True, True, True, True, True, False, False],
        phase: [vec![PodPhase::Running; 5], vec![PodPhase::Succeeded; 2]].concat(),
        ..scale_down_calc()
    };
    expect(&calc, 50, default_tolerances(), 3, 28, CONTAINERS * 280);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcScaleDownIgnoresDeletionPods
#[test]
fn scale_down_ignores_deletion_pods() {
    let calc = Calc {
        requests: ones(7),
        readiness: vec![True, True, True, True, True, False, False],
        phase: vec![PodPhase::Running; 7],
        deleting: vec![false, false, false, false, false, true, true],
        ..scale_down_calc()
    };
    expect(&calc, 50, default_tolerances(), 3, 28, CONTAINERS * 280);
}

fn mixed_requests(levels: Vec<i64>) -> Calc {
    Calc {
        current: 3,
        requests: quantities(&["0.9", "1.0", "1.1"]),
        levels,
        ..Calc::default()
    }
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcTolerance
#[test]
fn tolerance() {
    let p = expect(
        &mixed_requests(vec![1010, 1030, 1020]),
        100,
        default_tolerances(),
        3,
        102,
        CONTAINERS * 1020,
    );
    assert_eq!(p.rule, Rule::WithinTolerance);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceTolerance "outside 0% tolerance"
#[test]
fn outside_zero_tolerance() {
    let t = Tolerances {
        scale_down: 0.0,
        scale_up: 0.0,
    };
    expect(
        &mixed_requests(vec![909, 1010, 1111]),
        100,
        t,
        4,
        101,
        CONTAINERS * 1010,
    );
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceTolerance "within 200% scale-up tolerance"
#[test]
fn within_scale_up_tolerance() {
    let t = Tolerances {
        scale_down: 0.1,
        scale_up: 2.0,
    };
    expect(
        &mixed_requests(vec![1890, 1910, 1900]),
        100,
        t,
        3,
        190,
        CONTAINERS * 1900,
    );
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceTolerance "outside 8% scale-up tolerance (superfluous scale-down tolerance)"
#[test]
fn outside_scale_up_tolerance() {
    let t = Tolerances {
        scale_down: 2.0,
        scale_up: 0.08,
    };
    expect(
        &mixed_requests(vec![1100, 1080, 1090]),
        100,
        t,
        4,
        109,
        CONTAINERS * 1090,
    );
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceTolerance "within 36% scale-down tolerance"
#[test]
fn within_scale_down_tolerance() {
    let t = Tolerances {
        scale_down: 0.36,
        scale_up: 0.1,
    };
    expect(
        &mixed_requests(vec![660, 640, 650]),
        100,
        t,
        3,
        65,
        CONTAINERS * 650,
    );
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceTolerance "outside 34% scale-down tolerance"
#[test]
fn outside_scale_down_tolerance() {
    let t = Tolerances {
        scale_down: 0.34,
        scale_up: 0.1,
    };
    expect(
        &mixed_requests(vec![660, 640, 650]),
        100,
        t,
        2,
        65,
        CONTAINERS * 650,
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcSuperfluousMetrics
#[test]
fn superfluous_metrics() {
    let calc = Calc {
        current: 4,
        requests: ones(4),
        levels: vec![4000, 9500, 3000, 7000, 3200, 2000],
        ..Calc::default()
    };
    expect(&calc, 100, default_tolerances(), 24, 587, CONTAINERS * 5875);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetrics
#[test]
fn missing_metrics() {
    let calc = Calc {
        current: 4,
        requests: ones(4),
        levels: vec![400, 95],
        ..Calc::default()
    };
    expect(&calc, 100, default_tolerances(), 3, 24, 495);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcEmptyMetrics
#[test]
fn empty_metrics() {
    let calc = Calc {
        current: 4,
        requests: ones(3),
        levels: vec![],
        ..Calc::default()
    };
    assert_eq!(
        utilization(&calc, 100, default_tolerances()),
        Err(Error::NoReadyMetrics)
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcEmptyCPURequest
#[test]
fn empty_cpu_request() {
    let calc = Calc {
        current: 1,
        requests: vec![],
        levels: vec![200],
        ..Calc::default()
    };
    let err = utilization(&calc, 100, default_tolerances()).unwrap_err();
    assert!(err.to_string().contains("missing request for"), "{err}");
    assert!(err.to_string().contains("test-pod-0"), "{err}");
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetricsNoChangeEq
#[test]
fn missing_metrics_no_change_eq() {
    let calc = Calc {
        current: 2,
        requests: ones(2),
        levels: vec![1000],
        ..Calc::default()
    };
    expect(&calc, 100, default_tolerances(), 2, 100, CONTAINERS * 1000);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetricsNoChangeGt
#[test]
fn missing_metrics_no_change_gt() {
    let calc = Calc {
        current: 2,
        requests: ones(2),
        levels: vec![1900],
        ..Calc::default()
    };
    expect(&calc, 100, default_tolerances(), 2, 190, CONTAINERS * 1900);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetricsNoChangeLt
#[test]
fn missing_metrics_no_change_lt() {
    let calc = Calc {
        current: 2,
        requests: ones(2),
        levels: vec![600],
        ..Calc::default()
    };
    expect(&calc, 100, default_tolerances(), 2, 60, CONTAINERS * 600);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetricsUnreadyChange
#[test]
fn missing_metrics_unready_change() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![100, 450],
        readiness: vec![False, True, True],
        ..Calc::default()
    };
    let p = expect(&calc, 50, default_tolerances(), 3, 45, CONTAINERS * 450);
    assert_eq!(p.rule, Rule::DirectionReversed);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetricsHotCpuNoChange
#[test]
fn missing_metrics_hot_cpu_no_change() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![100, 450],
        start: vec![hot(), cool(), cool()],
        ..Calc::default()
    };
    expect(&calc, 50, default_tolerances(), 3, 45, CONTAINERS * 450);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetricsUnreadyScaleUp
#[test]
fn missing_metrics_unready_scale_up() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![100, 2000],
        readiness: vec![False, True, True],
        ..Calc::default()
    };
    expect(&calc, 50, default_tolerances(), 4, 200, CONTAINERS * 2000);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetricsHotCpuScaleUp
#[test]
fn missing_metrics_hot_cpu_scale_up() {
    let calc = Calc {
        current: 3,
        requests: ones(3),
        levels: vec![100, 2000],
        readiness: vec![False, True, True],
        start: vec![hot(), cool(), cool()],
        ..Calc::default()
    };
    expect(&calc, 50, default_tolerances(), 4, 200, CONTAINERS * 2000);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcMissingMetricsUnreadyScaleDown
#[test]
fn missing_metrics_unready_scale_down() {
    let calc = Calc {
        current: 4,
        requests: ones(4),
        levels: vec![100, 100, 100],
        readiness: vec![False, True, True, True],
        ..Calc::default()
    };
    expect(&calc, 50, default_tolerances(), 3, 10, CONTAINERS * 100);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceMissingMetrics "scale down: target over 100"
#[test]
fn missing_metrics_scale_down_target_over_100() {
    let calc = Calc {
        current: 4,
        requests: quantities(&["1.0", "1.0", "2.0", "2.0"]),
        levels: vec![200, 100, 100],
        readiness: vec![False, True, True, True],
        ..Calc::default()
    };
    expect(&calc, 300, default_tolerances(), 2, 6, CONTAINERS * 100);
}

// omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcResourceMissingMetrics "rolling update with maxSurge: extra pod missing metric"
#[test]
fn rolling_update_extra_pod_missing_metric() {
    let calc = Calc {
        current: 2,
        requests: ones(3),
        levels: vec![100, 100],
        phase: vec![PodPhase::Running; 3],
        ..Calc::default()
    };
    let p = expect(&calc, 50, default_tolerances(), 2, 10, CONTAINERS * 100);
    assert_eq!(p.rule, Rule::DirectionReversed);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcDisjointResourcesMetrics
#[test]
fn disjoint_resources_metrics() {
    let calc = Calc {
        current: 1,
        requests: ones(1),
        levels: vec![100],
        pod_names: vec!["an-older-pod-name"],
        ..Calc::default()
    };
    assert_eq!(
        utilization(&calc, 100, default_tolerances()),
        Err(Error::NoMetricsMatchedPods)
    );
}

// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go TestReplicaCalcComputedToleranceAlgImplementation
#[test]
fn computed_tolerance_alg_implementation() {
    let start_pods = 10;
    let total_used: i64 = 10 * 150;
    let total_requested = 2 * total_used;
    let requested_to_used = (total_requested / total_used) as f64;
    let per_pod_requested = total_requested / start_pods;
    let tolerance = 0.1;

    let target = (1.0 / (requested_to_used * (1.0 - tolerance))).abs() + 0.01;
    let percent_target = (target * 100.0) as i32;
    let used_ratio = total_used as f64 / (total_requested as f64 * target);
    let final_pods = (used_ratio * start_pods as f64).ceil() as i32;

    let offsets = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0];
    let requests = offsets
        .iter()
        .map(|o| format!("{}m", per_pod_requested + o))
        .collect();
    let calc = Calc {
        current: 10,
        requests,
        levels: vec![total_used / 10; 10],
        ..Calc::default()
    };
    let utilization = (total_used * 100 / total_requested) as i32;
    let raw = CONTAINERS * total_used / 10;
    expect(
        &calc,
        percent_target,
        default_tolerances(),
        final_pods,
        utilization,
        raw,
    );

    // Just inside the tolerance: no scaling.
    let target = (1.0 / (requested_to_used * (1.0 - tolerance))).abs() + 0.004;
    expect(
        &calc,
        (target * 100.0) as i32,
        default_tolerances(),
        10,
        utilization,
        raw,
    );
}
