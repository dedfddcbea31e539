//! `aggregateFromKubeServiceEndpoints`: which Service the `url` names and where each of its
//! endpoints is queried.
//!
//! KEDA lists the Service's EndpointSlices through the API server on every poll. Tidal's
//! operator watches EndpointSlices once into an index and hands the scaler an
//! [`EndpointLister`] (through [`crate::Services::endpoints`]), so this module stays sans-IO:
//! it reads the Service out of the `url` and turns each ready endpoint into the URL to GET.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;

use crate::params::ParamError;

/// Lists a Service's ready endpoints; implemented by the operator's EndpointSlice index.
pub trait EndpointLister: Send + Sync {
    /// The ready endpoints of Service `namespace/service`: empty when the Service has none
    /// or is unknown.
    ///
    /// # Errors
    /// A reason when the index cannot answer (e.g. it has not synced yet).
    fn ready_endpoints(&self, namespace: &str, service: &str) -> Result<Vec<Endpoint>, String>;
}

/// One ready address behind a Service, with the ports its EndpointSlice publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The pod's IP (EndpointSlices of address type FQDN are not listed).
    pub address: IpAddr,
    /// The slice's ports: the pods' ports the Service targets, not the Service's own ports.
    pub ports: Vec<EndpointPort>,
}

/// One port of an EndpointSlice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointPort {
    /// The Service port's name; required by Kubernetes only when the Service has several.
    pub name: Option<String>,
    /// The port number on the pod.
    pub port: u16,
}

/// The Service a `url` names when `aggregateFromKubeServiceEndpoints` is true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    /// The first label of the host.
    pub name: String,
    /// The second label of the host; `None` means the namespace of the ScaledObject.
    pub namespace: Option<String>,
}

impl ServiceRef {
    /// Reads `<service>.<namespace>[.svc…]` or a bare `<service>` out of the `url`'s host.
    ///
    /// # Errors
    /// [`ParamError::Invalid`] on `url` when the host is an IP address.
    pub fn from_url(url: &url::Url) -> Result<Self, ParamError> {
        let Some(url::Host::Domain(host)) = url.host() else {
            return Err(ParamError::Invalid {
                param: "url".into(),
                value: format!("{:?}", crate::http::display_url(url)),
                expected:
                    "a URL whose host is a Service, <service>.<namespace>[.svc.cluster.local] \
                           or <service>, when aggregateFromKubeServiceEndpoints is true"
                        .into(),
            });
        };
        let mut labels = host.split('.');
        let name = labels.next().unwrap_or_default().to_owned();
        let namespace = labels.next().filter(|n| !n.is_empty()).map(str::to_owned);
        Ok(Self { name, namespace })
    }
}

impl fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{namespace}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// The URL each endpoint is queried at: the `url` with the endpoint's IP as host, same scheme,
/// path, query and credentials.
///
/// The port follows KEDA's rule: the `url`'s port (or the scheme's, 80 or 443) when the
/// endpoint's slice lists it, which is why the `url` must carry the pod's port rather than the
/// Service's; otherwise the scheme's default port. An address listed twice (a slice being
/// rebalanced) is queried once, so `sum` does not count it twice.
pub fn endpoint_urls(url: &url::Url, endpoints: &[Endpoint]) -> Vec<url::Url> {
    let default_port = if url.scheme() == "https" { 443 } else { 80 };
    let wanted = url.port().unwrap_or(default_port);
    let mut seen = HashSet::new();
    let mut urls = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        let port = if endpoint.ports.iter().any(|p| p.port == wanted) {
            wanted
        } else {
            tracing::debug!(
                address = %endpoint.address,
                wanted,
                default_port,
                "Endpoint does not publish the url's port; the scheme's default port is used."
            );
            default_port
        };
        if !seen.insert((endpoint.address, port)) {
            continue;
        }
        let mut at = url.clone();
        // Neither call can fail: the URL is http(s) with a host, and an IP is a valid host.
        let _ = at.set_ip_host(endpoint.address);
        let _ = at.set_port(Some(port));
        urls.push(at);
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(address: &str, ports: &[u16]) -> Endpoint {
        Endpoint {
            address: address.parse().unwrap(),
            ports: ports
                .iter()
                .map(|&port| EndpointPort { name: None, port })
                .collect(),
        }
    }

    fn service(url: &str) -> Result<ServiceRef, String> {
        ServiceRef::from_url(&url::Url::parse(url).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn the_host_names_the_service_and_its_namespace() {
        let cases = [
            (
                "http://metrics.shop.svc.cluster.local:8080/s",
                "metrics",
                Some("shop"),
            ),
            ("http://metrics.shop.svc:8080/s", "metrics", Some("shop")),
            ("http://metrics.shop:8080/s", "metrics", Some("shop")),
            ("https://metrics/s", "metrics", None),
        ];
        for (url, name, namespace) in cases {
            let want = ServiceRef {
                name: name.into(),
                namespace: namespace.map(Into::into),
            };
            assert_eq!(service(url), Ok(want), "{url}");
        }
    }

    #[test]
    fn an_ip_host_is_refused_naming_the_url() {
        for url in ["http://127.0.0.1:8080/s?key=hunter2", "http://[::1]:8080/s"] {
            let err = service(url).unwrap_err();
            assert!(err.starts_with("parameter \"url\""), "{err}");
            assert!(err.contains("<service>.<namespace>"), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn each_endpoint_keeps_scheme_path_and_query_with_its_own_ip() {
        let url = url::Url::parse("http://u:p@metrics.shop.svc:9100/stats?window=1m").unwrap();
        let urls = endpoint_urls(
            &url,
            &[endpoint("127.1.0.2", &[9100]), endpoint("::1", &[9100])],
        );
        let urls: Vec<&str> = urls.iter().map(url::Url::as_str).collect();
        assert_eq!(
            urls,
            [
                "http://u:p@127.1.0.2:9100/stats?window=1m",
                "http://u:p@[::1]:9100/stats?window=1m"
            ]
        );
    }

    #[test]
    fn a_port_the_slice_does_not_publish_falls_back_to_the_scheme_default() {
        let cases = [
            (
                "http://m.ns:9100/v",
                &[9100, 8080][..],
                "http://127.1.0.2:9100/v",
            ),
            ("http://m.ns:9100/v", &[8080][..], "http://127.1.0.2/v"),
            ("https://m.ns:9443/v", &[8080][..], "https://127.1.0.2/v"),
            ("http://m.ns/v", &[80][..], "http://127.1.0.2/v"),
            ("http://m.ns/v", &[][..], "http://127.1.0.2/v"),
        ];
        for (url, ports, want) in cases {
            let urls = endpoint_urls(
                &url::Url::parse(url).unwrap(),
                &[endpoint("127.1.0.2", ports)],
            );
            assert_eq!(urls[0].as_str(), want, "{url} with ports {ports:?}");
        }
    }

    #[test]
    fn an_address_listed_twice_is_queried_once() {
        let url = url::Url::parse("http://m.ns:9100/v").unwrap();
        let twice = [
            endpoint("127.1.0.2", &[9100]),
            endpoint("127.1.0.3", &[9100]),
            endpoint("127.1.0.2", &[9100]),
        ];
        assert_eq!(endpoint_urls(&url, &twice).len(), 2);
    }
}
