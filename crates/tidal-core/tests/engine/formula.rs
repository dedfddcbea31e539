//! Scaling modifiers: a formula over named triggers replaces them with one composite metric.

use tidal_core::decision::BoundBy;
use tidal_core::engine::{Reading, ScalerState};

use crate::support::{active_at, decide, engine, observe, try_config, values};

fn spec(modifiers: &str, fallback: &str) -> String {
    format!(
        "scaleTargetRef: {{name: web}}
{fallback}
advanced:
  scalingModifiers: {modifiers}
  horizontalPodAutoscalerConfig:
    behavior:
      scaleUp: {{policies: [{{type: Percent, value: 1000, periodSeconds: 15}}]}}
triggers:
  - {{type: prometheus, name: queue, metadata: {{threshold: '1000'}}}}
  - {{type: kafka, name: backlog, metadata: {{topic: orders}}}}
"
    )
}

const AVERAGE: &str = "{formula: '(queue + backlog) / 2', target: '10', activationTarget: '4'}";

#[test]
fn the_composite_replaces_the_triggers_it_combines() {
    let engine = engine(&spec(AVERAGE, ""));
    let d = decide(
        &engine,
        &observe(2, values(&[60.0, 20.0])),
        &mut active_at("00:09:00"),
        "00:10:00",
    );
    let composite = d.composite.as_ref().expect("a composite");
    assert_eq!(composite.value, Some(40.0));
    assert_eq!(composite.proposal, Some(4));
    // The triggers themselves propose nothing: their own targets are ignored.
    assert!(d.triggers.iter().all(|t| t.proposal.is_none()));
    assert_eq!((d.desired_replicas, d.bound_by), (4, BoundBy::Formula));
    assert_eq!(
        d.reason,
        "scaled up from 2 to 4: formula `(queue + backlog) / 2` is 40 against a target of 10 per \
         replica"
    );
}

#[test]
fn activity_follows_the_composite_not_the_triggers() {
    let engine = engine(&spec(AVERAGE, ""));
    // Both triggers are above their own activation targets (0), but the composite, 4, is not
    // above the formula's activation target of 4.
    let d = decide(
        &engine,
        &observe(0, values(&[4.0, 4.0])),
        &mut ScalerState::default(),
        "00:10:00",
    );
    assert!(!d.active);
    assert_eq!(d.desired_replicas, 0);
    let d = decide(
        &engine,
        &observe(0, values(&[5.0, 4.0])),
        &mut ScalerState::default(),
        "00:10:00",
    );
    assert!(d.active);
    assert_eq!((d.desired_replicas, d.bound_by), (1, BoundBy::Activation));
    assert!(
        d.reason
            .contains("formula `(queue + backlog) / 2` is 4.5, above its activation target 4"),
        "{}",
        d.reason
    );
}

#[test]
fn a_failing_trigger_fails_the_composite_and_blocks_scaling() {
    let engine = engine(&spec(AVERAGE, ""));
    let readings = vec![Reading::error("timeout"), Reading::value(500.0)];
    let d = decide(
        &engine,
        &observe(3, readings),
        &mut active_at("00:09:00"),
        "00:10:00",
    );
    let composite = d.composite.as_ref().unwrap();
    assert_eq!(
        composite.error.as_deref(),
        Some("trigger 'queue' failed: timeout")
    );
    assert!(
        !d.active,
        "an error makes a formula object inactive, as in KEDA"
    );
    assert_eq!((d.desired_replicas, d.bound_by), (3, BoundBy::TriggerError));
}

/// Decides at 2 replicas with `queue` failing, under `modifiers` and `fallback`.
fn queue_failing(modifiers: &str, fallback: &str) -> tidal_core::decision::Decision {
    let engine = engine(&spec(modifiers, fallback));
    let readings = vec![Reading::error("timeout"), Reading::value(0.0)];
    decide(
        &engine,
        &observe(2, readings),
        &mut active_at("00:09:00"),
        "00:10:00",
    )
}

const IN_FORMULA: &str = "fallback: {failureThreshold: 0, replicas: 3, behavior: scalingModifiers}";

#[test]
fn with_the_scaling_modifiers_fallback_failed_triggers_read_as_nil() {
    let d = queue_failing("{formula: 'queue ?? 50', target: '10'}", IN_FORMULA);
    assert_eq!(d.composite.as_ref().unwrap().value, Some(50.0));
    assert_eq!((d.desired_replicas, d.bound_by), (5, BoundBy::Formula));
}

#[test]
fn a_nil_formula_falls_back_to_the_fallback_replicas() {
    let d = queue_failing("{formula: 'queue', target: '10'}", IN_FORMULA);
    assert!(d.fallback);
    assert_eq!((d.desired_replicas, d.bound_by), (3, BoundBy::Fallback));
}

#[test]
fn with_a_per_trigger_fallback_the_whole_composite_falls_back() {
    let d = queue_failing(AVERAGE, "fallback: {failureThreshold: 0, replicas: 6}");
    assert_eq!(d.composite.as_ref().unwrap().value, Some(60.0));
    assert_eq!((d.desired_replicas, d.bound_by), (6, BoundBy::Fallback));
    assert!(
        d.reason.contains("falling back to 6 replicas"),
        "{}",
        d.reason
    );
}

#[test]
fn formula_errors_name_the_field_the_column_and_the_known_triggers() {
    let error = try_config(&spec("{formula: 'queue + lag', target: '10'}", ""), &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "ScaledObject test/web: spec.advanced.scalingModifiers.formula: unknown trigger 'lag' in \
         the formula; the named triggers are: queue, backlog"
    );
    let error = try_config(&spec("{formula: 'queue +', target: '10'}", ""), &[]).unwrap_err();
    assert!(
        error.to_string().contains("formula: column 8: expected"),
        "{error}"
    );
    let error = try_config(&spec("{formula: 'queue'}", ""), &[]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("spec.advanced.scalingModifiers.target is required"),
        "{error}"
    );
}
