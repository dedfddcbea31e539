//! 0 ↔ 1: KEDA's activation rules, which decide whether a workload runs at all.

use tidal_core::decision::BoundBy;
use tidal_core::engine::{Reading, ScalerState};

use crate::support::{active_at, at, decide, engine, engine_with, observe, queue_spec, values};

#[test]
fn an_inactive_object_at_zero_stays_at_zero() {
    let engine = engine(&queue_spec(""));
    let mut state = ScalerState::default();
    // 5 is not above the activation threshold of 5.
    let d = decide(&engine, &observe(0, values(&[5.0])), &mut state, "00:10:00");
    assert_eq!(d.desired_replicas, 0);
    assert!(!d.active);
    assert_eq!(d.bound_by, BoundBy::Activation);
    assert_eq!(
        d.reason,
        "kept 0 replicas: no trigger is active ('queue' is 5 (activation target 5))"
    );
    assert_eq!(state.last_active_time, None);
}

#[test]
fn a_value_strictly_above_the_activation_threshold_scales_from_zero_to_one() {
    let engine = engine(&queue_spec(""));
    let mut state = ScalerState::default();
    let d = decide(&engine, &observe(0, values(&[5.5])), &mut state, "00:10:00");
    assert_eq!(d.desired_replicas, 1);
    assert!(d.active);
    assert_eq!(d.bound_by, BoundBy::Activation);
    assert_eq!(
        d.reason,
        "scaled up from 0 to 1: trigger 'queue' is 5.5, above its activation target 5"
    );
    assert_eq!(state.last_active_time, Some(at("00:10:00")));
    // The HPA's math does not run at zero: no proposal, whatever the value.
    assert_eq!(d.proposal, None);
}

#[test]
fn activation_goes_straight_to_min_replica_count_in_idle_mode() {
    let engine = engine(&queue_spec("minReplicaCount: 3\nidleReplicaCount: 0"));
    let d = decide(
        &engine,
        &observe(0, values(&[50.0])),
        &mut ScalerState::default(),
        "00:10:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (3, BoundBy::Activation));
}

#[test]
fn force_activation_scales_from_zero_without_an_active_trigger() {
    let engine = engine_with(
        &queue_spec(""),
        &[("autoscaling.keda.sh/force-activation", "true")],
    );
    let d = decide(
        &engine,
        &observe(0, values(&[0.0])),
        &mut ScalerState::default(),
        "00:10:00",
    );
    assert_eq!(d.desired_replicas, 1);
    assert!(d.active);
    assert!(
        d.reason
            .ends_with("activation forced by annotation autoscaling.keda.sh/force-activation"),
        "{}",
        d.reason
    );
}

#[test]
fn an_active_poll_refreshes_the_last_active_time_unless_a_trigger_failed() {
    let spec = "scaleTargetRef: {name: web}
triggers:
  - {type: prometheus, name: queue, metadata: {threshold: '10'}}
  - {type: redis, name: jobs, metadata: {listName: jobs}}
";
    let engine = engine(spec);
    let mut state = active_at("00:01:00");
    // Active, but the other trigger failed: KEDA leaves lastActiveTime alone.
    let readings = vec![Reading::value(20.0), Reading::error("redis: timeout")];
    let d = decide(&engine, &observe(2, readings), &mut state, "00:02:00");
    assert!(d.active);
    assert_eq!(state.last_active_time, Some(at("00:01:00")));
    let d = decide(
        &engine,
        &observe(2, values(&[20.0, 1.0])),
        &mut state,
        "00:03:00",
    );
    assert!(d.active);
    assert_eq!(state.last_active_time, Some(at("00:03:00")));
    assert_eq!(d.last_active_time, Some(at("00:03:00")));
}

#[test]
fn with_a_minimum_above_zero_activation_never_removes_the_last_replicas() {
    let engine = engine(&queue_spec("minReplicaCount: 1"));
    let mut state = active_at("00:00:00");
    for minute in 10..20 {
        let d = decide(
            &engine,
            &observe(2, values(&[0.0])),
            &mut state,
            &format!("00:{minute}:00"),
        );
        assert!(d.desired_replicas >= 1, "{d:?}");
        assert_ne!(d.bound_by, BoundBy::Idle);
    }
}

#[test]
fn an_inactive_object_below_its_minimum_is_raised_to_it() {
    let engine = engine(&queue_spec("minReplicaCount: 2"));
    let d = decide(
        &engine,
        &observe(0, values(&[0.0])),
        &mut ScalerState::default(),
        "00:10:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (2, BoundBy::MinReplicas));
}
