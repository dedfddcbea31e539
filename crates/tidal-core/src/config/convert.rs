//! `tidal_api` ScaledObject (spec and annotations) to [`ScalingConfig`].
//!
//! Every check here guards the engine, not the user's manifest style: `tidal validate` reports
//! style and schema problems; this conversion refuses only what the engine cannot decide with,
//! and says where (`spec.triggers[1].metadata.threshold`), what (`"ten"`) and what would do
//! (`a decimal number greater than 0`).

use std::collections::BTreeMap;
use std::fmt::Display;

use jiff::SignedDuration;
use tidal_api::v1alpha1::{
    MetricType as ApiMetricType, ModifierMetricType, ScaleTrigger, ScaledObject, ScaledObjectSpec,
};
use tidal_formula::Formula;

use super::behavior::behavior;
use super::{Error, MetricType, Modifiers, Result, ScalingConfig, TriggerConfig, TriggerMetric};
use crate::behavior::ControllerConfig;
use crate::hpa::{ReadinessConfig, ResourceName, ResourceTarget};
use crate::keda::fallback::{FallbackBehavior, FallbackConfig};
use crate::keda::pause::{self, Pause};
use crate::keda::targets::{KNOWN_TYPES, Target, target_spec};
use crate::keda::{self, metric_milli};
use crate::quantity;

/// The scale target container's environment, for `<param>FromEnv` metadata.
pub type Env = BTreeMap<String, String>;

/// The object being converted, for error messages.
pub(super) struct Site<'a> {
    object: &'a str,
}

impl Site<'_> {
    pub(super) fn invalid(
        &self,
        path: impl Into<String>,
        value: impl Display,
        allowed: impl Into<String>,
    ) -> Error {
        Error::Invalid {
            object: self.object.to_owned(),
            path: path.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }

    fn missing(&self, path: impl Into<String>, allowed: impl Into<String>) -> Error {
        Error::Missing {
            object: self.object.to_owned(),
            path: path.into(),
            allowed: allowed.into(),
        }
    }
}

impl ScalingConfig {
    /// Converts a ScaledObject; `env` resolves `<param>FromEnv` metadata.
    ///
    /// # Errors
    /// [`Error`] naming the object, the field path, the bad value and what is allowed.
    pub fn from_scaled_object(object: &ScaledObject, env: &Env) -> Result<Self> {
        let meta = &object.metadata;
        let name = meta.name.as_deref().unwrap_or("(unnamed)");
        let label = match &meta.namespace {
            Some(namespace) => format!("ScaledObject {namespace}/{name}"),
            None => format!("ScaledObject {name}"),
        };
        let empty = BTreeMap::new();
        let annotations = meta.annotations.as_ref().unwrap_or(&empty);
        Self::from_spec(&label, &object.spec, annotations, env)
    }

