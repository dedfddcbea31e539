//! rabbitmq against a real broker: AMQP and the management API.

use lapin::options::{BasicPublishOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};

use crate::common;

const VARS: &[&str] = &[
    "TIDAL_RABBITMQ_AMQP_URL",
    "TIDAL_RABBITMQ_HTTP_URL",
    "TIDAL_RABBITMQ_HOST",
    "TIDAL_RABBITMQ_PORT",
];

/// Declares `queue` and publishes `count` messages to it.
pub(crate) async fn fill(amqp_url: &str, queue: &str, count: usize) -> Connection {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let conn = Connection::connect(amqp_url, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    for i in 0..count {
        channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                format!("job {i}").as_bytes(),
                BasicProperties::default(),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }
    conn
}

#[tokio::test]
async fn queue_length_over_amqp_and_http() {
    let Some(env) = common::env(VARS) else { return };
    let queue = common::unique("tidal-it-rabbit");
    let conn = fill(&env["TIDAL_RABBITMQ_AMQP_URL"], &queue, 37).await;

    let amqp = common::build(
        "rabbitmq",
        &[
            ("host", &env["TIDAL_RABBITMQ_AMQP_URL"]),
            ("queueName", &queue),
        ],
        &[],
    )
    .await
    .unwrap();
    let value = common::eventually(amqp.as_ref(), 37.0).await;
    assert!(value.active);

    let http = common::build(
        "rabbitmq",
        &[
            ("host", &env["TIDAL_RABBITMQ_HTTP_URL"]),
            ("queueName", &queue),
            ("activationValue", "37"),
        ],
        &[],
    )
    .await
    .unwrap();
    let value = common::eventually(http.as_ref(), 37.0).await;
    assert!(!value.active, "37 is not above activationValue 37");

    let regex = format!("^{queue}$");
    let matched = common::build(
        "rabbitmq",
        &[
            ("host", &env["TIDAL_RABBITMQ_HTTP_URL"]),
            ("queueName", &regex),
            ("useRegex", "true"),
        ],
        &[],
    )
    .await
    .unwrap();
    common::eventually(matched.as_ref(), 37.0).await;

    let channel = conn.create_channel().await.unwrap();
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_regex_listing_over_several_pages_is_summed_whole() {
    let Some(env) = common::env(VARS) else { return };
    let prefix = common::unique("tidal-it-paged");
    let mut connections = Vec::new();
    for (n, count) in [(1, 4), (2, 5), (3, 6)] {
        let queue = format!("{prefix}-{n}");
        connections.push((
            queue.clone(),
            fill(&env["TIDAL_RABBITMQ_AMQP_URL"], &queue, count).await,
        ));
    }
    let regex = format!("^{prefix}-.*$");
    let host = env["TIDAL_RABBITMQ_HTTP_URL"].as_str();
    for (page_size, operation, want) in [("1", "sum", 15.0), ("2", "max", 6.0), ("1", "avg", 5.0)] {
        let scaler = common::build(
            "rabbitmq",
            &[
                ("host", host),
                ("queueName", &regex),
                ("useRegex", "true"),
                ("pageSize", page_size),
                ("operation", operation),
            ],
            &[],
        )
        .await
        .unwrap();
        common::eventually(scaler.as_ref(), want).await;
    }
    for (queue, conn) in connections {
        let channel = conn.create_channel().await.unwrap();
        channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn missing_queue_wrong_credentials_and_closed_port() {
    let Some(env) = common::env(VARS) else { return };
    let ghost = common::unique("tidal-it-ghost");
    for host in [
        &env["TIDAL_RABBITMQ_AMQP_URL"],
        &env["TIDAL_RABBITMQ_HTTP_URL"],
    ] {
        let scaler = common::build("rabbitmq", &[("host", host), ("queueName", &ghost)], &[])
            .await
            .unwrap();
        let err = scaler.sample().await.unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{host}: {err}");
    }

    let wrong = format!(
        "amqp://tidal:wrong-pw@{}:{}/%2F",
        env["TIDAL_RABBITMQ_HOST"], env["TIDAL_RABBITMQ_PORT"]
    );
    let scaler = common::build("rabbitmq", &[("host", &wrong), ("queueName", &ghost)], &[])
        .await
        .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(
        err.contains("refused the credentials") || err.contains("cannot connect"),
        "{err}"
    );
    assert!(!err.contains("wrong-pw"), "{err}");

    let closed = format!("amqp://tidal:pw@127.0.0.1:{}/%2F", common::closed_port());
    let scaler = common::build("rabbitmq", &[("host", &closed), ("queueName", &ghost)], &[])
        .await
        .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(err.contains("cannot connect"), "{err}");
}

#[tokio::test]
async fn ratio_and_consumption_time_modes_idle_and_stalled() {
    let Some(env) = common::env(VARS) else { return };
    let queue = common::unique("tidal-it-rabbit-idle");
    let conn = fill(&env["TIDAL_RABBITMQ_AMQP_URL"], &queue, 0).await;
    // Nothing published or delivered: the ratio is 0 and inactive; a consumption time has no
    // finite value, so KEDA reports the activation value and keeps the trigger active.
    for (mode, want) in [
        ("PublishedToDeliveredRatio", (0.0, false)),
        ("ExpectedQueueConsumptionTime", (2.5, true)),
    ] {
        let scaler = common::build(
            "rabbitmq",
            &[
                ("host", &env["TIDAL_RABBITMQ_HTTP_URL"]),
                ("queueName", &queue),
                ("mode", mode),
                ("value", "1"),
                ("activationValue", "2.5"),
            ],
            &[],
        )
        .await
        .unwrap();
        let values = scaler.sample().await.unwrap();
        assert_eq!((values[0].value, values[0].active), want, "{mode}");
    }

    // Publishing with no consumer: nothing is delivered, so the ratio reads the activation value
    // and is active (a QueueLength reading would be the message count instead). A publisher
    // keeps the broker's publish rate above zero while the management stats catch up; it is
    // bounded to 150 messages over 30 s.
    let publisher = {
        let channel = conn.create_channel().await.unwrap();
        let queue = queue.clone();
        tokio::spawn(async move {
            for i in 0..150 {
                let _ = channel
                    .basic_publish(
                        "".into(),
                        queue.as_str().into(),
                        BasicPublishOptions::default(),
                        format!("job {i}").as_bytes(),
                        BasicProperties::default(),
                    )
                    .await;
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        })
    };
    let ratio = common::build(
        "rabbitmq",
        &[
            ("host", &env["TIDAL_RABBITMQ_HTTP_URL"]),
            ("queueName", &queue),
            ("mode", "PublishedToDeliveredRatio"),
            ("value", "1"),
            ("activationValue", "2.5"),
        ],
        &[],
    )
    .await
    .unwrap();
    let stalled = common::eventually(ratio.as_ref(), 2.5).await;
    assert!(
        stalled.active,
        "publishing with nothing delivered is active"
    );
    publisher.abort();

    let channel = conn.create_channel().await.unwrap();
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
}
