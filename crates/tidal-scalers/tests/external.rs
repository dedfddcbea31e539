//! external and external-push against an independent server: `tests/grpc/server.py`, a
//! Python grpcio implementation of the same `externalscaler.proto`.
//!
//! The test drives the server over its stdin (metric specs, values, activity, delays, pushes)
//! and asks it what the requests carried, so both directions of the wire format are checked:
//! what Tidal sends (object name, namespace, forwarded metadata, metric names without the
//! `s<index>-` prefix) and how it reads the answers (float and deprecated int fields, several
//! metrics, activity, streamed pushes). Needs `python3` with `grpcio` and `grpcio-tools`
//! (`pip install grpcio grpcio-tools`, which this test tries once when they are missing);
//! without them the test fails under `CI=true` and is skipped elsewhere. With the test CA's files
//! (`scripts/services/tls.sh`) the server also listens with TLS and requires a client
//! certificate, for `caCert`, `tlsClientCert` and `tlsClientKey`.

#![cfg(feature = "integration-tests")]
// Values compared here are exact in f64.
#![allow(clippy::float_cmp)]

#[allow(dead_code)]
#[path = "real_servers/common.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tidal_scalers::external::{ActivityPush, Error as ExternalError};
use tidal_scalers::{Scaler, Services};

/// The Python test server, killed on drop.
struct TestServer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    address: String,
    /// The TLS listener's address, when the server was started with a certificate.
    tls_address: Option<String>,
}

