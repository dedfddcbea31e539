//! The ScaledObject rules: KEDA's webhook checks on replica bounds, cpu/memory triggers, fallback
//! and scaling modifiers, plus the schema's bounds, so `tidal validate` catches what the API server
//! or KEDA's admission webhook would reject.

use super::{Findings, FormulaCheck, at_least, behavior, named, quoted, shown, triggers};
use crate::path::FieldPath;
use crate::triggers::check_value;
use crate::v1alpha1::scaled_object::DEFAULT_MAX_REPLICA_COUNT;
use crate::v1alpha1::{
    FallbackBehavior, MetricType, ModifierMetricType, ScaledObject, ScaledObjectSpec, annotations,
};

/// Longest ScaledObject name KEDA accepts: it becomes a label value on the HPA and metrics.
const MAX_NAME_LENGTH: usize = 63;

pub(super) fn check(object: &ScaledObject, formula: &dyn FormulaCheck, findings: &mut Findings) {
    named(&object.metadata, findings);
    if let Some(name) = &object.metadata.name
        && name.len() > MAX_NAME_LENGTH
    {
        findings.error(
            &FieldPath::parse("metadata.name"),
            quoted(name),
            format!("is {} characters long", name.len()),
            format!("ScaledObject names must be at most {MAX_NAME_LENGTH} characters"),
        );
    }
    check_annotations(object, findings);
    let spec = &object.spec;
    let root = FieldPath::parse("spec");
    if spec.scale_target_ref.name.is_empty() {
        findings.error(
            &root.key("scaleTargetRef").key("name"),
            quoted(""),
            "is empty",
            "scaleTargetRef.name must name the workload to scale",
        );
    }
    at_least(
        findings,
        &root.key("pollingInterval"),
        spec.polling_interval,
        1,
        "pollingInterval",
    );
    at_least(
        findings,
        &root.key("initialCooldownPeriod"),
        spec.initial_cooldown_period,
        0,
        "initialCooldownPeriod",
    );
    at_least(
        findings,
        &root.key("cooldownPeriod"),
        spec.cooldown_period,
        0,
        "cooldownPeriod",
    );
    at_least(
        findings,
        &root.key("minReplicaCount"),
        spec.min_replica_count,
        0,
        "minReplicaCount",
    );
    at_least(
        findings,
        &root.key("maxReplicaCount"),
        spec.max_replica_count,
        1,
        "maxReplicaCount",
    );
    at_least(
        findings,
        &root.key("idleReplicaCount"),
        spec.idle_replica_count,
        0,
        "idleReplicaCount",
    );
    check_bounds(spec, &root, findings);
    triggers::check(&spec.triggers, &root, findings);
    check_resource_triggers(spec, &root, findings);
    check_fallback(spec, &root, findings);
    check_modifiers(spec, &root, formula, findings);
    if let Some(behavior) = spec.behavior() {
        let path = root
            .key("advanced")
            .key("horizontalPodAutoscalerConfig")
            .key("behavior");
        behavior::check(behavior, &path, findings);
    }
}

/// `autoscaling.keda.sh/paused-replicas` must be a replica count.
fn check_annotations(object: &ScaledObject, findings: &mut Findings) {
    let Some(value) = object
        .metadata
        .annotations
        .as_ref()
        .and_then(|annotations| annotations.get(annotations::PAUSED_REPLICAS))
    else {
        return;
    };
    if value.parse::<i32>().is_ok_and(|replicas| replicas >= 0) {
        return;
    }
    findings.error(
        &FieldPath::parse("metadata.annotations").key(annotations::PAUSED_REPLICAS),
        quoted(value),
        "is not a replica count",
        "paused-replicas must be a whole number ≥ 0 such as \"0\" or \"3\"",
    );
}

/// minReplicaCount ≤ maxReplicaCount and idleReplicaCount < minReplicaCount, as KEDA compares them:
/// an explicit minReplicaCount of 0 counts as 1 (the HPA's floor), an omitted one as 0.
fn check_bounds(spec: &ScaledObjectSpec, root: &FieldPath, findings: &mut Findings) {
    let max = spec.max_replica_count();
    if let Some(min) = spec.min_replica_count
        && min > max
    {
        let against = match spec.max_replica_count {
            Some(max) => format!("spec.maxReplicaCount {max}"),
            None => format!("the default maxReplicaCount {DEFAULT_MAX_REPLICA_COUNT}"),
        };
        findings.error(
            &root.key("minReplicaCount"),
            shown(min),
            format!("is greater than {against}"),
            "minReplicaCount must be ≤ maxReplicaCount",
        );
    }
    if let Some(idle) = spec.idle_replica_count {
        let floor = spec.min_replica_count.map_or(0, |min| min.max(1));
        if idle >= floor {
            let against = match spec.min_replica_count {
                Some(min) if min == floor => format!("spec.minReplicaCount {min}"),
                Some(min) => format!("spec.minReplicaCount {min} (counted as {floor})"),
                None => "spec.minReplicaCount, which is unset (0)".to_owned(),
            };
            findings.error(
                &root.key("idleReplicaCount"),
                shown(idle),
                format!("is not less than {against}"),
                "idleReplicaCount must be < minReplicaCount",
            );
        }
    }
}

