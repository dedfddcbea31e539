//! The one-line reasons decisions carry, e.g. "scaled up from 3 to 8: trigger 'queue' is 80
//! against a target of 10 per replica, limited by the scaleUp policies (Pods 4 per 15s)".
//!
//! A reason names the change, what drove it and what limited it, with the numbers, so that a
//! user reading `kubectl get so` at 3 a.m. can tell why without opening logs.

use std::fmt::Write as _;

use jiff::SignedDuration;

use super::active_triggers;
use super::metrics::Evaluation;
use super::observation::ScalerState;
use crate::behavior::{PolicyKind, ScalingRules, SelectPolicy};
use crate::config::ScalingConfig;
use crate::decision::{BoundBy, CompositeOutcome, Decision, TriggerOutcome, number as num};
use crate::hpa;
use crate::keda::executor::Step;
use crate::keda::fallback::behavior_name;
use crate::keda::pause::{
    FORCE_ACTIVATION, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT,
};

fn secs(duration: SignedDuration) -> String {
    format!("{}s", duration.as_secs())
}

/// "scaled up from 3 to 8", "scaled down from 8 to 3" or "kept 3 replicas".
fn change(current: i32, desired: i32) -> String {
    match desired.cmp(&current) {
        std::cmp::Ordering::Greater => format!("scaled up from {current} to {desired}"),
        std::cmp::Ordering::Less => format!("scaled down from {current} to {desired}"),
        std::cmp::Ordering::Equal => format!("kept {current} replicas"),
    }
}

/// What a trigger says, e.g. "trigger 'queue' is 80 against a target of 10 per replica".
fn trigger_says(outcome: &TriggerOutcome) -> String {
    let name = &outcome.name;
    if let Some(error) = &outcome.error {
        return format!("trigger '{name}' failed: {error}");
    }
    let value = outcome.value.map_or_else(|| "unknown".to_owned(), num);
    let target = outcome.target.map_or_else(|| "unknown".to_owned(), num);
    match outcome.metric_type {
        "Utilization" => {
            format!("trigger '{name}' is at {value}% of requests against a target of {target}%")
        }
        "AverageValue" if outcome.type_ == "cpu" || outcome.type_ == "memory" => {
            format!("trigger '{name}' averages {value} per pod against a target of {target}")
        }
        "AverageValue" => {
            format!("trigger '{name}' is {value} against a target of {target} per replica")
        }
        _ => format!("trigger '{name}' is {value} against a target of {target}"),
    }
}

fn composite_says(composite: &CompositeOutcome) -> String {
    let per = if composite.metric_type == "AverageValue" {
        " per replica"
    } else {
        ""
    };
    match (composite.value, &composite.error) {
        (_, Some(error)) => format!("formula `{}` failed: {error}", composite.formula),
        (Some(value), None) => format!(
            "formula `{}` is {} against a target of {}{per}",
            composite.formula,
            num(value),
            num(composite.target)
        ),
        (None, None) => format!("formula `{}` has no value", composite.formula),
    }
}

/// What made the object active (or that nothing did).
fn activity(evaluation: &Evaluation, decision: &Decision, config: &ScalingConfig) -> String {
    if let Some(composite) = &decision.composite {
        return match composite.value {
            Some(value) if composite.active => format!(
                "formula `{}` is {}, above its activation target {}",
                composite.formula,
                num(value),
                num(composite.activation)
            ),
            _ if config.force_activation => {
                format!("activation forced by annotation {FORCE_ACTIVATION}")
            }
            _ => composite_says(composite),
        };
    }
    let active: Vec<String> = active_triggers(&evaluation.outcomes)
        .map(|o| match (o.value, o.activation) {
            (Some(value), Some(activation)) => format!(
                "trigger '{}' is {}, above its activation target {}",
                o.name,
                num(value),
                num(activation)
            ),
            _ => format!("trigger '{}' is active", o.name),
        })
        .collect();
    if !active.is_empty() {
        return active.join("; ");
    }
    if config.force_activation {
        return format!("activation forced by annotation {FORCE_ACTIVATION}");
    }
    "no trigger is active".to_owned()
}

pub(super) fn paused(current: i32, replicas: Option<i32>) -> String {
    match replicas {
        Some(n) if n == current => format!("held at {n} replicas by annotation {PAUSED_REPLICAS}"),
        Some(n) => format!(
            "{} by annotation {PAUSED_REPLICAS}: autoscaling paused",
            change(current, n)
        ),
        None => format!("kept {current} replicas: autoscaling paused by annotation {PAUSED}"),
    }
}

