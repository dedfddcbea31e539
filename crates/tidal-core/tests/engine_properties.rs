//! Invariants of the decision engine over generated configurations, observations and states:
//! the bounds hold, zero is reached only where KEDA allows it, a paused object keeps what the
//! annotations say, and the same inputs always give the same decision.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use tidal_core::behavior::{Behavior, ControllerConfig, History, Recommendation, ScalingPolicy};
use tidal_core::config::{MetricType, Modifiers, ScalingConfig, TriggerConfig, TriggerMetric};
use tidal_core::engine::{Engine, Observation, Reading, ScalerState};
use tidal_core::hpa::ReadinessConfig;
use tidal_core::keda::fallback::{FallbackBehavior, FallbackConfig};
use tidal_core::keda::pause::Pause;
use tidal_formula::Formula;

const NOW: i64 = 1_800_000_000;

fn at(offset_seconds: i64) -> Timestamp {
    Timestamp::from_second(NOW + offset_seconds).unwrap()
}

fn trigger(index: usize) -> impl Strategy<Value = TriggerConfig> {
    (
        prop_oneof![Just(MetricType::AverageValue), Just(MetricType::Value)],
        prop_oneof![Just(1.0), Just(10.0), 0.5f64..100.0],
        prop_oneof![Just(0.0), -5.0f64..20.0],
    )
        .prop_map(move |(metric_type, target, activation)| TriggerConfig {
            name: format!("t{index}"),
            formula_name: Some(format!("t{index}")),
            type_: "prometheus".to_owned(),
            metric: TriggerMetric::External {
                metric_type,
                target: Some(target),
                activation,
            },
        })
}

fn behavior() -> impl Strategy<Value = Option<Behavior>> {
    prop_oneof![
        Just(None),
        Just(Some(Behavior::default())),
        (1i32..10, 1i64..120, 0i64..600).prop_map(|(pods, period, window)| {
            let mut behavior = Behavior::default();
            behavior.scale_up.policies = vec![ScalingPolicy::pods(pods, period)];
            behavior.scale_down.stabilization_window = Some(SignedDuration::from_secs(window));
            Some(behavior)
        }),
    ]
}

fn fallback() -> impl Strategy<Value = Option<FallbackConfig>> {
    prop_oneof![
        Just(None),
        (0u32..3, 0i32..10, 0usize..4).prop_map(|(failure_threshold, replicas, b)| {
            Some(FallbackConfig {
                failure_threshold,
                replicas,
                behavior: [
                    FallbackBehavior::Static,
                    FallbackBehavior::CurrentReplicas,
                    FallbackBehavior::CurrentReplicasIfHigher,
                    FallbackBehavior::CurrentReplicasIfLower,
                ][b],
            })
        }),
    ]
}

/// How the generated pause annotations look.
#[derive(Debug, Clone, Copy)]
enum Paused {
    /// No pause annotation.
    Never,
    /// Any combination.
    Any,
    /// `paused` or `paused-replicas` always set.
    Frozen,
    /// Only `paused-scale-in` or `paused-scale-out` (at least one).
    Direction,
}

prop_compose! {
    fn config(mode: Paused)(
        min in 0i32..5,
        span in 0i32..20,
        idle in any::<bool>(),
        triggers in (1usize..4).prop_flat_map(|n| (0..n).map(trigger).collect::<Vec<_>>()),
        formula in any::<bool>(),
        fallback in fallback(),
        behavior in behavior(),
        cooldown in 0i64..600,
        initial_cooldown in 0i64..600,
        pause_flags in (any::<bool>(), any::<bool>(), any::<bool>(), proptest::option::of(0i32..8)),
        force_activation in any::<bool>(),
    ) -> ScalingConfig {
        let modifiers = formula.then(|| Modifiers {
            formula: Formula::parse("t0 * 2 + (t1 ?? 0)").unwrap(),
            target: 10.0,
            activation_target: 1.0,
            metric_type: MetricType::AverageValue,
        });
        let mut triggers = triggers;
        if formula && triggers.len() < 2 {
            triggers.push(TriggerConfig { name: "t1".into(), formula_name: Some("t1".into()), ..triggers[0].clone() });
        }
        let (mut paused, mut scale_in, scale_out, mut replicas) = pause_flags;
        paused |= matches!(mode, Paused::Frozen);
        if matches!(mode, Paused::Direction) {
            (paused, replicas) = (false, None);
            scale_in |= !scale_out;
        }
        ScalingConfig {
            min_replicas: min,
            max_replicas: (min + span).max(1),
            idle_replicas: (idle && min > 0).then_some(0),
            polling_interval: SignedDuration::from_secs(30),
            cooldown: SignedDuration::from_secs(cooldown),
            initial_cooldown: SignedDuration::from_secs(initial_cooldown),
            triggers,
            modifiers,
            fallback,
            behavior,
            controller: ControllerConfig::default(),
            readiness: ReadinessConfig::default(),
            pause: match mode {
                Paused::Never => Pause::default(),
                Paused::Any | Paused::Frozen | Paused::Direction => {
                    Pause { paused, replicas, scale_in, scale_out }
                }
            },
            force_activation,
        }
    }
}

