//! The ScaledJob kind: run one Kubernetes Job per unit of pending work.
//!
//! KEDA 2.20's spec field for field. ScaledJobs have no HPA and no fallback; each poll decides how
//! many new Jobs to create from the triggers' queue lengths and the scaling strategy.

use k8s_openapi::api::batch::v1::JobSpec;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::scaled_object::{
    DEFAULT_MAX_REPLICA_COUNT, DEFAULT_MIN_REPLICA_COUNT, DEFAULT_POLLING_INTERVAL_SECONDS,
};
use super::status::ScaledJobStatus;
use super::trigger::ScaleTrigger;

/// Finished Jobs of each outcome kept when the history limits are omitted.
pub const DEFAULT_JOBS_HISTORY_LIMIT: i32 = 100;

/// The desired job-based scaling: which Job to run and on which signals.
// Each `printcolumn(...)` repeats `type_`, which clippy takes for a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "tidal.dev",
    version = "v1alpha1",
    kind = "ScaledJob",
    namespaced,
    status = "ScaledJobStatus",
    shortname = "sj",
    derive = "PartialEq",
    doc = "Runs Kubernetes Jobs in proportion to pending work from event sources; the KEDA \
           ScaledJob API.",
    printcolumn(name = "Min", type_ = "integer", json_path = ".spec.minReplicaCount"),
    printcolumn(name = "Max", type_ = "integer", json_path = ".spec.maxReplicaCount"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Ready")].status"#
    ),
    printcolumn(
        name = "Active",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Active")].status"#
    ),
    printcolumn(
        name = "Paused",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Paused")].status"#
    ),
    printcolumn(
        name = "Triggers",
        type_ = "string",
        json_path = ".status.triggersTypes"
    ),
    printcolumn(
        name = "Authentications",
        type_ = "string",
        json_path = ".status.authenticationsTypes"
    ),
    printcolumn(
        name = "Desired",
        type_ = "integer",
        json_path = ".status.lastDecision.desiredReplicas"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        json_path = ".status.lastDecision.reason"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ScaledJobSpec {
    /// The Job to create, as a `batch/v1` JobSpec.
    pub job_target_ref: JobSpec,

    /// Seconds between two polls of the triggers. Default: 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub polling_interval: Option<i32>,

    /// Successful Jobs to keep. Default: 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub successful_jobs_history_limit: Option<i32>,

    /// Failed Jobs to keep. Default: 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub failed_jobs_history_limit: Option<i32>,

    /// Deprecated: use `rollout.strategy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout_strategy: Option<RolloutStrategy>,

    /// What happens to running Jobs when the ScaledJob changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,

    /// The container whose environment resolves `…FromEnv` trigger parameters. Default: the first
    /// container of the Job's pod template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_source_container_name: Option<String>,

    /// Jobs to keep running even with no pending work. Default: 0. KEDA caps it at
    /// maxReplicaCount rather than rejecting a larger value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub min_replica_count: Option<i32>,

    /// The most Jobs running at once. Default: 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub max_replica_count: Option<i32>,

    /// How the number of new Jobs is computed from the queue length and the running Jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling_strategy: Option<ScalingStrategy>,

    /// The signals to scale on; at least one.
    #[schemars(length(min = 1))]
    pub triggers: Vec<ScaleTrigger>,
}

impl ScaledJobSpec {
    /// Seconds between polls (`pollingInterval`, default 30).
    pub fn polling_interval(&self) -> i32 {
        self.polling_interval
            .unwrap_or(DEFAULT_POLLING_INTERVAL_SECONDS)
    }

    /// Successful Jobs kept (`successfulJobsHistoryLimit`, default 100).
    pub fn successful_jobs_history_limit(&self) -> i32 {
        self.successful_jobs_history_limit
            .unwrap_or(DEFAULT_JOBS_HISTORY_LIMIT)
    }

    /// Failed Jobs kept (`failedJobsHistoryLimit`, default 100).
    pub fn failed_jobs_history_limit(&self) -> i32 {
        self.failed_jobs_history_limit
            .unwrap_or(DEFAULT_JOBS_HISTORY_LIMIT)
    }

    /// The Job floor (`minReplicaCount`, default 0).
    pub fn min_replica_count(&self) -> i32 {
        self.min_replica_count.unwrap_or(DEFAULT_MIN_REPLICA_COUNT)
    }

    /// The Job ceiling (`maxReplicaCount`, default 100).
    pub fn max_replica_count(&self) -> i32 {
        self.max_replica_count.unwrap_or(DEFAULT_MAX_REPLICA_COUNT)
    }

    /// The rollout strategy in effect: `rollout.strategy`, else the deprecated `rolloutStrategy`,
    /// else `default`.
    pub fn rollout_strategy(&self) -> RolloutStrategy {
        self.rollout
            .as_ref()
            .and_then(|rollout| rollout.strategy)
            .or(self.rollout_strategy)
            .unwrap_or_default()
    }

    /// The scaling strategy in effect (`default` when omitted).
    pub fn scaling_strategy(&self) -> ScalingStrategyKind {
        self.scaling_strategy
            .as_ref()
            .and_then(|strategy| strategy.strategy)
            .unwrap_or_default()
    }

    /// How several triggers combine (`max` when omitted).
    pub fn multiple_scalers_calculation(&self) -> MultipleScalersCalculation {
        self.scaling_strategy
            .as_ref()
            .and_then(|strategy| strategy.multiple_scalers_calculation)
            .unwrap_or_default()
    }
}

/// What happens to running Jobs when the ScaledJob is updated.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// `default` deletes running Jobs on update; `gradual` lets them finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<RolloutStrategy>,

    /// How deleted Jobs' pods go: `background` (the default) or `foreground`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation_policy: Option<PropagationPolicy>,
}

