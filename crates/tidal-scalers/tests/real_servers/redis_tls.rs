//! redis over TLS against a real server that speaks only TLS and requires a client certificate
//! from the test CA: `enableTLS` (or `tls: enable`), `ca`, `cert`, `key` and `unsafeSsl`.

use redis::AsyncCommands;

use crate::common;

const VARS: &[&str] = &["TIDAL_REDIS_TLS_ADDRESS"];

#[tokio::test]
async fn tls_settings_reach_a_server_that_requires_a_client_certificate() {
    let (Some(env), Some(tls)) = (common::env(VARS), common::tls_files()) else {
        return;
    };
    let address = env["TIDAL_REDIS_TLS_ADDRESS"].as_str();

    // Seven jobs, pushed over TLS with the same certificates.
    let (host, port) = address.rsplit_once(':').unwrap();
    let client = redis::Client::build_with_tls(
        format!("rediss://{host}:{port}"),
        redis::TlsCertificates {
            client_tls: Some(redis::ClientTlsConfig {
                client_cert: tls.cert.clone().into_bytes(),
                client_key: tls.key.clone().into_bytes(),
            }),
            root_cert: Some(tls.ca.clone().into_bytes()),
        },
    )
    .unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let list = common::unique("tidal-it-tls");
    let items: Vec<String> = (0..7).map(|i| format!("job-{i}")).collect();
    let _: () = conn.rpush(&list, &items).await.unwrap();

    let metadata = |extra: &[(&'static str, &'static str)]| {
        let mut pairs = vec![("address", address), ("listName", list.as_str())];
        pairs.extend_from_slice(extra);
        pairs
    };
    let reaches = [
        (
            "enableTLS with ca, cert and key",
            metadata(&[("enableTLS", "true")]),
            vec![
                ("ca", tls.ca.as_str()),
                ("cert", &tls.cert),
                ("key", &tls.key),
            ],
        ),
        (
            "tls: enable in the TriggerAuthentication",
            metadata(&[]),
            vec![
                ("tls", "enable"),
                ("ca", &tls.ca),
                ("cert", &tls.cert),
                ("key", &tls.key),
            ],
        ),
        (
            "unsafeSsl without ca",
            metadata(&[("enableTLS", "true"), ("unsafeSsl", "true")]),
            vec![("cert", tls.cert.as_str()), ("key", &tls.key)],
        ),
    ];
    for (what, metadata, auth) in reaches {
        let scaler = common::build("redis", &metadata, &auth).await.unwrap();
        let values = scaler
            .sample()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(values[0].value, 7.0, "{what}");
    }

    let refused = [
        (
            "a server certificate from a CA the trigger does not trust",
            metadata(&[("enableTLS", "true")]),
            vec![
                ("ca", tls.other_ca.as_str()),
                ("cert", &tls.cert),
                ("key", &tls.key),
            ],
            "invalid peer certificate: UnknownIssuer",
        ),
        (
            "no client certificate",
            metadata(&[("enableTLS", "true")]),
            vec![("ca", tls.ca.as_str())],
            // The server's CertificateRequired alert can lose the race with its reset.
            "",
        ),
        ("plain text to a TLS port", metadata(&[]), vec![], ""),
    ];
    for (what, metadata, auth, want) in refused {
        let scaler = common::build("redis", &metadata, &auth).await.unwrap();
        let error = scaler.sample().await.unwrap_err().to_string();
        assert!(
            error.contains(&format!("cannot connect to Redis at {address}"))
                && error.contains(want),
            "{what}: {error}"
        );
        for secret in [&tls.key, &tls.cert] {
            let line = secret.lines().nth(1).unwrap_or_default();
            assert!(!error.contains(line), "{what}: PEM text in {error}");
        }
    }
    let _: () = conn.del(&list).await.unwrap();
}
