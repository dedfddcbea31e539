//! N → 0: the cooldown, the initial cooldown and idle replicas.

use tidal_core::decision::BoundBy;
use tidal_core::engine::{Reading, ScalerState};

use crate::support::{active_at, at, decide, engine, observe, queue_spec, values};

#[test]
fn an_inactive_object_keeps_its_replicas_until_the_cooldown_ends() {
    let engine = engine(&queue_spec("cooldownPeriod: 300"));
    let mut state = active_at("00:05:00");
    let d = decide(&engine, &observe(3, values(&[0.0])), &mut state, "00:09:00");
    assert_eq!((d.desired_replicas, d.bound_by), (3, BoundBy::Cooldown));
    assert!(!d.active);
    assert!(
        d.reason.ends_with(
            "no trigger is active: scales to 0 when the cooldown ends at 2026-01-01T00:10:00Z"
        ),
        "{}",
        d.reason
    );
    // The cooldown must have *passed*: at exactly lastActiveTime + cooldown it still holds.
    let d = decide(&engine, &observe(3, values(&[0.0])), &mut state, "00:10:00");
    assert_eq!((d.desired_replicas, d.bound_by), (3, BoundBy::Cooldown));
}

#[test]
fn after_the_cooldown_the_object_drops_straight_to_zero() {
    let engine = engine(&queue_spec("cooldownPeriod: 300"));
    let mut state = active_at("00:05:00");
    // From 7 straight to 0: the step to zero is KEDA's and bypasses the scale-down policies.
    let d = decide(&engine, &observe(7, values(&[0.0])), &mut state, "00:10:01");
    assert_eq!((d.desired_replicas, d.bound_by), (0, BoundBy::Idle));
    assert_eq!(
        d.reason,
        "scaled down from 7 to 0 (minReplicaCount 0): no trigger active since \
         2026-01-01T00:05:00Z, past the 300s cooldown"
    );
}

#[test]
fn the_initial_cooldown_protects_a_new_object_that_was_never_active() {
    let engine = engine(&queue_spec("initialCooldownPeriod: 600"));
    let mut state = ScalerState::new(at("00:00:00"));
    let d = decide(&engine, &observe(2, values(&[0.0])), &mut state, "00:09:00");
    assert_eq!(
        (d.desired_replicas, d.bound_by),
        (2, BoundBy::InitialCooldown)
    );
    let d = decide(&engine, &observe(2, values(&[0.0])), &mut state, "00:10:01");
    assert_eq!((d.desired_replicas, d.bound_by), (0, BoundBy::Idle));
    assert!(
        d.reason
            .contains("never active, past the 600s initial cooldown"),
        "{}",
        d.reason
    );
}

#[test]
fn an_object_with_no_known_history_goes_to_zero_at_once() {
    let engine = engine(&queue_spec(""));
    let d = decide(
        &engine,
        &observe(4, values(&[0.0])),
        &mut ScalerState::default(),
        "00:00:01",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (0, BoundBy::Idle));
}

#[test]
fn idle_replicas_replace_the_minimum_while_inactive() {
    let engine = engine(&queue_spec("minReplicaCount: 2\nidleReplicaCount: 0"));
    let mut state = active_at("00:00:00");
    let d = decide(&engine, &observe(4, values(&[0.0])), &mut state, "00:10:00");
    assert_eq!((d.desired_replicas, d.bound_by), (0, BoundBy::Idle));
    assert!(d.reason.contains("(idleReplicaCount 0)"), "{}", d.reason);
}

#[test]
fn failing_triggers_without_a_fallback_never_scale_to_zero() {
    let engine = engine(&queue_spec(""));
    let mut state = active_at("00:00:00");
    let d = decide(
        &engine,
        &observe(3, vec![Reading::error("connection refused")]),
        &mut state,
        "00:30:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (3, BoundBy::TriggerError));
    assert!(
        d.reason.contains("'queue': connection refused"),
        "{}",
        d.reason
    );
}

#[test]
fn the_cooldown_counts_from_the_last_active_poll() {
    let engine = engine(&queue_spec("cooldownPeriod: 60"));
    let mut state = active_at("00:00:00");
    // Active at 00:05 (15 is above the activation threshold of 5): the clock restarts.
    let d = decide(
        &engine,
        &observe(2, values(&[15.0])),
        &mut state,
        "00:05:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (2, BoundBy::Metric));
    let d = decide(&engine, &observe(2, values(&[0.0])), &mut state, "00:05:30");
    assert_eq!(d.bound_by, BoundBy::Cooldown);
    let d = decide(&engine, &observe(2, values(&[0.0])), &mut state, "00:06:01");
    assert_eq!((d.desired_replicas, d.bound_by), (0, BoundBy::Idle));
}
