use super::*;
use crate::Error as CrateError;
use crate::testutil::{HttpStub, closed_port, overrides, plain_context};

fn build(metadata: &[(&str, &str)], auth: &[(&str, &str)]) -> crate::Result<PrometheusScaler> {
    PrometheusScaler::new(&plain_context(TYPE, metadata, auth))
}

const OK: &[(&str, &str)] = &[
    ("serverAddress", "http://prometheus:9090"),
    ("query", "sum(jobs)"),
    ("threshold", "10"),
];

fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    overrides(OK, extra)
}

#[test]
fn defaults_follow_keda() {
    let scaler = build(OK, &[]).unwrap();
    let config = scaler.config();
    assert!(config.ignore_null_values);
    assert_eq!(config.activation_threshold, 0.0);
    assert!(config.custom_headers.is_empty());
    assert_eq!(scaler.metric_specs()[0].name, "s0-prometheus");
    assert_eq!(scaler.metric_specs()[0].target, 10.0);
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("serverAddress", "")], "\"serverAddress\" is required"),
        (
            &[("serverAddress", "prometheus:9090")],
            "\"serverAddress\" has the value",
        ),
        (&[("query", "")], "\"query\" is required"),
        (&[("threshold", "")], "\"threshold\" is required"),
        (
            &[("threshold", "-1")],
            "\"threshold\": must be greater than 0",
        ),
        (&[("activationThreshold", "x")], "\"activationThreshold\""),
        (&[("ignoreNullValues", "nope")], "\"ignoreNullValues\""),
        (&[("customHeaders", "X-A=1,broken")], "\"customHeaders\""),
        (&[("queryParameters", "=x")], "\"queryParameters\""),
        (&[("timeout", "soon")], "\"timeout\""),
        (
            &[("authModes", "digest")],
            "\"authModes\" has the value \"digest\"",
        ),
        (&[("authModes", "basic")], "\"username\" is required"),
    ];
    for (extra, want) in cases {
        let err = build(&with(extra), &[]).unwrap_err().to_string();
        assert!(
            err.starts_with("prometheus: ") && err.contains(want),
            "{extra:?}: {err}"
        );
    }
}

fn answer(value: &str) -> String {
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1700000000,"{value}"]}}]}}}}"#
    )
}

#[tokio::test]
async fn queries_with_headers_parameters_and_credentials() {
    let stub = HttpStub::start(200, "application/json", &answer("37")).await;
    let address = stub.url("/prom/");
    let scaler = build(
        &[
            ("serverAddress", address.as_str()),
            ("query", "sum(jobs{queue=\"a\"})"),
            ("threshold", "10"),
            ("activationThreshold", "36"),
            ("namespace", "team-a"),
            ("queryParameters", "dedup=true"),
            ("customHeaders", "X-Scope-OrgID=tenant-1"),
            ("authModes", "bearer"),
        ],
        &[("bearerToken", "t0k")],
    )
    .unwrap();
    let values = scaler.sample().await.unwrap();
    assert_eq!(values[0].value, 37.0);
    assert!(values[0].active);
    let head = stub.last_request();
    assert!(
        head.starts_with("get /prom/api/v1/query?query=sum%28jobs%7bqueue%3d%22a%22%7d%29&time="),
        "{head}"
    );
    assert!(head.contains("&namespace=team-a&dedup=true "), "{head}");
    assert!(head.contains("x-scope-orgid: tenant-1"), "{head}");
    assert!(head.contains("authorization: bearer t0k"), "{head}");
}

#[tokio::test]
async fn a_rejected_query_reports_prometheus_reason() {
    let body =
        r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \")\""}"#;
    let stub = HttpStub::start(400, "application/json", body).await;
    let address = stub.url("");
    let scaler = build(&with(&[("serverAddress", address.as_str())]), &[]).unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(err, CrateError::Prometheus(Error::Query { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("parse error"), "{err}");
}

#[tokio::test]
async fn unreachable_server_is_a_typed_error() {
    let address = format!("http://{}", closed_port());
    let scaler = build(
        &with(&[("serverAddress", address.as_str()), ("timeout", "500")]),
        &[],
    )
    .unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(
            err,
            CrateError::Prometheus(Error::Http(HttpError::Unreachable { .. }))
        ),
        "{err}"
    );
}
