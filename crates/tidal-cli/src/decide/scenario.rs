//! The `tidal decide` scenario file: a ScaledObject, the world at one instant and what the
//! engine remembers, turned into the engine's inputs.
//!
//! The format is documented in `docs/decide.md`. It is strict: an unknown key anywhere, in the
//! scenario or in the ScaledObject, is an error naming the file and the key path, because a
//! what-if tool that silently ignores `minReplicas` (for `minReplicaCount`) answers the wrong
//! question.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tidal_api::v1alpha1::{ScaledObject, ScaledObjectSpec};
use tidal_core::behavior::{History, Recommendation, ScaleEvent};
use tidal_core::config::ScalingConfig;
use tidal_core::engine::{Observation, Reading, ScalerState};
use tidal_core::hpa::{
    ConditionStatus, ContainerRequests, ContainerUsage, Pod, PodMetric, PodPhase, PodUsage,
    ReadyCondition, Requests, ResourceName, pod_metrics,
};
use tidal_core::quantity;

/// The length of the sample window assumed for pod usage.
pub(crate) const SAMPLE_WINDOW: SignedDuration = SignedDuration::from_secs(30);
/// How long before `now` a pod without `startTime` is taken to have started.
const DEFAULT_POD_AGE: SignedDuration = SignedDuration::from_mins(10);

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct File {
    scaled_object: Value,
    now: Timestamp,
    target: Target,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    pods: Vec<PodSpec>,
    #[serde(default)]
    triggers: BTreeMap<String, TriggerReading>,
    #[serde(default)]
    state: StateSpec,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Target {
    replicas: i32,
    ready_replicas: Option<i32>,
    status_replicas: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PodSpec {
    name: String,
    #[serde(default = "running")]
    phase: Phase,
    #[serde(default = "yes")]
    ready: bool,
    start_time: Option<Timestamp>,
    ready_since: Option<Timestamp>,
    #[serde(default)]
    deleting: bool,
    #[serde(default)]
    requests: Resources,
    #[serde(default)]
    usage: Resources,
    /// Per-container requests and usage, for triggers with `containerName`; the pod's own
    /// `requests` and `usage` are then their sums.
    #[serde(default)]
    containers: Vec<ContainerSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainerSpec {
    name: String,
    #[serde(default)]
    requests: Resources,
    #[serde(default)]
    usage: Resources,
}

fn running() -> Phase {
    Phase::Running
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Deserialize)]
enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Resources {
    cpu: Option<String>,
    memory: Option<String>,
}

impl Resources {
    fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }

    /// Both quantities in milli-units; `at.field` names them in errors.
    fn milli(&self, at: &str, field: &str) -> anyhow::Result<Requests> {
        Ok(Requests {
            cpu: milli(at, &format!("{field}.cpu"), self.cpu.as_deref())?,
            memory: milli(at, &format!("{field}.memory"), self.memory.as_deref())?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerReading {
    value: Option<f64>,
    error: Option<String>,
    target: Option<f64>,
    active: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StateSpec {
    created_at: Option<Timestamp>,
    last_active_time: Option<Timestamp>,
    #[serde(default)]
    failures: BTreeMap<String, u32>,
    #[serde(default)]
    recommendations: Vec<RecommendationSpec>,
    #[serde(default)]
    scale_events: Vec<ScaleEventSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecommendationSpec {
    time: Timestamp,
    replicas: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleEventSpec {
    time: Timestamp,
    replicas: i32,
    change: i32,
}

/// A scenario ready for the engine.
pub(crate) struct Scenario {
    /// The ScaledObject's configuration.
    pub(crate) config: ScalingConfig,
    /// The decision time.
    pub(crate) now: Timestamp,
    /// The world at `now`.
    pub(crate) observation: Observation,
    /// What the engine remembers.
    pub(crate) state: ScalerState,
}

/// Parses a scenario; `name` is the file name for messages.
///
/// # Errors
/// YAML that does not parse, an unknown or mistyped key (named with its path), a ScaledObject the
/// engine cannot use, or a reading for a trigger that does not exist.
pub(crate) fn parse(name: &str, text: &str) -> anyhow::Result<Scenario> {
    let value: Value =
        serde_saphyr::from_str(text).with_context(|| format!("{name}: not valid YAML or JSON"))?;
    let mut file: File = typed(name, "", value)?;
    let (label, spec, annotations) = scaled_object(name, std::mem::take(&mut file.scaled_object))?;
    let config = ScalingConfig::from_spec(&label, &spec, &annotations, &file.env)
        .with_context(|| format!("{name}: scaledObject cannot be decided on"))?;
    let observation = observation(name, &file, &config)?;
    let state = state(name, file.state, &config)?;
    Ok(Scenario {
        config,
        now: file.now,
        observation,
        state,
    })
}

/// Deserializes `value`, naming the file and key path on error.
fn typed<T: DeserializeOwned>(name: &str, prefix: &str, value: Value) -> anyhow::Result<T> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let path = match (prefix.is_empty(), path.as_str()) {
            (true, ".") => String::new(),
            (true, _) => format!("{path}: "),
            (false, ".") => format!("{prefix}: "),
            (false, _) => format!("{prefix}.{path}: "),
        };
        anyhow::anyhow!("{name}: {path}{}", error.inner())
    })
}

/// The ScaledObject: a whole manifest (`keda.sh` or `tidal.dev`) or only its spec.
fn scaled_object(
    name: &str,
    value: Value,
) -> anyhow::Result<(String, ScaledObjectSpec, BTreeMap<String, String>)> {
    let is_manifest = value.get("kind").is_some() || value.get("apiVersion").is_some();
    if !is_manifest {
        let spec: ScaledObjectSpec = typed(name, "scaledObject", value.clone())?;
        reject_unknown(name, "scaledObject", &value, &serde_json::to_value(&spec)?)?;
        return Ok(("ScaledObject (scenario)".to_owned(), spec, BTreeMap::new()));
    }
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !matches!(api_version, "keda.sh/v1alpha1" | "tidal.dev/v1alpha1") {
        bail!(
            "{name}: scaledObject.apiVersion: {api_version:?} is not allowed; keda.sh/v1alpha1 or \
             tidal.dev/v1alpha1"
        );
    }
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind != "ScaledObject" {
        bail!("{name}: scaledObject.kind: {kind:?} is not allowed; ScaledObject");
    }
    let object: ScaledObject = typed(name, "scaledObject", value.clone())?;
    let mut written = value;
    if let Some(map) = written.as_object_mut() {
        // Both groups load into the same type; compare without the group.
        map.remove("apiVersion");
        map.remove("kind");
    }
    let mut round_trip = serde_json::to_value(&object)?;
    if let Some(map) = round_trip.as_object_mut() {
        map.remove("apiVersion");
        map.remove("kind");
    }
    reject_unknown(name, "scaledObject", &written, &round_trip)?;
    let meta = &object.metadata;
    let label = format!(
        "ScaledObject {}/{}",
        meta.namespace.as_deref().unwrap_or("default"),
        meta.name.as_deref().unwrap_or("(unnamed)")
    );
    let annotations = meta.annotations.clone().unwrap_or_default();
    Ok((label, object.spec, annotations))
}

/// Fails on the first key of `written` that did not survive typing (an unknown field).
fn reject_unknown(name: &str, path: &str, written: &Value, typed: &Value) -> anyhow::Result<()> {
    match (written, typed) {
        (Value::Object(written), Value::Object(typed)) => {
            for (key, value) in written {
                let here = format!("{path}.{key}");
                match typed.get(key) {
                    None if !value.is_null() => bail!(
                        "{name}: {here}: unknown field; check the spelling against the \
                         ScaledObject API (e.g. minReplicaCount, not minReplicas)"
                    ),
                    None => {}
                    Some(inner) => reject_unknown(name, &here, value, inner)?,
                }
            }
        }
        (Value::Array(written), Value::Array(typed)) => {
            for (index, (w, t)) in written.iter().zip(typed).enumerate() {
                reject_unknown(name, &format!("{path}[{index}]"), w, t)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn observation(name: &str, file: &File, config: &ScalingConfig) -> anyhow::Result<Observation> {
    let mut pods = Vec::with_capacity(file.pods.len());
    let mut cpu = Vec::new();
    let mut memory = Vec::new();
    let mut container_usage = Vec::new();
    for (index, spec) in file.pods.iter().enumerate() {
        let at = format!("{name}: pods[{index}]");
        let start = spec
            .start_time
            .unwrap_or_else(|| file.now.saturating_sub(DEFAULT_POD_AGE).unwrap_or(file.now));
        let since = spec.ready_since.unwrap_or(start);
        let (requests, per_container, pod_usage) = containers(&at, spec, file.now)?;
        let status = if spec.ready {
            ConditionStatus::True
        } else {
            ConditionStatus::False
        };
        pods.push(Pod {
            name: spec.name.clone(),
            phase: match spec.phase {
                Phase::Pending => PodPhase::Pending,
                Phase::Running => PodPhase::Running,
                Phase::Succeeded => PodPhase::Succeeded,
                Phase::Failed => PodPhase::Failed,
                Phase::Unknown => PodPhase::Unknown,
            },
            deleting: spec.deleting,
            ready: Some(ReadyCondition {
                status,
                last_transition: since,
            }),
            start_time: Some(start),
            requests,
            containers: per_container,
        });
        if let Some(pod_usage) = pod_usage {
            let one = std::slice::from_ref(&pod_usage);
            cpu.extend(pod_metrics(one, ResourceName::Cpu));
            memory.extend(pod_metrics(one, ResourceName::Memory));
            container_usage.push(pod_usage);
        } else {
            let usage = spec.usage.milli(&at, "usage")?;
            let sample = |value| PodMetric {
                pod: spec.name.clone(),
                value,
                timestamp: file.now,
                window: SAMPLE_WINDOW,
            };
            cpu.extend(usage.cpu.map(sample));
            memory.extend(usage.memory.map(sample));
        }
    }
    let mut triggers = vec![None; config.triggers.len()];
    for (key, reading) in &file.triggers {
        let index = trigger_index(name, "triggers", key, config)?;
        let at = format!("{name}: triggers.{key}");
        let reading = match (reading.value, &reading.error) {
            (Some(value), None) => Reading::Value {
                value,
                target: reading.target,
                active: reading.active,
            },
            (None, Some(error)) => Reading::Error(error.clone()),
            _ => bail!("{at}: give exactly one of `value` (a number) and `error` (a message)"),
        };
        triggers[index] = Some(reading);
    }
    let triggers = triggers
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Reading::error("no reading for this trigger")))
        .collect();
    let target = &file.target;
    Ok(Observation {
        replicas: target.replicas,
        status_replicas: target.status_replicas,
        ready_replicas: target.ready_replicas.unwrap_or(target.replicas),
        pods,
        cpu,
        memory,
        container_usage,
        triggers,
    })
}

/// A pod's requests and, when it lists `containers`, each container's requests and its usage
/// per container (`None` when no container has usage: the pod has no metric yet).
fn containers(
    at: &str,
    spec: &PodSpec,
    now: Timestamp,
) -> anyhow::Result<(Requests, Vec<ContainerRequests>, Option<PodUsage>)> {
    if spec.containers.is_empty() {
        return Ok((spec.requests.milli(at, "requests")?, Vec::new(), None));
    }
    if !spec.requests.is_empty() || !spec.usage.is_empty() {
        bail!(
            "{at}: give requests and usage either for the pod or for each of its containers, \
             not both; with containers, the pod's are their sums"
        );
    }
    let mut requests = Vec::with_capacity(spec.containers.len());
    let mut usage = Vec::with_capacity(spec.containers.len());
    for (index, container) in spec.containers.iter().enumerate() {
        let at = format!("{at}.containers[{index}]");
        requests.push(ContainerRequests {
            name: container.name.clone(),
            requests: container.requests.milli(&at, "requests")?,
        });
        let used = container.usage.milli(&at, "usage")?;
        usage.push(ContainerUsage {
            name: container.name.clone(),
            cpu: used.cpu,
            memory: used.memory,
        });
    }
    let total = ContainerRequests::total(&requests);
    let measured = usage.iter().any(|c| c.cpu.is_some() || c.memory.is_some());
    let pod_usage = measured.then(|| PodUsage {
        pod: spec.name.clone(),
        timestamp: now,
        window: SAMPLE_WINDOW,
        containers: usage,
    });
    Ok((total, requests, pod_usage))
}

fn milli(at: &str, field: &str, text: Option<&str>) -> anyhow::Result<Option<i64>> {
    text.map(|text| quantity::parse_milli(text.trim()).with_context(|| format!("{at}.{field}")))
        .transpose()
}

/// A trigger by index (`"0"`) or name (`queue`, or `s0-prometheus` for an unnamed one), as the
/// key `key` of the map at `path`.
fn trigger_index(
    name: &str,
    path: &str,
    key: &str,
    config: &ScalingConfig,
) -> anyhow::Result<usize> {
    let found = match key.parse::<usize>() {
        Ok(index) if index < config.triggers.len() => Some(index),
        Ok(_) => None,
        Err(_) => config.triggers.iter().position(|t| t.name == key),
    };
    found.with_context(|| {
        let known: Vec<String> = config
            .triggers
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{i} or {} ({})", t.name, t.type_))
            .collect();
        format!(
            "{name}: {path}.{key}: no trigger has this index or name; the triggers are: {}",
            known.join(", ")
        )
    })
}

fn state(name: &str, spec: StateSpec, config: &ScalingConfig) -> anyhow::Result<ScalerState> {
    let mut failures = BTreeMap::new();
    for (key, count) in spec.failures {
        let index = trigger_index(name, "state.failures", &key, config)?;
        failures.insert(config.triggers[index].name.clone(), count);
    }
    let mut history = History {
        recommendations: spec
            .recommendations
            .iter()
            .map(|r| Recommendation {
                at: r.time,
                replicas: r.replicas,
            })
            .collect(),
        ..History::default()
    };
    for (index, event) in spec.scale_events.iter().enumerate() {
        let recorded = ScaleEvent {
            at: event.time,
            replicas: event.replicas,
            change: event.change.saturating_abs(),
            outdated: false,
        };
        match event.change.signum() {
            1 => history.scale_up_events.push(recorded),
            -1 => history.scale_down_events.push(recorded),
            _ => bail!(
                "{name}: state.scaleEvents[{index}].change: 0 is not allowed; the pods added \
                 (positive) or removed (negative)"
            ),
        }
    }
    Ok(ScalerState {
        created_at: spec.created_at,
        last_active_time: spec.last_active_time,
        failures,
        history,
        paused_replica_count: None,
    })
}
