//! Checks on `spec.triggers`, shared by ScaledObject and ScaledJob: presence, unique names, known
//! types, authentication references and each supported type's metadata against the catalog.

use std::collections::BTreeMap;

use super::{Findings, quoted};
use crate::path::FieldPath;
use crate::triggers::{self, Support, check_value, quantity_sign};
use crate::v1alpha1::{MetricType, ScaleTrigger};

/// Trigger types whose values cannot be served from the cache.
const NO_CACHE: [&str; 3] = ["cpu", "memory", "cron"];

/// Runs every per-trigger check; `spec` is the path of the object's spec.
pub(super) fn check(triggers: &[ScaleTrigger], spec: &FieldPath, findings: &mut Findings) {
    let list = spec.key("triggers");
    if triggers.is_empty() {
        findings.error(
            &list,
            Some("[]".to_owned()),
            "is empty",
            "at least one trigger is required",
        );
    }
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, trigger) in triggers.iter().enumerate() {
        let path = list.index(index);
        if let Some(name) = trigger.name.as_deref().filter(|name| !name.is_empty())
            && let Some(first) = names.insert(name, index)
        {
            names.insert(name, first);
            findings.error(
                &path.key("name"),
                quoted(name),
                format!("is also the name of {}", list.index(first)),
                "trigger names must be unique within the object",
            );
        }
        check_type(trigger, &path, findings);
        if trigger.use_cached_metrics() && NO_CACHE.contains(&trigger.type_.as_str()) {
            findings.error(
                &path.key("useCachedMetrics"),
                Some("true".to_owned()),
                format!("is not supported for {} triggers", trigger.type_),
                "useCachedMetrics must be false for cpu, memory and cron",
            );
        }
        if let Some(reference) = &trigger.authentication_ref
            && reference.name.is_empty()
        {
            findings.error(
                &path.key("authenticationRef").key("name"),
                quoted(""),
                "is empty",
                "authenticationRef.name must name a TriggerAuthentication or \
                 ClusterTriggerAuthentication",
            );
        }
        check_metadata(trigger, &path, findings);
    }
}

fn check_type(trigger: &ScaleTrigger, path: &FieldPath, findings: &mut Findings) {
    let path = path.key("type");
    let name = trigger.type_.as_str();
    match triggers::lookup(name) {
        _ if name.is_empty() => findings.error(
            &path,
            quoted(name),
            "is empty",
            "type must name a KEDA trigger type such as prometheus or cpu",
        ),
        Some(found) if found.support == Support::NotYetSupported => findings.warn(
            &path,
            quoted(name),
            "is a KEDA trigger type Tidal does not run yet",
            format!(
                "the object loads but this trigger will not scale it; Tidal runs {}",
                supported_names().join(", ")
            ),
        ),
        Some(_) => {}
        None => {
            let problem = match triggers::suggest(name, triggers::names()) {
                Some(near) => format!("is not a KEDA trigger type (did you mean {near:?}?)"),
                None => "is not a KEDA trigger type".to_owned(),
            };
            findings.error(
                &path,
                quoted(name),
                problem,
                format!("type must be one of {}", triggers::names().join(", ")),
            );
        }
    }
}

fn supported_names() -> Vec<&'static str> {
    triggers::CATALOG
        .iter()
        .filter(|trigger| trigger.support == Support::Supported)
        .map(|trigger| trigger.name)
        .collect()
}

/// Checks metadata values against the catalog, and that required parameters are present.
fn check_metadata(trigger: &ScaleTrigger, path: &FieldPath, findings: &mut Findings) {
    let Some(entry) = triggers::lookup(&trigger.type_) else {
        return;
    };
    if entry.support != Support::Supported {
        return;
    }
    let metadata_path = path.key("metadata");
    let metadata = &trigger.metadata;
    for (key, value) in metadata {
        let path = metadata_path.key(key);
        if let Some(param) = key.strip_suffix("FromEnv") {
            if value.is_empty() && entry.param(param).is_some() {
                findings.error(
                    &path,
                    quoted(value),
                    "is empty",
                    format!("{key} must name an environment variable of the target's container"),
                );
            }
            continue;
        }
        match entry.param(key) {
            Some(param) => {
                if let Err(problem) = check_value(param, value) {
                    findings.error(&path, quoted(value), problem.problem, problem.allowed);
                }
            }
            None if !entry.open => {
                if let Some(near) = triggers::suggest(key, entry.params().map(|param| param.name)) {
                    findings.warn(
                        &path,
                        quoted(value),
                        format!("is set on an unknown parameter (did you mean {near:?}?)"),
                        format!("{} ignores parameters it does not know", entry.name),
                    );
                }
            }
            None => {}
        }
    }
    let authenticated = trigger.authentication_ref.is_some();
    let present = |name: &str| {
        metadata.contains_key(name)
            || metadata.contains_key(&format!("{name}FromEnv"))
            || (authenticated && entry.param(name).is_some_and(|param| param.from_auth))
    };
    for param in entry.params().filter(|param| param.required) {
        if !present(param.name) {
            let via_auth = if param.from_auth {
                ", or from the authenticationRef"
            } else {
                ""
            };
            findings.error(
                &metadata_path.key(param.name),
                None,
                "is missing",
                format!(
                    "{} triggers require {} (or {}FromEnv{via_auth})",
                    entry.name, param.name, param.name
                ),
            );
        }
    }
    for group in entry.one_of {
        if !group.iter().any(|name| present(name)) {
            findings.error(
                &metadata_path,
                None,
                format!("has none of {}", group.join(", ")),
                format!(
                    "{} triggers need one of them (or its …FromEnv form, or an authenticationRef \
                     that supplies it)",
                    entry.name
                ),
            );
        }
    }
    check_resource_value(trigger, &metadata_path, findings);
}

/// A cpu/memory trigger with a Utilization target takes a whole percentage (KEDA parses it as an
/// integer); other well-formed quantities are only valid for AverageValue.
fn check_resource_value(
    trigger: &ScaleTrigger,
    metadata_path: &FieldPath,
    findings: &mut Findings,
) {
    let utilization = trigger.metric_type == Some(MetricType::Utilization)
        || trigger.metadata.get("type").map(String::as_str) == Some("Utilization");
    let Some(value) = trigger.metadata.get("value") else {
        return;
    };
    if trigger.is_resource_trigger()
        && utilization
        && quantity_sign(value).is_some()
        && value.parse::<i32>().is_err()
    {
        findings.error(
            &metadata_path.key("value"),
            quoted(value),
            "is not a whole percentage",
            "with metricType Utilization, value must be a whole number of percent such as \"80\"",
        );
    }
}