impl TestServer {
    /// Sends one command and returns the server's reply.
    fn send(&mut self, command: &Value) -> Value {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("server replied {line:?}: {e}"))
    }

    /// Waits until `n` StreamIsActive streams are open.
    async fn wait_for_streams(&mut self, n: u64) {
        for _ in 0..100 {
            if self.send(&json!({"streams": null}))["streams"] == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server never saw {n} activity streams");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> String {
    std::env::var("TIDAL_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn has_grpc() -> bool {
    Command::new(python())
        .args(["-c", "import grpc, grpc_tools"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts the server, or returns `None` (skipped) when Python's grpc packages are missing
/// and cannot be installed, outside CI.
fn start() -> Option<TestServer> {
    start_with(&[])
}

/// [`start`] with extra environment variables for the server (its TLS files).
fn start_with(env: &[(&str, &str)]) -> Option<TestServer> {
    if !has_grpc() {
        let _ = Command::new(python())
            .args(["-m", "pip", "install", "--quiet", "grpcio", "grpcio-tools"])
            .status();
    }
    if !has_grpc() {
        let reason = format!(
            "{} cannot import grpc and grpc_tools; run pip install grpcio grpcio-tools",
            python()
        );
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
        eprintln!("skipped: {reason}");
        return None;
    }
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script = std::env::var("TIDAL_GRPC_TEST_SERVER")
        .map(PathBuf::from)
        .ok()
        .filter(|p| p.is_file())
        .unwrap_or_else(|| crate_dir.join("tests/grpc/server.py"));
    let mut child = Command::new(python())
        .arg(&script)
        .arg(crate_dir.join("proto/externalscaler.proto"))
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let started: Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("{} did not start: {line:?}: {e}", script.display()));
    let address = format!("127.0.0.1:{}", started["port"]);
    let tls_address = started
        .get("tlsPort")
        .map(|port| format!("127.0.0.1:{port}"));
    Some(TestServer {
        child,
        stdin,
        stdout,
        address,
        tls_address,
    })
}

fn services(timeout_ms: u64) -> Arc<Services> {
    Arc::new(Services::new().with_default_timeout(Duration::from_millis(timeout_ms)))
}

async fn build(
    type_name: &str,
    server: &TestServer,
    services: Arc<Services>,
) -> Result<Box<dyn Scaler>, tidal_scalers::BuildError> {
    common::build_with(
        type_name,
        &[("scalerAddress", &server.address), ("queue", "orders")],
        &[],
        services,
    )
    .await
}

#[tokio::test]
async fn metric_spec_metrics_and_activity() {
    let Some(mut server) = start() else { return };
    server.send(&json!({"specs": [{"name": "queue", "target": 10.5}]}));
    server.send(&json!({"values": {"queue": 37.5}, "active": true}));
    let scaler = build("external", &server, services(2000)).await.unwrap();

    let spec = &scaler.metric_specs()[0];
    assert_eq!((spec.name.as_str(), spec.target), ("s0-queue", 10.5));
    let values = scaler.sample().await.unwrap();
    assert_eq!((values[0].value, values[0].active), (37.5, true));

    server.send(&json!({"active": false, "intValues": {"queue": 7}}));
    let values = scaler.sample().await.unwrap();
    assert_eq!((values[0].value, values[0].active), (7.0, false));

    let seen = server.send(&json!({"seen": null}));
    let first = &seen["refs"][0];
    assert_eq!(
        (first["name"].as_str(), first["namespace"].as_str()),
        (Some("app"), Some("it"))
    );
    assert_eq!(
        first["scalerMetadata"],
        json!({"queue": "orders", "scalerAddress": server.address})
    );
    // The server sees its own metric name, without Tidal's s<index>- prefix.
    assert_eq!(seen["metricNames"], json!(["queue", "queue"]));
}

#[tokio::test]
async fn several_metrics_and_the_deprecated_integer_target() {
    let Some(mut server) = start() else { return };
    server.send(&json!({"specs": [
        {"name": "queue", "target": 2.5},
        {"name": "inflight", "targetInt": 4}
    ]}));
    server.send(&json!({"values": {"queue": 5.0, "inflight": 12.25}, "active": true}));
    let scaler = build("external", &server, services(2000)).await.unwrap();
    let targets: Vec<(&str, f64)> = scaler
        .metric_specs()
        .iter()
        .map(|s| (s.name.as_str(), s.target))
        .collect();
    assert_eq!(targets, [("s0-queue", 2.5), ("s0-inflight", 4.0)]);
    let values: Vec<f64> = scaler
        .sample()
        .await
        .unwrap()
        .iter()
        .map(|v| v.value)
        .collect();
    assert_eq!(values, [5.0, 12.25]);
}

#[tokio::test]
async fn pushes_reach_subscribers_and_polling_goes_on() {
    let Some(mut server) = start() else { return };
    server.send(&json!({"values": {"queue": 3.0}, "active": false}));
    let services = services(2000);
    let mut pushes = services.pools.external.subscribe();

    let polled = build("external", &server, services.clone()).await.unwrap();
    let pushing = build("external-push", &server, services.clone())
        .await
        .unwrap();
    // Only external-push opens a stream.
    server.wait_for_streams(1).await;

    assert_eq!(server.send(&json!({"push": true})), json!({"streams": 1}));
    let push: ActivityPush = tokio::time::timeout(Duration::from_secs(5), pushes.recv())
        .await
        .expect("no push within 5 s")
        .unwrap();
    assert_eq!(
        (push.object.name.as_str(), push.trigger_index, push.active),
        ("app", 0, true)
    );
    server.send(&json!({"push": false}));
    let push = tokio::time::timeout(Duration::from_secs(5), pushes.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(!push.active);

    // The push trigger still polls like any other.
    assert_eq!(pushing.sample().await.unwrap()[0].value, 3.0);
    assert_eq!(polled.sample().await.unwrap()[0].value, 3.0);

    // Closing the trigger closes its stream.
    pushing.close().await;
    drop(pushing);
    server.wait_for_streams(0).await;
}

#[tokio::test]
async fn server_errors_slow_answers_and_a_dead_server_are_typed() {
    let Some(mut server) = start() else { return };
    server.send(&json!({"specs": [{"name": "missing", "target": 1.0}]}));
    let scaler = build("external", &server, services(500)).await.unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(&err, tidal_scalers::Error::External(ExternalError::Rpc { rpc: "GetMetrics", code, .. }) if code == "NotFound"),
        "{err}"
    );

    server.send(&json!({"delay": 2.0}));
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(
            &err,
            tidal_scalers::Error::External(ExternalError::Timeout {
                rpc: "GetMetrics",
                ..
            })
        ),
        "{err}"
    );

    let address = server.address.clone();
    drop(server);
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(&err, tidal_scalers::Error::External(ExternalError::Rpc { code, address: a, .. }) if code == "Unavailable" && *a == address),
        "{err}"
    );
}

#[tokio::test]
async fn tls_settings_reach_a_server_that_requires_a_client_certificate() {
    let Some(files) = common::env(&[
        "TIDAL_TLS_SERVER_CERT",
        "TIDAL_TLS_SERVER_KEY",
        "TIDAL_TLS_CA",
    ]) else {
        return;
    };
    let Some(tls) = common::tls_files() else {
        return;
    };
    let Some(mut server) = start_with(&[
        ("TIDAL_GRPC_TLS_CERT", &files["TIDAL_TLS_SERVER_CERT"]),
        ("TIDAL_GRPC_TLS_KEY", &files["TIDAL_TLS_SERVER_KEY"]),
        ("TIDAL_GRPC_TLS_CA", &files["TIDAL_TLS_CA"]),
        // The refused handshakes below are expected; grpcio would log each.
        ("GRPC_VERBOSITY", "NONE"),
    ]) else {
        return;
    };
    server.send(&json!({"specs": [{"name": "queue", "target": 5.0}]}));
    server.send(&json!({"values": {"queue": 12.0}, "active": true}));
    let address = server
        .tls_address
        .clone()
        .expect("the server listens with TLS");
    let build_with = |metadata: Vec<(&'static str, &'static str)>,
                      auth: Vec<(&'static str, String)>| {
        let address = address.clone();
        async move {
            let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut metadata = metadata;
            metadata.push(("scalerAddress", &address));
            common::build_with("external", &metadata, &auth, services(2000)).await
        }
    };
    let build = |auth| build_with(Vec::new(), auth);
    let scaler = build(vec![
        ("caCert", tls.ca.clone()),
        ("tlsClientCert", tls.cert.clone()),
        ("tlsClientKey", tls.key.clone()),
    ])
    .await
    .expect("caCert, tlsClientCert and tlsClientKey reach the server");
    assert_eq!(scaler.metric_specs()[0].target, 5.0);
    assert_eq!(scaler.sample().await.unwrap()[0].value, 12.0);

    // unsafeSsl skips the server's certificate (a foreign caCert does not matter then) but
    // still presents the client certificate the server requires.
    let unsafe_ssl = vec![("enableTLS", "true"), ("unsafeSsl", "true")];
    for auth in [
        vec![
            ("tlsClientCert", tls.cert.clone()),
            ("tlsClientKey", tls.key.clone()),
        ],
        vec![
            ("caCert", tls.other_ca.clone()),
            ("tlsClientCert", tls.cert.clone()),
            ("tlsClientKey", tls.key.clone()),
        ],
    ] {
        let scaler = build_with(unsafe_ssl.clone(), auth)
            .await
            .expect("unsafeSsl with a client certificate reaches the server");
        assert_eq!(scaler.sample().await.unwrap()[0].value, 12.0);
    }
    let error = build_with(unsafe_ssl, Vec::new())
        .await
        .expect_err("the server requires a client certificate")
        .to_string();
    assert!(
        error.contains(&format!(
            "external scaler at {address} failed GetMetricSpec"
        )),
        "{error}"
    );

    for (what, auth, want) in [
        (
            "a server certificate from a CA the trigger does not trust",
            vec![
                ("caCert", tls.other_ca.clone()),
                ("tlsClientCert", tls.cert.clone()),
                ("tlsClientKey", tls.key.clone()),
            ],
            "invalid peer certificate: UnknownIssuer",
        ),
        // The server closes the connection; no alert reaches the client reliably.
        (
            "no client certificate",
            vec![("caCert", tls.ca.clone())],
            "",
        ),
    ] {
        let error = build(auth).await.expect_err(what).to_string();
        assert!(
            error.contains(&format!(
                "external scaler at {address} failed GetMetricSpec"
            )) && error.contains(want),
            "{what}: {error}"
        );
        let key_line = tls.key.lines().nth(1).unwrap_or_default();
        assert!(!error.contains(key_line), "{what}: key text in {error}");
    }
}
