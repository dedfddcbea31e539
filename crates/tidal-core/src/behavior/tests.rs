//! Whole-normalization sequences over time, as an operator drives them: what a user sees
//! across several decisions rather than within one Kubernetes function.

use jiff::{SignedDuration, Timestamp};

use super::*;

fn t(seconds: i64) -> Timestamp {
    "2026-01-01T00:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_secs(seconds)
}

/// Runs one decision and, like the operator, records the scale when the count changes.
fn step(
    history: &mut History,
    behavior: Option<&Behavior>,
    current: i32,
    desired: i32,
    at: i64,
) -> Normalized {
    let input = Input {
        current,
        desired,
        min: 1,
        max: 100,
        now: t(at),
    };
    let normalized = normalize(history, behavior, &ControllerConfig::default(), input);
    if normalized.replicas != current {
        history.record_scale(behavior, current, normalized.replicas, t(at));
    }
    normalized
}

#[test]
fn a_fresh_start_does_not_scale_down_before_the_window_passes() {
    for behavior in [None, Some(Behavior::default())] {
        let mut history = History::new();
        let first = step(&mut history, behavior.as_ref(), 10, 2, 0);
        assert_eq!(
            (first.replicas, first.bound_by),
            (10, BoundBy::ScaleDownStabilization)
        );
        let before = step(&mut history, behavior.as_ref(), 10, 2, 299);
        assert_eq!(before.replicas, 10, "still inside the 5-minute window");
        let after = step(&mut history, behavior.as_ref(), 10, 2, 301);
        assert_eq!(
            (after.replicas, after.bound_by),
            (2, BoundBy::None),
            "{behavior:?}"
        );
    }
}

#[test]
fn default_behavior_scales_up_by_four_pods_or_double_per_fifteen_seconds() {
    let behavior = Behavior::default();
    let mut history = History::new();
    let mut current = 1;
    let mut counts = Vec::new();
    for at in [0, 15, 30, 45] {
        let n = step(&mut history, Some(&behavior), current, 100, at);
        assert_eq!(n.bound_by, BoundBy::ScaleUpPolicy);
        current = n.replicas;
        counts.push(current);
    }
    assert_eq!(counts, [5, 10, 20, 40]);
}

#[test]
fn a_policy_period_counts_earlier_scales() {
    let one_pod_a_minute = ScalingRules {
        policies: vec![ScalingPolicy::pods(1, 60)],
        ..ScalingRules::default_scale_up()
    };
    let behavior = Behavior {
        scale_up: one_pod_a_minute,
        ..Behavior::default()
    };
    let mut history = History::new();
    assert_eq!(step(&mut history, Some(&behavior), 3, 10, 0).replicas, 4);
    let held = step(&mut history, Some(&behavior), 4, 10, 30);
    assert_eq!((held.replicas, held.bound_by), (4, BoundBy::ScaleUpPolicy));
    assert_eq!(step(&mut history, Some(&behavior), 4, 10, 61).replicas, 5);
}

#[test]
fn disabled_directions_and_bounds_are_named() {
    let behavior = Behavior {
        scale_down: ScalingRules {
            select_policy: SelectPolicy::Disabled,
            stabilization_window: Some(SignedDuration::ZERO),
            ..ScalingRules::default_scale_down()
        },
        scale_up: ScalingRules {
            stabilization_window: Some(SignedDuration::ZERO),
            ..ScalingRules::default_scale_up()
        },
    };
    let mut history = History::new();
    let down = step(&mut history, Some(&behavior), 10, 2, 1000);
    assert_eq!(
        (down.replicas, down.bound_by),
        (10, BoundBy::ScaleDownDisabled)
    );
    assert_eq!(down.bound_by.condition_reason(), "ScaleDownLimit");
    let up = step(&mut history, Some(&behavior), 99, 400, 2000);
    assert_eq!((up.replicas, up.bound_by), (100, BoundBy::MaxReplicas));
    let out_of_range = step(&mut history, Some(&behavior), 150, 150, 3000);
    assert_eq!(
        (out_of_range.replicas, out_of_range.bound_by),
        (100, BoundBy::MaxReplicas)
    );
}

#[test]
fn history_stays_bounded_over_a_day_of_decisions() {
    let behavior = Behavior::default();
    let mut history = History::new();
    let mut current = 10;
    for i in 0..5760 {
        let desired = 10 + (i % 7) * 5 - (i % 3) * 4;
        current = step(
            &mut history,
            Some(&behavior),
            current,
            desired,
            i64::from(i) * 15,
        )
        .replicas;
    }
    // A 300 s window sampled every 15 s holds about 20 recommendations; 15 s policies a couple
    // of events.
    assert!(
        history.recommendations.len() <= 22,
        "{}",
        history.recommendations.len()
    );
    assert!(
        history.scale_up_events.len() <= 3,
        "{}",
        history.scale_up_events.len()
    );
    assert!(
        history.scale_down_events.len() <= 3,
        "{}",
        history.scale_down_events.len()
    );
}

#[test]
fn tolerances_come_from_the_behavior_when_set() {
    let controller = ControllerConfig::default();
    assert_eq!(
        controller.tolerances(None),
        crate::hpa::Tolerances::symmetric(0.1)
    );
    let behavior = Behavior {
        scale_up: ScalingRules {
            tolerance: Some(0.02),
            ..ScalingRules::default_scale_up()
        },
        ..Behavior::default()
    };
    let t = controller.tolerances(Some(&behavior));
    assert!((t.scale_up - 0.02).abs() < f64::EPSILON && (t.scale_down - 0.1).abs() < f64::EPSILON);
}
