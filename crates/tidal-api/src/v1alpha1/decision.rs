//! `status.lastDecision`: the replica decision and its explanation, as stored on the object.
//!
//! The core engine produces a richer `Decision` value and converts it into [`LastDecision`]; the
//! operator writes it, and `kubectl get so` shows `desiredReplicas` and `reason` as columns.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most recent scaling decision.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastDecision {
    /// When the decision was made.
    pub time: Time,

    /// The replica count decided.
    pub desired_replicas: i32,

    /// The replica count observed when deciding.
    pub current_replicas: i32,

    /// Whether the object was active (any trigger above its activation threshold).
    pub active: bool,

    /// The rule that fixed the result: `metric`, `tolerance`, `stabilization`, `scaleUpPolicy`,
    /// `scaleDownPolicy`, `minReplicaCount`, `maxReplicaCount`, `cooldown`, `idle`, `activation`,
    /// `fallback`, `paused` or `formula`; the engine may add finer values.
    pub bound_by: String,

    /// One line in plain words, e.g. "scaled up from 3 to 8: trigger 'queue' is 80 against a
    /// target of 10 per replica".
    pub reason: String,

    /// What each trigger reported.
    #[serde(default)]
    pub triggers: Vec<TriggerDecision>,
}

/// One trigger's part in a decision.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerDecision {
    /// The trigger's name, or `s<index>-<type>` when it has none.
    pub name: String,

    /// The trigger type, e.g. `prometheus`.
    #[serde(rename = "type")]
    pub type_: String,

    /// The value read, when the read succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,

    /// The target the value was compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,

    /// Whether the value was above the trigger's activation threshold.
    pub active: bool,

    /// The replica count this trigger alone would ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<i32>,

    /// Why the read failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
