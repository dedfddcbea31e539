//! rabbitmq over TLS against a real broker whose AMQP and management listeners require a client
//! certificate from the test CA: `ca`, `cert`, `key` and `unsafeSsl` on `amqps://` and
//! `https://` hosts.

use lapin::options::QueueDeleteOptions;

use crate::common;
use crate::rabbitmq::fill;

const VARS: &[&str] = &[
    "TIDAL_RABBITMQ_AMQP_URL",
    "TIDAL_RABBITMQ_AMQPS_URL",
    "TIDAL_RABBITMQ_HTTPS_URL",
];

#[tokio::test]
async fn amqps_and_https_hosts_use_the_trigger_authentications_certificates() {
    let (Some(env), Some(tls)) = (common::env(VARS), common::tls_files()) else {
        return;
    };
    let (amqps, https) = (
        &env["TIDAL_RABBITMQ_AMQPS_URL"],
        &env["TIDAL_RABBITMQ_HTTPS_URL"],
    );
    let queue = common::unique("tidal-it-rabbit-tls");
    let conn = fill(&env["TIDAL_RABBITMQ_AMQP_URL"], &queue, 5).await;
    let trusted = [
        ("ca", tls.ca.as_str()),
        ("cert", &tls.cert),
        ("key", &tls.key),
    ];
    let encrypted = [
        ("ca", tls.ca.as_str()),
        ("cert", &tls.cert),
        ("key", &tls.encrypted_key),
        ("keyPassword", &tls.key_password),
    ];
    let legacy = [
        ("ca", tls.ca.as_str()),
        ("cert", &tls.cert),
        ("key", &tls.legacy_key),
        ("keyPassword", &tls.key_password),
    ];

    for (what, host, extra, auth) in [
        ("amqps with ca, cert and key", amqps, None, &trusted[..]),
        ("https with ca, cert and key", https, None, &trusted[..]),
        (
            "amqps with an encrypted key and keyPassword",
            amqps,
            None,
            &encrypted[..],
        ),
        (
            "amqps with a legacy encrypted PEM key and keyPassword",
            amqps,
            None,
            &legacy[..],
        ),
        (
            "https with unsafeSsl and a client certificate",
            https,
            Some(("unsafeSsl", "true")),
            &trusted[1..],
        ),
    ] {
        let mut metadata = vec![("host", host.as_str()), ("queueName", queue.as_str())];
        metadata.extend(extra);
        let scaler = common::build("rabbitmq", &metadata, auth)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let value = common::eventually(scaler.as_ref(), 5.0).await;
        assert!(value.active, "{what}");
    }

    for (what, host, auth, want) in [
        (
            "amqps, the broker's CA not trusted",
            amqps,
            vec![
                ("ca", tls.other_ca.as_str()),
                ("cert", &tls.cert),
                ("key", &tls.key),
            ],
            "invalid peer certificate",
        ),
        (
            "amqps without a client certificate",
            amqps,
            vec![("ca", tls.ca.as_str())],
            // The broker's CertificateRequired alert can lose the race with its reset.
            "cannot connect to RabbitMQ",
        ),
        (
            "https, the broker's CA not trusted",
            https,
            vec![
                ("ca", tls.other_ca.as_str()),
                ("cert", &tls.cert),
                ("key", &tls.key),
            ],
            "invalid peer certificate",
        ),
    ] {
        let scaler = common::build("rabbitmq", &[("host", host), ("queueName", &queue)], &auth)
            .await
            .unwrap();
        let error = scaler.sample().await.unwrap_err().to_string();
        assert!(error.contains(want), "{what}: {error}");
        assert!(!error.contains("tidal-test-pw"), "{what}: {error}");
    }

    let error = common::build(
        "rabbitmq",
        &[
            ("host", amqps),
            ("queueName", &queue),
            ("unsafeSsl", "true"),
        ],
        &trusted,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("\"unsafeSsl\"") && error.contains("give the CA"),
        "{error}"
    );

    let channel = conn.create_channel().await.unwrap();
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
}
