//! Whole decisions, metric to replica count: the replica calculator, the multi-metric
//! combination and the normalization together, transcribed from the controller-level tests of
//! pkg/controller/podautoscaler/horizontal_test.go (omerap12/kubernetes@060da168 layout). These
//! fixtures give each pod its request in total and use `scaleUpLimitFactor = 8`.

use tidal_core::behavior::{
    Behavior, BoundBy, History, Input, ScalingRules, legacy_limit, legacy_stabilize, normalize,
};
use tidal_core::hpa::{
    Error, Proposal, ResourceMetric, ResourceName, ResourceTarget, Tolerances, combine,
    resource_replicas,
};

use super::fixtures::{at_now, controller_pods, samples, test_controller};

/// The CPU `Utilization` proposal for `current` replicas.
fn cpu(
    current: i32,
    target: i32,
    requests: &[&str],
    levels: &[i64],
    tolerances: Tolerances,
) -> tidal_core::hpa::Result<Proposal> {
    let (pods, metrics) = controller_pods(requests, levels);
    let metric = ResourceMetric {
        resource: ResourceName::Cpu,
        target: ResourceTarget::Utilization(target),
    };
    resource_replicas(&metric, current, &samples(&pods, &metrics), tolerances)
}

const MIXED: [&str; 3] = ["0.9", "1.0", "1.1"];

/// A legacy decision for a fixture whose `recommendations` list is set but empty, so that
/// the controller records no initial recommendation (upstream keys on a nil list).
fn legacy_with_empty_log(current: i32, min: i32, max: i32, desired: i32) -> (i32, BoundBy) {
    let input = at_now(current, desired, min, max);
    let mut history = History::new();
    let stabilized = legacy_stabilize(&mut history, &test_controller(), input);
    legacy_limit(
        &test_controller(),
        Input {
            desired: stabilized,
            ..input
        },
    )
}

// TestReplicaLimits "scale down clamped to min replicas"
#[test]
fn scale_down_clamped_to_min() {
    let proposal = cpu(3, 90, &MIXED, &[10, 95, 10], Tolerances::default()).unwrap();
    assert_eq!(
        legacy_with_empty_log(3, 2, 5, proposal.replicas),
        (2, BoundBy::MinReplicas)
    );
}

// TestReplicaLimits "scale down to zero when min replicas is zero"
#[test]
fn scale_down_to_zero_with_zero_min() {
    let proposal = cpu(3, 90, &MIXED, &[0, 0, 0], Tolerances::default()).unwrap();
    assert_eq!(
        legacy_with_empty_log(3, 0, 5, proposal.replicas),
        (0, BoundBy::None)
    );
}

// TestReplicaLimits "scale down clamped to min when desired is zero"
#[test]
fn scale_down_clamped_to_min_when_desired_is_zero() {
    let proposal = cpu(3, 90, &MIXED, &[0, 0, 0], Tolerances::default()).unwrap();
    assert_eq!(
        legacy_with_empty_log(3, 2, 5, proposal.replicas),
        (2, BoundBy::MinReplicas)
    );
}

fn decide(
    behavior: Option<&Behavior>,
    current: i32,
    min: i32,
    max: i32,
    desired: i32,
) -> (i32, BoundBy) {
    let mut history = History::new();
    let n = normalize(
        &mut history,
        behavior,
        &test_controller(),
        at_now(current, desired, min, max),
    );
    (n.replicas, n.bound_by)
}

// TestReplicaLimits "scale up to min when below min replicas"
#[test]
fn scale_up_to_min_when_below_min() {
    assert_eq!(decide(None, 2, 3, 5, 0), (3, BoundBy::MinReplicas));
}

// TestReplicaLimits "scale down to max when above max replicas"
#[test]
fn scale_down_to_max_when_above_max() {
    assert_eq!(decide(None, 10, 3, 5, 0), (5, BoundBy::MaxReplicas));
}

// TestReplicaLimits "scale up clamped to max replicas"
#[test]
fn scale_up_clamped_to_max() {
    let proposal = cpu(3, 90, &MIXED, &[8000, 9500, 1000], Tolerances::default()).unwrap();
    assert_eq!(
        decide(None, 3, 2, 5, proposal.replicas),
        (5, BoundBy::MaxReplicas)
    );
}

fn with_tolerance(up: Option<f64>, down: Option<f64>) -> Behavior {
    Behavior {
        scale_up: ScalingRules {
            tolerance: up,
            ..ScalingRules::default_scale_up()
        },
        scale_down: ScalingRules {
            tolerance: down,
            ..ScalingRules::default_scale_down()
        },
    }
}

/// `TestConfigurableTolerance`: CPU target 100 on three replicas, bounds 1..5.
fn tolerance_case(behavior: Option<&Behavior>, requests: &[&str], levels: &[i64]) -> i32 {
    let tolerances = test_controller().tolerances(behavior);
    let proposal = cpu(3, 100, requests, levels, tolerances).unwrap();
    decide(behavior, 3, 1, 5, proposal.replicas).0
}

// TestConfigurableTolerance "Scaling up because of a 1% configurable tolerance"
#[test]
fn one_percent_scale_up_tolerance_scales_up() {
    assert_eq!(
        tolerance_case(
            Some(&with_tolerance(Some(0.01), None)),
            &MIXED,
            &[1010, 1030, 1020]
        ),
        4
    );
}

// TestConfigurableTolerance "No scale-down because of a 90% configurable tolerance"
#[test]
fn ninety_percent_scale_down_tolerance_holds() {
    let behavior = with_tolerance(None, Some(0.9));
    assert_eq!(
        tolerance_case(Some(&behavior), &["1.0", "1.0", "1.0"], &[300, 300, 300]),
        3
    );
}

// TestConfigurableTolerance "No scaling because of the large default tolerance"
#[test]
fn default_tolerance_holds() {
    assert_eq!(tolerance_case(None, &MIXED, &[1010, 1030, 1020]), 3);
}

// TestScaleUpOneMetricEmpty: a failing external metric does not block a CPU scale-up.
#[test]
fn scale_up_with_one_metric_failing() {
    let ones = ["1.0", "1.0", "1.0"];
    let outcomes = [
        cpu(3, 30, &ones, &[300, 400, 500], Tolerances::default()),
        Err(Error::NoExternalValues),
    ];
    let combined = combine(3, &outcomes).unwrap();
    assert_eq!(
        (combined.replicas, combined.winner, combined.invalid),
        (4, 0, vec![1])
    );
    assert_eq!(decide(None, 3, 2, 6, combined.replicas), (4, BoundBy::None));
}

// TestNoScaleDownOneMetricEmpty: a failing external metric blocks a CPU scale-down.
#[test]
fn no_scale_down_with_one_metric_failing() {
    let ones = ["1.0"; 5];
    let cpu = cpu(
        5,
        50,
        &ones,
        &[100, 300, 500, 250, 250],
        Tolerances::default(),
    );
    assert_eq!(cpu.as_ref().map(|p| p.replicas), Ok(3));
    let err = combine(5, &[cpu, Err(Error::NoExternalValues)]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidMetrics {
                invalid: 1,
                total: 2,
                ..
            }
        ),
        "{err}"
    );
}
