//! nats-jetstream against a real NATS server with JetStream.

use std::path::Path;
use std::process::Command;

use crate::common;

const VARS: &[&str] = &[
    "TIDAL_NATS_HOST",
    "TIDAL_NATS_PORT",
    "TIDAL_NATS_MONITORING_ENDPOINT",
];

/// One JetStream API request through the services' helper script.
fn request(server: &str, subject: &str, payload: &str) {
    // scripts/lib.sh exports TIDAL_ROOT; from a plain `cargo test` the manifest is two levels down.
    let root = std::env::var("TIDAL_ROOT")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../..").to_owned());
    let script = Path::new(&root).join("scripts/services/nats_request.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["--server", server, subject, payload])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{subject}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn consumer_lag_activity_and_missing_consumer() {
    let Some(env) = common::env(VARS) else { return };
    let server = format!("{}:{}", env["TIDAL_NATS_HOST"], env["TIDAL_NATS_PORT"]);
    let stream = common::unique("TIDAL_IT").to_uppercase();
    let subject = stream.to_lowercase();
    request(
        &server,
        &format!("$JS.API.STREAM.CREATE.{stream}"),
        &format!(r#"{{"name":"{stream}","subjects":["{subject}.>"]}}"#),
    );
    request(
        &server,
        &format!("$JS.API.CONSUMER.CREATE.{stream}.workers"),
        &format!(
            r#"{{"stream_name":"{stream}","config":{{"durable_name":"workers","ack_policy":"explicit"}}}}"#
        ),
    );
    for i in 0..37 {
        request(&server, &format!("{subject}.job"), &format!("job {i}"));
    }

    let endpoint = env["TIDAL_NATS_MONITORING_ENDPOINT"].as_str();
    for (activation, active) in [("0", true), ("37", false)] {
        let scaler = common::build(
            "nats-jetstream",
            &[
                ("natsServerMonitoringEndpoint", endpoint),
                ("stream", &stream),
                ("consumer", "workers"),
                ("activationLagThreshold", activation),
            ],
            &[],
        )
        .await
        .unwrap();
        let values = scaler.sample().await.unwrap();
        assert_eq!(
            (values[0].value, values[0].active),
            (37.0, active),
            "activation {activation}"
        );
    }

    let scaler = common::build(
        "nats-jetstream",
        &[
            ("natsServerMonitoringEndpoint", endpoint),
            ("stream", &stream),
            ("consumer", "ghost"),
        ],
        &[],
    )
    .await
    .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(
        err.contains("consumer \"ghost\"") && err.contains("was not found"),
        "{err}"
    );
    request(&server, &format!("$JS.API.STREAM.DELETE.{stream}"), "");
}