/// Rules specific to cpu and memory triggers on a ScaledObject.
fn check_resource_triggers(spec: &ScaledObjectSpec, root: &FieldPath, findings: &mut Findings) {
    for (index, trigger) in spec.triggers.iter().enumerate() {
        let path = root.key("triggers").index(index).key("metricType");
        match trigger.metric_type {
            Some(MetricType::Utilization) if !trigger.is_resource_trigger() => findings.error(
                &path,
                quoted("Utilization"),
                format!("is not available for {} triggers", trigger.type_),
                "metricType Utilization is only for cpu and memory triggers; use AverageValue or \
                 Value",
            ),
            Some(MetricType::Value) if trigger.is_resource_trigger() => findings.error(
                &path,
                quoted("Value"),
                format!("is not available for {} triggers", trigger.type_),
                "cpu and memory triggers take Utilization or AverageValue",
            ),
            _ => {}
        }
    }
    if !spec.triggers.is_empty()
        && spec.has_only_resource_triggers()
        && spec.min_replica_count() == 0
    {
        let (value, problem) = match spec.min_replica_count {
            Some(min) => (shown(min), "is 0 but every trigger is cpu or memory"),
            None => (None, "is unset (0) but every trigger is cpu or memory"),
        };
        findings.error(
            &root.key("minReplicaCount"),
            value,
            problem,
            "an object scaled only on cpu or memory cannot scale to zero; set minReplicaCount ≥ 1 \
             or add another trigger",
        );
    }
}

fn check_fallback(spec: &ScaledObjectSpec, root: &FieldPath, findings: &mut Findings) {
    let Some(fallback) = &spec.fallback else {
        return;
    };
    let path = root.key("fallback");
    at_least(
        findings,
        &path.key("failureThreshold"),
        Some(fallback.failure_threshold),
        0,
        "failureThreshold",
    );
    at_least(
        findings,
        &path.key("replicas"),
        Some(fallback.replicas),
        0,
        "replicas",
    );
    let modifiers = spec.scaling_modifiers();
    if fallback.behavior() == FallbackBehavior::ScalingModifiers && modifiers.is_none() {
        findings.error(
            &path.key("behavior"),
            quoted("scalingModifiers"),
            "is set but advanced.scalingModifiers is not",
            "fallback behavior scalingModifiers needs a scaling-modifiers formula",
        );
    }
    if spec.triggers.is_empty() {
        return;
    }
    if spec.has_only_resource_triggers() {
        findings.error(
            &path,
            None,
            "is set but every trigger is cpu or memory",
            "fallback needs at least one trigger other than cpu and memory",
        );
        return;
    }
    if let Some(modifiers) = modifiers {
        if modifiers.metric_type() != ModifierMetricType::AverageValue {
            findings.error(
                &root
                    .key("advanced")
                    .key("scalingModifiers")
                    .key("metricType"),
                quoted("Value"),
                "does not support fallback",
                "with a fallback, scalingModifiers.metricType must be AverageValue",
            );
        }
    } else if !spec.triggers.iter().any(|trigger| {
        !trigger.is_resource_trigger() && trigger.metric_type() == MetricType::AverageValue
    }) {
        findings.error(
            &path,
            None,
            "is set but no trigger other than cpu and memory uses metricType AverageValue",
            "fallback works only through at least one AverageValue trigger",
        );
    }
}

fn check_modifiers(
    spec: &ScaledObjectSpec,
    root: &FieldPath,
    checker: &dyn FormulaCheck,
    findings: &mut Findings,
) {
    let Some(modifiers) = spec.scaling_modifiers() else {
        return;
    };
    let path = root.key("advanced").key("scalingModifiers");
    let formula = modifiers.formula.as_deref().unwrap_or_default();
    if formula.is_empty() {
        findings.error(
            &path.key("formula"),
            None,
            "is missing",
            "scalingModifiers needs a formula over named triggers",
        );
    }
    match modifiers.target.as_deref() {
        None | Some("") if !formula.is_empty() => findings.error(
            &path.key("target"),
            None,
            "is missing",
            "scalingModifiers.target is required with a formula",
        ),
        Some(target) if !target.is_empty() => {
            if let Err(problem) = check_value(&TARGET, target) {
                findings.error(
                    &path.key("target"),
                    quoted(target),
                    problem.problem,
                    problem.allowed,
                );
            }
        }
        _ => {}
    }
    if let Some(activation) = modifiers.activation_target.as_deref()
        && let Err(problem) = check_value(&ACTIVATION_TARGET, activation)
    {
        findings.error(
            &path.key("activationTarget"),
            quoted(activation),
            problem.problem,
            problem.allowed,
        );
    }
    if formula.is_empty() {
        return;
    }
    let names: Vec<&str> = spec
        .triggers
        .iter()
        .filter(|trigger| !trigger.is_resource_trigger())
        .filter_map(|trigger| trigger.name.as_deref())
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() {
        findings.error(
            &path.key("formula"),
            quoted(formula),
            "has no trigger to refer to",
            "a formula uses triggers by name: give a name to the triggers (other than cpu and \
             memory) it combines",
        );
    } else if let Err(reason) = checker.check(formula, &names) {
        findings.error(
            &path.key("formula"),
            quoted(formula),
            reason,
            format!("the formula may use the triggers {}", names.join(", ")),
        );
    }
}

/// `scalingModifiers.target`: a positive decimal.
const TARGET: crate::triggers::Param = crate::triggers::Param {
    name: "target",
    kind: crate::triggers::ParamKind::Float,
    required: true,
    default: None,
    bound: crate::triggers::Bound::Positive,
    from_auth: false,
};

/// `scalingModifiers.activationTarget`: a finite decimal.
const ACTIVATION_TARGET: crate::triggers::Param = crate::triggers::Param {
    name: "activationTarget",
    kind: crate::triggers::ParamKind::Float,
    required: false,
    default: Some("0"),
    bound: crate::triggers::Bound::Any,
    from_auth: false,
};
