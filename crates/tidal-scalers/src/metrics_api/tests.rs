use std::sync::Arc;

use super::*;
use crate::metric::MetricTargetType;
use crate::testutil::{HttpStub, closed_port, context, overrides, plain_context, silent_listener};
use crate::{Error as CrateError, Services};

fn build(metadata: &[(&str, &str)], auth: &[(&str, &str)]) -> crate::Result<MetricsApiScaler> {
    MetricsApiScaler::new(&plain_context(TYPE, metadata, auth))
}

fn param_error(metadata: &[(&str, &str)]) -> String {
    match build(metadata, &[]) {
        Err(CrateError::MetricsApi(Error::Param(e))) => e.to_string(),
        other => panic!("{metadata:?}: expected a parameter error, got {other:?}"),
    }
}

const OK: &[(&str, &str)] = &[
    ("url", "http://app:8080/stats"),
    ("valueLocation", "tasks"),
    ("targetValue", "5"),
];

fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    overrides(OK, extra)
}

#[test]
fn defaults_follow_keda() {
    let scaler = build(OK, &[]).unwrap();
    let config = scaler.config();
    assert_eq!(config.format, Format::Json);
    assert_eq!(config.activation_target_value, 0.0);
    assert_eq!(config.timeout, crate::scaler::DEFAULT_TIMEOUT);
    assert!(!config.auth.tls.unsafe_ssl);
    let spec = &scaler.metric_specs()[0];
    assert_eq!(spec.name, "s0-metric-api-tasks");
    assert_eq!(spec.target, 5.0);
    assert_eq!(spec.target_type, MetricTargetType::AverageValue);
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("url", "")], "\"url\" is required"),
        (&[("url", "app:8080/stats")], "\"url\" has the value"),
        (
            &[("url", "ftp://app/stats")],
            "an absolute http:// or https:// URL",
        ),
        (&[("valueLocation", "")], "\"valueLocation\" is required"),
        (&[("targetValue", "")], "\"targetValue\" is required"),
        (
            &[("targetValue", "five")],
            "\"targetValue\" has the value \"five\", which is not a finite number",
        ),
        (
            &[("targetValue", "0")],
            "\"targetValue\": must be greater than 0",
        ),
        (
            &[("activationTargetValue", "x")],
            "\"activationTargetValue\"",
        ),
        (
            &[("format", "csv")],
            "one of \"json\", \"yaml\", \"xml\" or \"prometheus\"",
        ),
        (
            &[("timeout", "1s")],
            "\"timeout\" has the value \"1s\", which is not a whole number of milliseconds",
        ),
        (
            &[("timeout", "0")],
            "\"timeout\": must be at least 1 millisecond",
        ),
        (&[("unsafeSsl", "yes")], "\"unsafeSsl\""),
        (
            &[("aggregateFromKubeServiceEndpoints", "yes")],
            "\"aggregateFromKubeServiceEndpoints\" has the value \"yes\", which is not a boolean",
        ),
        (
            &[
                ("aggregateFromKubeServiceEndpoints", "true"),
                ("url", "http://10.0.0.7:8080/stats"),
            ],
            "\"url\" has the value \"http://10.0.0.7:8080/stats\", which is not a URL whose host is a Service",
        ),
        (&[("authMode", "apiKey")], "\"apiKey\" is required"),
    ];
    for (extra, want) in cases {
        let err = param_error(&with(extra));
        assert!(err.contains(want), "{extra:?}: {err}");
    }
}

#[test]
fn invalid_aggregation_types_are_named_with_the_allowed_values() {
    let allowed = "which is not one of \"average\", \"sum\", \"max\" or \"min\"";
    // KEDA checks the enum whether or not the trigger aggregates.
    for aggregate in ["true", "false"] {
        for bad in ["median", "Average", "SUM", "avg"] {
            let err = param_error(&with(&[
                ("url", "http://metrics.shop.svc:8080/stats"),
                ("aggregateFromKubeServiceEndpoints", aggregate),
                ("aggregationType", bad),
            ]));
            let want = format!("parameter \"aggregationType\" has the value {bad:?}, {allowed}");
            assert_eq!(err, want, "aggregate {aggregate}");
        }
    }
}

