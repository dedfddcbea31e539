//! EndpointSlices by namespace, reduced to the ready pod addresses `metrics-api` queries.
//!
//! KEDA lists a Service's EndpointSlices through the API server on every poll of every
//! `metrics-api` trigger with `aggregateFromKubeServiceEndpoints`; Tidal watches them once and
//! answers from memory through [`EndpointLister`]. Slices are grouped by the
//! `kubernetes.io/service-name` label the EndpointSlice controller sets; only ready addresses
//! are kept, so a pod that is starting or draining is never asked for a value.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};

use k8s_openapi::api::discovery::v1::EndpointSlice;
use tidal_scalers::metrics_api::{Endpoint, EndpointLister, EndpointPort};

/// The label naming the Service an EndpointSlice belongs to (`discovery/v1`'s
/// `LabelServiceName`).
pub(crate) const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// `(namespace, name)` of a Service or of a slice.
type Key = (String, String);

#[derive(Debug, Default)]
struct State {
    /// (namespace, Service) → slice name → its ready endpoints. Slice names are random; the
    /// sorted map keeps the query order stable between polls.
    services: HashMap<Key, BTreeMap<String, Vec<Endpoint>>>,
    /// (namespace, slice name) → Service, because deletions name only the slice.
    owners: HashMap<Key, String>,
}

impl State {
    fn remove(&mut self, slice: &Key) {
        let Some(service) = self.owners.remove(slice) else {
            return;
        };
        let key = (slice.0.clone(), service);
        if let Some(slices) = self.services.get_mut(&key) {
            slices.remove(&slice.1);
            if slices.is_empty() {
                self.services.remove(&key);
            }
        }
    }
}

/// Ready endpoints of every watched EndpointSlice, by Service; shared between the watch task
/// and the scalers.
#[derive(Debug, Default)]
pub struct EndpointIndex {
    state: RwLock<State>,
    /// Whether the first full listing has arrived; until then "no endpoints" would be a guess.
    synced: AtomicBool,
}

impl EndpointIndex {
    /// An empty index that answers "not synced" until its first [`EndpointIndex::replace`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a slice seen by the watch. A slice without the service-name label (one a user
    /// manages by hand for no Service) is forgotten, in case it lost the label.
    pub fn apply(&self, slice: &EndpointSlice) {
        let (Some(namespace), Some(name)) = (
            slice.metadata.namespace.as_ref(),
            slice.metadata.name.as_ref(),
        ) else {
            return;
        };
        let key = (namespace.clone(), name.clone());
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.remove(&key);
        let labels = slice.metadata.labels.as_ref();
        if let Some(service) = labels.and_then(|l| l.get(SERVICE_NAME_LABEL)) {
            state
                .services
                .entry((namespace.clone(), service.clone()))
                .or_default()
                .insert(name.clone(), ready_endpoints(slice));
            state.owners.insert(key, service.clone());
        }
    }

    /// Forgets slice `namespace/name`.
    pub fn delete(&self, namespace: &str, name: &str) {
        let key = (namespace.to_owned(), name.to_owned());
        self.state
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
    }

    /// Replaces the whole index after a watch (re)start: the listing that begins every watch.
    pub fn replace(&self, slices: &[EndpointSlice]) {
        *self.state.write().unwrap_or_else(PoisonError::into_inner) = State::default();
        for slice in slices {
            self.apply(slice);
        }
        self.synced.store(true, Ordering::Release);
    }
}

impl EndpointLister for EndpointIndex {
    fn ready_endpoints(&self, namespace: &str, service: &str) -> Result<Vec<Endpoint>, String> {
        if !self.synced.load(Ordering::Acquire) {
            return Err("the EndpointSlice watch has not listed the cluster yet".into());
        }
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let key = (namespace.to_owned(), service.to_owned());
        Ok(state
            .services
            .get(&key)
            .into_iter()
            .flat_map(BTreeMap::values)
            .flatten()
            .cloned()
            .collect())
    }
}

