//! metrics-api against the test exporter's JSON and Prometheus endpoints.

use crate::common::{self, Exporter};

const VARS: &[&str] = &["TIDAL_EXPORTER_URL"];

#[tokio::test]
async fn json_and_prometheus_formats_read_the_gauge() {
    let Some(env) = common::env(VARS) else { return };
    let exporter = Exporter {
        url: env["TIDAL_EXPORTER_URL"].clone(),
    };
    let gauge = common::unique("tidal_it_metrics_api");
    exporter.set(&gauge, "37", &[]).await;
    exporter.set(&gauge, "5", &[("queue", "b")]).await;

    let url = format!("{}/api/value?name={gauge}", exporter.url);
    let scaler = common::build(
        "metrics-api",
        &[
            ("url", &url),
            ("valueLocation", "value"),
            ("targetValue", "10"),
        ],
        &[],
    )
    .await
    .unwrap();
    let values = scaler.sample().await.unwrap();
    assert_eq!((values[0].value, values[0].active), (37.0, true));

    let url = format!("{}/metrics", exporter.url);
    let selector = format!("{gauge}{{queue=\"b\"}}");
    let scaler = common::build(
        "metrics-api",
        &[
            ("url", &url),
            ("format", "prometheus"),
            ("valueLocation", &selector),
            ("targetValue", "10"),
            ("activationTargetValue", "5"),
        ],
        &[],
    )
    .await
    .unwrap();
    let values = scaler.sample().await.unwrap();
    assert_eq!((values[0].value, values[0].active), (5.0, false));
}

#[tokio::test]
async fn missing_values_and_unreachable_hosts_are_errors() {
    let Some(env) = common::env(VARS) else { return };
    let url = format!("{}/api/values", env["TIDAL_EXPORTER_URL"]);
    let absent = common::unique("tidal_it_absent");
    let scaler = common::build(
        "metrics-api",
        &[
            ("url", &url),
            ("valueLocation", &absent),
            ("targetValue", "1"),
        ],
        &[],
    )
    .await
    .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(err.contains("matches nothing"), "{err}");

    let closed = format!("http://127.0.0.1:{}/api/values", common::closed_port());
    let scaler = common::build(
        "metrics-api",
        &[
            ("url", &closed),
            ("valueLocation", "v"),
            ("targetValue", "1"),
        ],
        &[],
    )
    .await
    .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(err.contains("cannot reach"), "{err}");
}
