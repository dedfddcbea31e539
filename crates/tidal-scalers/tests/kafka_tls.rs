//! kafka over TLS and SASL against the real broker's SSL listener (client certificate required)
//! and SASL_SSL listener (PLAIN and SCRAM users), as managed Kafka services run them: `tls`,
//! `ca`, `cert`, `key`, `unsafeSsl`, `sasl`, `username` and `password`.
//!
//! The lag is set up over the plain listener; every listener serves the same broker, so each
//! TLS or SASL reading must find the same lag.

#![cfg(feature = "integration-tests")]
// Values compared here are whole numbers, exact in f64.
#![allow(clippy::float_cmp)]

#[allow(dead_code)]
#[path = "real_servers/common.rs"]
mod common;

#[path = "kafka_fixture.rs"]
mod fixture;

use fixture::LAG;

const VARS: &[&str] = &[
    "TIDAL_KAFKA_BOOTSTRAP_SERVERS",
    "TIDAL_KAFKA_SSL_BOOTSTRAP_SERVERS",
    "TIDAL_KAFKA_SASL_SSL_BOOTSTRAP_SERVERS",
    "TIDAL_KAFKA_USERNAME",
    "TIDAL_KAFKA_PASSWORD",
];

/// The lag trigger `bootstrap` + `group` + `topic` reads with `auth` (and `tls: enable`).
async fn lag(
    bootstrap: &str,
    group: &str,
    topic: &str,
    extra: &[(&str, &str)],
    auth: &[(&str, &str)],
) -> Result<f64, String> {
    let mut metadata = vec![
        ("bootstrapServers", bootstrap),
        ("consumerGroup", group),
        ("topic", topic),
        ("lagThreshold", "100"),
    ];
    metadata.extend_from_slice(extra);
    let mut auth = auth.to_vec();
    auth.push(("tls", "enable"));
    let scaler = common::build("kafka", &metadata, &auth)
        .await
        .map_err(|e| e.to_string())?;
    let values = scaler.sample().await.map_err(|e| e.to_string())?;
    Ok(values[0].value)
}

#[tokio::test]
async fn tls_and_sasl_reach_the_broker_and_wrong_material_is_refused() {
    let (Some(env), Some(tls)) = (common::env(VARS), common::tls_files()) else {
        return;
    };
    let topic = common::unique("tidal-it-tls-orders");
    let group = common::unique("tidal-it-tls-consumers");
    fixture::lagging_group(&env["TIDAL_KAFKA_BOOTSTRAP_SERVERS"], &topic, &group).await;
    let ssl = env["TIDAL_KAFKA_SSL_BOOTSTRAP_SERVERS"].as_str();
    let sasl_ssl = env["TIDAL_KAFKA_SASL_SSL_BOOTSTRAP_SERVERS"].as_str();
    let (user, password) = (&env["TIDAL_KAFKA_USERNAME"], &env["TIDAL_KAFKA_PASSWORD"]);
    let client = [("cert", tls.cert.as_str()), ("key", &tls.key)];

    let mut trusted = vec![("ca", tls.ca.as_str())];
    trusted.extend_from_slice(&client);
    assert_eq!(
        lag(ssl, &group, &topic, &[], &trusted).await,
        Ok(LAG),
        "ca, cert and key"
    );
    assert_eq!(
        lag(ssl, &group, &topic, &[("unsafeSsl", "true")], &client).await,
        Ok(LAG),
        "unsafeSsl with a client certificate"
    );
    for sasl in ["plaintext", "scram_sha256", "scram_sha512"] {
        let auth = [
            ("sasl", sasl),
            ("username", user.as_str()),
            ("password", password.as_str()),
            ("ca", tls.ca.as_str()),
        ];
        assert_eq!(
            lag(sasl_ssl, &group, &topic, &[], &auth).await,
            Ok(LAG),
            "sasl {sasl} over TLS"
        );
    }

    let mut foreign = vec![("ca", tls.other_ca.as_str())];
    foreign.extend_from_slice(&client);
    let refused = [
        (ssl, foreign, "invalid peer certificate: UnknownIssuer"),
        // Without a client certificate the broker ends the handshake (an alert or a reset).
        (
            ssl,
            vec![("ca", tls.ca.as_str())],
            "cannot reach Kafka broker",
        ),
        (
            sasl_ssl,
            vec![
                ("sasl", "scram_sha256"),
                ("username", user.as_str()),
                ("password", "wrong-password"),
                ("ca", tls.ca.as_str()),
            ],
            "rejected SASL authentication",
        ),
    ];
    for (bootstrap, auth, want) in refused {
        let error = lag(bootstrap, &group, &topic, &[], &auth)
            .await
            .expect_err("refused");
        assert!(error.contains(want), "{auth:?}: {error}");
        assert!(!error.contains("wrong-password"), "{error}");
    }
}
