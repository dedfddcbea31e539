//! `cpu` and `memory` triggers: computed from the pods with the HPA's resource formulas.

use jiff::SignedDuration;
use tidal_core::decision::BoundBy;
use tidal_core::engine::{Observation, Reading, ScalerState};
use tidal_core::hpa::{Pod, PodMetric, Requests, Rule};

use crate::support::{active_at, at, decide, engine, try_config};

const CPU: &str = "scaleTargetRef: {name: web}
minReplicaCount: 1
triggers:
  - {type: cpu, metricType: Utilization, metadata: {value: '50'}}
";

/// Three pods requesting 500m CPU each; `web-0` and `web-1` use 450m, `web-2` has no sample.
fn three_pods_one_missing() -> Observation {
    let pods = (0..3)
        .map(|i| Pod {
            requests: Requests {
                cpu: Some(500),
                memory: Some(268_435_456_000),
            },
            ..Pod::running(format!("web-{i}"), at("00:00:00"))
        })
        .collect();
    let sample = |pod: &str, value| PodMetric {
        pod: pod.to_owned(),
        value,
        timestamp: at("00:09:45"),
        window: SignedDuration::from_secs(30),
    };
    Observation {
        replicas: 3,
        ready_replicas: 3,
        pods,
        cpu: vec![sample("web-0", 450), sample("web-1", 450)],
        memory: vec![
            sample("web-0", 536_870_912_000),
            sample("web-1", 536_870_912_000),
            sample("web-2", 536_870_912_000),
        ],
        ..Observation::default()
    }
}

#[test]
fn cpu_utilization_assumes_missing_pods_idle_on_a_scale_up() {
    let engine = engine(CPU);
    let d = decide(
        &engine,
        &three_pods_one_missing(),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    let cpu = &d.triggers[0];
    // Reported as measured (90 %), but the missing pod counts as 0 %: 60 % of 3 pods → 4.
    assert_eq!(
        (cpu.value, cpu.target, cpu.metric_type),
        (Some(90.0), Some(50.0), "Utilization")
    );
    assert_eq!((cpu.proposal, cpu.rule), (Some(4), Some(Rule::Rebalanced)));
    assert_eq!((d.desired_replicas, d.bound_by), (4, BoundBy::Metric));
    assert_eq!(
        d.reason,
        "scaled up from 3 to 4: trigger 's0-cpu' is at 90% of requests against a target of 50%"
    );
}

#[test]
fn an_object_with_only_resource_triggers_is_always_active() {
    let engine = engine(CPU);
    let d = decide(
        &engine,
        &Observation::default(),
        &mut ScalerState::default(),
        "00:10:00",
    );
    assert!(d.active);
    assert!(d.triggers[0].active);
    assert_eq!((d.desired_replicas, d.bound_by), (1, BoundBy::Activation));
}

#[test]
fn memory_average_value_compares_the_usage_per_pod() {
    let engine = engine(
        "scaleTargetRef: {name: web}
triggers:
  - {type: memory, metricType: AverageValue, metadata: {value: 256Mi}}
  - {type: cron, metadata: {start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '1'}}
",
    );
    let mut observation = three_pods_one_missing();
    observation.triggers = vec![Reading::value(0.0), Reading::value(1.0)];
    let d = decide(
        &engine,
        &observation,
        &mut active_at("00:09:00"),
        "00:10:00",
    );
    assert_eq!(d.triggers[0].value, Some(536_870_912.0));
    assert_eq!(d.triggers[0].proposal, Some(6));
    assert_eq!(d.proposal, Some(6));
}

#[test]
fn a_formula_may_read_a_cpu_trigger() {
    let engine = engine(
        "scaleTargetRef: {name: web}
advanced:
  scalingModifiers: {formula: 'cpu > 80 ? queue * 2 : queue', target: '10'}
triggers:
  - {type: cpu, name: cpu, metricType: Utilization, metadata: {value: '50'}}
  - {type: prometheus, name: queue, metadata: {threshold: '10'}}
",
    );
    let mut observation = three_pods_one_missing();
    observation.triggers = vec![Reading::value(0.0), Reading::value(20.0)];
    let d = decide(
        &engine,
        &observation,
        &mut active_at("00:09:00"),
        "00:10:00",
    );
    assert_eq!(d.composite.as_ref().unwrap().value, Some(40.0));
    assert_eq!(
        d.triggers[0].proposal, None,
        "a cpu trigger the formula reads proposes nothing"
    );
    assert_eq!((d.desired_replicas, d.bound_by), (4, BoundBy::Formula));
}

#[test]
fn cpu_and_memory_triggers_need_a_metric_type() {
    let error = try_config(
        "scaleTargetRef: {name: web}
minReplicaCount: 1
triggers: [{type: cpu, metadata: {value: '50'}}]
",
        &[],
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "ScaledObject test/web: spec.triggers[0].metricType is required; Utilization or \
         AverageValue (cpu and memory triggers need one of them)"
    );
}
