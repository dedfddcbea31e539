//! Pods by namespace, reduced to what the scalers and the HPA math read.
//!
//! KEDA lists pods on every poll of every `kubernetes-workload` trigger, and the HPA lists the
//! target's pods for every `cpu`/`memory` metric; Tidal watches pods once and reads from
//! memory. Only labels, phase, readiness, start time and each container's requests are kept,
//! so the index stays small on big clusters.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use tidal_core::hpa::{self, ConditionStatus, PodPhase, ReadyCondition};
use tidal_scalers::kubernetes_workload::{LabelSelector, PodCounter, PodInfo, count_pods};

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    labels: BTreeMap<String, String>,
    phase: Option<String>,
    ready: bool,
    /// The pod as the HPA's resource math sees it.
    hpa: hpa::Pod,
}

/// Labels and phase of every watched pod; shared between the watch task and the scalers.
#[derive(Debug, Default)]
pub struct PodIndex {
    namespaces: RwLock<HashMap<String, HashMap<String, Entry>>>,
}

impl PodIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a pod seen by the watch.
    pub fn apply(&self, pod: &Pod) {
        let (Some(namespace), Some(name)) =
            (pod.metadata.namespace.as_ref(), pod.metadata.name.as_ref())
        else {
            return;
        };
        let hpa = hpa_pod(name, pod);
        let entry = Entry {
            labels: pod.metadata.labels.clone().unwrap_or_default(),
            phase: pod.status.as_ref().and_then(|s| s.phase.clone()),
            ready: hpa.ready.is_some_and(|r| r.status == ConditionStatus::True),
            hpa,
        };
        self.write()
            .entry(namespace.clone())
            .or_default()
            .insert(name.clone(), entry);
    }

    /// Forgets pod `namespace/name`.
    pub fn delete(&self, namespace: &str, name: &str) {
        let mut namespaces = self.write();
        if let Some(pods) = namespaces.get_mut(namespace) {
            pods.remove(name);
            if pods.is_empty() {
                namespaces.remove(namespace);
            }
        }
    }

    /// Replaces the whole index after a watch restart (the list that begins every watch).
    pub fn replace(&self, pods: &[Pod]) {
        self.write().clear();
        for pod in pods {
            self.apply(pod);
        }
    }

    /// Running pods with `Ready=True` in `namespace` matching `selector`: the target's ready
    /// replicas, which `Value` metrics scale against.
    pub fn ready(&self, namespace: &str, selector: &LabelSelector) -> u32 {
        let namespaces = self
            .namespaces
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(pods) = namespaces.get(namespace) else {
            return 0;
        };
        let ready = pods
            .values()
            .filter(|e| {
                e.ready && e.phase.as_deref() == Some("Running") && selector.matches(&e.labels)
            })
            .count();
        u32::try_from(ready).unwrap_or(u32::MAX)
    }

    /// The pods in `namespace` matching `selector`, as the HPA's resource math reads them
    /// (what the HPA controller lists for a `Resource` metric).
    pub fn hpa_pods(&self, namespace: &str, selector: &LabelSelector) -> Vec<hpa::Pod> {
        let namespaces = self
            .namespaces
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        namespaces
            .get(namespace)
            .map(|pods| {
                pods.values()
                    .filter(|e| selector.matches(&e.labels))
                    .map(|e| e.hpa.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, HashMap<String, Entry>>> {
        self.namespaces
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The HPA's view of `pod`: phase, deletion, the Ready condition, start time and the requests,
/// per container and summed.
fn hpa_pod(name: &str, pod: &Pod) -> hpa::Pod {
    let (requests, containers) = super::requests::requests(pod.spec.as_ref());
    let status = pod.status.as_ref();
    let phase = match status.and_then(|s| s.phase.as_deref()) {
        Some("Pending") => PodPhase::Pending,
        Some("Running") => PodPhase::Running,
        Some("Succeeded") => PodPhase::Succeeded,
        Some("Failed") => PodPhase::Failed,
        _ => PodPhase::Unknown,
    };
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .map(|c| ReadyCondition {
            status: match c.status.as_str() {
                "True" => ConditionStatus::True,
                "False" => ConditionStatus::False,
                _ => ConditionStatus::Unknown,
            },
            last_transition: c
                .last_transition_time
                .as_ref()
                .map_or(Timestamp::UNIX_EPOCH, |t| t.0),
        });
    hpa::Pod {
        name: name.to_owned(),
        phase,
        deleting: pod.metadata.deletion_timestamp.is_some(),
        ready,
        start_time: status.and_then(|s| s.start_time.as_ref()).map(|t| t.0),
        requests,
        containers,
    }
}

impl PodCounter for PodIndex {
    fn count(&self, namespace: &str, selector: &LabelSelector) -> Result<usize, String> {
        let namespaces = self
            .namespaces
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(pods) = namespaces.get(namespace) else {
            return Ok(0);
        };
        Ok(count_pods(
            pods.values().map(|e| PodInfo {
                labels: &e.labels,
                phase: e.phase.as_deref(),
            }),
            selector,
        ))
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::PodStatus;
    use kube::api::ObjectMeta;

    use super::*;

    fn pod(namespace: &str, name: &str, app: &str, phase: &str) -> Pod {
        let ready = k8s_openapi::api::core::v1::PodCondition {
            type_: "Ready".into(),
            status: if phase == "Running" { "True" } else { "False" }.into(),
            ..Default::default()
        };
        Pod {
            metadata: ObjectMeta {
                namespace: Some(namespace.into()),
                name: Some(name.into()),
                labels: Some(BTreeMap::from([("app".to_owned(), app.to_owned())])),
                ..ObjectMeta::default()
            },
            status: Some(PodStatus {
                phase: Some(phase.into()),
                conditions: Some(vec![ready]),
                ..PodStatus::default()
            }),
            ..Pod::default()
        }
    }

    #[test]
    fn counts_live_matching_pods_of_one_namespace() {
        let index = PodIndex::new();
        index.apply(&pod("ns", "w1", "worker", "Running"));
        index.apply(&pod("ns", "w2", "worker", "Pending"));
        index.apply(&pod("ns", "w3", "worker", "Succeeded"));
        index.apply(&pod("ns", "web", "web", "Running"));
        index.apply(&pod("other", "w1", "worker", "Running"));
        let selector = LabelSelector::parse("app=worker").unwrap();
        assert_eq!(index.count("ns", &selector), Ok(2));
        assert_eq!(
            index.ready("ns", &selector),
            1,
            "only the running, ready pod is ready"
        );
        index.delete("ns", "w2");
        assert_eq!(index.count("ns", &selector), Ok(1));
        index.apply(&pod("ns", "w1", "worker", "Failed"));
        assert_eq!(
            index.count("ns", &selector),
            Ok(0),
            "an updated pod replaces its entry"
        );
    }

    #[test]
    fn a_relist_forgets_pods_deleted_while_the_watch_was_down() {
        let index = PodIndex::new();
        index.apply(&pod("ns", "gone", "worker", "Running"));
        index.replace(&[pod("ns", "kept", "worker", "Running")]);
        let selector = LabelSelector::parse("app=worker").unwrap();
        assert_eq!(index.count("ns", &selector), Ok(1));
        assert_eq!(index.count("empty", &selector), Ok(0));
    }

    #[test]
    fn hpa_pods_carry_summed_requests_readiness_and_start_time() {
        use k8s_openapi::api::core::v1::{Container, PodSpec, ResourceRequirements};
        use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
        let container = |cpu: Option<&str>, memory: &str| Container {
            name: "c".into(),
            resources: Some(ResourceRequirements {
                requests: Some(
                    cpu.map(|c| ("cpu".to_owned(), Quantity(c.into())))
                        .into_iter()
                        .chain([("memory".to_owned(), Quantity(memory.into()))])
                        .collect(),
                ),
                ..ResourceRequirements::default()
            }),
            ..Container::default()
        };
        let mut web = pod("ns", "web-1", "web", "Running");
        web.spec = Some(PodSpec {
            containers: vec![
                container(Some("250m"), "64Mi"),
                container(Some("1"), "64Mi"),
            ],
            ..PodSpec::default()
        });
        let mut partial = pod("ns", "web-2", "web", "Pending");
        partial.spec = Some(PodSpec {
            containers: vec![container(Some("250m"), "1Gi"), container(None, "1Gi")],
            ..PodSpec::default()
        });
        let index = PodIndex::new();
        index.apply(&web);
        index.apply(&partial);
        index.apply(&pod("ns", "other", "db", "Running"));
        let mut pods = index.hpa_pods("ns", &LabelSelector::parse("app=web").unwrap());
        pods.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(pods.len(), 2);
        assert_eq!(pods[0].requests.cpu, Some(1250));
        assert_eq!(pods[0].requests.memory, Some(128 * 1024 * 1024 * 1000));
        assert_eq!(pods[0].phase, PodPhase::Running);
        assert_eq!(pods[0].ready.map(|r| r.status), Some(ConditionStatus::True));
        assert_eq!(
            pods[1].requests.cpu, None,
            "a container without a cpu request makes the pod's request missing, as in the HPA"
        );
        assert_eq!(pods[1].phase, PodPhase::Pending);
    }

    #[test]
    fn sidecars_count_in_the_requests_and_each_container_is_kept_by_name() {
        use k8s_openapi::api::core::v1::{Container, PodSpec, ResourceRequirements};
        use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
        let container = |name: &str, cpu: &str, restart: Option<&str>| Container {
            name: name.into(),
            restart_policy: restart.map(str::to_owned),
            resources: Some(ResourceRequirements {
                requests: Some([("cpu".to_owned(), Quantity(cpu.into()))].into()),
                ..ResourceRequirements::default()
            }),
            ..Container::default()
        };
        let mut web = pod("ns", "web-1", "web", "Running");
        web.spec = Some(PodSpec {
            containers: vec![container("app", "100m", None)],
            init_containers: Some(vec![
                container("migrate", "2", None),
                container("proxy", "300m", Some("Always")),
            ]),
            ..PodSpec::default()
        });
        let index = PodIndex::new();
        index.apply(&web);
        let pods = index.hpa_pods("ns", &LabelSelector::parse("app=web").unwrap());
        assert_eq!(
            pods[0].requests.cpu,
            Some(400),
            "the sidecar counts, the run-to-completion init container does not"
        );
        let names: Vec<_> = pods[0].containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["app", "proxy"]);
        assert_eq!(pods[0].for_container("proxy").requests.cpu, Some(300));
    }
}
