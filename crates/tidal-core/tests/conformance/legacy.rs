//! The legacy bounds used without a behavior (`convertDesiredReplicasWithRules`), transcribed
//! from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go
//! `TestConvertDesiredReplicasWithRules`. That file sets `scaleUpLimitFactor = 8` in `init()`,
//! so the expectations use a factor of 8 (the controller's own is 2).

use tidal_core::behavior::legacy_limit;

use super::fixtures::{at_now, test_controller};

#[track_caller]
fn expect(current: i32, desired: i32, min: i32, max: i32, replicas: i32, condition: &str) {
    let (got, bound) = legacy_limit(&test_controller(), at_now(current, desired, min, max));
    assert_eq!((got, bound.condition_reason()), (replicas, condition));
}

// TestConvertDesiredReplicasWithRules "prenormalized desired replicas within range"
#[test]
fn within_range() {
    expect(5, 7, 3, 8, 7, "DesiredWithinRange");
}

// TestConvertDesiredReplicasWithRules "prenormalized desired replicas < minReplicas"
#[test]
fn below_min() {
    expect(3, 1, 2, 8, 2, "TooFewReplicas");
}

// TestConvertDesiredReplicasWithRules "prenormalized desired zeroed replicas within range"
#[test]
fn zero_within_range() {
    expect(1, 0, 0, 10, 0, "DesiredWithinRange");
}

// TestConvertDesiredReplicasWithRules "maxReplicas is the limit because maxReplicas < scaleUpLimit"
#[test]
fn max_below_scale_up_limit() {
    expect(20, 1000, 1, 10, 10, "TooManyReplicas");
}

// TestConvertDesiredReplicasWithRules "scaleUpLimit is the limit because scaleUpLimit < maxReplicas"
#[test]
fn scale_up_limit_below_max() {
    // calculateScaleUpLimit(3) = max(8 × 3, 4)
    expect(3, 1000, 1, 2000, 24, "ScaleUpLimit");
}