    /// Converts a spec and the object's annotations; `object` names the object in errors
    /// (e.g. `ScaledObject default/web`).
    ///
    /// # Errors
    /// As [`ScalingConfig::from_scaled_object`].
    pub fn from_spec(
        object: &str,
        spec: &ScaledObjectSpec,
        annotations: &BTreeMap<String, String>,
        env: &Env,
    ) -> Result<Self> {
        let site = Site { object };
        let annotation_error = |error: keda::Error| match error {
            keda::Error::Annotation {
                key,
                value,
                allowed,
            } => site.invalid(
                format!("metadata.annotations[\"{key}\"]"),
                format!("{value:?}"),
                allowed,
            ),
        };
        let pause = Pause::from_annotations(annotations).map_err(annotation_error)?;
        let force_activation =
            pause::flag(annotations, pause::FORCE_ACTIVATION).map_err(annotation_error)?;

        let (min, max) = (spec.min_replica_count(), spec.max_replica_count());
        if min < 0 {
            return Err(site.invalid("spec.minReplicaCount", min, "0 or more"));
        }
        if max < 1 {
            return Err(site.invalid("spec.maxReplicaCount", max, "1 or more"));
        }
        if min > max {
            return Err(site.invalid(
                "spec.minReplicaCount",
                min,
                format!("at most spec.maxReplicaCount ({max})"),
            ));
        }
        if let Some(idle) = spec.idle_replica_count
            && (idle < 0 || idle >= min)
        {
            return Err(site.invalid(
                "spec.idleReplicaCount",
                idle,
                format!("0 or more and less than spec.minReplicaCount ({min})"),
            ));
        }
        let seconds = |path: &str, value: i32, least: i32| {
            if value < least {
                Err(site.invalid(path, value, format!("{least} or more seconds")))
            } else {
                Ok(SignedDuration::from_secs(i64::from(value)))
            }
        };
        let polling_interval = seconds("spec.pollingInterval", spec.polling_interval(), 1)?;
        let cooldown = seconds("spec.cooldownPeriod", spec.cooldown_period(), 0)?;
        let initial_cooldown = seconds(
            "spec.initialCooldownPeriod",
            spec.initial_cooldown_period(),
            0,
        )?;

        if spec.triggers.is_empty() {
            return Err(site.missing("spec.triggers", "at least one trigger"));
        }
        let triggers = spec
            .triggers
            .iter()
            .enumerate()
            .map(|(index, trigger)| convert_trigger(&site, index, trigger, env))
            .collect::<Result<Vec<_>>>()?;
        for (index, trigger) in triggers.iter().enumerate() {
            if let Some(first) = triggers[..index]
                .iter()
                .position(|t| t.name == trigger.name)
            {
                return Err(site.invalid(
                    format!("spec.triggers[{index}].name"),
                    format!("{:?}", trigger.name),
                    format!("a name not used by another trigger (spec.triggers[{first}] has it)"),
                ));
            }
        }
        let modifiers = modifiers(&site, spec, &triggers)?;
        let fallback = fallback(&site, spec, &triggers, modifiers.is_some())?;
        Ok(Self {
            min_replicas: min,
            max_replicas: max,
            idle_replicas: spec.idle_replica_count,
            polling_interval,
            cooldown,
            initial_cooldown,
            triggers,
            modifiers,
            fallback,
            behavior: behavior(&site, spec.behavior(), pause)?,
            controller: ControllerConfig::default(),
            readiness: ReadinessConfig::default(),
            pause,
            force_activation,
        })
    }
}

/// A metadata parameter, direct or through `<name>FromEnv`, with the path it came from.
fn parameter(
    site: &Site<'_>,
    at: &str,
    metadata: &BTreeMap<String, String>,
    name: &str,
    env: &Env,
) -> Result<Option<(String, String)>> {
    if let Some(value) = metadata.get(name) {
        return Ok(Some((format!("{at}.metadata.{name}"), value.clone())));
    }
    let key = format!("{name}FromEnv");
    let Some(variable) = metadata.get(&key) else {
        return Ok(None);
    };
    let path = format!("{at}.metadata.{key}");
    match env.get(variable) {
        Some(value) => Ok(Some((path, value.clone()))),
        None => Err(site.invalid(
            path,
            format!("{variable:?}"),
            "the name of an environment variable of the scale target's container",
        )),
    }
}

/// A decimal number, as KEDA's `strconv.ParseFloat` reads one.
fn number(site: &Site<'_>, path: &str, text: &str, allowed: &str) -> Result<f64> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(site.invalid(path, format!("{text:?}"), allowed)),
    }
}

/// A target: a decimal number of at least one thousandth (targets are kept in milli-units).
fn target(site: &Site<'_>, path: &str, text: &str) -> Result<f64> {
    let value = number(
        site,
        path,
        text,
        "a decimal number greater than 0, such as \"10\" or \"2.5\"",
    )?;
    if metric_milli(value) <= 0 {
        return Err(site.invalid(
            path,
            format!("{text:?}"),
            "a decimal number of at least 0.001, such as \"10\" or \"2.5\"",
        ));
    }
    Ok(value)
}

