use super::*;
use crate::Error as CrateError;
use crate::testutil::{HttpStub, Pairs, overrides, plain_context};

fn build(metadata: &[(&str, &str)]) -> crate::Result<NatsJetStreamScaler> {
    NatsJetStreamScaler::new(&plain_context(TYPE, metadata, &[]))
}

const OK: Pairs<'static> = &[
    ("natsServerMonitoringEndpoint", "nats.nats:8222"),
    ("stream", "ORDERS"),
    ("consumer", "workers"),
];

#[test]
fn defaults_follow_keda() {
    let scaler = build(OK).unwrap();
    let config = scaler.config();
    assert_eq!(config.endpoint.as_str(), "http://nats.nats:8222/jsz");
    assert_eq!(config.account, "$G");
    assert_eq!(
        (config.lag_threshold, config.activation_lag_threshold),
        (10.0, 0.0)
    );
    assert_eq!(scaler.metric_specs()[0].name, "s0-nats-jetstream-ORDERS");
    let https = build(&overrides(OK, &[("useHttps", "true")])).unwrap();
    assert_eq!(https.config().endpoint.scheme(), "https");
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(Pairs<'_>, &str)] = &[
        (
            &[("natsServerMonitoringEndpoint", "")],
            "\"natsServerMonitoringEndpoint\" is required",
        ),
        (
            &[("natsServerMonitoringEndpoint", "http://nats:8222")],
            "host:port without a scheme",
        ),
        (&[("stream", "")], "\"stream\" is required"),
        (&[("consumer", "")], "\"consumer\" is required"),
        (
            &[("lagThreshold", "0")],
            "\"lagThreshold\": must be greater than 0",
        ),
        (
            &[("activationLagThreshold", "x")],
            "\"activationLagThreshold\"",
        ),
        (&[("useHttps", "yes")], "\"useHttps\""),
    ];
    for (extra, want) in cases {
        let err = build(&overrides(OK, extra)).unwrap_err().to_string();
        assert!(
            err.starts_with("nats-jetstream: ") && err.contains(want),
            "{extra:?}: {err}"
        );
    }
}

const JSZ: &str = r#"{"server_id":"N1","account_details":[{"name":"$G","id":"$G","stream_detail":[
  {"name":"ORDERS","consumer_detail":[
    {"stream_name":"ORDERS","name":"workers","num_pending":30,"num_ack_pending":7,"num_waiting":1},
    {"stream_name":"ORDERS","name":"audit","num_pending":2,"num_ack_pending":0}]}]}]}"#;

#[tokio::test]
async fn lag_is_pending_plus_unacknowledged() {
    let stub = HttpStub::start(200, "application/json", JSZ).await;
    let endpoint = stub.addr.to_string();
    let scaler = build(&overrides(
        OK,
        &[("natsServerMonitoringEndpoint", &endpoint)],
    ))
    .unwrap();
    let values = scaler.sample().await.unwrap();
    assert_eq!((values[0].value, values[0].active), (37.0, true));
    assert!(
        stub.last_request()
            .starts_with("get /jsz?acc=%24g&consumers=true&config=true ")
    );

    for (extra, want) in [
        (
            &[("consumer", "ghost")][..],
            "consumer \"ghost\" of stream \"ORDERS\" was not found",
        ),
        (
            &[("stream", "EVENTS")][..],
            "stream \"EVENTS\" was not found",
        ),
        (
            &[("account", "tenant")][..],
            "account \"tenant\" was not found",
        ),
    ] {
        let live = overrides(OK, &[("natsServerMonitoringEndpoint", &endpoint)]);
        let err = build(&overrides(&live, extra))
            .unwrap()
            .sample()
            .await
            .unwrap_err();
        assert!(
            matches!(err, CrateError::NatsJetStream(Error::NotFound { .. })),
            "{err}"
        );
        assert!(err.to_string().contains(want), "{err}");
    }
}
