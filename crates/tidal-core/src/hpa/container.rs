//! `ContainerResource` metrics: a `cpu` or `memory` trigger with `containerName` reads one
//! container of each pod instead of the whole pod.
//!
//! A sidecar (a proxy, a log shipper) can dominate or dilute a pod's usage, so KEDA turns a
//! trigger with `containerName` into an HPA `ContainerResource` metric. The HPA computes it with
//! the same replica math as a `Resource` metric; only the inputs differ, and they differ the way
//! Kubernetes' metrics client and `calculatePodRequests` select them:
//!
//! - **usage**: the named container's sample in each pod's `PodMetrics`. A pod whose metrics do
//!   not list the container, or list it without the resource, has no sample and counts as a
//!   missing pod, as for `Resource` metrics (Kubernetes 1.32 onwards; before, it failed the whole
//!   metric). When no pod's metrics list the container at all, the name is most likely wrong, and
//!   the metric fails saying so.
//! - **requests**: the named container's request, looked up among the pod's containers and
//!   restartable init containers (sidecars). A pod that does not run the container requests 0,
//!   which the utilization math reports as no usable request.
//!
//! This module turns the per-container observation into the per-pod inputs
//! [`super::resource_replicas`] takes, so the math stays one function.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::pods::{Pod, PodMetric, Requests, ResourceName};
use super::{Error, Result};

/// One container's request of each resource, in milli-units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerRequests {
    /// The container's name (`spec.containers[].name` or a restartable init container's).
    pub name: String,
    /// Its requests; `None` for a resource it does not request.
    pub requests: Requests,
}

/// One pod's `PodMetrics` with its containers kept apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodUsage {
    /// The pod the sample belongs to.
    pub pod: String,
    /// When the sample window ended.
    pub timestamp: Timestamp,
    /// The length of the sample window.
    pub window: SignedDuration,
    /// Each container's usage.
    pub containers: Vec<ContainerUsage>,
}

/// One container's usage in a [`PodUsage`], in milli-units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerUsage {
    /// The container's name.
    pub name: String,
    /// CPU usage in milli-cores; `None` when the metrics API did not report it.
    pub cpu: Option<i64>,
    /// Memory usage in milli-bytes; `None` when the metrics API did not report it.
    pub memory: Option<i64>,
}

impl ContainerUsage {
    /// The usage of `resource`.
    pub const fn get(&self, resource: ResourceName) -> Option<i64> {
        match resource {
            ResourceName::Cpu => self.cpu,
            ResourceName::Memory => self.memory,
        }
    }
}

impl ContainerRequests {
    /// The pod's requests: the sum over `containers` of each resource, `None` for a resource
    /// some container does not request (the HPA's "missing request") or when there is no
    /// container.
    pub fn total(containers: &[Self]) -> Requests {
        let sum = |get: fn(&Requests) -> Option<i64>| {
            if containers.is_empty() {
                return None;
            }
            containers.iter().try_fold(0_i64, |total, c| {
                Some(total.saturating_add(get(&c.requests)?))
            })
        };
        Requests {
            cpu: sum(|r| r.cpu),
            memory: sum(|r| r.memory),
        }
    }
}

impl Pod {
    /// The pod as a `ContainerResource` metric on `container` sees it: the same pod, requesting
    /// only what that container requests (0 when the pod does not run it).
    #[must_use]
    pub fn for_container(&self, container: &str) -> Self {
        let mut requests = Requests {
            cpu: Some(0),
            memory: Some(0),
        };
        for c in self.containers.iter().filter(|c| c.name == container) {
            requests.cpu = requests.cpu.zip(c.requests.cpu).map(|(a, b)| a + b);
            requests.memory = requests.memory.zip(c.requests.memory).map(|(a, b)| a + b);
        }
        // Field by field: cloning the whole pod would copy its container list only to drop it.
        Self {
            name: self.name.clone(),
            phase: self.phase,
            deleting: self.deleting,
            ready: self.ready,
            start_time: self.start_time,
            requests,
            containers: Vec::new(),
        }
    }
}

/// The samples of `container` for `resource`, one per pod that reports it; the other pods are
/// missing.
///
/// # Errors
/// [`Error::ContainerNotInMetrics`] when there are pod metrics but none lists `container`.
pub fn container_metrics(
    usage: &[PodUsage],
    resource: ResourceName,
    container: &str,
) -> Result<Vec<PodMetric>> {
    let mut samples = Vec::with_capacity(usage.len());
    let mut listed = false;
    for pod in usage {
        let Some(found) = pod.containers.iter().find(|c| c.name == container) else {
            continue;
        };
        listed = true;
        if let Some(value) = found.get(resource) {
            samples.push(PodMetric {
                pod: pod.pod.clone(),
                value,
                timestamp: pod.timestamp,
                window: pod.window,
            });
        }
    }
    match usage.first() {
        Some(first) if !listed => Err(Error::ContainerNotInMetrics {
            container: container.to_owned(),
            pod: first.pod.clone(),
        }),
        _ => Ok(samples),
    }
}

