//! 1 ↔ N: the HPA's math on KEDA's metrics, with the behavior rules.

use tidal_core::behavior::{History, Recommendation};
use tidal_core::decision::BoundBy;
use tidal_core::engine::Reading;
use tidal_core::hpa::Rule;

use crate::support::{active_at, at, decide, engine, observe, queue_spec, values};

const FAST_SCALE_UP: &str = "advanced:
  horizontalPodAutoscalerConfig:
    behavior:
      scaleUp: {policies: [{type: Percent, value: 1000, periodSeconds: 15}]}";

fn two_triggers(extra: &str) -> String {
    format!(
        "scaleTargetRef: {{name: web}}
{extra}
triggers:
  - {{type: prometheus, name: queue, metadata: {{threshold: '10'}}}}
  - {{type: kafka, name: backlog, metadata: {{topic: orders}}}}
"
    )
}

#[test]
fn without_a_behavior_a_scale_up_is_limited_to_double_or_four() {
    let engine = engine(&queue_spec(""));
    let d = decide(
        &engine,
        &observe(3, values(&[80.0])),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    assert_eq!(d.proposal, Some(8));
    assert_eq!((d.desired_replicas, d.bound_by), (6, BoundBy::ScaleUpLimit));
    assert_eq!(
        d.reason,
        "scaled up from 3 to 6: trigger 'queue' is 80 against a target of 10 per replica, \
         limited to max(2 × current, 4) per decision, the rule without a behavior"
    );
}

#[test]
fn scale_up_policies_limit_the_change_per_period_across_decisions() {
    let engine = engine(&queue_spec(
        "advanced:
  horizontalPodAutoscalerConfig:
    behavior:
      scaleUp: {policies: [{type: Pods, value: 5, periodSeconds: 60}]}",
    ));
    let mut state = active_at("00:00:00");
    let d = decide(
        &engine,
        &observe(3, values(&[120.0])),
        &mut state,
        "00:10:00",
    );
    assert_eq!(
        (d.desired_replicas, d.bound_by),
        (8, BoundBy::ScaleUpPolicy)
    );
    assert_eq!(
        d.reason,
        "scaled up from 3 to 8: trigger 'queue' is 120 against a target of 10 per replica, \
         limited by the scaleUp policies (Pods 5 per 60s)"
    );
    // 30 s later the 5 pods added still count against the 60 s period.
    let d = decide(
        &engine,
        &observe(8, values(&[120.0])),
        &mut state,
        "00:10:30",
    );
    assert_eq!(
        (d.desired_replicas, d.bound_by),
        (8, BoundBy::ScaleUpPolicy)
    );
    // Once the period has passed, the next 5 may come.
    let d = decide(
        &engine,
        &observe(8, values(&[120.0])),
        &mut state,
        "00:11:01",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (12, BoundBy::Metric));
}

#[test]
fn a_ratio_within_tolerance_keeps_the_count() {
    let engine = engine(&queue_spec(""));
    // 31 against 3 × 10: a ratio of 1.03, inside the 10 % band.
    let d = decide(
        &engine,
        &observe(3, values(&[31.0])),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (3, BoundBy::Tolerance));
    assert_eq!(d.triggers[0].rule, Some(Rule::WithinTolerance));
    assert!(
        d.reason
            .starts_with("kept 3 replicas: trigger 'queue' is 31"),
        "{}",
        d.reason
    );
}

#[test]
fn a_scale_down_waits_for_the_stabilization_window() {
    let engine = engine(&queue_spec(
        "advanced: {horizontalPodAutoscalerConfig: {behavior: {}}}",
    ));
    let mut state = active_at("00:09:00");
    state.history = History {
        recommendations: vec![Recommendation {
            at: at("00:08:00"),
            replicas: 5,
        }],
        ..History::default()
    };
    let d = decide(
        &engine,
        &observe(5, values(&[20.0])),
        &mut state,
        "00:10:00",
    );
    assert_eq!(d.proposal, Some(2));
    assert_eq!(
        (d.desired_replicas, d.bound_by),
        (5, BoundBy::Stabilization)
    );
    assert!(
        d.reason
            .contains("held by the scale-down stabilization window (300s"),
        "{}",
        d.reason
    );
    // Five minutes after the last recommendation of 5, the scale-down goes ahead.
    let d = decide(
        &engine,
        &observe(5, values(&[20.0])),
        &mut state,
        "00:13:01",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (2, BoundBy::Metric));
}

#[test]
fn a_value_metric_scales_with_the_ready_pods() {
    let engine =
        engine(&queue_spec("").replace("    metadata:", "    metricType: Value\n    metadata:"));
    let d = decide(
        &engine,
        &observe(2, values(&[80.0])),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    // ratio 80 / 10 = 8, times 2 ready pods.
    assert_eq!(d.proposal, Some(16));
    assert_eq!(d.triggers[0].metric_type, "Value");
}

#[test]
fn the_maximum_caps_a_scale_up() {
    let engine = engine(&queue_spec(&format!("maxReplicaCount: 5\n{FAST_SCALE_UP}")));
    let d = decide(
        &engine,
        &observe(2, values(&[1000.0])),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (5, BoundBy::MaxReplicas));
    assert!(
        d.reason.ends_with("capped at maxReplicaCount 5"),
        "{}",
        d.reason
    );
}

#[test]
fn a_count_outside_the_bounds_returns_to_them_before_any_metric_is_read() {
    let engine = engine(&queue_spec("maxReplicaCount: 10"));
    let d = decide(
        &engine,
        &observe(12, vec![Reading::error("down")]),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    assert_eq!((d.desired_replicas, d.bound_by), (10, BoundBy::MaxReplicas));
    assert!(
        d.reason
            .contains("the current count is above maxReplicaCount 10"),
        "{}",
        d.reason
    );
}

#[test]
fn the_highest_proposal_among_triggers_wins_and_is_named() {
    let engine = engine(&two_triggers(FAST_SCALE_UP));
    let d = decide(
        &engine,
        &observe(3, values(&[30.0, 70.0])),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    assert_eq!(d.triggers[0].proposal, Some(3));
    assert_eq!(d.triggers[1].proposal, Some(7));
    assert_eq!((d.desired_replicas, d.bound_by), (7, BoundBy::Metric));
    assert!(
        d.reason
            .contains("trigger 'backlog' is 70 against a target of 10 per replica"),
        "kafka's lagThreshold defaults to 10: {}",
        d.reason
    );
}

#[test]
fn a_failing_trigger_blocks_a_scale_down_but_not_a_scale_up() {
    let engine = engine(&two_triggers(FAST_SCALE_UP));
    let mut state = active_at("00:00:00");
    let failing = |other: f64| vec![Reading::error("connection refused"), Reading::value(other)];
    let d = decide(&engine, &observe(4, failing(5.0)), &mut state, "00:10:00");
    assert_eq!((d.desired_replicas, d.bound_by), (4, BoundBy::TriggerError));
    assert!(
        d.reason.contains("'queue': connection refused"),
        "{}",
        d.reason
    );
    let d = decide(&engine, &observe(4, failing(100.0)), &mut state, "00:10:15");
    assert_eq!((d.desired_replicas, d.bound_by), (10, BoundBy::Metric));
    assert!(d.reason.ends_with("; failing: 'queue'"), "{}", d.reason);
}

#[test]
fn negative_readings_count_as_zero_for_the_replica_math() {
    let engine = engine(&queue_spec("minReplicaCount: 1"));
    let d = decide(
        &engine,
        &observe(2, values(&[-50.0])),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    assert_eq!(d.triggers[0].value, Some(-50.0));
    assert_eq!(d.triggers[0].error, None);
    assert_eq!(d.triggers[0].proposal, Some(0));
}

#[test]
fn applied_scales_are_remembered_for_the_policies() {
    let engine = engine(&queue_spec(FAST_SCALE_UP));
    let mut state = active_at("00:00:00");
    decide(
        &engine,
        &observe(2, values(&[60.0])),
        &mut state,
        "00:10:00",
    );
    let event = state
        .history
        .scale_up_events
        .last()
        .expect("a scale-up event");
    assert_eq!(
        (event.at, event.replicas, event.change),
        (at("00:10:00"), 6, 4)
    );
}
