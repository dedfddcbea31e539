//! What one pass of the scale loop observed, as plain data.

use std::collections::BTreeMap;

use jiff::Timestamp;
use tidal_api::v1alpha1::{GroupVersionKindResource, LastDecision};

/// Why an object is not ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// PascalCase reason for the `Ready` condition, e.g. `ScaleTargetNotFound`.
    pub reason: String,
    /// The message, naming the field and value at fault.
    pub message: String,
    /// `true` when the cause is outside the object (apiserver, network): `Ready=Unknown`;
    /// `false` when the user must act: `Ready=False`.
    pub transient: bool,
}

impl Problem {
    /// A problem the user must fix.
    pub fn user(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            message: message.into(),
            transient: false,
        }
    }

    /// A problem that should clear by itself.
    pub fn transient(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            message: message.into(),
            transient: true,
        }
    }
}

/// Failure count of one metric, for `status.health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TriggerHealth {
    /// Consecutive failed reads.
    pub failures: i32,
}

/// Everything a status is built from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// `metadata.generation` the pass worked on.
    pub generation: Option<i64>,
    /// Why the object is not ready; `None` when it is.
    pub problem: Option<Problem>,
    /// Whether any trigger is active; `None` when the triggers were not read.
    pub active: Option<bool>,
    /// Whether the fallback count applies.
    pub fallback: bool,
    /// The pause message when a pause annotation holds the target.
    pub paused: Option<String>,
    /// `autoscaling.keda.sh/paused-replicas` in force.
    pub paused_replica_count: Option<i32>,
    /// The decision of this pass.
    pub decision: Option<LastDecision>,
    /// Activity per metric name.
    pub triggers_activity: BTreeMap<String, bool>,
    /// Health per metric name.
    pub health: BTreeMap<String, TriggerHealth>,
    /// Metric names, in trigger order.
    pub metric_names: Vec<String>,
    /// When a trigger was last active.
    pub last_active_time: Option<Timestamp>,
    /// The target's replica count before Tidal first scaled it (kept once recorded).
    pub original_replica_count: Option<i32>,
    /// The resolved target kind.
    pub target_kind: Option<String>,
    /// The resolved target.
    pub target_gvkr: Option<GroupVersionKindResource>,
    /// Comma-separated trigger types, for the TRIGGERS column.
    pub triggers_types: Option<String>,
    /// Comma-separated authentication references, for the AUTHENTICATIONS column.
    pub authentications_types: Option<String>,
}
