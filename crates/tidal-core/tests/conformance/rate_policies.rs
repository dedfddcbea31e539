//! Rate policies and min/max bounds (`convertDesiredReplicasWithBehaviorRate`), transcribed
//! from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go
//! `TestScalingWithRules`, `TestCalculateScaleUpLimitWithScalingRules` and
//! `TestCalculateScaleDownLimitWithBehaviors`. Each row keeps the upstream case name.

use tidal_core::behavior::{
    Behavior, History, Input, ScaleEvent, ScalingPolicy, ScalingRules, SelectPolicy, rate_limit,
};

use super::fixtures::{behavior, now, rules, uniform_events};

/// One row of `TestScalingWithRules`.
struct Case {
    name: &'static str,
    up_events: Vec<ScaleEvent>,
    down_events: Vec<ScaleEvent>,
    min: i32,
    max: i32,
    up: Option<ScalingRules>,
    down: Option<ScalingRules>,
    current: i32,
    desired: i32,
    expected: i32,
    condition: &'static str,
}

impl Default for Case {
    fn default() -> Self {
        Self {
            name: "",
            up_events: Vec::new(),
            down_events: Vec::new(),
            min: 1,
            max: 1000,
            up: None,
            down: None,
            current: 0,
            desired: 0,
            expected: 0,
            condition: "DesiredWithinRange",
        }
    }
}

fn run(case: &Case) -> (i32, &'static str) {
    let history = History {
        scale_up_events: case.up_events.clone(),
        scale_down_events: case.down_events.clone(),
        ..History::default()
    };
    let behavior: Behavior = behavior(case.up.clone(), case.down.clone());
    let input = Input {
        current: case.current,
        desired: case.desired,
        min: case.min,
        max: case.max,
        now: now(),
    };
    let (replicas, bound) = rate_limit(&history, &behavior, input);
    (replicas, bound.condition_reason())
}

// kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go TestScalingWithRules
#[test]
fn scaling_with_rules() {
    let e = uniform_events;
    #[rustfmt::skip]
    let cases = [
        Case { name: "prenormalized desired replicas within range", current: 5, desired: 7, min: 3, max: 8, expected: 7, ..Case::default() },
        Case { name: "prenormalized desired replicas < minReplicas", current: 3, desired: 1, min: 2, max: 8, expected: 2, condition: "TooFewReplicas", ..Case::default() },
        Case { name: "prenormalized desired replicas within range when minReplicas is 0", current: 1, desired: 0, min: 0, max: 10, expected: 0, ..Case::default() },
        Case { name: "maxReplicas is the limit because maxReplicas < scaleUpLimit", current: 20, desired: 1000, min: 1, max: 10, expected: 10, condition: "TooManyReplicas", ..Case::default() },
        Case { name: "desired replica count is more than the maximum replica count", current: 100, desired: 1000, min: 100, max: 150, expected: 150, condition: "TooManyReplicas", ..Case::default() },
        Case { name: "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", current: 3, desired: 1000, min: 1, max: 2000, up: Some(rules(0, 0, 1, 60, 0)), expected: 4, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleUp with default behavior", current: 10, desired: 50, expected: 20, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleUp with pods policy larger than percent policy", up: Some(rules(100, 60, 100, 60, 0)), current: 10, desired: 500, expected: 110, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleUp with percent policy larger than pods policy", up: Some(rules(2, 60, 100, 60, 0)), current: 10, desired: 500, expected: 20, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleUp with spec MaxReplicas limitation with large pod policy", up: Some(rules(100, 60, 0, 0, 0)), current: 10, desired: 50, expected: 50, ..Case::default() },
        Case { name: "scaleUp with spec MaxReplicas limitation with large percent policy", up: Some(rules(10000, 60, 0, 0, 0)), current: 10, desired: 50, expected: 50, ..Case::default() },
        Case { name: "scaleUp with pod policy limitation", up: Some(rules(30, 60, 0, 0, 0)), current: 10, desired: 50, expected: 40, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleUp with percent policy limitation", up: Some(rules(0, 0, 200, 60, 0)), current: 10, desired: 50, expected: 30, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleDown with percent policy larger than pod policy", down: Some(rules(20, 60, 1, 60, 300)), current: 100, desired: 2, expected: 80, condition: "ScaleDownLimit", ..Case::default() },
        Case { name: "scaleDown with pod policy larger than percent policy", down: Some(rules(2, 60, 1, 60, 300)), current: 100, desired: 2, expected: 98, condition: "ScaleDownLimit", ..Case::default() },
        Case { name: "scaleDown with spec MinReplicas limitation with large pod policy", down: Some(rules(100, 60, 0, 0, 300)), current: 10, desired: 0, expected: 1, condition: "TooFewReplicas", ..Case::default() },
        Case { name: "scaleDown with spec MinReplicas limitation with large percent policy", min: 5, down: Some(rules(0, 0, 100, 60, 300)), current: 10, desired: 2, expected: 5, condition: "TooFewReplicas", ..Case::default() },
        Case { name: "scaleDown with pod policy limitation", down: Some(rules(5, 60, 0, 0, 300)), current: 10, desired: 2, expected: 5, condition: "ScaleDownLimit", ..Case::default() },
        Case { name: "scaleDown with percent policy limitation", down: Some(rules(0, 0, 50, 60, 300)), current: 10, desired: 5, expected: 5, ..Case::default() },
        Case { name: "scaleUp with spec MaxReplicas limitation with large pod policy and events", up_events: e(&[1, 5, 9], 120), max: 200, up: Some(rules(300, 60, 0, 0, 0)), current: 100, desired: 500, expected: 200, condition: "TooManyReplicas", ..Case::default() },
        Case { name: "scaleUp with spec MaxReplicas limitation with large percent policy and events", up_events: e(&[1, 5, 9], 120), max: 200, up: Some(rules(0, 0, 10000, 60, 0)), current: 100, desired: 500, expected: 200, condition: "TooManyReplicas", ..Case::default() },
        Case { name: "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events", up_events: e(&[1, 5, 9], 120), up: Some(rules(5, 120, 0, 0, 0)), current: 100, desired: 500, expected: 100, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleUp with pod policy and previous scale up events", up_events: e(&[1, 5, 9], 120), up: Some(rules(150, 120, 0, 0, 0)), current: 100, desired: 500, expected: 235, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleUp with percent policy and previous scale up events", up_events: e(&[1, 5, 9], 120), up: Some(rules(0, 0, 200, 120, 0)), current: 100, desired: 500, expected: 255, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleUp with percent policy and previous scale up and down events", up_events: e(&[4], 120), down_events: e(&[2], 120), up: Some(rules(0, 0, 300, 300, 0)), current: 6, desired: 24, expected: 16, condition: "ScaleUpLimit", ..Case::default() },
        Case { name: "scaleDown with default policy and previous events", down_events: e(&[1, 5, 9], 120), current: 10, desired: 5, expected: 5, ..Case::default() },
        Case { name: "scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", down_events: e(&[1, 5, 9], 120), down: Some(rules(115, 120, 0, 0, 300)), current: 100, desired: 0, expected: 1, condition: "TooFewReplicas", ..Case::default() },
        Case { name: "scaleDown with spec MinReplicas limitation with large pod policy and previous events", down_events: e(&[1, 5, 9], 120), min: 5, down: Some(rules(130, 120, 0, 0, 300)), current: 100, desired: 0, expected: 5, condition: "TooFewReplicas", ..Case::default() },
        Case { name: "scaleDown with spec MinReplicas limitation with large percent policy and previous events", down_events: e(&[1, 5, 9], 120), min: 5, down: Some(rules(0, 0, 100, 120, 300)), current: 100, desired: 2, expected: 5, condition: "TooFewReplicas", ..Case::default() },
        Case { name: "scaleDown with pod policy limitation and previous events", down_events: e(&[1, 5, 9], 120), down: Some(rules(5, 120, 0, 0, 300)), current: 100, desired: 2, expected: 100, condition: "ScaleDownLimit", ..Case::default() },
        Case { name: "scaleDown with percent policy limitation and previous events", down_events: e(&[2, 4, 6], 120), down: Some(rules(0, 0, 50, 120, 300)), current: 100, desired: 0, expected: 56, condition: "ScaleDownLimit", ..Case::default() },
        Case { name: "scaleDown with percent policy and previous scale up and down events", up_events: e(&[2], 120), down_events: e(&[4], 120), down: Some(rules(0, 0, 50, 180, 0)), current: 10, desired: 1, expected: 6, condition: "ScaleDownLimit", ..Case::default() },
        Case { name: "scaleDown with previous events preventing further scale down", down_events: e(&[10, 10, 10], 120), down: Some(rules(0, 0, 10, 120, 300)), current: 100, desired: 0, expected: 100, condition: "ScaleDownLimit", ..Case::default() },
        Case { name: "scaleDown with with previous events still allowing more scale down", down_events: e(&[10, 10, 10], 120), down: Some(rules(0, 0, 1000, 120, 300)), current: 10, desired: 5, expected: 5, ..Case::default() },
        Case { name: "check 'outdated' flag for events for one behavior for up", up_events: e(&[8, 12, 9, 11], 120), up: Some(rules(1000, 60, 0, 0, 0)), current: 100, desired: 200, expected: 200, ..Case::default() },
        Case { name: "check that events were not marked 'outdated' for two different policies in the behavior for up", up_events: e(&[8, 12, 9, 11], 120), up: Some(rules(1000, 120, 100, 60, 0)), current: 100, desired: 200, expected: 200, ..Case::default() },
        Case { name: "check that events were marked 'outdated' for two different policies in the behavior for up", up_events: e(&[8, 12, 9, 11], 120), up: Some(rules(1000, 30, 100, 60, 0)), current: 100, desired: 200, expected: 200, ..Case::default() },
        Case { name: "check 'outdated' flag for events for one behavior for down", down_events: e(&[8, 12, 9, 11], 120), down: Some(rules(1000, 60, 0, 0, 300)), current: 100, desired: 5, expected: 5, ..Case::default() },
        Case { name: "check that events were not marked 'outdated' for two different policies in the behavior for down", down_events: e(&[8, 12, 9, 11], 120), down: Some(rules(1000, 120, 100, 60, 300)), current: 100, desired: 5, expected: 5, ..Case::default() },
        Case { name: "check that events were marked 'outdated' for two different policies in the behavior for down", down_events: e(&[8, 12, 9, 11], 120), down: Some(rules(1000, 30, 100, 60, 300)), current: 100, desired: 5, expected: 5, ..Case::default() },
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let got = run(case);
            (got != (case.expected, case.condition)).then(|| {
                format!(
                    "{}: got {got:?}, want ({}, {:?})",
                    case.name, case.expected, case.condition
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(cases.len(), 40);
}

fn min_select(policies: Vec<ScalingPolicy>) -> ScalingRules {
    ScalingRules {
        select_policy: SelectPolicy::Min,
        policies,
        ..ScalingRules::default_scale_up()
    }
}

// kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go TestCalculateScaleUpLimitWithScalingRules
#[test]
fn scale_up_limit_with_min_select_policy() {
    let up = min_select(vec![
        ScalingPolicy::pods(2, 60),
        ScalingPolicy::percent(50, 60),
    ]);
    let behavior = Behavior {
        scale_up: up,
        ..Behavior::default()
    };
    let input = Input {
        current: 1,
        desired: 1000,
        min: 1,
        max: 1000,
        now: now(),
    };
    assert_eq!(rate_limit(&History::default(), &behavior, input).0, 2);
}

// kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go TestCalculateScaleDownLimitWithBehaviors
#[test]
fn scale_down_limit_with_min_select_policy() {
    let down = min_select(vec![
        ScalingPolicy::pods(2, 60),
        ScalingPolicy::percent(50, 60),
    ]);
    let behavior = Behavior {
        scale_down: down,
        ..Behavior::default()
    };
    let input = Input {
        current: 5,
        desired: 0,
        min: 0,
        max: 1000,
        now: now(),
    };
    assert_eq!(rate_limit(&History::default(), &behavior, input).0, 3);
}
