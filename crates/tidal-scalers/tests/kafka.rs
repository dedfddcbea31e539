//! kafka against a real Kafka 4.4 broker (KRaft) started by `scripts/services.sh`.
//!
//! Each test creates its own topic with three partitions, produces 60, 50 and 40 messages and
//! commits the group at 20, 10 and 0, so the group lags by exactly 120; then it samples the
//! scaler and checks value and activity, and Kafka's own `ConsumerGroupCommand` agrees on the
//! lag. Missing groups and topics, a closed port and a broker that never answers give typed
//! errors. Topics, records and commits are written with Kafka's protocol through the crate's
//! broker connection; the broker is the independent party.

#![cfg(feature = "integration-tests")]
// Values compared here are whole numbers, exact in f64.
#![allow(clippy::float_cmp)]

#[allow(dead_code)]
#[path = "real_servers/common.rs"]
mod common;

use std::time::Duration;

use tidal_scalers::Scaler;
use tidal_scalers::kafka::Error as KafkaError;

use crate::fixture::LAG;

#[path = "kafka_fixture.rs"]
mod fixture;

const VARS: &[&str] = &["TIDAL_KAFKA_BOOTSTRAP_SERVERS"];

/// A fresh topic and a group lagging by [`LAG`] on it: (topic, group).
async fn lagging_group(bootstrap: &str) -> (String, String) {
    let topic = common::unique("tidal-it-orders");
    let group = common::unique("tidal-it-consumers");
    fixture::lagging_group(bootstrap, &topic, &group).await;
    (topic, group)
}

async fn scaler(bootstrap: &str, group: &str, extra: &[(&str, &str)]) -> Box<dyn Scaler> {
    let mut metadata = vec![("bootstrapServers", bootstrap), ("consumerGroup", group)];
    metadata.extend_from_slice(extra);
    common::build("kafka", &metadata, &[]).await.unwrap()
}

/// The summed LAG column of Kafka's own `ConsumerGroupCommand --describe`.
fn lag_by_kafka_cli(bootstrap: &str, group: &str) -> Option<i64> {
    let classpath = std::env::var("TIDAL_KAFKA_CLASSPATH").ok()?;
    let output = std::process::Command::new(
        std::env::var("TIDAL_KAFKA_JAVA").unwrap_or_else(|_| "java".into()),
    )
    .args([
        "-cp",
        &classpath,
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        "--bootstrap-server",
        bootstrap,
        "--describe",
        "--group",
        group,
    ])
    .output()
    .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .find(|l| l.contains("LAG"))?
        .split_whitespace()
        .collect();
    let column = header.iter().position(|h| *h == "LAG")?;
    Some(
        lines
            .filter_map(|l| l.split_whitespace().nth(column)?.parse::<i64>().ok())
            .sum(),
    )
}

#[tokio::test]
async fn group_lag_value_cap_and_activity() {
    let Some(env) = common::env(VARS) else { return };
    let bootstrap = env["TIDAL_KAFKA_BOOTSTRAP_SERVERS"].as_str();
    let (topic, group) = lagging_group(bootstrap).await;

    // A threshold of 100 leaves room under the cap (3 partitions × 100): the raw lag.
    let raw = scaler(
        bootstrap,
        &group,
        &[("topic", &topic), ("lagThreshold", "100")],
    )
    .await;
    let value = raw.sample().await.unwrap();
    assert_eq!((value[0].value, value[0].active), (LAG, true));
    assert_eq!(raw.metric_specs()[0].name, format!("s0-kafka-{topic}"));
    assert_eq!(raw.metric_specs()[0].target, 100.0);

    // The default threshold of 10 caps the value at 3 × 10: never more consumers than
    // partitions. allowIdleConsumers lifts the cap.
    let capped = scaler(bootstrap, &group, &[("topic", &topic)]).await;
    assert_eq!(capped.sample().await.unwrap()[0].value, 30.0);
    let idle = scaler(
        bootstrap,
        &group,
        &[("topic", &topic), ("allowIdleConsumers", "true")],
    )
    .await;
    assert_eq!(idle.sample().await.unwrap()[0].value, LAG);

    // Activation compares the uncapped lag, strictly.
    for (activation, active) in [("119", true), ("120", false)] {
        let s = scaler(
            bootstrap,
            &group,
            &[("topic", &topic), ("activationLagThreshold", activation)],
        )
        .await;
        assert_eq!(s.sample().await.unwrap()[0].active, active, "{activation}");
    }

    // Only partitions 0 and 2: 40 + 40.
    let limited = scaler(
        bootstrap,
        &group,
        &[
            ("topic", &topic),
            ("lagThreshold", "100"),
            ("partitionLimitation", "0,2"),
        ],
    )
    .await;
    assert_eq!(limited.sample().await.unwrap()[0].value, 80.0);

    if let Some(cli) = lag_by_kafka_cli(bootstrap, &group) {
        assert_eq!(cli as f64, LAG, "Kafka's ConsumerGroupCommand disagrees");
    } else {
        eprintln!("TIDAL_KAFKA_CLASSPATH unset or java missing: the CLI cross-check was skipped");
    }
}

