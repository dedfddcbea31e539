//! How pods are sorted before averaging (`groupPods`), transcribed from `TestGroupPods` in
//! omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/replica_calculator_test.go (the
//! layout with separate unready and ignored sets; older revisions merged them).

use jiff::{SignedDuration, Timestamp};
use tidal_core::hpa::{
    ConditionStatus, Pod, PodMetric, PodPhase, ReadyCondition, Requests, ResourceName, group_pods,
};

use super::fixtures::{ago, now, testing_readiness, zero_time};

fn pod(
    name: &str,
    phase: PodPhase,
    start: Option<Timestamp>,
    ready: Option<ReadyCondition>,
) -> Pod {
    Pod {
        name: name.to_owned(),
        phase,
        deleting: false,
        ready,
        start_time: start,
        requests: Requests::default(),
        containers: Vec::new(),
    }
}

fn running(name: &str, start: Option<Timestamp>, ready: Option<ReadyCondition>) -> Pod {
    pod(name, PodPhase::Running, start, ready)
}

/// A sample with Go's zero timestamp and window, as the upstream `PodMetric{Value: 1}`.
fn bare(pod: &str) -> PodMetric {
    PodMetric {
        pod: pod.to_owned(),
        value: 1,
        timestamp: zero_time(),
        window: SignedDuration::ZERO,
    }
}

fn sample(pod: &str, timestamp: Timestamp, window_seconds: i64) -> PodMetric {
    PodMetric {
        pod: pod.to_owned(),
        value: 1,
        timestamp,
        window: SignedDuration::from_secs(window_seconds),
    }
}

fn condition(status: ConditionStatus, seconds_ago: i64) -> ReadyCondition {
    ReadyCondition {
        status,
        last_transition: ago(seconds_ago),
    }
}

/// Asserts (ready count, unready, missing, ignored).
#[track_caller]
fn expect(
    pods: &[Pod],
    metrics: &[PodMetric],
    resource: ResourceName,
    ready: usize,
    unready: &[&str],
    missing: &[&str],
    ignored: &[&str],
) {
    let groups = group_pods(pods, metrics, Some(resource), testing_readiness(), now());
    assert_eq!(groups.ready, ready, "ready count");
    assert_eq!(
        groups.unready.iter().copied().collect::<Vec<_>>(),
        unready,
        "unready"
    );
    assert_eq!(
        groups.missing.iter().copied().collect::<Vec<_>>(),
        missing,
        "missing"
    );
    assert_eq!(
        groups.ignored.iter().copied().collect::<Vec<_>>(),
        ignored,
        "ignored"
    );
}

// TestGroupPods "void"
#[test]
fn void() {
    expect(&[], &[], ResourceName::Cpu, 0, &[], &[], &[]);
}

// TestGroupPods "count in a ready pod - memory"
#[test]
fn memory_ignores_readiness() {
    let pods = [running("bentham", None, None)];
    expect(
        &pods,
        &[sample("bentham", now(), 60)],
        ResourceName::Memory,
        1,
        &[],
        &[],
        &[],
    );
}

// TestGroupPods "unready a pod without ready condition - CPU"
#[test]
fn cpu_pod_without_ready_condition() {
    let pods = [running("lucretius", Some(now()), None)];
    expect(
        &pods,
        &[bare("lucretius")],
        ResourceName::Cpu,
        0,
        &["lucretius"],
        &[],
        &[],
    );
}

// TestGroupPods "count in a ready pod with fresh metrics during initialization period - CPU"
#[test]
fn cpu_fresh_sample_during_initialization() {
    let pods = [running(
        "bentham",
        Some(ago(60)),
        Some(condition(ConditionStatus::True, 30)),
    )];
    expect(
        &pods,
        &[sample("bentham", now(), 30)],
        ResourceName::Cpu,
        1,
        &[],
        &[],
        &[],
    );
}

// TestGroupPods "unready a ready pod without fresh metrics during initialization period - CPU"
#[test]
fn cpu_stale_sample_during_initialization() {
    let pods = [running(
        "bentham",
        Some(ago(60)),
        Some(condition(ConditionStatus::True, 30)),
    )];
    expect(
        &pods,
        &[sample("bentham", now(), 60)],
        ResourceName::Cpu,
        0,
        &["bentham"],
        &[],
        &[],
    );
}

