//! The requests a `cpu`/`memory` trigger divides usage by, read from a pod's spec as the HPA
//! reads them (`calculateRequests` in the HPA's replica calculator).
//!
//! Two ways, picked per pod:
//! - **Containers** (the usual case): each container's request and each restartable init
//!   container's (sidecar's), summed. A container that does not request the resource makes the
//!   pod's request `None`, which the HPA reports as a missing request.
//! - **Pod level** (KEP-2837, `PodLevelResources`, on by default since Kubernetes 1.34): when
//!   `spec.resources.requests` names a supported resource (cpu, memory, hugepages), a trigger
//!   without `containerName` divides by the pod's effective requests, component-helpers'
//!   `PodRequests`: the pod-level value of each resource it sets, otherwise the containers'
//!   aggregate as the scheduler counts it (init containers included), plus `spec.overhead`.
//!
//! `containerName` always reads the per-container list, pod-level requests or not, as the HPA
//! does.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use tidal_core::hpa::{ContainerRequests, Requests};

/// The pod's requests, and each container's (sidecars included) for `containerName`.
pub(super) fn requests(spec: Option<&PodSpec>) -> (Requests, Vec<ContainerRequests>) {
    let Some(spec) = spec else {
        return (Requests::default(), Vec::new());
    };
    let containers = per_container(spec);
    let total = pod_level(spec).unwrap_or_else(|| ContainerRequests::total(&containers));
    (total, containers)
}

/// Each container's and each sidecar's requests, in milli-units.
fn per_container(spec: &PodSpec) -> Vec<ContainerRequests> {
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| is_sidecar(c));
    spec.containers
        .iter()
        .chain(sidecars)
        .map(|container| ContainerRequests {
            name: container.name.clone(),
            requests: Requests {
                cpu: request(container, "cpu"),
                memory: request(container, "memory"),
            },
        })
        .collect()
}

/// The pod's effective requests when it sets pod-level requests; `None` when it does not.
fn pod_level(spec: &PodSpec) -> Option<Requests> {
    let pod = spec.resources.as_ref()?.requests.as_ref()?;
    let supported =
        |name: &String| name == "cpu" || name == "memory" || name.starts_with("hugepages-");
    if !pod.keys().any(supported) {
        return None;
    }
    // As PodRequests adds them: the overhead counts even where nothing else is requested.
    let effective = |name: &str| {
        let value = match pod.get(name) {
            Some(quantity) => Some(milli(quantity)?),
            None => aggregate(spec, name),
        };
        let overhead = spec
            .overhead
            .as_ref()
            .and_then(|o| o.get(name))
            .and_then(milli);
        match (value, overhead) {
            (Some(value), Some(overhead)) => Some(value.saturating_add(overhead)),
            (value, overhead) => value.or(overhead),
        }
    };
    Some(Requests {
        cpu: effective("cpu"),
        memory: effective("memory"),
    })
}

/// component-helpers' `AggregateContainerRequests` for one resource: the containers and
/// sidecars summed, and at least what the neediest init container needs while it runs (its own
/// request plus the sidecars started before it). `None` when no container requests it.
fn aggregate(spec: &PodSpec, name: &str) -> Option<i64> {
    fn add(total: &mut Option<i64>, value: Option<i64>) {
        if let Some(value) = value {
            *total = Some(total.unwrap_or(0).saturating_add(value));
        }
    }
    let mut running = None;
    for container in &spec.containers {
        add(&mut running, request(container, name));
    }
    let (mut sidecars, mut initializing) = (None, None::<i64>);
    for container in spec.init_containers.iter().flatten() {
        let need = if is_sidecar(container) {
            add(&mut running, request(container, name));
            add(&mut sidecars, request(container, name));
            sidecars
        } else {
            let mut need = None;
            add(&mut need, request(container, name));
            add(&mut need, sidecars);
            need
        };
        if let Some(need) = need {
            initializing = Some(initializing.map_or(need, |most| most.max(need)));
        }
    }
    match (running, initializing) {
        (Some(running), Some(initializing)) => Some(running.max(initializing)),
        (running, initializing) => running.or(initializing),
    }
}

/// A restartable init container: a sidecar, running beside the containers.
fn is_sidecar(container: &Container) -> bool {
    container.restart_policy.as_deref() == Some("Always")
}

/// `container`'s request for `name`, in milli-units.
fn request(container: &Container, name: &str) -> Option<i64> {
    let requests: &BTreeMap<String, Quantity> = container.resources.as_ref()?.requests.as_ref()?;
    milli(requests.get(name)?)
}

fn milli(quantity: &Quantity) -> Option<i64> {
    tidal_core::quantity::parse_milli(&quantity.0).ok()
}

#[cfg(test)]
#[path = "requests_tests.rs"]
mod tests;