#[tokio::test]
async fn without_a_topic_every_committed_topic_counts() {
    let Some(env) = common::env(VARS) else { return };
    let bootstrap = env["TIDAL_KAFKA_BOOTSTRAP_SERVERS"].as_str();
    let (_, group) = lagging_group(bootstrap).await;
    let s = scaler(bootstrap, &group, &[("lagThreshold", "100")]).await;
    assert_eq!(s.sample().await.unwrap()[0].value, LAG);
    assert_eq!(
        s.metric_specs()[0].name,
        format!("s0-kafka-{group}-topics").replace('.', "-")
    );
}

#[tokio::test]
async fn a_group_that_never_committed() {
    let Some(env) = common::env(VARS) else { return };
    let bootstrap = env["TIDAL_KAFKA_BOOTSTRAP_SERVERS"].as_str();
    let (topic, _) = lagging_group(bootstrap).await;
    let missing = common::unique("tidal-it-nobody");

    // latest: each partition counts 1, so one consumer starts and commits.
    let latest = scaler(bootstrap, &missing, &[("topic", &topic)]).await;
    let value = latest.sample().await.unwrap();
    assert_eq!((value[0].value, value[0].active), (3.0, true));
    // earliest: everything produced is lag.
    let earliest = scaler(
        bootstrap,
        &missing,
        &[
            ("topic", &topic),
            ("offsetResetPolicy", "earliest"),
            ("allowIdleConsumers", "true"),
        ],
    )
    .await;
    assert_eq!(earliest.sample().await.unwrap()[0].value, 150.0);
    let zero = scaler(
        bootstrap,
        &missing,
        &[("topic", &topic), ("scaleToZeroOnInvalidOffset", "true")],
    )
    .await;
    let value = zero.sample().await.unwrap();
    assert_eq!((value[0].value, value[0].active), (0.0, false));

    // Without a topic there is nothing to measure: a typed error, not a silent 0.
    let err = scaler(bootstrap, &missing, &[])
        .await
        .sample()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, tidal_scalers::Error::Kafka(KafkaError::NoTopics { group }) if *group == missing),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_topic_is_named() {
    let Some(env) = common::env(VARS) else { return };
    let bootstrap = env["TIDAL_KAFKA_BOOTSTRAP_SERVERS"].as_str();
    let topic = common::unique("tidal-it-absent");
    let err = scaler(bootstrap, "g", &[("topic", &topic)])
        .await
        .sample()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, tidal_scalers::Error::Kafka(KafkaError::UnknownTopic { topic: t }) if *t == topic),
        "{err}"
    );
}

#[tokio::test]
async fn unreachable_and_silent_brokers_give_typed_errors() {
    // These need no server but run with the others, under the same conditions.
    let closed = format!("127.0.0.1:{}", common::closed_port());
    let services = std::sync::Arc::new(
        tidal_scalers::Services::new().with_default_timeout(Duration::from_millis(500)),
    );
    let build = |bootstrap: String| {
        let services = services.clone();
        async move {
            common::build_with(
                "kafka",
                &[
                    ("bootstrapServers", &bootstrap),
                    ("consumerGroup", "g"),
                    ("topic", "t"),
                ],
                &[],
                services,
            )
            .await
            .unwrap()
        }
    };
    let err = build(closed.clone()).await.sample().await.unwrap_err();
    assert!(
        matches!(&err, tidal_scalers::Error::Kafka(KafkaError::Wire(tidal_scalers::kafka::WireError::Connect { broker, .. })) if *broker == closed),
        "{err}"
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let started = std::time::Instant::now();
    let err = build(silent).await.sample().await.unwrap_err();
    assert!(
        matches!(
            &err,
            tidal_scalers::Error::Kafka(KafkaError::Wire(
                tidal_scalers::kafka::WireError::Timeout { .. }
            ))
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
