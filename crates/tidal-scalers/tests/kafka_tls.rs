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
    let scaler = scaler(bootstrap, group, topic, extra, auth).await?;
    let values = scaler.sample().await.map_err(|e| e.to_string())?;
    Ok(values[0].value)
}

/// The lag trigger of [`lag`], built but not sampled.
async fn scaler(
    bootstrap: &str,
    group: &str,
    topic: &str,
    extra: &[(&str, &str)],
    auth: &[(&str, &str)],
) -> Result<Box<dyn tidal_scalers::Scaler>, String> {
    let mut metadata = vec![
        ("bootstrapServers", bootstrap),
        ("consumerGroup", group),
        ("topic", topic),
        ("lagThreshold", "100"),
    ];
    metadata.extend_from_slice(extra);
    let mut auth = auth.to_vec();
    auth.push(("tls", "enable"));
    common::build("kafka", &metadata, &auth)
        .await
        .map_err(|e| e.to_string())
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
    let encrypted = [
        ("ca", tls.ca.as_str()),
        ("cert", &tls.cert),
        ("key", &tls.encrypted_key),
        ("keyPassword", &tls.key_password),
    ];
    assert_eq!(
        lag(ssl, &group, &topic, &[], &encrypted).await,
        Ok(LAG),
        "an encrypted key with keyPassword"
    );
    let mut wrong = encrypted.to_vec();
    wrong[3] = ("keyPassword", "not-the-password");
    let error = lag(ssl, &group, &topic, &[], &wrong)
        .await
        .expect_err("a wrong keyPassword");
    assert!(
        error.contains("\"keyPassword\"") && error.contains("does not decrypt"),
        "{error}"
    );
    assert!(!error.contains("not-the-password"), "{error}");
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

/// A loopback OAuth token endpoint that answers every request with `token` and keeps the
/// request bodies it was sent.
struct TokenServer {
    url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl TokenServer {
    async fn start(token: String) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/oauth2/token", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            // A handful of requests at most: one token per scaler built by the test.
            for _ in 0..16 {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buffer = [0_u8; 4096];
                while let Ok(n) = socket.read(&mut buffer).await {
                    request.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    let Some((head, body)) = text.split_once("\r\n\r\n") else {
                        if n == 0 {
                            break;
                        }
                        continue;
                    };
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= length || n == 0 {
                        seen.lock().unwrap().push(text);
                        break;
                    }
                }
                let body = format!(
                    r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600}}"#
                );
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        Self { url, requests }
    }
}

/// An unsecured JWT (`alg: none`) for `subject`, expiring at `exp` (seconds since the epoch):
/// what Kafka's default OAUTHBEARER validator accepts.
fn unsecured_jwt(subject: &str, exp: u64) -> String {
    use base64::Engine as _;
    let encode = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!(
        "{}.{}.",
        encode(r#"{"alg":"none"}"#),
        encode(&format!(
            r#"{{"sub":"{subject}","iat":{},"exp":{exp}}}"#,
            now.min(exp).saturating_sub(60)
        ))
    )
}

#[tokio::test]
async fn oauthbearer_fetches_a_token_and_the_broker_checks_it() {
    let (Some(env), Some(tls)) = (common::env(VARS), common::tls_files()) else {
        return;
    };
    let topic = common::unique("tidal-it-oauth-orders");
    let group = common::unique("tidal-it-oauth-consumers");
    fixture::lagging_group(&env["TIDAL_KAFKA_BOOTSTRAP_SERVERS"], &topic, &group).await;
    let sasl_ssl = env["TIDAL_KAFKA_SASL_SSL_BOOTSTRAP_SERVERS"].as_str();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();

    let valid = TokenServer::start(unsecured_jwt("tidal", now + 3600)).await;
    let oauth_scaler = |url: String| {
        let (group, topic, ca) = (group.clone(), topic.clone(), tls.ca.clone());
        async move {
            let auth = [
                ("sasl", "oauthbearer"),
                ("username", "scaler-client"),
                ("password", "client-secret"),
                ("oauthTokenEndpointUri", url.as_str()),
                ("scopes", "kafka"),
                ("oauthExtensions", "traceId=abc"),
                ("ca", ca.as_str()),
            ];
            scaler(sasl_ssl, &group, &topic, &[], &auth).await
        }
    };
    let read = |url: String| async {
        let values = oauth_scaler(url).await?.sample().await;
        values.map(|v| v[0].value).map_err(|e| e.to_string())
    };
    assert_eq!(read(valid.url.clone()).await, Ok(LAG));
    let requests = valid.requests.lock().unwrap().clone();
    assert_eq!(
        requests.len(),
        1,
        "one token for one connection: {requests:?}"
    );
    assert!(
        requests[0].contains("grant_type=client_credentials")
            && requests[0].contains("scope=kafka"),
        "{}",
        requests[0]
    );

    let expired = TokenServer::start(unsecured_jwt("tidal", now - 600)).await;
    let error = read(expired.url.clone())
        .await
        .expect_err("an expired token");
    assert!(
        error.contains("rejected SASL authentication") && error.contains("invalid_token"),
        "{error}"
    );
    assert!(!error.contains("client-secret"), "{error}");

    // A refused token is dropped: the next poll of the same trigger asks for a new one instead
    // of presenting the refused one until it would have expired.
    let scaler = oauth_scaler(expired.url.clone()).await.unwrap();
    let before = expired.requests.lock().unwrap().len();
    for _ in 0..2 {
        scaler.sample().await.expect_err("an expired token");
    }
    assert_eq!(expired.requests.lock().unwrap().len(), before + 2);
}
