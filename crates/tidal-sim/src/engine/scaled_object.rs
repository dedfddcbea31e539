//! A ScaledObject as a policy: the manifest is loaded and converted exactly as the operator
//! does it, and `tidal_core::engine::Engine::decide` runs every `pollingInterval` of virtual
//! time with an [`Observation`] built from the simulated cluster and the last visible scrape.
//!
//! Nothing of KEDA's semantics lives here: activation, cooldown, fallback, pause, the HPA's
//! tolerance, stabilization and rate limits are all the engine's. This module only translates —
//! triggers to signals ([`super::triggers`]), pod counts to pods ([`super::pods`]), virtual
//! seconds to timestamps — and keeps the engine's [`ScalerState`] from one poll to the next.

use std::collections::BTreeMap;
use std::path::Path;

use tidal_api::manifest::{self, Object};
use tidal_api::v1alpha1::ScaledObjectSpec;
use tidal_core::config::{Env, ScalingConfig};
use tidal_core::decision::Decision;
use tidal_core::engine::{Engine, Observation, Reading, ScalerState};

use super::triggers::{Source, source};
use super::{cpu_request, pods, timestamp};
use crate::error::{Error, Result};
use crate::policy::{Policy, PolicyDecision};
use crate::scenario::{KedaQueueSpec, Prepared};
use crate::signals::{SignalView, parse_query};

/// The Prometheus address written into the `keda-queue` ScaledObject; never contacted.
const SIMULATED_PROMETHEUS: &str = "http://prometheus.simulated:9090";

/// A ScaledObject decided by Tidal's engine.
#[derive(Debug)]
pub struct ScaledObjectPolicy {
    name: String,
    engine: Engine,
    state: ScalerState,
    sources: Vec<Source>,
    interval: f64,
    cpu_request: f64,
    uses_pods: bool,
    /// The engine's last decision, with its reason and every trigger's part.
    last: Option<Decision>,
}

impl ScaledObjectPolicy {
    /// The ScaledObject in the manifest at `path` (relative to the scenario), named `name` in
    /// reports.
    ///
    /// # Errors
    /// [`Error::Read`] when the file cannot be read; [`Error::Policy`] when it does not hold
    /// exactly one ScaledObject, has a field the API does not know, cannot be converted by
    /// `tidal_core::config`, or has a trigger with no simulated signal.
    pub fn from_file(name: &str, path: &Path, prepared: &Prepared) -> Result<Self> {
        let full = prepared.dir.join(path);
        let text = std::fs::read_to_string(&full).map_err(|source| Error::Read {
            path: full.clone(),
            source,
        })?;
        let file = full.display().to_string();
        let fail = |message: String| Error::Policy {
            policy: name.to_owned(),
            message,
        };
        let documents = manifest::load(&file, &text).map_err(|e| fail(e.to_string()))?;
        let mut objects = documents.iter().filter_map(|d| match &d.manifest.object {
            Object::ScaledObject(object) => Some((d, object)),
            _ => None,
        });
        let Some((document, object)) = objects.next() else {
            return Err(fail(format!(
                "{file} holds no ScaledObject; a scaled-object policy needs one"
            )));
        };
        if objects.next().is_some() {
            return Err(fail(format!(
                "{file} holds more than one ScaledObject; give each its own file and policy"
            )));
        }
        if let Some(path) = document.unknown_fields.first() {
            // The API server would drop it silently; a rehearsal must not.
            let line = document
                .line_of(path)
                .map_or(String::new(), |l| format!(":{l}"));
            return Err(fail(format!(
                "{file}{line}: {path} is not a ScaledObject field; check its spelling against \
                 the KEDA ScaledObject reference"
            )));
        }
        let config = ScalingConfig::from_scaled_object(object, &Env::new())
            .map_err(|e| fail(format!("{file}: {e}")))?;
        Self::new(name, config, &object.spec, cpu_request(prepared))
            .map_err(|message| fail(format!("{file}: {message}")))
    }

