//! The pods behind a scale target and the per-pod metric samples, and how Kubernetes sorts them
//! before averaging (`groupPods` in `replica_calculator.go`).
//!
//! A pod that is being deleted or has finished (`Succeeded`, `Failed`) is *ignored*: its sample
//! is dropped and never filled in. A `Pending` pod is *unready*. A running pod without a sample
//! is *missing*. For the `cpu` resource only, a pod with a sample can still be unready: while it
//! is within the CPU initialization period after its start (5 min by default) its sample counts
//! only if the pod is Ready and the sample was taken a full metric window after the last
//! readiness transition; after that period, a pod that is not Ready and never became Ready within
//! the initial readiness delay (30 s) of its start is unready. Every other pod is ready.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::container::ContainerRequests;
use super::{Error, Result};

/// The lifecycle phase of a pod (`status.phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PodPhase {
    /// Accepted but not all containers are running yet.
    Pending,
    /// Bound to a node with at least one container running.
    Running,
    /// All containers exited successfully.
    Succeeded,
    /// All containers exited, at least one in failure.
    Failed,
    /// The state could not be obtained.
    Unknown,
}

/// The status of a pod condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConditionStatus {
    /// `"True"`.
    True,
    /// `"False"`.
    False,
    /// `"Unknown"`: not ready for counting, yet not "unready" when grouping CPU samples.
    Unknown,
}

/// The pod's `Ready` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyCondition {
    /// `status` of the condition.
    pub status: ConditionStatus,
    /// `lastTransitionTime` of the condition.
    pub last_transition: Timestamp,
}

impl ReadyCondition {
    /// A condition with status `"True"` since `since`.
    pub const fn ready_since(since: Timestamp) -> Self {
        Self {
            status: ConditionStatus::True,
            last_transition: since,
        }
    }

    /// A condition with status `"False"` since `since`.
    pub const fn not_ready_since(since: Timestamp) -> Self {
        Self {
            status: ConditionStatus::False,
            last_transition: since,
        }
    }
}

/// The resources whose per-pod usage Tidal scales on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceName {
    /// `cpu`, in milli-cores; the only resource whose samples are filtered by readiness.
    Cpu,
    /// `memory`, in milli-bytes (as `Quantity.MilliValue()` gives them).
    Memory,
}

impl ResourceName {
    /// The Kubernetes name of the resource.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
        }
    }
}

impl std::fmt::Display for ResourceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Requests of one pod per resource, in milli-units (the pod-level request, the sum over its
/// containers and restartable init containers, or one named container's request; the caller
/// chooses as Kubernetes does).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requests {
    /// CPU request in milli-cores; `None` when a container sets none.
    pub cpu: Option<i64>,
    /// Memory request in milli-bytes; `None` when a container sets none.
    pub memory: Option<i64>,
}

impl Requests {
    /// The request for `resource`.
    pub const fn get(&self, resource: ResourceName) -> Option<i64> {
        match resource {
            ResourceName::Cpu => self.cpu,
            ResourceName::Memory => self.memory,
        }
    }
}

/// One pod selected by the scale target's selector, as the replica calculator needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    /// `metadata.name`, the key that joins a pod to its metric sample.
    pub name: String,
    /// `status.phase`.
    pub phase: PodPhase,
    /// Whether `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// The `Ready` condition, if the pod has one.
    pub ready: Option<ReadyCondition>,
    /// `status.startTime`, if set.
    pub start_time: Option<Timestamp>,
    /// Resource requests.
    pub requests: Requests,
    /// Each container's requests (restartable init containers included), for
    /// `ContainerResource` metrics; empty when only the pod's total is known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<ContainerRequests>,
}

impl Pod {
    /// A running, ready pod that started at `start` and has been ready since then.
    pub fn running(name: impl Into<String>, start: Timestamp) -> Self {
        Self {
            name: name.into(),
            phase: PodPhase::Running,
            deleting: false,
            ready: Some(ReadyCondition::ready_since(start)),
            start_time: Some(start),
            requests: Requests::default(),
            containers: Vec::new(),
        }
    }

    /// Whether the pod counts as ready for the `Value` paths: phase `Running` and condition
    /// `Ready=True`.
    pub fn is_running_and_ready(&self) -> bool {
        self.phase == PodPhase::Running
            && self
                .ready
                .is_some_and(|c| c.status == ConditionStatus::True)
    }
}

