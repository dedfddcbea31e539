//! Cost of one metric's replica calculation and of one normalization, the two steps every
//! decision of every scaled object runs: `cargo bench -p tidal-core --bench hpa`.
//!
//! Sizes: 100 pods behind a target (with a tenth of them missing samples and a tenth not ready,
//! so the rebalancing path runs too), and a history of 100 recommendations and 100 scale
//! events per direction inside the windows.

use divan::{Bencher, black_box};
use jiff::{SignedDuration, Timestamp};
use tidal_core::behavior::{
    Behavior, ControllerConfig, History, Input, Recommendation, ScaleEvent, normalize,
};
use tidal_core::hpa::{
    ConditionStatus, Pod, PodMetric, PodSamples, ReadinessConfig, ReadyCondition, Requests,
    ResourceMetric, ResourceName, ResourceTarget, Tolerances, resource_replicas,
};

const PODS: usize = 100;
const HISTORY: usize = 100;

fn main() {
    divan::main();
}

fn now() -> Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

/// `PODS` pods started an hour ago; every tenth is not ready and every tenth (offset by five)
/// has no sample when `gaps` is set.
fn fleet(gaps: bool) -> (Vec<Pod>, Vec<PodMetric>) {
    let started = now() - SignedDuration::from_hours(1);
    let pods = (0..PODS)
        .map(|i| {
            let mut pod = Pod::running(format!("web-{i}"), started);
            pod.requests = Requests {
                cpu: Some(500),
                memory: Some(256 << 20),
            };
            if gaps && i % 10 == 0 {
                pod.ready = Some(ReadyCondition {
                    status: ConditionStatus::False,
                    last_transition: started,
                });
            }
            pod
        })
        .collect();
    let metrics = (0..PODS)
        .filter(|i| !(gaps && i % 10 == 5))
        .map(|i| PodMetric {
            pod: format!("web-{i}"),
            value: 300 + (i as i64 * 37) % 400,
            timestamp: now() - SignedDuration::from_secs(10),
            window: SignedDuration::from_secs(30),
        })
        .collect();
    (pods, metrics)
}

fn cpu_utilization(bencher: Bencher<'_, '_>, gaps: bool) {
    let (pods, metrics) = fleet(gaps);
    let samples = PodSamples {
        pods: &pods,
        metrics: &metrics,
        now: now(),
        readiness: ReadinessConfig::default(),
    };
    let metric = ResourceMetric {
        resource: ResourceName::Cpu,
        target: ResourceTarget::Utilization(60),
    };
    bencher.bench_local(|| {
        resource_replicas(
            black_box(&metric),
            black_box(PODS as i32),
            black_box(&samples),
            Tolerances::default(),
        )
    });
}

/// CPU utilization over 100 ready pods that all report (the direct path).
#[divan::bench]
fn resource_100_pods(bencher: Bencher<'_, '_>) {
    cpu_utilization(bencher, false);
}

/// CPU utilization over 100 pods with missing and unready ones (the rebalancing path).
#[divan::bench]
fn resource_100_pods_rebalanced(bencher: Bencher<'_, '_>) {
    cpu_utilization(bencher, true);
}

/// 100 recommendations over the last 5 minutes and 100 scale events per direction over the
/// last 15 seconds.
fn full_history() -> History {
    let ago = |ms: usize| now() - SignedDuration::from_millis(ms as i64);
    let event = |i: usize| ScaleEvent {
        at: ago(i * 140),
        replicas: 50,
        change: 1,
        outdated: false,
    };
    History {
        recommendations: (0..HISTORY)
            .map(|i| Recommendation {
                at: ago(i * 2900),
                replicas: 40 + (i as i32 * 7) % 30,
            })
            .collect(),
        scale_up_events: (0..HISTORY).map(event).collect(),
        scale_down_events: (0..HISTORY).map(event).collect(),
    }
}

/// Normalizes `desired` against [`full_history`] from 50 current replicas; the history is
/// cloned outside the timed part.
fn normalize_from_50(bencher: Bencher<'_, '_>, behavior: Option<&Behavior>, desired: i32) {
    let controller = ControllerConfig::default();
    let input = Input {
        current: 50,
        desired,
        min: 1,
        max: 200,
        now: now(),
    };
    let history = full_history();
    bencher
        .with_inputs(|| history.clone())
        .bench_local_refs(|history| {
            normalize(history, black_box(behavior), &controller, black_box(input))
        });
}

/// One normalization with the default behavior (stabilization, both policy directions): a
/// scale-down to 20 and a scale-up to 80.
#[divan::bench(args = [20, 80])]
fn normalize_100_history_entries(bencher: Bencher<'_, '_>, desired: i32) {
    normalize_from_50(bencher, Some(&Behavior::default()), desired);
}

/// One normalization on the legacy path (no behavior).
#[divan::bench]
fn normalize_legacy_100_history_entries(bencher: Bencher<'_, '_>) {
    normalize_from_50(bencher, None, 20);
}
