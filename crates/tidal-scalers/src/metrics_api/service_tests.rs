//! `aggregateFromKubeServiceEndpoints` against live loopback servers: one per "pod", each on
//! its own 127.0.0.x address and all on one port, as pods behind a Service are.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use super::*;
use crate::testutil::{HttpStub, context};
use crate::{Error as CrateError, Services};

/// A fixed endpoint index: `namespace/service` → its answer.
#[derive(Default)]
struct FakeIndex(HashMap<String, Result<Vec<Endpoint>, String>>);

impl EndpointLister for FakeIndex {
    fn ready_endpoints(&self, namespace: &str, service: &str) -> Result<Vec<Endpoint>, String> {
        self.0
            .get(&format!("{namespace}/{service}"))
            .cloned()
            .unwrap_or(Ok(Vec::new()))
    }
}

/// `127.0.0.<last>`; the dev cluster's pods use 127.1.x.y, so these never collide with one.
fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

fn endpoint(ip: IpAddr, port: u16) -> Endpoint {
    Endpoint {
        address: ip,
        ports: vec![EndpointPort {
            name: Some("metrics".into()),
            port,
        }],
    }
}

/// One stub per `(status, body)`, on 127.0.0.2, .3, … sharing one port.
async fn pods(answers: &[(u16, &str)]) -> (u16, Vec<HttpStub>) {
    'attempt: for _ in 0..20 {
        let mut stubs = Vec::new();
        let mut port = 0;
        for (i, (status, body)) in (2u8..).zip(answers) {
            let addr = SocketAddr::new(loopback(i), port);
            match HttpStub::start_on(addr, *status, "application/json", body).await {
                Ok(stub) => {
                    port = stub.addr.port();
                    stubs.push(stub);
                }
                // The port is taken on this address; pick a new one for all of them.
                Err(_) => continue 'attempt,
            }
        }
        return (port, stubs);
    }
    panic!("no loopback port was free on every address");
}

fn aggregating(url: &str, aggregation: &str, index: FakeIndex) -> crate::Result<MetricsApiScaler> {
    let services = Services::new().with_endpoints(Arc::new(index));
    MetricsApiScaler::new(&context(
        TYPE,
        &[
            ("url", url),
            ("aggregateFromKubeServiceEndpoints", "true"),
            ("aggregationType", aggregation),
            ("valueLocation", "queue.depth"),
            ("targetValue", "10"),
            ("timeout", "2000"),
        ],
        &[],
        &[],
        Arc::new(services),
    ))
}

fn index(service: &str, endpoints: Vec<Endpoint>) -> FakeIndex {
    FakeIndex(HashMap::from([(service.to_owned(), Ok(endpoints))]))
}

async fn sample(scaler: &MetricsApiScaler) -> Result<f64, String> {
    match scaler.sample().await {
        Ok(values) => Ok(values[0].value),
        Err(e) => Err(e.to_string()),
    }
}

const DEPTHS: [(u16, &str); 3] = [
    (200, r#"{"queue":{"depth":10}}"#),
    (200, r#"{"queue":{"depth":20}}"#),
    (200, r#"{"queue":{"depth":60}}"#),
];

#[tokio::test]
async fn every_aggregation_type_combines_the_pods_values() {
    let (port, stubs) = pods(&DEPTHS).await;
    let endpoints: Vec<Endpoint> = stubs.iter().map(|s| endpoint(s.addr.ip(), port)).collect();
    let url = format!("http://metrics.shop.svc.cluster.local:{port}/stats?window=1m");
    for (aggregation, want) in [
        ("average", 30.0),
        ("sum", 90.0),
        ("max", 60.0),
        ("min", 10.0),
    ] {
        let scaler =
            aggregating(&url, aggregation, index("shop/metrics", endpoints.clone())).unwrap();
        assert_eq!(sample(&scaler).await, Ok(want), "{aggregation}");
    }
    for stub in &stubs {
        assert!(
            stub.last_request()
                .starts_with("get /stats?window=1m http/1.1"),
            "each pod is asked the url's path and query: {}",
            stub.last_request()
        );
    }
}

#[tokio::test]
async fn a_bare_service_name_is_looked_up_in_the_objects_namespace() {
    let (port, stubs) = pods(&DEPTHS[..2]).await;
    let endpoints = stubs.iter().map(|s| endpoint(s.addr.ip(), port)).collect();
    // The test context's ScaledObject is shop/web.
    let scaler = aggregating(
        &format!("http://metrics:{port}/stats"),
        "sum",
        index("shop/metrics", endpoints),
    )
    .unwrap();
    assert_eq!(sample(&scaler).await, Ok(30.0));
}

#[tokio::test]
async fn failing_pods_are_left_out_and_all_failing_is_an_error() {
    let answers = [DEPTHS[0], DEPTHS[1], DEPTHS[2], (500, "busy")];
    let (port, stubs) = pods(&answers).await;
    // 127.0.0.9 has nothing listening on the port.
    let refused = endpoint(loopback(9), port);
    let broken = endpoint(stubs[3].addr.ip(), port);
    let mut endpoints: Vec<Endpoint> = stubs[..3]
        .iter()
        .map(|s| endpoint(s.addr.ip(), port))
        .collect();
    endpoints.extend([refused.clone(), broken.clone()]);
    let url = format!("http://metrics.shop:{port}/stats");
    for (aggregation, want) in [("average", 30.0), ("sum", 90.0), ("min", 10.0)] {
        let scaler =
            aggregating(&url, aggregation, index("shop/metrics", endpoints.clone())).unwrap();
        assert_eq!(
            sample(&scaler).await,
            Ok(want),
            "{aggregation}: the two failing pods do not count"
        );
    }

    let scaler = aggregating(&url, "sum", index("shop/metrics", vec![refused, broken])).unwrap();
    let err = sample(&scaler).await.unwrap_err();
    assert!(
        err.starts_with(
            "metrics-api: none of the 2 endpoints of Service shop/metrics gave a value; the first failure: cannot reach http://127.0.0.9:"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_service_without_ready_endpoints_is_an_error() {
    let scaler = aggregating(
        "http://metrics.shop:8080/stats",
        "average",
        FakeIndex::default(),
    )
    .unwrap();
    assert_eq!(
        sample(&scaler).await,
        Err("metrics-api: Service shop/metrics has no ready endpoints to query".into())
    );

    let unsynced = FakeIndex(HashMap::from([(
        "shop/metrics".to_owned(),
        Err("the EndpointSlice watch has not synced".to_owned()),
    )]));
    let scaler = aggregating("http://metrics.shop:8080/stats", "average", unsynced).unwrap();
    assert_eq!(
        sample(&scaler).await,
        Err("metrics-api: listing the endpoints of Service shop/metrics failed: the EndpointSlice watch has not synced".into())
    );
}

#[test]
fn building_without_an_endpoint_index_says_what_is_missing() {
    let ctx = context(
        TYPE,
        &[
            ("url", "http://metrics.shop:8080/stats"),
            ("aggregateFromKubeServiceEndpoints", "true"),
            ("valueLocation", "v"),
            ("targetValue", "1"),
        ],
        &[],
        &[],
        Arc::new(Services::new()),
    );
    let err = MetricsApiScaler::new(&ctx).unwrap_err();
    assert!(
        matches!(err, CrateError::MetricsApi(Error::NoEndpointIndex)),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("needs the operator's endpoint index"),
        "{err}"
    );
}
