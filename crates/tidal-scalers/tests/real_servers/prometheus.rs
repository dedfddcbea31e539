//! prometheus against a real Prometheus scraping the test exporter.

use tidal_scalers::Scaler;

use crate::common::{self, Exporter};

const VARS: &[&str] = &["TIDAL_PROMETHEUS_URL", "TIDAL_EXPORTER_URL"];

async fn scaler(server: &str, query: &str, extra: &[(&str, &str)]) -> Box<dyn Scaler> {
    let mut metadata = vec![
        ("serverAddress", server),
        ("query", query),
        ("threshold", "10"),
    ];
    metadata.extend_from_slice(extra);
    common::build("prometheus", &metadata, &[]).await.unwrap()
}

/// The error message of one sample.
async fn error_of(server: &str, query: &str, extra: &[(&str, &str)]) -> String {
    scaler(server, query, extra)
        .await
        .sample()
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn one_series_gives_value_and_activity() {
    let Some(env) = common::env(VARS) else { return };
    let exporter = Exporter {
        url: env["TIDAL_EXPORTER_URL"].clone(),
    };
    let gauge = common::unique("tidal_it_prom");
    exporter.set(&gauge, "37", &[("queue", "orders")]).await;
    let query = format!("sum({gauge}{{queue=\"orders\"}})");
    let server = &env["TIDAL_PROMETHEUS_URL"];
    let value = common::eventually(scaler(server, &query, &[]).await.as_ref(), 37.0).await;
    assert!(value.active);
    let value = common::eventually(
        scaler(server, &query, &[("activationThreshold", "37")])
            .await
            .as_ref(),
        37.0,
    )
    .await;
    assert!(!value.active, "37 is not above activationThreshold 37");
}

#[tokio::test]
async fn several_series_nan_and_empty_results() {
    let Some(env) = common::env(VARS) else { return };
    let exporter = Exporter {
        url: env["TIDAL_EXPORTER_URL"].clone(),
    };
    let server = &env["TIDAL_PROMETHEUS_URL"];
    let gauge = common::unique("tidal_it_prom_multi");
    exporter.set(&gauge, "1", &[("queue", "a")]).await;
    exporter.set(&gauge, "2", &[("queue", "b")]).await;
    let total = format!("sum({gauge})");
    common::eventually(scaler(server, &total, &[]).await.as_ref(), 3.0).await;

    let err = error_of(server, &gauge, &[]).await;
    assert!(err.contains("returned 2 series"), "{err}");

    let nan = "vector(0) / 0";
    assert_eq!(
        scaler(server, nan, &[]).await.sample().await.unwrap()[0].value,
        0.0
    );
    let err = error_of(server, nan, &[("ignoreNullValues", "false")]).await;
    assert!(
        err.contains("NaN") && err.contains("ignoreNullValues is false"),
        "{err}"
    );

    let empty = format!("{}_never_set", common::unique("tidal_it"));
    assert_eq!(
        scaler(server, &empty, &[]).await.sample().await.unwrap()[0].value,
        0.0
    );
    let err = error_of(server, &empty, &[("ignoreNullValues", "false")]).await;
    assert!(err.contains("the result is empty"), "{err}");
}

#[tokio::test]
async fn bad_queries_and_unreachable_servers() {
    let Some(env) = common::env(VARS) else { return };
    let server = &env["TIDAL_PROMETHEUS_URL"];
    let err = error_of(server, "sum(", &[]).await;
    assert!(
        err.contains("Prometheus rejected the query (bad_data)"),
        "{err}"
    );

    let closed = format!("http://127.0.0.1:{}", common::closed_port());
    let err = error_of(&closed, "up", &[]).await;
    assert!(err.contains("cannot reach"), "{err}");
}
