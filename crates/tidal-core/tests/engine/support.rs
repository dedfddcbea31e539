//! Builders shared by the engine tests.

use std::collections::BTreeMap;

use jiff::Timestamp;
use tidal_api::v1alpha1::ScaledObjectSpec;
use tidal_core::config::{self, ScalingConfig};
use tidal_core::decision::Decision;
use tidal_core::engine::{Engine, Observation, Reading, ScalerState};

/// `2026-01-01T<hms>Z`.
pub(crate) fn at(hms: &str) -> Timestamp {
    format!("2026-01-01T{hms}Z").parse().unwrap()
}

/// The configuration of a ScaledObject spec written in YAML, with annotations.
pub(crate) fn try_config(
    spec: &str,
    annotations: &[(&str, &str)],
) -> Result<ScalingConfig, config::Error> {
    let spec: ScaledObjectSpec = serde_saphyr::from_str(spec).expect("test spec is valid YAML");
    let annotations: BTreeMap<String, String> = annotations
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    ScalingConfig::from_spec(
        "ScaledObject test/web",
        &spec,
        &annotations,
        &BTreeMap::new(),
    )
}

/// An engine for a spec with annotations.
pub(crate) fn engine_with(spec: &str, annotations: &[(&str, &str)]) -> Engine {
    Engine::new(try_config(spec, annotations).unwrap_or_else(|e| panic!("{e}")))
}

/// An engine for a spec.
pub(crate) fn engine(spec: &str) -> Engine {
    engine_with(spec, &[])
}

/// A target with `replicas` replicas, all ready, and the given trigger readings.
pub(crate) fn observe(replicas: i32, readings: Vec<Reading>) -> Observation {
    Observation {
        replicas,
        ready_replicas: replicas,
        triggers: readings,
        ..Observation::default()
    }
}

/// Values for every trigger.
pub(crate) fn values(values: &[f64]) -> Vec<Reading> {
    values.iter().copied().map(Reading::value).collect()
}

/// A state for an object created long ago and active at `last_active`.
pub(crate) fn active_at(last_active: &str) -> ScalerState {
    ScalerState {
        created_at: Some(at("00:00:00")),
        last_active_time: Some(at(last_active)),
        ..ScalerState::default()
    }
}

/// Decides once.
pub(crate) fn decide(
    engine: &Engine,
    observation: &Observation,
    state: &mut ScalerState,
    hms: &str,
) -> Decision {
    engine.decide(observation, state, at(hms))
}

/// One external trigger named `queue` with the given metadata lines (indented by the caller).
pub(crate) fn queue_spec(extra: &str) -> String {
    format!(
        "scaleTargetRef: {{name: web}}\n{extra}\ntriggers:\n  - type: prometheus\n    name: queue\n    metadata: {{serverAddress: 'http://prom:9090', query: 'q', threshold: '10', activationThreshold: '5'}}\n"
    )
}
