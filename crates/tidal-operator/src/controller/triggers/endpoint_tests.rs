//! `metrics-api` with `aggregateFromKubeServiceEndpoints`, through the operator's own parts:
//! EndpointSlices fed to the [`EndpointIndex`] as the watch feeds them, the registry building
//! the scaler, and real HTTP servers on the endpoints' loopback addresses.
//!
//! The end-to-end suite cannot cover this path: the apiserver refuses loopback addresses in
//! EndpointSlices, and the local cluster's pod IPs are loopback by design.

#![allow(clippy::float_cmp)] // whole-number values: exact comparison is the point

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::json;
use tidal_api::v1alpha1::ScaledObject;
use tidal_scalers::{Registry, Services};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::Triggers;
use crate::index::EndpointIndex;

/// Answers every request with `{"value": value}` on `listener`.
fn serve(listener: TcpListener, value: f64) {
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0_u8; 1024];
                let _ = stream.read(&mut request).await;
                let body = format!("{{\"value\": {value}}}");
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
}

/// Binds 127.0.0.2, .3 and .4 on one port (the URL's port must be the endpoints' port).
async fn three_listeners() -> (u16, Vec<TcpListener>) {
    for _ in 0..20 {
        let first = TcpListener::bind("127.0.0.2:0")
            .await
            .expect("bind 127.0.0.2");
        let port = first.local_addr().expect("address").port();
        let (Ok(second), Ok(third)) = (
            TcpListener::bind(("127.0.0.3", port)).await,
            TcpListener::bind(("127.0.0.4", port)).await,
        ) else {
            continue;
        };
        return (port, vec![first, second, third]);
    }
    panic!("no port free on 127.0.0.2-4");
}

fn slice(port: u16, addresses: &[(&str, bool)]) -> EndpointSlice {
    let endpoints: Vec<_> = addresses
        .iter()
        .map(|(ip, ready)| json!({ "addresses": [ip], "conditions": { "ready": ready } }))
        .collect();
    serde_json::from_value(json!({
        "metadata": {
            "name": "backend-x1",
            "namespace": "shop",
            "labels": { "kubernetes.io/service-name": "backend" }
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": [{ "name": "http", "port": port, "protocol": "TCP" }]
    }))
    .expect("EndpointSlice")
}

fn object(port: u16, aggregation: &str) -> ScaledObject {
    serde_json::from_value(json!({
        "apiVersion": "tidal.dev/v1alpha1",
        "kind": "ScaledObject",
        "metadata": { "name": "web", "namespace": "shop" },
        "spec": {
            "scaleTargetRef": { "name": "web" },
            "triggers": [{
                "type": "metrics-api",
                "metadata": {
                    "url": format!("http://backend.shop.svc:{port}/metrics"),
                    "format": "json",
                    "valueLocation": "value",
                    "targetValue": "10",
                    "aggregateFromKubeServiceEndpoints": "true",
                    "aggregationType": aggregation
                }
            }]
        }
    }))
    .expect("ScaledObject")
}

async fn sampled(services: &Arc<Services>, port: u16, aggregation: &str) -> f64 {
    let triggers = Triggers::build(
        &Registry::builtin(),
        services,
        &object(port, aggregation),
        &BTreeMap::new(),
        Vec::new(),
    )
    .await
    .expect("builds");
    let samples = triggers.sample(Duration::from_secs(5)).await;
    triggers.close().await;
    let values = samples[0].result.clone().expect("sampled");
    values.iter().map(|v| v.value).sum()
}

#[tokio::test]
async fn ready_endpoints_from_the_watched_slices_are_queried_and_aggregated() {
    let (port, listeners) = three_listeners().await;
    for (listener, value) in listeners.into_iter().zip([10.0, 20.0, 60.0]) {
        serve(listener, value);
    }
    let index = Arc::new(EndpointIndex::new());
    // 127.0.0.5 is not ready: never asked (nothing listens there).
    index.replace(&[slice(
        port,
        &[
            ("127.0.0.2", true),
            ("127.0.0.3", true),
            ("127.0.0.4", true),
            ("127.0.0.5", false),
        ],
    )]);
    let services = Arc::new(Services::new().with_endpoints(Arc::clone(&index) as _));
    assert_eq!(sampled(&services, port, "sum").await, 90.0);
    assert_eq!(sampled(&services, port, "average").await, 30.0);
    assert_eq!(sampled(&services, port, "max").await, 60.0);
    assert_eq!(sampled(&services, port, "min").await, 10.0);

    // The watch reports the 60 pod gone: the next poll reads the other two.
    index.apply(&slice(port, &[("127.0.0.2", true), ("127.0.0.3", true)]));
    assert_eq!(sampled(&services, port, "max").await, 20.0);
}
