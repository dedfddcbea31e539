//! Invariants of the replica math that must hold for every input, not only the transcribed
//! Kubernetes cases: bounds are respected, more load never means fewer pods, a scale-down
//! waits out its stabilization window, and a rate policy is never exceeded over its period.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use tidal_core::behavior::{
    Behavior, ControllerConfig, History, Input, Recommendation, ScalingPolicy, ScalingRules,
    SelectPolicy, normalize,
};
use tidal_core::hpa::{
    ExternalTarget, Pod, PodMetric, PodSamples, ReadinessConfig, Requests, ResourceMetric,
    ResourceName, ResourceTarget, ScaleState, Tolerances, external_replicas, resource_replicas,
};
use tidal_core::quantity::parse_milli;

fn start() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn seconds(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

/// Either Kubernetes' legacy path (`None`) or a behavior with arbitrary windows and policies.
fn any_behavior() -> impl Strategy<Value = Option<Behavior>> {
    let policy = (any::<bool>(), 1..200i32, 1..600i64).prop_map(|(pods, value, period)| {
        if pods {
            ScalingPolicy::pods(value, period)
        } else {
            ScalingPolicy::percent(value, period)
        }
    });
    let select = prop_oneof![
        Just(SelectPolicy::Max),
        Just(SelectPolicy::Min),
        Just(SelectPolicy::Disabled)
    ];
    let rules = (
        proptest::option::of(0..900i64),
        select,
        proptest::collection::vec(policy, 1..3),
    )
        .prop_map(|(window, select_policy, policies)| ScalingRules {
            stabilization_window: window.map(seconds),
            select_policy,
            policies,
            tolerance: None,
        });
    proptest::option::of(
        (rules.clone(), rules).prop_map(|(scale_up, scale_down)| Behavior {
            scale_up,
            scale_down,
        }),
    )
}

/// A history of recommendations made up to 15 minutes before [`start`] + 1 h.
fn any_history() -> impl Strategy<Value = History> {
    proptest::collection::vec((0..200i32, 0..900i64), 0..12).prop_map(|recs| History {
        recommendations: recs
            .into_iter()
            .map(|(replicas, ago)| Recommendation {
                at: start() + seconds(3600 - ago),
                replicas,
            })
            .collect(),
        ..History::default()
    })
}

fn decide(history: &mut History, behavior: Option<&Behavior>, input: Input) -> i32 {
    normalize(history, behavior, &ControllerConfig::default(), input).replicas
}

/// `n` running, ready pods, each requesting one CPU and reporting `usage` milli-cores.
fn ready_pods(n: usize, usage: i64) -> (Vec<Pod>, Vec<PodMetric>) {
    let pods = (0..n)
        .map(|i| Pod {
            requests: Requests {
                cpu: Some(1000),
                memory: None,
            },
            ..Pod::running(format!("pod-{i}"), start())
        })
        .collect();
    let metrics = (0..n)
        .map(|i| PodMetric {
            pod: format!("pod-{i}"),
            value: usage,
            timestamp: start(),
            window: seconds(60),
        })
        .collect();
    (pods, metrics)
}

fn cpu_proposal(pods: usize, usage: i64, target: ResourceTarget) -> i32 {
    let (pods_list, metrics) = ready_pods(pods, usage);
    let samples = PodSamples {
        pods: &pods_list,
        metrics: &metrics,
        now: start() + seconds(3600),
        readiness: ReadinessConfig::default(),
    };
    let metric = ResourceMetric {
        resource: ResourceName::Cpu,
        target,
    };
    resource_replicas(&metric, pods as i32, &samples, Tolerances::default())
        .unwrap()
        .replicas
}

proptest! {
    /// Whatever the metrics, the history and the behavior, the result stays within
    /// [minReplicas, maxReplicas].
    #[test]
    fn result_never_leaves_min_max(
        behavior in any_behavior(),
        mut history in any_history(),
        (min, max) in (0..50i32).prop_flat_map(|min| (Just(min), min.max(1)..100)),
        current in 0..150i32,
        desired in -5..2000i32,
    ) {
        let input = Input { current, desired, min, max, now: start() + seconds(3600) };
        let replicas = decide(&mut history, behavior.as_ref(), input);
        prop_assert!((min..=max).contains(&replicas), "{replicas} outside {min}..={max}");
    }

    /// With every pod ready and reporting, more usage never proposes fewer replicas, through
    /// the replica calculator and the normalization alike (same history for both).
    #[test]
    fn more_usage_never_gives_fewer_replicas(
        behavior in any_behavior(),
        history in any_history(),
        pods in 1..40usize,
        (low, high) in (0..5000i64).prop_flat_map(|low| (Just(low), low..6000)),
        utilization in prop_oneof![
            (1..300i32).prop_map(ResourceTarget::Utilization),
            (1..3000i64).prop_map(ResourceTarget::AverageValue),
        ],
    ) {
        let current = pods as i32;
        let (less, more) = (cpu_proposal(pods, low, utilization), cpu_proposal(pods, high, utilization));
        prop_assert!(less <= more, "proposals {less} > {more}");

        let input = |desired| Input { current, desired, min: 1, max: 500, now: start() + seconds(3600) };
        let decided_less = decide(&mut history.clone(), behavior.as_ref(), input(less));
        let decided_more = decide(&mut history.clone(), behavior.as_ref(), input(more));
        prop_assert!(decided_less <= decided_more, "decisions {decided_less} > {decided_more}");
    }

    /// The same for an external metric against a `Value` target with every replica ready.
    #[test]
    fn more_external_value_never_gives_fewer_replicas(
        current in 0..60i32,
        (low, high) in (0..1_000_000i64).prop_flat_map(|low| (Just(low), low..2_000_000)),
        target in 1..100_000i64,
    ) {
        let scale = ScaleState { spec_replicas: current, status_replicas: current, ready_pods: Some(current as u32) };
        let propose = |v: i64| external_replicas(ExternalTarget::Value(target), &[v], &scale, Tolerances::default());
        prop_assert!(propose(low).unwrap().replicas <= propose(high).unwrap().replicas);
    }

    /// A scale-down never goes below the highest recommendation made within the scale-down
    /// window (nor below the current count if that is lower).
    #[test]
    fn no_scale_down_inside_the_stabilization_window(
        behavior in any_behavior(),
        mut history in any_history(),
        current in 1..100i32,
        desired in 0..100i32,
    ) {
        let now = start() + seconds(3600);
        let controller = ControllerConfig::default();
        let window = behavior.as_ref().map_or(controller.downscale_stabilization, |b| {
            b.scale_down.stabilization_window.unwrap_or(controller.downscale_stabilization)
        });
        let highest_recent = history
            .recommendations
            .iter()
            .filter(|r| r.at > now - window)
            .map(|r| r.replicas)
            .max();
        let replicas = decide(&mut history, behavior.as_ref(), Input { current, desired, min: 0, max: 1000, now });
        if let Some(highest) = highest_recent {
            prop_assert!(replicas >= highest.min(current), "{replicas} below {highest} held within the window");
        }
    }

    /// Driving a target through a long run of decisions, every scale keeps the net change
    /// over the policy period that ends with it within the policy's allowance, even after the
    /// event history has reused its obsolete slots many times.
    #[test]
    fn policies_are_never_exceeded_within_their_period(
        (up_pods, up_period) in (1..10i32, 1..300i64),
        (down_pods, down_period) in (1..10i32, 1..300i64),
        steps in proptest::collection::vec((1..90i64, 0..80i32), 1..120),
        initial in 1..60i32,
    ) {
        let behavior = Behavior {
            scale_up: ScalingRules {
                stabilization_window: Some(SignedDuration::ZERO),
                select_policy: SelectPolicy::Max,
                policies: vec![ScalingPolicy::pods(up_pods, up_period)],
                tolerance: None,
            },
            scale_down: ScalingRules {
                stabilization_window: Some(SignedDuration::ZERO),
                select_policy: SelectPolicy::Max,
                policies: vec![ScalingPolicy::pods(down_pods, down_period)],
                tolerance: None,
            },
        };
        let mut history = History::new();
        let mut now = start();
        let mut timeline = vec![(now, initial)];
        let mut current = initial;
        for (gap, desired) in steps {
            now += seconds(gap);
            let replicas = decide(&mut history, Some(&behavior), Input { current, desired, min: 0, max: 80, now });
            // The count in effect at the start of a period: after every change at or before it,
            // as Kubernetes counts only the events strictly inside the period.
            let at = |t: Timestamp| timeline.iter().rev().find(|(when, _)| *when <= t).map_or(initial, |(_, r)| *r);
            if replicas > current {
                let added = replicas - at(now - seconds(up_period));
                prop_assert!(added <= up_pods, "added {added} in {up_period}s, allowed {up_pods}");
            }
            if replicas < current {
                let removed = at(now - seconds(down_period)) - replicas;
                prop_assert!(removed <= down_pods, "removed {removed} in {down_period}s, allowed {down_pods}");
            }
            if replicas != current {
                history.record_scale(Some(&behavior), current, replicas, now);
                timeline.push((now, replicas));
                current = replicas;
            }
        }
    }

    /// Any milli-value written in milli-units parses back to itself.
    #[test]
    fn milli_quantities_round_trip(milli in any::<i64>()) {
        prop_assert_eq!(parse_milli(&format!("{milli}m")), Ok(milli));
    }
}
