//! Each trigger's value, activity and replica proposal, and the scaling-modifiers composite.
//!
//! External triggers go through KEDA's path: the reading is clamped and truncated to
//! milli-units ([`keda::metric_milli`]), compared with its activation target, and handed to the
//! HPA's external-metric formula. A failing read counts towards the fallback; past the threshold
//! its value is replaced by KEDA's synthetic fallback value. `cpu`/`memory` triggers are computed
//! from the pods by the HPA's resource formula and, as in KEDA, take no part in activation.
//! With a formula, the triggers it names feed one composite metric instead of proposing
//! themselves.

use crate::config::{MetricType, Modifiers, TriggerConfig, TriggerMetric};
use crate::decision::{CompositeOutcome, TriggerOutcome};
use crate::hpa::{
    self, Current, ExternalTarget, PodSamples, Proposal, ResourceMetric, ResourceTarget,
    ScaleState, Tolerances,
};
use crate::keda::fallback::{FallbackBehavior, FallbackConfig, synthetic_value};
use crate::keda::{is_active, metric_milli};

use super::observation::{Observation, Reading, ScalerState};

/// The per-decision facts the trigger evaluation needs.
pub(super) struct Context<'a> {
    pub(super) observation: &'a Observation,
    pub(super) now: jiff::Timestamp,
    pub(super) current: i32,
    pub(super) scale: ScaleState,
    /// Ready replicas for KEDA's `Value` fallback.
    pub(super) ready: u32,
    pub(super) tolerances: Tolerances,
    pub(super) readiness: hpa::ReadinessConfig,
    pub(super) fallback: Option<FallbackConfig>,
    /// Whether the replica math runs (the target has replicas).
    pub(super) replica_math: bool,
}

/// Everything the triggers said.
pub(super) struct Evaluation {
    pub(super) outcomes: Vec<TriggerOutcome>,
    /// Values the formula reads, per trigger (`None`: nil), and the first error among triggers
    /// that make the composite fail.
    formula_inputs: Vec<Option<f64>>,
    formula_blocker: Option<String>,
    /// Proposals for `hpa::combine`, keyed by trigger index (`None`: the composite).
    pub(super) proposals: Vec<(Option<usize>, hpa::Result<Proposal>)>,
    /// A scaler read failed (KEDA's `isError`; `cpu`/`memory` never count).
    pub(super) read_error: bool,
    /// An external trigger is active.
    pub(super) any_active: bool,
    /// An external trigger failed past the fallback threshold.
    pub(super) fallback_exceeded: bool,
}

/// Evaluates every trigger, updating the failure counts in `state`.
pub(super) fn evaluate(
    triggers: &[TriggerConfig],
    consumed: &[bool],
    ctx: &Context<'_>,
    state: &mut ScalerState,
) -> Evaluation {
    let mut evaluation = Evaluation {
        outcomes: Vec::with_capacity(triggers.len()),
        formula_inputs: Vec::with_capacity(triggers.len()),
        formula_blocker: None,
        proposals: Vec::with_capacity(triggers.len() + 1),
        read_error: false,
        any_active: false,
        fallback_exceeded: false,
    };
    for (index, trigger) in triggers.iter().enumerate() {
        let reading = ctx.observation.triggers.get(index);
        let (outcome, proposal, input) = match &trigger.metric {
            TriggerMetric::Resource {
                resource,
                target,
                container,
            } => resource_trigger(
                trigger,
                ResourceMetric {
                    resource: *resource,
                    target: *target,
                },
                container.as_deref(),
                ctx,
            ),
            TriggerMetric::External {
                metric_type,
                target,
                activation,
            } => {
                let failures = state.failures.entry(trigger.name.clone()).or_insert(0);
                external_trigger(
                    trigger,
                    *metric_type,
                    *target,
                    *activation,
                    reading,
                    failures,
                    ctx,
                )
            }
        };
        if let Some(error) = outcome.error.as_ref().filter(|_| !trigger.is_resource()) {
            evaluation.read_error = true;
            evaluation.fallback_exceeded |= ctx
                .fallback
                .is_some_and(|f| f.is_exceeded(outcome.failures));
            let nil_in_formula = ctx.fallback.is_some_and(|f| {
                f.behavior == FallbackBehavior::ScalingModifiers && f.is_exceeded(outcome.failures)
            });
            if !nil_in_formula && evaluation.formula_blocker.is_none() {
                evaluation.formula_blocker =
                    Some(format!("trigger '{}' failed: {error}", trigger.name));
            }
        }
        if trigger.is_resource() && consumed[index] && outcome.error.is_some() {
            evaluation.formula_blocker.get_or_insert_with(|| {
                format!(
                    "trigger '{}' failed: {}",
                    trigger.name,
                    outcome.error.as_deref().unwrap_or_default()
                )
            });
        }
        evaluation.any_active |= outcome.active;
        let mut outcome = outcome;
        if consumed[index] {
            // The composite metric proposes for the triggers it reads.
            outcome.proposal = None;
            outcome.rule = None;
        } else if let Some(proposal) = proposal {
            evaluation.proposals.push((Some(index), proposal));
        }
        evaluation.formula_inputs.push(input);
        evaluation.outcomes.push(outcome);
    }
    evaluation
}