pub(super) fn activated(
    current: i32,
    to: i32,
    config: &ScalingConfig,
    evaluation: &Evaluation,
    decision: &Decision,
) -> String {
    format!(
        "{}: {}",
        change(current, to),
        activity(evaluation, decision, config)
    )
}

pub(super) fn activation_blocked(
    current: i32,
    evaluation: &Evaluation,
    decision: &Decision,
) -> String {
    let why = decision.composite.as_ref().map_or_else(
        || {
            active_triggers(&evaluation.outcomes)
                .map(|o| format!("trigger '{}' is active", o.name))
                .next()
                .unwrap_or_else(|| "activation is forced".to_owned())
        },
        |_| "the formula is active".to_owned(),
    );
    format!("kept {current} replicas: {why} but annotation {PAUSED_SCALE_OUT} forbids scaling out")
}

pub(super) fn deactivated(
    current: i32,
    to: i32,
    idle: bool,
    config: &ScalingConfig,
    state: &ScalerState,
) -> String {
    let floor = if idle {
        format!("idleReplicaCount {to}")
    } else {
        format!("minReplicaCount {to}")
    };
    let since = match state.last_active_time {
        Some(last) => format!(
            "no trigger active since {last}, past the {} cooldown",
            secs(config.cooldown)
        ),
        None => format!(
            "never active, past the {} initial cooldown",
            secs(config.initial_cooldown)
        ),
    };
    format!("{} ({floor}): {since}", change(current, to))
}

pub(super) fn raised_to_min(current: i32, to: i32) -> String {
    format!(
        "{}: inactive, raised to minReplicaCount {to}",
        change(current, to)
    )
}

pub(super) fn staying_at_zero(evaluation: &Evaluation, decision: &Decision) -> String {
    let mut text = "kept 0 replicas: ".to_owned();
    if let Some(composite) = &decision.composite {
        text.push_str(&composite_says(composite));
        let _ = write!(text, ", activation target {}", num(composite.activation));
    } else {
        let said: Vec<String> = evaluation
            .outcomes
            .iter()
            .map(|o| match (o.value, o.activation, &o.error) {
                (_, _, Some(error)) => format!("'{}' failed: {error}", o.name),
                (Some(v), Some(a), None) => {
                    format!("'{}' is {} (activation target {})", o.name, num(v), num(a))
                }
                _ => format!("'{}' is inactive", o.name),
            })
            .collect();
        let _ = write!(text, "no trigger is active ({})", said.join(", "));
    }
    text
}

fn blocked(current: i32, error: &hpa::Error, outcomes: &[TriggerOutcome]) -> String {
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.error.as_ref().map(|e| format!("'{}': {e}", o.name)))
        .collect();
    let detail = if failed.is_empty() {
        error.to_string()
    } else {
        failed.join("; ")
    };
    format!(
        "kept {current} replicas: failing triggers block the change, since a broken metric may \
         block a scale-down but never a scale-up ({detail})"
    )
}

fn policies(direction: &str, rules: &ScalingRules) -> String {
    let list: Vec<String> = rules
        .policies
        .iter()
        .map(|p| {
            let kind = match p.kind {
                PolicyKind::Pods => "Pods",
                PolicyKind::Percent => "Percent",
            };
            format!("{kind} {} per {}", p.value, secs(p.period))
        })
        .collect();
    let select = match rules.select_policy {
        SelectPolicy::Max => "",
        SelectPolicy::Min => ", selectPolicy Min",
        SelectPolicy::Disabled => ", selectPolicy Disabled",
    };
    format!(
        "limited by the {direction} policies ({}{select})",
        list.join(", ")
    )
}