/// One per-pod sample from the resource (or custom pods) metrics API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMetric {
    /// The pod the sample belongs to.
    pub pod: String,
    /// The sample in milli-units.
    pub value: i64,
    /// When the sample window ended.
    pub timestamp: Timestamp,
    /// The length of the sample window.
    pub window: SignedDuration,
}

/// Controller timings that decide which CPU samples are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessConfig {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`: after a pod starts, CPU samples
    /// count only once it is Ready and a full metric window has passed since it became so.
    pub cpu_initialization_period: SignedDuration,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`: a pod that is not Ready and never
    /// became Ready within this delay of its start is treated as unready.
    pub initial_readiness_delay: SignedDuration,
}

impl Default for ReadinessConfig {
    /// Kubernetes' defaults: 5 minutes and 30 seconds.
    fn default() -> Self {
        Self {
            cpu_initialization_period: SignedDuration::from_mins(5),
            initial_readiness_delay: SignedDuration::from_secs(30),
        }
    }
}

/// Pods sorted by how their samples are used (names borrowed from the pods).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodGroups<'a> {
    /// How many pods have a sample that is used as it is.
    pub ready: usize,
    /// Pending pods, and CPU pods not yet trusted: dropped, filled with 0 on a scale-up.
    pub unready: BTreeSet<&'a str>,
    /// Running pods with no sample: filled in once the direction of the change is known.
    pub missing: BTreeSet<&'a str>,
    /// Deleted and finished pods: dropped for good.
    pub ignored: BTreeSet<&'a str>,
}

/// Sorts `pods` as Kubernetes' `groupPods` does (module docs). `resource` is the resource the
/// samples measure, `None` for a custom per-pod metric; only `cpu` samples are checked against
/// readiness. When a pod has several samples, the last one counts.
pub fn group_pods<'a>(
    pods: &'a [Pod],
    metrics: &[PodMetric],
    resource: Option<ResourceName>,
    config: ReadinessConfig,
    now: Timestamp,
) -> PodGroups<'a> {
    let by_pod = metrics.iter().map(|m| (m.pod.as_str(), m)).collect();
    group_by_name(pods, &by_pod, resource, config, now)
}

/// [`group_pods`] with the samples already keyed by pod name.
pub(crate) fn group_by_name<'a>(
    pods: &'a [Pod],
    metrics: &BTreeMap<&str, &PodMetric>,
    resource: Option<ResourceName>,
    config: ReadinessConfig,
    now: Timestamp,
) -> PodGroups<'a> {
    let mut groups = PodGroups::default();
    for pod in pods {
        let name = pod.name.as_str();
        if pod.deleting || matches!(pod.phase, PodPhase::Succeeded | PodPhase::Failed) {
            groups.ignored.insert(name);
            continue;
        }
        if pod.phase == PodPhase::Pending {
            groups.unready.insert(name);
            continue;
        }
        let Some(metric) = metrics.get(name) else {
            groups.missing.insert(name);
            continue;
        };
        if resource == Some(ResourceName::Cpu) && cpu_sample_untrusted(pod, metric, config, now) {
            groups.unready.insert(name);
            continue;
        }
        groups.ready += 1;
    }
    groups
}

/// The CPU readiness rule of `groupPods`.
fn cpu_sample_untrusted(
    pod: &Pod,
    metric: &PodMetric,
    config: ReadinessConfig,
    now: Timestamp,
) -> bool {
    let (Some(condition), Some(start)) = (pod.ready, pod.start_time) else {
        return true;
    };
    if start
        .saturating_add(config.cpu_initialization_period)
        .unwrap_or(Timestamp::MAX)
        > now
    {
        let settled = condition
            .last_transition
            .saturating_add(metric.window)
            .unwrap_or(Timestamp::MAX);
        condition.status == ConditionStatus::False || metric.timestamp < settled
    } else {
        let delay_end = start
            .saturating_add(config.initial_readiness_delay)
            .unwrap_or(Timestamp::MAX);
        condition.status == ConditionStatus::False && delay_end > condition.last_transition
    }
}

/// Counts the pods that are `Running` with `Ready=True`, as the `Value` paths of the replica
/// calculator do (`getReadyPodsCount`).
///
/// # Errors
/// [`Error::NoPods`] when `pods` is empty.
pub fn ready_pod_count(pods: &[Pod]) -> Result<u32> {
    if pods.is_empty() {
        return Err(Error::NoPods);
    }
    Ok(pods.iter().filter(|p| p.is_running_and_ready()).count() as u32)
}