/// A `cpu`/`memory` trigger: the HPA's `Resource` metric over whole pods, or its
/// `ContainerResource` metric over one `container` of each pod.
fn resource_trigger(
    trigger: &TriggerConfig,
    metric: ResourceMetric,
    container: Option<&str>,
    ctx: &Context<'_>,
) -> (TriggerOutcome, Option<hpa::Result<Proposal>>, Option<f64>) {
    let observation = ctx.observation;
    let replicas = |pods: &[hpa::Pod], metrics: &[hpa::PodMetric]| {
        let samples = PodSamples {
            pods,
            metrics,
            now: ctx.now,
            readiness: ctx.readiness,
        };
        hpa::resource_replicas(&metric, ctx.current, &samples, ctx.tolerances)
    };
    let result = match container {
        None => {
            let metrics = match metric.resource {
                hpa::ResourceName::Cpu => &observation.cpu,
                hpa::ResourceName::Memory => &observation.memory,
            };
            replicas(&observation.pods, metrics)
        }
        Some(name) => hpa::container_metrics(&observation.container_usage, metric.resource, name)
            .and_then(|metrics| {
                let pods: Vec<_> = observation
                    .pods
                    .iter()
                    .map(|p| p.for_container(name))
                    .collect();
                replicas(&pods, &metrics)
            }),
    };
    let (metric_type, target) = match metric.target {
        ResourceTarget::Utilization(percent) => ("Utilization", f64::from(percent)),
        ResourceTarget::AverageValue(milli) => ("AverageValue", milli as f64 / 1000.0),
    };
    let value = result.as_ref().ok().map(|p| match p.current {
        Current::Utilization { percent, .. } => f64::from(percent),
        Current::AverageValue { average_value }
        | Current::Value {
            value: average_value,
        } => average_value as f64 / 1000.0,
    });
    let outcome = TriggerOutcome {
        name: trigger.name.clone(),
        type_: trigger.type_.clone(),
        value,
        target: Some(target),
        metric_type,
        activation: None,
        active: false,
        proposal: None,
        rule: None,
        error: result.as_ref().err().map(ToString::to_string),
        failures: 0,
        fallback: false,
    };
    let proposal = ctx.replica_math.then(|| result.clone());
    (with_proposal(outcome, proposal.as_ref()), proposal, value)
}

fn with_proposal(
    mut outcome: TriggerOutcome,
    proposal: Option<&hpa::Result<Proposal>>,
) -> TriggerOutcome {
    if let Some(Ok(p)) = proposal {
        outcome.proposal = Some(p.replicas);
        outcome.rule = Some(p.rule);
    }
    outcome
}

#[allow(clippy::too_many_arguments)]
fn external_trigger(
    trigger: &TriggerConfig,
    metric_type: MetricType,
    configured_target: Option<f64>,
    activation: f64,
    reading: Option<&Reading>,
    failures: &mut u32,
    ctx: &Context<'_>,
) -> (TriggerOutcome, Option<hpa::Result<Proposal>>, Option<f64>) {
    let mut outcome = TriggerOutcome {
        name: trigger.name.clone(),
        type_: trigger.type_.clone(),
        value: None,
        target: configured_target,
        metric_type: metric_type.as_str(),
        activation: Some(activation),
        active: false,
        proposal: None,
        rule: None,
        error: None,
        failures: 0,
        fallback: false,
    };
    let read = match reading {
        None => Err("no reading for this trigger".to_owned()),
        Some(Reading::Error(message)) => Err(message.clone()),
        Some(Reading::Value {
            value,
            target,
            active,
        }) => {
            outcome.target = target.or(configured_target);
            match outcome.target {
                Some(t) if metric_milli(t) > 0 => Ok((
                    *value,
                    active.unwrap_or_else(|| is_active(*value, activation)),
                )),
                Some(t) => Err(format!(
                    "the scaler reported a target of {t}; a target must be at least 0.001"
                )),
                None => Err("the scaler reported no target".to_owned()),
            }
        }
    };
    let milli = match read {
        Ok((value, active)) => {
            *failures = 0;
            outcome.value = Some(value);
            outcome.active = active;
            Some(metric_milli(value))
        }
        Err(message) => {
            *failures = failures.saturating_add(1);
            outcome.error = Some(message);
            fallback_milli(&mut outcome, metric_type, *failures, ctx)
        }
    };
    outcome.failures = *failures;
    let target = outcome.target.map(metric_milli).filter(|t| *t > 0);
    let proposal = match (ctx.replica_math, milli, target) {
        (false, ..) => None,
        (true, Some(milli), Some(target)) => Some(hpa::external_replicas(
            external_target(metric_type, target),
            &[milli],
            &ctx.scale,
            ctx.tolerances,
        )),
        (true, ..) => Some(Err(hpa::Error::NoExternalValues)),
    };
    // The formula sees the value KEDA hands the HPA (clamped, in thousandths).
    let input = outcome
        .value
        .filter(|_| outcome.error.is_none())
        .map(|v| metric_milli(v) as f64 / 1000.0);
    (with_proposal(outcome, proposal.as_ref()), proposal, input)
}

