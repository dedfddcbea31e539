//! Fallback: what failing triggers turn into, exactly as KEDA's synthetic metric makes the HPA
//! decide.

use tidal_core::decision::BoundBy;
use tidal_core::engine::{Reading, ScalerState};

use crate::support::{active_at, decide, engine, observe, values};

fn spec(fallback: &str, metric_type: &str) -> String {
    format!(
        "scaleTargetRef: {{name: web}}
fallback: {fallback}
advanced:
  horizontalPodAutoscalerConfig:
    behavior:
      scaleUp: {{policies: [{{type: Percent, value: 1000, periodSeconds: 15}}]}}
      scaleDown: {{stabilizationWindowSeconds: 0}}
triggers:
  - {{type: prometheus, name: queue, metricType: {metric_type}, metadata: {{threshold: '10'}}}}
  - {{type: kafka, name: backlog, metadata: {{topic: orders}}}}
"
    )
}

const STATIC: &str = "{failureThreshold: 3, replicas: 6}";

fn failing(backlog: f64) -> Vec<Reading> {
    vec![
        Reading::error("connection refused"),
        Reading::value(backlog),
    ]
}

#[test]
fn failures_are_counted_and_the_fallback_starts_past_the_threshold() {
    let engine = engine(&spec(STATIC, "AverageValue"));
    let mut state = active_at("00:00:00");
    for (second, failures) in [("00", 1), ("15", 2), ("30", 3)] {
        let d = decide(
            &engine,
            &observe(2, failing(0.0)),
            &mut state,
            &format!("00:10:{second}"),
        );
        assert_eq!(d.triggers[0].failures, failures);
        assert!(
            !d.fallback,
            "failure {failures} is not past the threshold of 3"
        );
        assert_eq!((d.desired_replicas, d.bound_by), (2, BoundBy::TriggerError));
    }
    let d = decide(&engine, &observe(2, failing(0.0)), &mut state, "00:10:45");
    assert!(d.fallback);
    assert!(d.triggers[0].fallback);
    assert_eq!((d.desired_replicas, d.bound_by), (6, BoundBy::Fallback));
    assert_eq!(
        d.reason,
        "scaled up from 2 to 6: trigger 'queue' failed 4 times in a row (failureThreshold 3), \
         falling back to 6 replicas (fallback.behavior static): connection refused"
    );
    assert_eq!(state.failures["queue"], 4);
}

#[test]
fn a_successful_read_resets_the_count() {
    let engine = engine(&spec(STATIC, "AverageValue"));
    let mut state = active_at("00:00:00");
    for _ in 0..3 {
        decide(&engine, &observe(2, failing(1.0)), &mut state, "00:10:00");
    }
    decide(
        &engine,
        &observe(2, values(&[20.0, 1.0])),
        &mut state,
        "00:10:15",
    );
    assert_eq!(state.failures["queue"], 0);
    let d = decide(&engine, &observe(2, failing(1.0)), &mut state, "00:10:30");
    assert!(!d.fallback);
}

#[test]
fn the_fallback_behaviors_choose_the_count_from_the_current_one() {
    for (behavior, current, expected) in [
        ("currentReplicas", 4, 4),
        ("currentReplicasIfHigher", 9, 9),
        ("currentReplicasIfHigher", 2, 6),
        ("currentReplicasIfLower", 9, 6),
        ("currentReplicasIfLower", 4, 4),
    ] {
        let engine = engine(&spec(
            &format!("{{failureThreshold: 0, replicas: 6, behavior: {behavior}}}"),
            "AverageValue",
        ));
        let d = decide(
            &engine,
            &observe(current, failing(0.0)),
            &mut active_at("00:09:59"),
            "00:10:00",
        );
        assert!(d.fallback, "{behavior}");
        assert_eq!(
            d.desired_replicas, expected,
            "{behavior} at {current}: {}",
            d.reason
        );
        assert_eq!(d.bound_by, BoundBy::Fallback, "{behavior}");
    }
}

#[test]
fn the_fallback_is_a_floor_other_triggers_can_exceed() {
    let engine = engine(&spec("{failureThreshold: 0, replicas: 6}", "AverageValue"));
    let d = decide(
        &engine,
        &observe(2, failing(150.0)),
        &mut active_at("00:09:00"),
        "00:10:00",
    );
    assert!(d.fallback);
    assert_eq!((d.desired_replicas, d.bound_by), (15, BoundBy::Metric));
}

#[test]
fn a_value_metric_falls_back_through_the_ready_replicas() {
    let engine = engine(&spec("{failureThreshold: 0, replicas: 6}", "Value"));
    let d = decide(
        &engine,
        &observe(3, failing(0.0)),
        &mut active_at("00:09:00"),
        "00:10:00",
    );
    assert_eq!(d.triggers[0].proposal, Some(6));
    assert_eq!(d.desired_replicas, 6);
    // With no ready replica KEDA cannot build the value and reports the error instead.
    let mut observation = observe(3, failing(0.0));
    observation.ready_replicas = 0;
    let d = decide(
        &engine,
        &observation,
        &mut active_at("00:09:00"),
        "00:10:00",
    );
    assert!(!d.fallback);
    assert_eq!(d.bound_by, BoundBy::TriggerError);
}

#[test]
fn an_object_with_a_fallback_is_not_scaled_to_zero_while_its_triggers_fail() {
    let engine = engine(&spec(STATIC, "AverageValue"));
    let mut state = active_at("00:00:00");
    let d = decide(
        &engine,
        &observe(2, vec![Reading::error("timeout"), Reading::value(0.0)]),
        &mut state,
        "00:30:00",
    );
    assert_eq!(d.desired_replicas, 2);
    assert!(
        d.reason.contains("not scaling to zero while triggers fail"),
        "{}",
        d.reason
    );
}

#[test]
fn a_fallback_of_zero_replicas_lets_the_object_go_to_zero_as_keda_does() {
    let engine = engine(&spec("{failureThreshold: 3, replicas: 0}", "AverageValue"));
    let d = decide(
        &engine,
        &observe(2, vec![Reading::error("timeout"), Reading::value(0.0)]),
        &mut active_at("00:00:00"),
        "00:30:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (0, BoundBy::Idle));
}

#[test]
fn a_missing_reading_is_a_failure() {
    let engine = engine(&spec(STATIC, "AverageValue"));
    let mut state = ScalerState::default();
    let d = decide(&engine, &observe(2, vec![]), &mut state, "00:10:00");
    assert_eq!(
        d.triggers[0].error.as_deref(),
        Some("no reading for this trigger")
    );
    assert_eq!(state.failures["backlog"], 1);
}
