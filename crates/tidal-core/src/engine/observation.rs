//! What the engine is told at each decision ([`Observation`]) and what it remembers between
//! decisions ([`ScalerState`]).
//!
//! Both are plain data so that the operator can fill them from its watches and scalers, the
//! simulator from its virtual cluster, and `tidal decide` from a scenario file. The state is the
//! only thing the caller must keep per object; it serializes, so it can live in status or on
//! disk.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::behavior::History;
use crate::hpa::{Pod, PodMetric, PodUsage};

/// The world at one decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// The target's `spec.replicas` (from its `/scale` subresource).
    pub replicas: i32,
    /// The target's `status.replicas`; the `AverageValue` metrics divide by it. `None` means
    /// the same as `replicas`.
    pub status_replicas: Option<i32>,
    /// The target's ready replicas, used for `Value` metrics when `pods` is empty.
    pub ready_replicas: i32,
    /// The pods the target's selector matches, for `cpu`/`memory` triggers and ready counts.
    pub pods: Vec<Pod>,
    /// Per-pod CPU usage samples (milli-cores).
    pub cpu: Vec<PodMetric>,
    /// Per-pod memory usage samples (milli-bytes, as `Quantity.MilliValue()` gives them).
    pub memory: Vec<PodMetric>,
    /// Per-container usage of each pod, for `cpu`/`memory` triggers with `containerName`
    /// (`ContainerResource`); `cpu` and `memory` above hold the same usage summed per pod.
    pub container_usage: Vec<PodUsage>,
    /// Each trigger's reading, in spec order; `cpu`/`memory` triggers' entries are ignored
    /// (they are computed from the pods). A missing entry counts as a failed read.
    pub triggers: Vec<Reading>,
}

/// One scaler's answer for one trigger.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// The scaler returned a value.
    Value {
        /// The metric value.
        value: f64,
        /// The target, for scalers that report it with each reading (`external`); overrides
        /// the configured one.
        target: Option<f64>,
        /// The scaler's own activity verdict (`external` scalers answer `IsActive`); `None`
        /// compares the value with the activation target.
        active: Option<bool>,
    },
    /// The scaler failed.
    Error(String),
}

impl Reading {
    /// A plain value.
    pub fn value(value: f64) -> Self {
        Self::Value {
            value,
            target: None,
            active: None,
        }
    }

    /// A failed read.
    pub fn error(message: impl Into<String>) -> Self {
        Self::Error(message.into())
    }
}

/// What the engine remembers about one ScaledObject between decisions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalerState {
    /// `metadata.creationTimestamp`, for `initialCooldownPeriod`; `None` counts as long ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// `status.lastActiveTime`: the last poll at which the object was active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_time: Option<Timestamp>,
    /// Consecutive failed reads per trigger name (KEDA's `status.health[*].numberOfFailures`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failures: BTreeMap<String, u32>,
    /// Recommendations and scale events for the behavior rules.
    #[serde(default)]
    pub history: History,
    /// `status.pausedReplicaCount`: the count held by `paused-replicas`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_replica_count: Option<i32>,
}

impl ScalerState {
    /// The state of an object created at `created_at` that has not decided yet.
    pub fn new(created_at: Timestamp) -> Self {
        Self {
            created_at: Some(created_at),
            ..Self::default()
        }
    }
}