/// What limited the replica math's proposal.
fn limiter(decision: &Decision, config: &ScalingConfig) -> Option<String> {
    let behavior = config.behavior.as_ref();
    let window = |rules: Option<&ScalingRules>, default: SignedDuration| {
        secs(
            rules
                .and_then(|r| r.stabilization_window)
                .unwrap_or(default),
        )
    };
    Some(match decision.bound_by {
        BoundBy::Stabilization => {
            if decision.desired_replicas < decision.proposal.unwrap_or(0) {
                format!(
                    "held by the scale-up stabilization window ({}: the lowest recent recommendation)",
                    window(behavior.map(|b| &b.scale_up), SignedDuration::ZERO)
                )
            } else {
                format!(
                    "held by the scale-down stabilization window ({}: the highest recent recommendation)",
                    window(
                        behavior.map(|b| &b.scale_down),
                        config.controller.downscale_stabilization
                    )
                )
            }
        }
        BoundBy::ScaleUpPolicy => policies("scaleUp", &behavior?.scale_up),
        BoundBy::ScaleDownPolicy => policies("scaleDown", &behavior?.scale_down),
        BoundBy::ScaleUpLimit => format!(
            "limited to max({} × current, {}) per decision, the rule without a behavior",
            num(config.controller.scale_up_limit_factor),
            num(config.controller.scale_up_limit_minimum)
        ),
        BoundBy::ScaleUpDisabled => {
            "scaling up is disabled (scaleUp.selectPolicy: Disabled)".to_owned()
        }
        BoundBy::ScaleDownDisabled => {
            "scaling down is disabled (scaleDown.selectPolicy: Disabled)".to_owned()
        }
        BoundBy::PausedScaleOut => format!("annotation {PAUSED_SCALE_OUT} forbids scaling out"),
        BoundBy::PausedScaleIn => format!("annotation {PAUSED_SCALE_IN} forbids scaling in"),
        BoundBy::MaxReplicas => format!("capped at maxReplicaCount {}", config.max_replicas),
        BoundBy::MinReplicas => format!("raised to minReplicaCount {}", config.min_replicas.max(1)),
        BoundBy::Tolerance => format!(
            "within the tolerance (scale-up {}, scale-down {})",
            num(config.controller.tolerances(behavior).scale_up),
            num(config.controller.tolerances(behavior).scale_down)
        ),
        _ => return None,
    })
}

/// The trigger (or the formula) whose proposal won.
fn driver(decision: &Decision, evaluation: &Evaluation, config: &ScalingConfig) -> String {
    if let Some(composite) = &decision.composite
        && composite.proposal == decision.proposal
    {
        if let (true, Some(f)) = (decision.fallback, config.fallback) {
            return format!(
                "{}; falling back to {} replicas (fallback.behavior {})",
                composite_says(composite),
                f.replicas_for(decision.current_replicas),
                behavior_name(f.behavior)
            );
        }
        return composite_says(composite);
    }
    let winner = evaluation
        .outcomes
        .iter()
        .find(|o| o.proposal.is_some() && o.proposal == decision.proposal);
    match (winner, config.fallback) {
        (Some(o), Some(f)) if o.fallback => format!(
            "trigger '{}' failed {} times in a row (failureThreshold {}), falling back to {} \
             replicas (fallback.behavior {}): {}",
            o.name,
            o.failures,
            f.failure_threshold,
            f.replicas_for(decision.current_replicas),
            behavior_name(f.behavior),
            o.error.as_deref().unwrap_or_default()
        ),
        (Some(o), _) => trigger_says(o),
        (None, _) => "no metric proposal".to_owned(),
    }
}

pub(super) fn replica_math(
    decision: &Decision,
    evaluation: &Evaluation,
    step: Step,
    config: &ScalingConfig,
    blocked_by: Option<&hpa::Error>,
) -> String {
    let mut text = change(decision.current_replicas, decision.desired_replicas);
    match decision.bound_by {
        _ if blocked_by.is_some() => {
            if let Some(error) = blocked_by {
                text = blocked(decision.current_replicas, error, &evaluation.outcomes);
            }
        }
        BoundBy::MaxReplicas | BoundBy::MinReplicas if decision.proposal.is_none() => {
            let bound = if decision.bound_by == BoundBy::MaxReplicas {
                format!("above maxReplicaCount {}", config.max_replicas)
            } else {
                format!("below minReplicaCount {}", config.min_replicas.max(1))
            };
            let _ = write!(text, ": the current count is {bound}");
        }
        _ => {
            let _ = write!(text, ": {}", driver(decision, evaluation, config));
            if let Some(limit) = limiter(decision, config) {
                let _ = write!(text, ", {limit}");
            }
        }
    }
    match step {
        Step::CoolingDown { until, initial } => {
            let cooldown = if initial {
                "initial cooldown"
            } else {
                "cooldown"
            };
            let floor = config.idle_replicas.unwrap_or(config.min_replicas);
            let _ = write!(
                text,
                "; no trigger is active: scales to {floor} when the {cooldown} ends at {until}"
            );
        }
        Step::DeactivationBlocked => {
            let _ = write!(
                text,
                "; no trigger is active, but annotation {PAUSED_SCALE_IN} forbids scaling to zero"
            );
        }
        Step::HoldForFallback if !decision.fallback => {
            text.push_str("; not scaling to zero while triggers fail, so the fallback can apply");
        }
        _ => {}
    }
    let failed: Vec<&TriggerOutcome> = evaluation
        .outcomes
        .iter()
        .filter(|o| o.error.is_some() && !o.fallback)
        .collect();
    if !failed.is_empty() && decision.bound_by != BoundBy::TriggerError {
        let names: Vec<String> = failed.iter().map(|o| format!("'{}'", o.name)).collect();
        let _ = write!(text, "; failing: {}", names.join(", "));
    }
    text
}