/// KEDA's synthetic fallback value for a trigger failing past the threshold, when the fallback
/// applies per trigger (no formula).
fn fallback_milli(
    outcome: &mut TriggerOutcome,
    metric_type: MetricType,
    failures: u32,
    ctx: &Context<'_>,
) -> Option<i64> {
    let fallback = ctx.fallback?;
    if !fallback.is_exceeded(failures) || fallback.behavior == FallbackBehavior::ScalingModifiers {
        return None;
    }
    let target = outcome.target?;
    let replicas = fallback.replicas_for(ctx.current);
    let value = synthetic_value(
        metric_type == MetricType::Value,
        target,
        replicas,
        ctx.ready,
    )?;
    outcome.fallback = true;
    Some(metric_milli(value))
}

fn external_target(metric_type: MetricType, milli: i64) -> ExternalTarget {
    match metric_type {
        MetricType::AverageValue => ExternalTarget::AverageValue(milli),
        MetricType::Value => ExternalTarget::Value(milli),
    }
}

/// The composite metric of a formula, given the trigger evaluation. `variables` maps each
/// name the formula uses to its trigger index. Also returns whether a fallback supplied it.
pub(super) fn composite(
    modifiers: &Modifiers,
    variables: &[(String, usize)],
    evaluation: &Evaluation,
    ctx: &Context<'_>,
) -> (CompositeOutcome, Option<hpa::Result<Proposal>>, bool) {
    let mut outcome = CompositeOutcome {
        formula: modifiers.formula.source().to_owned(),
        value: None,
        target: modifiers.target,
        activation: modifiers.activation_target,
        metric_type: modifiers.metric_type.as_str(),
        active: false,
        proposal: None,
        error: None,
    };
    let fallback_value = |fallback: FallbackConfig| {
        synthetic_value(
            modifiers.metric_type == MetricType::Value,
            modifiers.target,
            fallback.replicas_for(ctx.current),
            ctx.ready,
        )
        .ok_or_else(|| {
            "the fallback for a Value metric needs at least one ready replica".to_owned()
        })
    };
    let in_formula = |f: &FallbackConfig| f.behavior == FallbackBehavior::ScalingModifiers;
    let (value, fell_back) = match ctx.fallback {
        // KEDA replaces the whole composite once any trigger falls back.
        Some(f) if !in_formula(&f) && evaluation.fallback_exceeded => (fallback_value(f), true),
        _ if evaluation.formula_blocker.is_some() => (
            Err(evaluation.formula_blocker.clone().unwrap_or_default()),
            false,
        ),
        _ => {
            let lookup = |name: &str| {
                variables
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, i)| evaluation.formula_inputs[*i])
            };
            match modifiers.formula.eval(lookup) {
                Ok(value) => (Ok(value), false),
                // With `behavior: scalingModifiers`, a nil result falls back.
                Err(error) if error.is_nil() && ctx.fallback.is_some_and(|f| in_formula(&f)) => (
                    ctx.fallback.map_or(Err(String::new()), fallback_value),
                    true,
                ),
                Err(error) => (Err(format!("the formula failed: {error}")), false),
            }
        }
    };
    let proposal = match value {
        Ok(value) => {
            outcome.value = Some(value);
            outcome.active = !evaluation.read_error && value > modifiers.activation_target;
            let milli = (value * 1000.0).trunc() as i64;
            ctx.replica_math.then(|| {
                hpa::external_replicas(
                    external_target(modifiers.metric_type, metric_milli(modifiers.target)),
                    &[milli],
                    &ctx.scale,
                    ctx.tolerances,
                )
            })
        }
        Err(message) => {
            outcome.error = Some(message);
            ctx.replica_math
                .then_some(Err(hpa::Error::NoExternalValues))
        }
    };
    if let Some(Ok(p)) = &proposal {
        outcome.proposal = Some(p.replicas);
    }
    (outcome, proposal, fell_back)
}