#[test]
fn aggregation_defaults_to_average_and_off() {
    let config = build(OK, &[]).unwrap().config().clone();
    assert_eq!(config.service_endpoints, None);
    assert_eq!(config.aggregation_type, Aggregation::Average);
    let blank = with(&[("aggregationType", " max ")]);
    assert_eq!(
        build(&blank, &[]).unwrap().config().aggregation_type,
        Aggregation::Max,
        "values are trimmed like every parameter"
    );
}

#[test]
fn urls_with_credentials_are_not_echoed_in_errors() {
    let err = param_error(&with(&[("url", "nonsense://user:hunter2@?key=hunter2")]));
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn url_may_come_from_the_container_environment() {
    let ctx = context(
        TYPE,
        &[
            ("urlFromEnv", "STATS_URL"),
            ("valueLocation", "v"),
            ("targetValue", "1"),
        ],
        &[],
        &[("STATS_URL", "http://stats:9000/v")],
        Arc::new(Services::new()),
    );
    let scaler = MetricsApiScaler::new(&ctx).unwrap();
    assert_eq!(scaler.config().url.as_str(), "http://stats:9000/v");
}

#[test]
fn utilization_is_rejected() {
    let mut ctx = context(TYPE, OK, &[], &[], Arc::new(Services::new()));
    ctx.trigger.metric_type = Some(MetricTargetType::Utilization);
    let err = MetricsApiScaler::new(&ctx).unwrap_err();
    assert!(matches!(err, CrateError::MetricType { .. }), "{err}");
}

#[tokio::test]
async fn samples_value_and_activity_from_a_live_endpoint() {
    let stub = HttpStub::start(200, "application/json", r#"{"queue":{"depth":37}}"#).await;
    let url = stub.url("/stats");
    for (activation, active) in [("0", true), ("36.9", true), ("37", false)] {
        let scaler = build(
            &[
                ("url", url.as_str()),
                ("valueLocation", "queue.depth"),
                ("targetValue", "10"),
                ("activationTargetValue", activation),
            ],
            &[],
        )
        .unwrap();
        let values = scaler.sample().await.unwrap();
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].value, 37.0);
        assert_eq!(values[0].active, active, "activation {activation}");
        assert_eq!(values[0].name, "s0-metric-api-queue-depth");
    }
}

#[tokio::test]
async fn bearer_credentials_are_sent() {
    let stub = HttpStub::start(200, "application/json", r#"{"v":1}"#).await;
    let url = stub.url("/v");
    let scaler = build(
        &[
            ("url", url.as_str()),
            ("valueLocation", "v"),
            ("targetValue", "1"),
            ("authMode", "bearer"),
        ],
        &[("bearerToken", "tok-1")],
    )
    .unwrap();
    scaler.sample().await.unwrap();
    assert!(stub.last_request().contains("authorization: bearer tok-1"));
    assert!(!format!("{scaler:?}").contains("tok-1"));
}

#[tokio::test]
async fn faults_are_typed_errors() {
    let json = HttpStub::start(200, "application/json", r#"{"v":"lots"}"#).await;
    let broken = HttpStub::start(500, "text/plain", "boom").await;
    let silent = format!("http://{}/v", silent_listener().await);
    let closed = format!("http://{}/v", closed_port());
    let cases = [
        (
            json.url("/v"),
            "v",
            "neither a number nor a Kubernetes quantity",
        ),
        (json.url("/v"), "w", "matches nothing"),
        (broken.url("/v"), "v", "answered HTTP 500"),
        (silent, "v", "no answer from"),
        (closed, "v", "cannot reach"),
    ];
    for (url, location, want) in cases {
        let scaler = build(
            &[
                ("url", url.as_str()),
                ("valueLocation", location),
                ("targetValue", "1"),
                ("timeout", "300"),
            ],
            &[],
        )
        .unwrap();
        let err = scaler.sample().await.unwrap_err().to_string();
        assert!(
            err.starts_with("metrics-api: ") && err.contains(want),
            "{url}: {err}"
        );
    }
}

#[tokio::test]
async fn prometheus_format_reads_a_series() {
    let body = "# TYPE jobs gauge\njobs{queue=\"a\"} 3\njobs{queue=\"b\"} 12\n";
    let stub = HttpStub::start(200, "text/plain", body).await;
    let url = stub.url("/metrics");
    let scaler = build(
        &[
            ("url", url.as_str()),
            ("format", "prometheus"),
            ("valueLocation", "jobs{queue=\"b\"}"),
            ("targetValue", "4"),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(scaler.sample().await.unwrap()[0].value, 12.0);
}