    /// The `keda-queue` baseline: KEDA on one queue-length or rate signal, as a ScaledObject
    /// with a `prometheus` trigger built in code and decided by the same engine.
    ///
    /// # Errors
    /// [`Error::Field`] for a setting KEDA would not accept, naming it under
    /// `policies.keda-queue`.
    pub fn keda_queue(spec: &KedaQueueSpec, prepared: &Prepared) -> Result<Self> {
        let field = |key: &str, value: String, allowed: &str| Error::Field {
            scenario: prepared.scenario.name.clone(),
            field: format!("policies.keda-queue.{key}"),
            value,
            allowed: allowed.into(),
        };
        parse_query(&spec.signal)
            .map_err(|message| field("signal", spec.signal.clone(), &message))?;
        if !(spec.target.is_finite() && spec.target > 0.0) {
            return Err(field("target", spec.target.to_string(), "a number > 0"));
        }
        if !(spec.activation.is_finite() && spec.activation >= 0.0) {
            return Err(field(
                "activation",
                spec.activation.to_string(),
                "a number >= 0",
            ));
        }
        let seconds = |key: &str, span: crate::Span, least: f64| {
            let secs = span.secs();
            if secs.fract() == 0.0 && secs >= least && secs <= f64::from(i32::MAX) {
                Ok(secs as i32)
            } else {
                Err(field(
                    key,
                    span.to_string(),
                    &format!("whole seconds, at least {least}s (KEDA counts in seconds)"),
                ))
            }
        };
        let polling = seconds("polling_interval", spec.polling_interval, 1.0)?;
        let cooldown = seconds("cooldown_period", spec.cooldown_period, 0.0)?;
        let bounds = prepared.scenario.replicas;
        let min = spec.min_replica_count.unwrap_or(bounds.min);
        let object = serde_json::json!({
            "scaleTargetRef": { "name": prepared.scenario.name },
            "pollingInterval": polling,
            "cooldownPeriod": cooldown,
            "minReplicaCount": min,
            "maxReplicaCount": bounds.max,
            "triggers": [{
                "type": "prometheus",
                "metadata": {
                    "serverAddress": SIMULATED_PROMETHEUS,
                    "query": spec.signal,
                    "threshold": spec.target.to_string(),
                    "activationThreshold": spec.activation.to_string(),
                },
            }],
        });
        let policy = |message: String| Error::Policy {
            policy: "keda-queue".into(),
            message,
        };
        let object: ScaledObjectSpec =
            serde_json::from_value(object).map_err(|e| policy(e.to_string()))?;
        let label = "ScaledObject keda-queue (built from the scenario)";
        let config = ScalingConfig::from_spec(label, &object, &BTreeMap::new(), &Env::new())
            .map_err(|e| policy(e.to_string()))?;
        Self::new("keda-queue", config, &object, cpu_request(prepared)).map_err(policy)
    }

    /// A policy for a converted configuration; `spec` gives the triggers' metadata.
    ///
    /// # Errors
    /// The message of the first trigger with no simulated signal.
    pub fn new(
        name: &str,
        config: ScalingConfig,
        spec: &ScaledObjectSpec,
        cpu_request: f64,
    ) -> Result<Self, String> {
        let sources = spec
            .triggers
            .iter()
            .enumerate()
            .map(|(index, trigger)| source(index, trigger))
            .collect::<Result<Vec<_>, _>>()?;
        let interval = config.polling_interval.as_secs_f64();
        Ok(Self {
            name: name.to_owned(),
            uses_pods: sources.contains(&Source::Cpu),
            engine: Engine::new(config),
            // Created at virtual time 0, so `initialCooldownPeriod` counts from the start.
            state: ScalerState::new(timestamp(0.0)),
            sources,
            interval,
            cpu_request,
            last: None,
        })
    }

    /// The engine this policy decides with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine's last decision.
    pub fn last_decision(&self) -> Option<&Decision> {
        self.last.as_ref()
    }

    /// What the engine remembers between polls.
    pub fn state(&self) -> &ScalerState {
        &self.state
    }

    /// The engine's inputs for `view`: the target's replicas, each trigger's reading from the
    /// last visible scrape (a failed read when none is visible yet) and, for `cpu` triggers,
    /// the pods with their CPU samples.
    pub fn observation(&self, view: &SignalView<'_>, now: f64) -> Observation {
        let triggers = self
            .sources
            .iter()
            .map(|source| match (source, view.sample) {
                (Source::Signal(signal, aggregation), Some(sample)) => {
                    Reading::value(sample.aggregate(*signal, *aggregation))
                }
                (Source::Signal(..), None) => Reading::error("no scrape is visible yet"),
                // The engine computes `cpu` triggers from the pods and ignores this entry.
                (Source::Cpu, _) => Reading::value(0.0),
            })
            .collect();
        let (pods, cpu) = if self.uses_pods {
            pods(view, now, self.cpu_request)
        } else {
            (Vec::new(), Vec::new())
        };
        Observation {
            replicas: view.pods.desired as i32,
            // A Deployment's `status.replicas` counts its non-terminating pods.
            status_replicas: None,
            ready_replicas: view.pods.ready as i32,
            pods,
            cpu,
            memory: Vec::new(),
            container_usage: Vec::new(),
            triggers,
        }
    }
}

impl Policy for ScaledObjectPolicy {
    fn name(&self) -> &str {
        &self.name
    }

    fn interval(&self) -> f64 {
        self.interval
    }

    fn decide(&mut self, view: &SignalView<'_>, now: f64) -> PolicyDecision {
        let observation = self.observation(view, now);
        let decision = self
            .engine
            .decide(&observation, &mut self.state, timestamp(now));
        let desired = decision.desired_replicas.max(0) as u32;
        let bound_by = Some(decision.bound_by.as_str());
        self.last = Some(decision);
        PolicyDecision { desired, bound_by }
    }

    fn reason(&self) -> String {
        self.last
            .as_ref()
            .map_or_else(|| "no decision yet".into(), |d| d.reason.clone())
    }
}