/// The pod-level samples of `resource`: each pod's usage summed over its containers, as the
/// `Resource` metric reads it. A pod with a container that lacks the resource, or with no
/// container at all, gets no sample.
pub fn pod_metrics(usage: &[PodUsage], resource: ResourceName) -> Vec<PodMetric> {
    usage
        .iter()
        .filter(|pod| !pod.containers.is_empty())
        .filter_map(|pod| {
            let value = pod
                .containers
                .iter()
                .try_fold(0_i64, |sum, c| Some(sum.saturating_add(c.get(resource)?)))?;
            Some(PodMetric {
                pod: pod.pod.clone(),
                value,
                timestamp: pod.timestamp,
                window: pod.window,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).expect("valid timestamp")
    }

    fn usage(pod: &str, containers: &[(&str, Option<i64>, Option<i64>)]) -> PodUsage {
        PodUsage {
            pod: pod.to_owned(),
            timestamp: at(100),
            window: SignedDuration::from_secs(15),
            containers: containers
                .iter()
                .map(|(name, cpu, memory)| ContainerUsage {
                    name: (*name).to_owned(),
                    cpu: *cpu,
                    memory: *memory,
                })
                .collect(),
        }
    }

    #[test]
    fn a_named_container_reads_only_its_own_usage() {
        let pods = [
            usage("a", &[("app", Some(300), None), ("proxy", Some(900), None)]),
            usage("b", &[("proxy", Some(50), None), ("app", Some(100), None)]),
        ];
        let app = container_metrics(&pods, ResourceName::Cpu, "app").expect("both pods run app");
        assert_eq!(
            app.iter()
                .map(|m| (m.pod.as_str(), m.value))
                .collect::<Vec<_>>(),
            [("a", 300), ("b", 100)]
        );
        let whole = pod_metrics(&pods, ResourceName::Cpu);
        assert_eq!(
            whole.iter().map(|m| m.value).collect::<Vec<_>>(),
            [1200, 150]
        );
    }

    #[test]
    fn a_pod_whose_metrics_lack_the_container_is_missing_not_an_error() {
        let pods = [
            usage("a", &[("app", Some(300), None)]),
            usage("b", &[("proxy", Some(100), None)]),
        ];
        let app = container_metrics(&pods, ResourceName::Cpu, "app").expect("a lists it");
        assert_eq!(
            app.iter().map(|m| m.pod.as_str()).collect::<Vec<_>>(),
            ["a"]
        );
    }

    #[test]
    fn a_container_no_pod_reports_fails_the_metric_naming_it() {
        let pods = [
            usage("a", &[("app", Some(300), None)]),
            usage("b", &[("app", Some(100), None)]),
        ];
        let error = container_metrics(&pods, ResourceName::Cpu, "worker").unwrap_err();
        assert_eq!(
            error,
            Error::ContainerNotInMetrics {
                container: "worker".into(),
                pod: "a".into()
            }
        );
        assert!(
            container_metrics(&[], ResourceName::Cpu, "worker")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_container_without_the_resource_leaves_its_pod_missing() {
        let pods = [
            usage("a", &[("app", Some(300), None)]),
            usage("b", &[("app", Some(100), Some(2_000))]),
        ];
        let memory = container_metrics(&pods, ResourceName::Memory, "app").expect("listed");
        assert_eq!(memory.len(), 1);
        assert_eq!(memory[0].pod, "b");
        assert_eq!(pod_metrics(&pods, ResourceName::Memory).len(), 1);
    }

    #[test]
    fn a_pod_requests_what_the_named_container_requests() {
        let mut pod = Pod::running("a", at(0));
        pod.requests = Requests {
            cpu: Some(1_500),
            memory: None,
        };
        pod.containers = vec![
            ContainerRequests {
                name: "app".into(),
                requests: Requests {
                    cpu: Some(500),
                    memory: Some(64),
                },
            },
            ContainerRequests {
                name: "proxy".into(),
                requests: Requests {
                    cpu: Some(1_000),
                    memory: None,
                },
            },
        ];
        assert_eq!(
            pod.for_container("app").requests,
            Requests {
                cpu: Some(500),
                memory: Some(64)
            }
        );
        assert_eq!(
            pod.for_container("proxy").requests.memory,
            None,
            "a named container without a request is a missing request"
        );
        assert_eq!(
            pod.for_container("ghost").requests,
            Requests {
                cpu: Some(0),
                memory: Some(0)
            },
            "a pod that does not run the container requests nothing"
        );
        assert_eq!(pod.for_container("app").name, "a");
    }
}
