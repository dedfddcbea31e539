//! The engine-backed policies held to hand-computed cases: the `hpa-cpu` baseline against the
//! Kubernetes HPA's arithmetic and default behavior, and a ScaledObject through KEDA's
//! activation (0 → 1) and cooldown (→ 0) in a full simulated run.

use std::path::Path;

use tidal_sim::cluster::PodCounts;
use tidal_sim::engine::hpa_cpu::HpaCpu;
use tidal_sim::policy::{Bounds, Policy};
use tidal_sim::scenario::Scenario;
use tidal_sim::signals::{Sample, SignalView};
use tidal_sim::{PolicySpec, Prepared, compare, needs, run};

/// A view of `ready` ready pods whose last scrape (at `now`) saw each at `cpu` percent.
fn view_at(sample: &Sample, ready: u32) -> SignalView<'_> {
    SignalView {
        now: sample.at,
        pods: PodCounts {
            desired: ready,
            ready,
            ..PodCounts::default()
        },
        sample: Some(sample),
        needed: &[],
    }
}

fn scrape(now: f64, ready: u32, cpu: f64) -> Sample {
    let mut sample = Sample::new(now);
    sample.pod_cpu = (0..u64::from(ready)).map(|id| (id, cpu)).collect();
    sample
}

#[test]
fn hpa_cpu_doubles_on_a_hot_fleet_then_holds_for_the_down_stabilization_window() {
    let mut hpa = HpaCpu::new(50, 1.0, Bounds { min: 1, max: 20 });
    // 4 pods at 90 % of request, 50 % target: ratio 1.8, ceil(1.8 × 4) = 8; the default
    // scale-up policy allows max(+100 %, +4 pods) = 8 per 15 s.
    let hot = scrape(15.0, 4, 90.0);
    let first = hpa.decide(&view_at(&hot, 4), 15.0);
    assert_eq!(
        (first.desired, first.bound_by),
        (8, Some("metric")),
        "{}",
        hpa.reason()
    );
    // Load falls to 10 %: ceil(0.2 × 8) = 2, but the 300 s scale-down stabilization window
    // still holds the recommendation of 8 made at 15 s.
    let mut t = 30.0;
    while t <= 300.0 {
        let cold = scrape(t, 8, 10.0);
        let held = hpa.decide(&view_at(&cold, 8), t);
        assert_eq!(
            (held.desired, held.bound_by),
            (8, Some("stabilization")),
            "t={t}: {}",
            hpa.reason()
        );
        t += 15.0;
    }
    // At 315 s the recommendation of 15 s has left the window (it must be after 315 − 300):
    // the highest left is 2, and the default scale-down policy (−100 % per 15 s) allows it.
    let cold = scrape(315.0, 8, 10.0);
    let released = hpa.decide(&view_at(&cold, 8), 315.0);
    assert_eq!(released.desired, 2, "{}", hpa.reason());
}

#[test]
fn hpa_cpu_does_not_count_starting_pods_on_a_scale_up() {
    let mut hpa = HpaCpu::new(50, 1.0, Bounds { min: 1, max: 20 });
    // 2 ready pods at 100 % and 2 still starting: the HPA counts the starting pods at 0 %, so
    // the ratio is (100 + 100 + 0 + 0) / 4 / 50 = 1.0 — within tolerance, keep 4.
    let hot = scrape(15.0, 2, 100.0);
    let view = SignalView {
        pods: PodCounts {
            desired: 4,
            ready: 2,
            starting: 2,
            ..PodCounts::default()
        },
        ..view_at(&hot, 2)
    };
    let decision = hpa.decide(&view, 15.0);
    assert_eq!(decision.desired, 4, "{}", hpa.reason());
}

fn prepared(yaml: &str) -> Prepared {
    let scenario: Scenario = serde_saphyr::from_str(yaml).expect("valid scenario");
    Prepared::new(scenario, Path::new(".")).expect("valid scenario")
}

/// Queue consumers idle for 5 minutes, busy at 5 messages/s until 20 minutes, idle again.
const ON_OFF: &str = "name: on-off
duration: 40m
load:
  synthetic:
    base: 5
    steps:
      - { at: 0s, factor: 0, until: 5m }
      - { at: 20m, factor: 0 }
service: { queue: { rate_per_replica: 10 } }
cluster: { startup: { fixed: 10s }, initial_replicas: 0 }
slo: { latency: 1m }
scrape: { interval: 15s }
replicas: { min: 0, max: 10 }
policies:
  - keda-queue:
      signal: requests_per_second
      target: 4
      polling_interval: 15s
      cooldown_period: 5m
      min_replica_count: 0
";

#[test]
fn a_scaled_object_activates_from_zero_and_returns_to_zero_after_its_cooldown() {
    let prepared = prepared(ON_OFF);
    let spec = &prepared.scenario.policies[0];
    let mut policy = tidal_sim::compare::build_policy(spec, &prepared).unwrap();
    let needed = needs::needed_per_minute(&prepared, 0).unwrap();
    let output = run::run(&prepared, policy.as_mut(), 0, &needed, None);
    let events = &output.events;
    // Scrapes and polls fall at 1 s, 15 s, 30 s, …. The poll at 300 s sees the idle window
    // before the load; the one at 315 s sees ~5/s: KEDA activates, 0 → max(min, 1) = 1.
    let first = &events[0];
    assert_eq!(
        (first.at, first.from, first.to, first.bound_by),
        (315.0, 0, 1, Some("activation")),
        "{}",
        first.reason
    );
    // The last active poll is at 1200 s (its window ends as the load stops). The object may go
    // to zero once lastActiveTime + cooldownPeriod is before now: not at 1500 s, at 1515 s.
    let last = events.last().unwrap();
    assert_eq!(
        (last.at, last.to, last.bound_by),
        (1515.0, 0, Some("idle")),
        "{}",
        last.reason
    );
    assert!(
        events[1..events.len() - 1].iter().all(|e| e.to > 0),
        "nothing else scales to zero: {events:#?}"
    );
    let decisions = &output.summary.decisions;
    assert!(
        decisions.get("cooldown").copied().unwrap_or(0) > 0,
        "inactive polls before the end of the cooldown are bound by it: {decisions:?}"
    );
    let polls: u64 = decisions.values().sum();
    assert_eq!(
        polls, 161,
        "a poll at 1 s, then one every 15 s up to 2400 s"
    );
    // Every message that arrived was served: activation lost nothing.
    let r = output.summary.requests;
    assert_eq!((r.dropped, r.failed, r.in_system_at_end), (0, 0, 0));
}

#[test]
fn keda_queue_settings_keda_would_refuse_are_field_errors() {
    for (from, to, field) in [
        ("target: 4", "target: 0", "policies.keda-queue.target"),
        (
            "polling_interval: 15s",
            "polling_interval: 1500ms",
            "policies.keda-queue.polling_interval",
        ),
        (
            "signal: requests_per_second",
            "signal: http_requests_total",
            "policies.keda-queue.signal",
        ),
    ] {
        let prepared = prepared(&ON_OFF.replace(from, to));
        match compare(&prepared, &prepared.scenario.policies, 1, 1, None) {
            Err(tidal_sim::Error::Field { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: expected a field error, got {other:?}"),
        }
    }
    let spec = PolicySpec::ScaledObject("no-such-file.yaml".into());
    let prepared = prepared(ON_OFF);
    let error = compare(&prepared, &[spec], 1, 1, None).unwrap_err();
    assert!(error.to_string().contains("no-such-file.yaml"), "{error}");
}
