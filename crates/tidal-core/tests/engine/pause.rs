//! The pause annotations: freeze, hold a count, or forbid one direction.

use tidal_core::decision::BoundBy;
use tidal_core::engine::{Reading, ScalerState};

use crate::support::{active_at, decide, engine_with, observe, queue_spec, try_config, values};

#[test]
fn paused_freezes_the_count_and_polls_nothing() {
    let engine = engine_with(&queue_spec(""), &[("autoscaling.keda.sh/paused", "true")]);
    let mut state = active_at("00:00:00");
    let before = state.clone();
    let d = decide(
        &engine,
        &observe(4, vec![Reading::error("down")]),
        &mut state,
        "00:30:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (4, BoundBy::Paused));
    assert_eq!(
        d.reason,
        "kept 4 replicas: autoscaling paused by annotation autoscaling.keda.sh/paused"
    );
    // No failure counted, no active time, no recommendation: KEDA's loop is stopped.
    assert_eq!(state, before);
}

#[test]
fn paused_replicas_scales_to_the_count_and_holds_it() {
    let engine = engine_with(
        &queue_spec(""),
        &[
            ("autoscaling.keda.sh/paused", "true"),
            ("autoscaling.keda.sh/paused-replicas", "2"),
        ],
    );
    let mut state = ScalerState::default();
    let d = decide(
        &engine,
        &observe(5, values(&[100.0])),
        &mut state,
        "00:10:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (2, BoundBy::Paused));
    assert_eq!(state.paused_replica_count, Some(2));
    assert_eq!(
        d.reason,
        "scaled down from 5 to 2 by annotation autoscaling.keda.sh/paused-replicas: autoscaling \
         paused"
    );
    let d = decide(
        &engine,
        &observe(2, values(&[100.0])),
        &mut state,
        "00:10:30",
    );
    assert_eq!(
        d.reason,
        "held at 2 replicas by annotation autoscaling.keda.sh/paused-replicas"
    );
    // Unpaused, the bookkeeping is cleared.
    let engine = engine_with(&queue_spec(""), &[]);
    decide(
        &engine,
        &observe(2, values(&[100.0])),
        &mut state,
        "00:11:00",
    );
    assert_eq!(state.paused_replica_count, None);
}

#[test]
fn paused_scale_in_forbids_every_reduction_including_to_zero() {
    let engine = engine_with(
        &queue_spec(""),
        &[("autoscaling.keda.sh/paused-scale-in", "true")],
    );
    let d = decide(
        &engine,
        &observe(4, values(&[0.0])),
        &mut active_at("00:00:00"),
        "00:30:00",
    );
    assert_eq!(
        (d.desired_replicas, d.bound_by),
        (4, BoundBy::PausedScaleIn)
    );
    assert!(
        d.reason
            .contains("annotation autoscaling.keda.sh/paused-scale-in forbids"),
        "{}",
        d.reason
    );
}

#[test]
fn paused_scale_out_forbids_activation_and_growth() {
    let engine = engine_with(
        &queue_spec(""),
        &[("autoscaling.keda.sh/paused-scale-out", "true")],
    );
    let d = decide(
        &engine,
        &observe(0, values(&[100.0])),
        &mut ScalerState::default(),
        "00:10:00",
    );
    assert_eq!(
        (d.desired_replicas, d.bound_by),
        (0, BoundBy::PausedScaleOut)
    );
    let d = decide(
        &engine,
        &observe(2, values(&[100.0])),
        &mut active_at("00:09:00"),
        "00:10:00",
    );
    assert_eq!(d.proposal, Some(10));
    assert_eq!(
        (d.desired_replicas, d.bound_by),
        (2, BoundBy::PausedScaleOut)
    );
}

#[test]
fn a_pause_annotation_that_is_not_a_boolean_is_an_error_naming_it() {
    let error = try_config(&queue_spec(""), &[("autoscaling.keda.sh/paused", "yes")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "ScaledObject test/web: metadata.annotations[\"autoscaling.keda.sh/paused\"]: \"yes\" is \
         not allowed; \"true\" or \"false\""
    );
    let error = try_config(
        &queue_spec(""),
        &[("autoscaling.keda.sh/paused-replicas", "two")],
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("paused-replicas\"]: \"two\" is not allowed"),
        "{error}"
    );
}