fn convert_trigger(
    site: &Site<'_>,
    index: usize,
    trigger: &ScaleTrigger,
    env: &Env,
) -> Result<TriggerConfig> {
    let at = format!("spec.triggers[{index}]");
    let type_ = trigger.type_.as_str();
    let name = trigger
        .name
        .clone()
        .unwrap_or_else(|| format!("s{index}-{type_}"));
    let metric = match type_ {
        "cpu" | "memory" => resource_trigger(site, &at, trigger, env)?,
        _ => external_trigger(site, &at, trigger, env)?,
    };
    Ok(TriggerConfig {
        name,
        formula_name: trigger.name.clone(),
        type_: type_.to_owned(),
        metric,
    })
}

fn resource_trigger(
    site: &Site<'_>,
    at: &str,
    trigger: &ScaleTrigger,
    env: &Env,
) -> Result<TriggerMetric> {
    let resource = if trigger.type_ == "cpu" {
        ResourceName::Cpu
    } else {
        ResourceName::Memory
    };
    let allowed = "Utilization or AverageValue (cpu and memory triggers need one of them)";
    let metric_type = match (trigger.metric_type, trigger.metadata.get("type")) {
        (Some(_), Some(_)) => {
            return Err(site.invalid(
                format!("{at}.metadata.type"),
                "set alongside metricType",
                "only one of metricType and the deprecated metadata.type",
            ));
        }
        (Some(ApiMetricType::Value), None) => {
            return Err(site.invalid(format!("{at}.metricType"), "Value", allowed));
        }
        (Some(t), None) => t,
        (None, Some(legacy)) => match legacy.as_str() {
            "Utilization" => ApiMetricType::Utilization,
            "AverageValue" => ApiMetricType::AverageValue,
            other => {
                return Err(site.invalid(
                    format!("{at}.metadata.type"),
                    format!("{other:?}"),
                    allowed,
                ));
            }
        },
        (None, None) => return Err(site.missing(format!("{at}.metricType"), allowed)),
    };
    let Some((path, value)) = parameter(site, at, &trigger.metadata, "value", env)? else {
        return Err(site.missing(
            format!("{at}.metadata.value"),
            "the target utilization percent (\"60\") or average value per pod (\"500m\", \"256Mi\")",
        ));
    };
    let target = if metric_type == ApiMetricType::Utilization {
        match value.trim().parse::<i32>() {
            Ok(percent) if percent > 0 => ResourceTarget::Utilization(percent),
            _ => {
                return Err(site.invalid(
                    path,
                    format!("{value:?}"),
                    "a whole percentage greater than 0, such as \"60\"",
                ));
            }
        }
    } else {
        match quantity::parse_milli(value.trim()) {
            Ok(milli) if milli > 0 => ResourceTarget::AverageValue(milli),
            _ => {
                return Err(site.invalid(
                    path,
                    format!("{value:?}"),
                    "a positive quantity such as \"500m\" or \"256Mi\"",
                ));
            }
        }
    };
    let container = match trigger.metadata.get("containerName").map(|c| c.trim()) {
        None | Some("") => None,
        Some(name) if tidal_api::triggers::is_dns_label(name) => Some(name.to_owned()),
        Some(name) => {
            return Err(site.invalid(
                format!("{at}.metadata.containerName"),
                format!("{name:?}"),
                "a container name: at most 63 lowercase letters, digits and '-', starting and \
                 ending with a letter or digit",
            ));
        }
    };
    Ok(TriggerMetric::Resource {
        resource,
        target,
        container,
    })
}

fn external_trigger(
    site: &Site<'_>,
    at: &str,
    trigger: &ScaleTrigger,
    env: &Env,
) -> Result<TriggerMetric> {
    let Some(spec) = target_spec(&trigger.type_, &trigger.metadata) else {
        return Err(site.invalid(
            format!("{at}.type"),
            format!("{:?}", trigger.type_),
            format!(
                "a trigger type whose target the decision engine knows: {}",
                KNOWN_TYPES.join(", ")
            ),
        ));
    };
    let metric_type = match trigger.metric_type() {
        ApiMetricType::AverageValue => MetricType::AverageValue,
        ApiMetricType::Value => MetricType::Value,
        ApiMetricType::Utilization => {
            return Err(site.invalid(
                format!("{at}.metricType"),
                "Utilization",
                "AverageValue or Value (Utilization is only for cpu and memory triggers)",
            ));
        }
    };
    let target = match spec.target {
        Target::Fixed(value) => Some(value),
        Target::FromScaler => None,
        Target::Parameter { name, default } => {
            match parameter(site, at, &trigger.metadata, name, env)? {
                Some((path, text)) => Some(target(site, &path, &text)?),
                None => match default {
                    Some(value) => Some(value),
                    None => {
                        return Err(site.missing(
                            format!("{at}.metadata.{name}"),
                            format!(
                                "the {} trigger's target, a decimal number such as \"10\"",
                                trigger.type_
                            ),
                        ));
                    }
                },
            }
        }
    };
    let activation = match spec.activation {
        None => 0.0,
        Some(name) => match parameter(site, at, &trigger.metadata, name, env)? {
            Some((path, text)) => number(
                site,
                &path,
                &text,
                "a decimal number such as \"0\" or \"5\"",
            )?,
            None => 0.0,
        },
    };
    Ok(TriggerMetric::External {
        metric_type,
        target,
        activation,
    })
}