// TestGroupPods "unready an unready pod during initialization period - CPU"
#[test]
fn cpu_unready_soon_after_start() {
    let pods = [running(
        "lucretius",
        Some(ago(600)),
        Some(condition(ConditionStatus::False, 594)),
    )];
    expect(
        &pods,
        &[bare("lucretius")],
        ResourceName::Cpu,
        0,
        &["lucretius"],
        &[],
        &[],
    );
}

// TestGroupPods "count in a ready pod without fresh metrics after initialization period - CPU"
#[test]
fn cpu_ready_after_initialization() {
    let pods = [running(
        "bentham",
        Some(ago(180)),
        Some(condition(ConditionStatus::True, 180)),
    )];
    expect(
        &pods,
        &[sample("bentham", ago(120), 60)],
        ResourceName::Cpu,
        1,
        &[],
        &[],
        &[],
    );
}

// TestGroupPods "count in an unready pod that was ready after initialization period - CPU"
#[test]
fn cpu_unready_pod_that_was_ready() {
    let pods = [running(
        "lucretius",
        Some(ago(600)),
        Some(condition(ConditionStatus::False, 540)),
    )];
    expect(
        &pods,
        &[bare("lucretius")],
        ResourceName::Cpu,
        1,
        &[],
        &[],
        &[],
    );
}

// TestGroupPods "unready pod that has never been ready after initialization period - CPU"
#[test]
fn cpu_unready_at_exactly_the_readiness_delay() {
    let pods = [running(
        "lucretius",
        Some(ago(600)),
        Some(condition(ConditionStatus::False, 590)),
    )];
    expect(
        &pods,
        &[bare("lucretius")],
        ResourceName::Cpu,
        1,
        &[],
        &[],
        &[],
    );
}

// TestGroupPods "a missing pod"
#[test]
fn missing_pod() {
    let pods = [running("epicurus", Some(ago(180)), None)];
    expect(&pods, &[], ResourceName::Cpu, 0, &[], &["epicurus"], &[]);
}

// TestGroupPods "several pods"
#[test]
fn several_pods() {
    let pods = [
        running("lucretius", Some(now()), None),
        running(
            "niccolo",
            Some(ago(180)),
            Some(condition(ConditionStatus::True, 180)),
        ),
        running("epicurus", Some(ago(180)), None),
    ];
    let metrics = [bare("lucretius"), bare("niccolo")];
    expect(
        &pods,
        &metrics,
        ResourceName::Cpu,
        1,
        &["lucretius"],
        &["epicurus"],
        &[],
    );
}

// TestGroupPods "pending pods are unreadied"
#[test]
fn pending_pods_are_unready() {
    let pods = [pod("unscheduled", PodPhase::Pending, None, None)];
    expect(&pods, &[], ResourceName::Cpu, 0, &["unscheduled"], &[], &[]);
}

// TestGroupPods "ignore pods with deletion timestamps"
#[test]
fn deleted_pods_are_ignored() {
    let pods = [Pod {
        deleting: true,
        ..pod("deleted", PodPhase::Pending, None, None)
    }];
    expect(
        &pods,
        &[bare("deleted")],
        ResourceName::Cpu,
        0,
        &[],
        &[],
        &["deleted"],
    );
}

// TestGroupPods "ignore pods in a failed state"
#[test]
fn failed_pods_are_ignored() {
    let pods = [pod("failed", PodPhase::Failed, None, None)];
    expect(
        &pods,
        &[bare("failed")],
        ResourceName::Cpu,
        0,
        &[],
        &[],
        &["failed"],
    );
}

// TestGroupPods "ignore pods in a succeeded state"
#[test]
fn succeeded_pods_are_ignored() {
    let pods = [pod("succeeded", PodPhase::Succeeded, None, None)];
    expect(
        &pods,
        &[bare("succeeded")],
        ResourceName::Cpu,
        0,
        &[],
        &[],
        &["succeeded"],
    );
}
