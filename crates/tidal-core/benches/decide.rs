//! Cost of one whole decision, the call the operator makes for every ScaledObject every polling
//! interval: `cargo bench -p tidal-core --bench decide`.
//!
//! The object has three triggers (prometheus, kafka, rabbitmq), a behavior with two scale-up
//! policies and a scale-down window, and a history of 100 recommendations inside the window and
//! 100 scale events (50 each way). The baseline is the same decision with an empty history,
//! and a formula variant shows the cost of `scalingModifiers`.

use std::collections::BTreeMap;

use divan::{Bencher, black_box};
use jiff::{SignedDuration, Timestamp};
use tidal_api::v1alpha1::ScaledObjectSpec;
use tidal_core::behavior::{History, Recommendation, ScaleEvent};
use tidal_core::config::ScalingConfig;
use tidal_core::engine::{Engine, Observation, Reading, ScalerState};

const HISTORY: usize = 100;

const SPEC: &str = "
scaleTargetRef: {name: worker}
minReplicaCount: 1
maxReplicaCount: 50
advanced:
  horizontalPodAutoscalerConfig:
    behavior:
      scaleUp:
        policies: [{type: Pods, value: 4, periodSeconds: 15}, {type: Percent, value: 100, periodSeconds: 15}]
      scaleDown:
        stabilizationWindowSeconds: 300
        policies: [{type: Percent, value: 50, periodSeconds: 60}]
triggers:
  - {type: prometheus, name: requests, metadata: {query: q, threshold: '100', activationThreshold: '5'}}
  - {type: kafka, name: lag, metadata: {topic: orders, lagThreshold: '50'}}
  - {type: rabbitmq, name: queue, metadata: {queueName: jobs, value: '20'}}
";

fn main() {
    divan::main();
}

fn now() -> Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

fn engine(formula: bool) -> Engine {
    let spec = if formula {
        SPEC.replace(
            "advanced:\n",
            "advanced:\n  scalingModifiers: {formula: 'max(requests / 100, lag / 50) + queue / 20', target: '1'}\n",
        )
    } else {
        SPEC.to_owned()
    };
    engine_of(&spec)
}

/// The engine for a ScaledObject `spec` written in YAML.
fn engine_of(spec: &str) -> Engine {
    let spec: ScaledObjectSpec = serde_saphyr::from_str(spec).unwrap();
    let config = ScalingConfig::from_spec(
        "ScaledObject bench/worker",
        &spec,
        &BTreeMap::new(),
        &BTreeMap::new(),
    )
    .unwrap();
    Engine::new(config)
}

fn observation() -> Observation {
    Observation {
        replicas: 8,
        ready_replicas: 8,
        triggers: vec![
            Reading::value(1250.0),
            Reading::value(310.0),
            Reading::value(95.0),
        ],
        ..Observation::default()
    }
}

/// A state with `HISTORY` recommendations every 3 s over the last five minutes and as many
/// scale events, or an empty history.
fn state(full: bool) -> ScalerState {
    let mut state = ScalerState {
        created_at: Some(now() - SignedDuration::from_hours(24)),
        last_active_time: Some(now() - SignedDuration::from_secs(30)),
        ..ScalerState::default()
    };
    if full {
        let at = |i: usize| now() - SignedDuration::from_secs(3 * (HISTORY - i) as i64);
        let event = |i: usize| ScaleEvent {
            at: at(i),
            replicas: 6 + (i % 5) as i32,
            change: 1,
            outdated: false,
        };
        state.history = History {
            recommendations: (0..HISTORY)
                .map(|i| Recommendation {
                    at: at(i),
                    replicas: 5 + (i % 7) as i32,
                })
                .collect(),
            scale_up_events: (0..HISTORY / 2).map(|i| event(2 * i)).collect(),
            scale_down_events: (0..HISTORY / 2).map(|i| event(2 * i + 1)).collect(),
        };
    }
    state
}

#[divan::bench(args = ["empty history", "100 history entries"], sample_count = 1000)]
fn decide(bencher: Bencher<'_, '_>, history: &str) {
    let engine = engine(false);
    let observation = observation();
    let state = state(history != "empty history");
    bencher
        .with_inputs(|| state.clone())
        .bench_local_refs(|state| engine.decide(black_box(&observation), state, black_box(now())));
}

#[divan::bench(args = ["empty history", "100 history entries"], sample_count = 1000)]
fn decide_with_formula(bencher: Bencher<'_, '_>, history: &str) {
    let engine = engine(true);
    let observation = observation();
    let state = state(history != "empty history");
    bencher
        .with_inputs(|| state.clone())
        .bench_local_refs(|state| engine.decide(black_box(&observation), state, black_box(now())));
}

/// Pods behind the cpu benchmark: each runs an `app` and a `proxy` container.
const PODS: usize = 50;

/// 50 running pods with per-container requests and usage, summed per pod as the operator
/// fills them.
fn pods_observation() -> Observation {
    use tidal_core::hpa::{
        ContainerRequests, ContainerUsage, Pod, PodUsage, Requests, ResourceName, pod_metrics,
    };
    let started = now() - SignedDuration::from_hours(1);
    let request = |cpu| Requests {
        cpu: Some(cpu),
        memory: None,
    };
    let containers = vec![
        ContainerRequests {
            name: "app".into(),
            requests: request(500),
        },
        ContainerRequests {
            name: "proxy".into(),
            requests: request(100),
        },
    ];
    let pods: Vec<Pod> = (0..PODS)
        .map(|i| Pod {
            requests: ContainerRequests::total(&containers),
            containers: containers.clone(),
            ..Pod::running(format!("worker-{i}"), started)
        })
        .collect();
    let usage: Vec<PodUsage> = (0..PODS)
        .map(|i| PodUsage {
            pod: format!("worker-{i}"),
            timestamp: now() - SignedDuration::from_secs(10),
            window: SignedDuration::from_secs(15),
            containers: vec![
                ContainerUsage {
                    name: "app".into(),
                    cpu: Some(400 + i as i64),
                    memory: None,
                },
                ContainerUsage {
                    name: "proxy".into(),
                    cpu: Some(20),
                    memory: None,
                },
            ],
        })
        .collect();
    Observation {
        replicas: PODS as i32,
        ready_replicas: PODS as i32,
        pods,
        cpu: pod_metrics(&usage, ResourceName::Cpu),
        container_usage: usage,
        triggers: vec![Reading::value(0.0)],
        ..Observation::default()
    }
}

/// One `cpu` trigger over 50 pods: the whole pod (the `Resource` metric, the baseline) or one
/// named container (`ContainerResource`, which selects each pod's container first).
#[divan::bench(args = ["whole pod", "containerName"], sample_count = 1000)]
fn decide_cpu(bencher: Bencher<'_, '_>, metric: &str) {
    let container = if metric == "containerName" {
        ", containerName: app"
    } else {
        ""
    };
    let spec = format!(
        "scaleTargetRef: {{name: worker}}\nminReplicaCount: 1\nmaxReplicaCount: 100\n\
         triggers:\n  - {{type: cpu, metricType: Utilization, metadata: {{value: '60'{container}}}}}\n"
    );
    let engine = engine_of(&spec);
    let observation = pods_observation();
    let state = state(false);
    // Measure a decision that reads the metric, not one that fails early.
    let check = engine.decide(&observation, &mut state.clone(), now());
    assert_eq!(check.triggers[0].error, None, "{metric}");
    assert!(check.triggers[0].value.is_some(), "{metric}");
    bencher
        .with_inputs(|| state.clone())
        .bench_local_refs(|state| engine.decide(black_box(&observation), state, black_box(now())));
}