/// How running Jobs are treated when the ScaledJob changes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
#[serde(rename_all = "camelCase")]
pub enum RolloutStrategy {
    /// Running Jobs are deleted and recreated from the new spec.
    #[default]
    Default,
    /// Running Jobs finish; new Jobs use the new spec.
    Gradual,
}

/// Deletion propagation for Jobs removed during a rollout.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
#[serde(rename_all = "camelCase")]
pub enum PropagationPolicy {
    /// Pods are deleted in the background after the Job.
    #[default]
    Background,
    /// The Job is deleted after its pods.
    Foreground,
}

/// How many Jobs to create per poll.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalingStrategy {
    /// `default`, `custom`, `accurate` or `eager`. Default: `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<ScalingStrategyKind>,

    /// For `custom`: Jobs subtracted from the computed scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_scaling_queue_length_deduction: Option<i32>,

    /// For `custom`: fraction of running Jobs subtracted, a decimal string such as `"0.5"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_scaling_running_job_percentage: Option<String>,

    /// Pod conditions that must all be true for a Job to count as running rather than pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_pod_conditions: Option<Vec<String>>,

    /// How several triggers combine: `max` (the default), `min`, `avg` or `sum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_scalers_calculation: Option<MultipleScalersCalculation>,
}

/// The job scaling strategies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
#[serde(rename_all = "camelCase")]
pub enum ScalingStrategyKind {
    /// New Jobs = computed scale − running Jobs.
    #[default]
    Default,
    /// Like `default`, minus a fixed deduction and a fraction of running Jobs.
    Custom,
    /// Accounts for pending Jobs, for queues that hide in-flight messages.
    Accurate,
    /// Fills up to maxReplicaCount as long as there is pending work.
    Eager,
}

/// How the values of several triggers combine into one queue length.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
#[serde(rename_all = "camelCase")]
pub enum MultipleScalersCalculation {
    /// The largest.
    #[default]
    Max,
    /// The smallest.
    Min,
    /// The mean.
    Avg,
    /// The total.
    Sum,
}