fn reading() -> impl Strategy<Value = Reading> {
    prop_oneof![
        4 => (-50.0f64..500.0).prop_map(Reading::value),
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0)].prop_map(Reading::value),
        2 => Just(Reading::error("scaler failed")),
    ]
}

prop_compose! {
    fn observation()(replicas in 0i32..30, ready in 0i32..30, readings in prop::collection::vec(reading(), 0..5)) -> Observation {
        Observation { replicas, ready_replicas: ready.min(replicas), triggers: readings, ..Observation::default() }
    }
}

prop_compose! {
    fn state()(
        created in proptest::option::of(-3600i64..0),
        last_active in proptest::option::of(-3600i64..0),
        failures in prop::collection::btree_map("t[0-3]", 0u32..5, 0..3),
        recommendations in prop::collection::vec((-900i64..0, 0i32..30), 0..20),
    ) -> ScalerState {
        ScalerState {
            created_at: created.map(at),
            last_active_time: last_active.map(at),
            failures,
            history: History {
                recommendations: recommendations
                    .into_iter()
                    .map(|(offset, replicas)| Recommendation { at: at(offset), replicas })
                    .collect(),
                ..History::default()
            },
            paused_replica_count: None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn without_pause_the_count_stays_within_bounds(config in config(Paused::Never), observation in observation(), mut state in state()) {
        let (min, max, idle) = (config.min_replicas, config.max_replicas, config.idle_replicas);
        let d = Engine::new(config).decide(&observation, &mut state, at(0));
        let allowed = (min..=max).contains(&d.desired_replicas)
            || Some(d.desired_replicas) == idle
            || (d.desired_replicas == 0 && min == 0);
        prop_assert!(allowed, "{} outside [{min}, {max}] (idle {idle:?}): {}", d.desired_replicas, d.reason);
    }

    #[test]
    fn zero_is_reached_only_where_keda_allows_it(config in config(Paused::Any), observation in observation(), mut state in state()) {
        let (min, idle, pause) = (config.min_replicas, config.idle_replicas, config.pause);
        let d = Engine::new(config).decide(&observation, &mut state, at(0));
        if d.desired_replicas == 0 {
            let frozen_at_zero = pause.replicas == Some(0)
                || (pause.is_frozen() && pause.replicas.is_none() && observation.replicas <= 0);
            let held_at_zero = pause.scale_out && observation.replicas <= 0;
            prop_assert!(
                min == 0 || idle == Some(0) || frozen_at_zero || held_at_zero,
                "went to zero with minReplicaCount {min}: {}", d.reason
            );
        }
    }

    #[test]
    fn a_paused_object_does_what_the_annotations_say(config in config(Paused::Frozen), observation in observation(), mut state in state()) {
        let pause = config.pause;
        let before = state.clone();
        let d = Engine::new(config).decide(&observation, &mut state, at(0));
        prop_assert_eq!(d.desired_replicas, pause.replicas.unwrap_or(observation.replicas.max(0)));
        prop_assert_eq!(state.paused_replica_count, pause.replicas);
        state.paused_replica_count = None;
        prop_assert_eq!(state, before);
    }

    #[test]
    fn the_same_inputs_give_the_same_decision(config in config(Paused::Any), observation in observation(), state in state()) {
        let engine = Engine::new(config);
        let (mut a, mut b) = (state.clone(), state);
        let first = engine.decide(&observation, &mut a, at(0));
        let second = engine.decide(&observation, &mut b, at(0));
        // Compared through Debug, where NaN readings equal themselves.
        prop_assert_eq!(format!("{first:?}"), format!("{second:?}"));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn paused_directions_never_move_that_way(config in config(Paused::Direction), observation in observation(), mut state in state()) {
        let pause = config.pause;
        let (min, max) = (config.min_replicas.max(1), config.max_replicas);
        let current = observation.replicas;
        let d = Engine::new(config).decide(&observation, &mut state, at(0));
        // Out-of-bounds counts return to the bounds first, as the HPA does.
        if (min..=max).contains(&current) {
            if pause.scale_in {
                prop_assert!(d.desired_replicas >= current, "{}", d.reason);
            }
            if pause.scale_out {
                prop_assert!(d.desired_replicas <= current, "{}", d.reason);
            }
        }
    }
}