fn modifiers(
    site: &Site<'_>,
    spec: &ScaledObjectSpec,
    triggers: &[TriggerConfig],
) -> Result<Option<Modifiers>> {
    const AT: &str = "spec.advanced.scalingModifiers";
    let Some(written) = spec.scaling_modifiers() else {
        return Ok(None);
    };
    let source = written.formula.as_deref().unwrap_or("").trim();
    if source.is_empty() {
        return Err(site.missing(
            format!("{AT}.formula"),
            "a formula over trigger names, such as \"(queue + backlog) / 2\"",
        ));
    }
    let formula_error = |source: tidal_formula::Error| Error::Formula {
        object: site.object.to_owned(),
        path: format!("{AT}.formula"),
        source,
    };
    let formula = Formula::parse(source).map_err(|e| formula_error(e.into()))?;
    let named: Vec<&str> = triggers
        .iter()
        .filter_map(|t| t.formula_name.as_deref())
        .collect();
    formula
        .check_variables(named.iter().copied())
        .map_err(formula_error)?;
    let Some(target_text) = written.target.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Err(site.missing(
            format!("{AT}.target"),
            "the composite metric's target, a decimal number greater than 0 such as \"10\"",
        ));
    };
    let target = target(site, &format!("{AT}.target"), target_text)?;
    let activation_target = match written.activation_target.as_deref() {
        None | Some("") => 0.0,
        Some(text) => number(
            site,
            &format!("{AT}.activationTarget"),
            text,
            "a decimal number such as \"0\" or \"5\"",
        )?,
    };
    let metric_type = match written.metric_type() {
        ModifierMetricType::AverageValue => MetricType::AverageValue,
        ModifierMetricType::Value => MetricType::Value,
    };
    Ok(Some(Modifiers {
        formula,
        target,
        activation_target,
        metric_type,
    }))
}

fn fallback(
    site: &Site<'_>,
    spec: &ScaledObjectSpec,
    triggers: &[TriggerConfig],
    has_modifiers: bool,
) -> Result<Option<FallbackConfig>> {
    let Some(written) = &spec.fallback else {
        return Ok(None);
    };
    let Ok(failure_threshold) = u32::try_from(written.failure_threshold) else {
        return Err(site.invalid(
            "spec.fallback.failureThreshold",
            written.failure_threshold,
            "0 or more",
        ));
    };
    if written.replicas < 0 {
        return Err(site.invalid("spec.fallback.replicas", written.replicas, "0 or more"));
    }
    if triggers.iter().all(TriggerConfig::is_resource) {
        return Err(site.invalid(
            "spec.fallback",
            "set",
            "a fallback only with at least one trigger other than cpu and memory",
        ));
    }
    let behavior = written.behavior();
    if behavior == FallbackBehavior::ScalingModifiers && !has_modifiers {
        return Err(site.invalid(
            "spec.fallback.behavior",
            "scalingModifiers",
            "static, currentReplicas, currentReplicasIfHigher or currentReplicasIfLower \
             (scalingModifiers needs spec.advanced.scalingModifiers.formula)",
        ));
    }
    Ok(Some(FallbackConfig {
        failure_threshold,
        replicas: written.replicas,
        behavior,
    }))
}
