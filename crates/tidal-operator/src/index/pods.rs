//! Pods by namespace, reduced to what the `kubernetes-workload` scaler counts.
//!
//! KEDA lists pods on every poll of every such trigger; Tidal watches pods once and counts
//! from memory. Only labels and phase are kept, so the index stays small on big clusters.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use k8s_openapi::api::core::v1::Pod;
use tidal_scalers::kubernetes_workload::{LabelSelector, PodCounter, PodInfo, count_pods};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    labels: BTreeMap<String, String>,
    phase: Option<String>,
    ready: bool,
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
        let entry = Entry {
            labels: pod.metadata.labels.clone().unwrap_or_default(),
            phase: pod.status.as_ref().and_then(|s| s.phase.clone()),
            ready: pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
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

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, HashMap<String, Entry>>> {
        self.namespaces
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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
}