/// The slice's ready endpoints with the slice's ports.
///
/// `conditions.ready` unset counts as ready, as the API asks consumers to read it. Only the
/// first address of an endpoint is kept: the API defines no meaning for the others and
/// kube-proxy ignores them. Addresses that are not IPs (address type FQDN) are skipped.
fn ready_endpoints(slice: &EndpointSlice) -> Vec<Endpoint> {
    let ports: Vec<EndpointPort> = slice
        .ports
        .iter()
        .flatten()
        .filter_map(|p| {
            Some(EndpointPort {
                name: p.name.clone().filter(|n| !n.is_empty()),
                port: u16::try_from(p.port?).ok()?,
            })
        })
        .collect();
    slice
        .endpoints
        .iter()
        .flatten()
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready) != Some(false))
        .filter_map(|e| e.addresses.first()?.parse::<IpAddr>().ok())
        .map(|address| Endpoint {
            address,
            ports: ports.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::discovery::v1::{
        Endpoint as SliceEndpoint, EndpointConditions, EndpointPort as SlicePort,
    };
    use kube::api::ObjectMeta;

    use super::*;

    /// A slice of Service `service` (no label when empty) with `(address, ready)` endpoints
    /// and one port `metrics: 9100`.
    fn slice(
        namespace: &str,
        name: &str,
        service: &str,
        endpoints: &[(&str, Option<bool>)],
    ) -> EndpointSlice {
        let labels = (!service.is_empty())
            .then(|| BTreeMap::from([(SERVICE_NAME_LABEL.to_owned(), service.to_owned())]));
        EndpointSlice {
            metadata: ObjectMeta {
                namespace: Some(namespace.into()),
                name: Some(name.into()),
                labels,
                ..ObjectMeta::default()
            },
            address_type: "IPv4".into(),
            endpoints: Some(
                endpoints
                    .iter()
                    .map(|(address, ready)| SliceEndpoint {
                        addresses: vec![(*address).to_owned()],
                        conditions: Some(EndpointConditions {
                            ready: *ready,
                            ..EndpointConditions::default()
                        }),
                        ..SliceEndpoint::default()
                    })
                    .collect(),
            ),
            ports: Some(vec![SlicePort {
                name: Some("metrics".into()),
                port: Some(9100),
                ..SlicePort::default()
            }]),
        }
    }

    /// A slice of Service shop/metrics holding one endpoint, ready or not.
    fn metrics(name: &str, address: &str, ready: bool) -> EndpointSlice {
        slice("shop", name, "metrics", &[(address, Some(ready))])
    }

    fn addresses(index: &EndpointIndex, namespace: &str, service: &str) -> Vec<String> {
        index
            .ready_endpoints(namespace, service)
            .unwrap()
            .iter()
            .map(|e| e.address.to_string())
            .collect()
    }

    #[test]
    fn keeps_ready_endpoints_of_each_service_with_their_ports() {
        let index = EndpointIndex::new();
        index.replace(&[
            metrics("metrics-b", "127.1.0.4", true),
            slice(
                "shop",
                "metrics-a",
                "metrics",
                &[
                    ("127.1.0.2", Some(true)),
                    ("127.1.0.3", Some(false)),
                    ("127.1.0.5", None),
                ],
            ),
            slice("shop", "web-a", "web", &[("127.1.0.9", Some(true))]),
            slice(
                "other",
                "metrics-a",
                "metrics",
                &[("127.1.1.2", Some(true))],
            ),
        ]);
        assert_eq!(
            addresses(&index, "shop", "metrics"),
            ["127.1.0.2", "127.1.0.5", "127.1.0.4"],
            "not-ready 127.1.0.3 is left out; unset readiness counts as ready"
        );
        let first = &index.ready_endpoints("shop", "metrics").unwrap()[0];
        assert_eq!(
            first.ports,
            [EndpointPort {
                name: Some("metrics".into()),
                port: 9100
            }]
        );
        assert_eq!(addresses(&index, "other", "metrics"), ["127.1.1.2"]);
        assert!(addresses(&index, "shop", "absent").is_empty());
        assert!(addresses(&index, "absent", "metrics").is_empty());
    }

    #[test]
    fn updates_and_deletions_follow_the_watch() {
        let index = EndpointIndex::new();
        index.replace(&[]);
        index.apply(&metrics("m-a", "127.1.0.2", true));
        index.apply(&metrics("m-b", "127.1.0.3", true));
        index.apply(&metrics("m-a", "127.1.0.2", false));
        assert_eq!(
            addresses(&index, "shop", "metrics"),
            ["127.1.0.3"],
            "an updated slice replaces its entry"
        );
        index.delete("shop", "m-b");
        assert!(addresses(&index, "shop", "metrics").is_empty());
        index.apply(&metrics("m-c", "127.1.0.6", true));
        index.apply(&slice("shop", "m-c", "", &[("127.1.0.6", Some(true))]));
        assert!(
            addresses(&index, "shop", "metrics").is_empty(),
            "a slice that lost its service-name label no longer counts"
        );
        index.apply(&metrics("m-d", "127.1.0.7", true));
        index.apply(&slice("shop", "m-d", "web", &[("127.1.0.7", Some(true))]));
        assert!(addresses(&index, "shop", "metrics").is_empty());
        assert_eq!(
            addresses(&index, "shop", "web"),
            ["127.1.0.7"],
            "a relabelled slice moves to its new Service"
        );
    }

    #[test]
    fn answers_not_synced_until_the_first_listing_and_a_relist_forgets() {
        let index = EndpointIndex::new();
        index.apply(&metrics("gone", "127.1.0.2", true));
        let err = index.ready_endpoints("shop", "metrics").unwrap_err();
        assert!(err.contains("not listed"), "{err}");
        index.replace(&[metrics("kept", "127.1.0.3", true)]);
        assert_eq!(addresses(&index, "shop", "metrics"), ["127.1.0.3"]);
    }

    #[test]
    fn non_ip_addresses_and_unusable_ports_are_skipped() {
        let mut fqdn = metrics("ext", "metrics.example.test", true);
        fqdn.address_type = "FQDN".into();
        let mut no_port = metrics("v6", "::1", true);
        no_port.address_type = "IPv6".into();
        no_port.ports = Some(vec![SlicePort {
            port: None,
            ..SlicePort::default()
        }]);
        let index = EndpointIndex::new();
        index.replace(&[fqdn, no_port]);
        let endpoints = index.ready_endpoints("shop", "metrics").unwrap();
        assert_eq!(endpoints.len(), 1);
        assert_eq!(endpoints[0].address.to_string(), "::1");
        assert!(endpoints[0].ports.is_empty());
    }
}
