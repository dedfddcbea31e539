//! Stabilization windows over the recommendation history: the behavior path
//! (`stabilizeRecommendationWithBehaviors`, `TestNormalizeDesiredReplicasWithBehavior`) and the
//! legacy path (`stabilizeRecommendation`, `TestNormalizeDesiredReplicas`), transcribed from
//! kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go.

use jiff::SignedDuration;
use tidal_core::behavior::{
    Behavior, ControllerConfig, History, Input, ScalingRules, legacy_stabilize, stabilize,
};

use super::fixtures::{now, recommendations};

fn windows(up_seconds: i64, down_seconds: i64) -> Behavior {
    let with_window = |rules: ScalingRules, seconds| ScalingRules {
        stabilization_window: Some(SignedDuration::from_secs(seconds)),
        ..rules
    };
    Behavior {
        scale_up: with_window(ScalingRules::default_scale_up(), up_seconds),
        scale_down: with_window(ScalingRules::default_scale_down(), down_seconds),
    }
}

fn input(current: i32, desired: i32) -> Input {
    Input {
        current,
        desired,
        min: 0,
        max: i32::MAX,
        now: now(),
    }
}

fn stored(history: &History) -> Vec<i32> {
    history.recommendations.iter().map(|r| r.replicas).collect()
}

/// Runs one case; `expected_stored` is the replicas of every stored recommendation, in order.
#[track_caller]
fn expect(
    recs: &[(i32, i64)],
    (up, down): (i64, i64),
    (current, desired): (i32, i32),
    stabilized: i32,
    expected_stored: Option<&[i32]>,
) {
    let mut history = recommendations(recs);
    let got = stabilize(
        &mut history,
        &windows(up, down),
        &ControllerConfig::default(),
        input(current, desired),
    );
    assert_eq!(got, stabilized, "stabilized replicas");
    if let Some(expected) = expected_stored {
        assert_eq!(stored(&history), expected, "stored recommendations");
    }
    assert!(
        history
            .recommendations
            .iter()
            .any(|r| r.at == now() && r.replicas == desired)
    );
}

// TestNormalizeDesiredReplicasWithBehavior "empty recommendations for scaling down"
#[test]
fn empty_recommendations_for_scaling_down() {
    expect(&[], (0, 0), (100, 5), 5, Some(&[5]));
}

// TestNormalizeDesiredReplicasWithBehavior "simple scale down stabilization"
#[test]
fn simple_scale_down_stabilization() {
    expect(
        &[(4, 120), (5, 60)],
        (0, 180),
        (100, 3),
        5,
        Some(&[4, 5, 3]),
    );
}

// TestNormalizeDesiredReplicasWithBehavior "simple scale up stabilization"
#[test]
fn simple_scale_up_stabilization() {
    expect(&[(4, 120), (5, 60)], (300, 0), (1, 7), 4, Some(&[4, 5, 7]));
}

// TestNormalizeDesiredReplicasWithBehavior "no scale down stabilization"
#[test]
fn no_scale_down_stabilization() {
    expect(
        &[(1, 120), (2, 60)],
        (300, 0),
        (100, 3),
        3,
        Some(&[1, 2, 3]),
    );
}

// TestNormalizeDesiredReplicasWithBehavior "no scale up stabilization"
#[test]
fn no_scale_up_stabilization() {
    expect(&[(4, 120), (5, 60)], (0, 300), (1, 3), 3, Some(&[4, 5, 3]));
}

// TestNormalizeDesiredReplicasWithBehavior "no scale down stabilization, reuse recommendation element"
#[test]
fn no_scale_down_stabilization_reuses_obsolete_entry() {
    expect(&[(10, 600), (9, 540)], (0, 0), (100, 3), 3, Some(&[10, 3]));
}

// TestNormalizeDesiredReplicasWithBehavior "no scale up stabilization, reuse recommendation element"
#[test]
fn no_scale_up_stabilization_reuses_obsolete_entry() {
    expect(
        &[(10, 600), (9, 540)],
        (0, 0),
        (1, 100),
        100,
        Some(&[10, 100]),
    );
}

// TestNormalizeDesiredReplicasWithBehavior "scale down stabilization, reuse one of obsolete recommendation element"
#[test]
fn scale_down_stabilization_reuses_last_obsolete_entry() {
    expect(
        &[(10, 600), (4, 60), (5, 120), (9, 540)],
        (0, 180),
        (100, 3),
        5,
        Some(&[10, 4, 5, 3]),
    );
}

// TestNormalizeDesiredReplicasWithBehavior "scale up stabilization, reuse one of obsolete recommendation element"
#[test]
fn scale_up_stabilization_reuses_only_entry_obsolete_for_both() {
    expect(
        &[(10, 6000), (6, 60), (5, 120), (9, 180)],
        (300, 0),
        (1, 100),
        5,
        Some(&[100, 6, 5, 9]),
    );
}

// TestNormalizeDesiredReplicasWithBehavior "scale up and down stabilization, do not scale up when prenormalized rec goes down"
#[test]
fn no_scale_up_when_recommendation_goes_down() {
    expect(&[(2, 6000), (3, 180)], (300, 300), (2, 1), 2, None);
}

// TestNormalizeDesiredReplicasWithBehavior "scale up and down stabilization, do not scale down when prenormalized rec goes up"
#[test]
fn no_scale_down_when_recommendation_goes_up() {
    expect(&[(2, 6000), (1, 180)], (300, 300), (2, 3), 2, None);
}

/// Runs one legacy case with the 5-minute controller window.
#[track_caller]
fn expect_legacy(recs: &[(i32, i64)], desired: i32, stabilized: i32, log_length: usize) {
    let mut history = recommendations(recs);
    let controller = ControllerConfig::default();
    assert_eq!(
        legacy_stabilize(&mut history, &controller, input(1, desired)),
        stabilized
    );
    assert_eq!(
        history.recommendations.len(),
        log_length,
        "recommendation log length"
    );
}

// TestNormalizeDesiredReplicas "empty log"
#[test]
fn legacy_empty_log() {
    expect_legacy(&[], 5, 5, 1);
}

// TestNormalizeDesiredReplicas "stabilize"
#[test]
fn legacy_stabilize_holds_highest_recent() {
    expect_legacy(&[(4, 120), (5, 60)], 3, 5, 3);
}

// TestNormalizeDesiredReplicas "no stabilize"
#[test]
fn legacy_no_stabilize() {
    expect_legacy(&[(1, 120), (2, 60)], 3, 3, 3);
}

// TestNormalizeDesiredReplicas "no stabilize - old recommendations"
#[test]
fn legacy_old_recommendations_are_reused() {
    expect_legacy(&[(10, 600), (9, 540)], 3, 3, 2);
}

// TestNormalizeDesiredReplicas "stabilize - old recommendations"
#[test]
fn legacy_stabilize_with_old_recommendations() {
    expect_legacy(&[(10, 600), (4, 60), (5, 120), (9, 540)], 3, 5, 4);
}
