//! What every real-server test needs: the servers' environment and a build context.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tidal_scalers::{
    AuthParams, BuildContext, ObjectKind, ObjectRef, Registry, Scaler, Services, TriggerSpec,
};

/// The named variables, or `None` (test skipped) when one is missing outside CI.
///
/// # Panics
/// Under `CI=true` when a variable is missing: CI must run the servers.
pub(crate) fn env(names: &[&str]) -> Option<HashMap<String, String>> {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| std::env::var(n).is_err())
        .collect();
    if missing.is_empty() {
        return Some(
            names
                .iter()
                .map(|n| ((*n).to_owned(), std::env::var(n).unwrap()))
                .collect(),
        );
    }
    let reason = format!(
        "missing {}; run scripts/test-scalers.sh (or eval \"$(scripts/services.sh env)\")",
        missing.join(", ")
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
    eprintln!("skipped: {reason}");
    None
}

/// A name no other test run uses, for keys, gauges and queues.
pub(crate) fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Builds trigger 0 of ScaledObject `it/app` through the registry.
pub(crate) async fn build(
    type_name: &str,
    metadata: &[(&str, &str)],
    auth: &[(&str, &str)],
) -> Result<Box<dyn Scaler>, tidal_scalers::BuildError> {
    build_with(type_name, metadata, auth, Arc::new(Services::new())).await
}

/// [`build`] with given services.
pub(crate) async fn build_with(
    type_name: &str,
    metadata: &[(&str, &str)],
    auth: &[(&str, &str)],
    services: Arc<Services>,
) -> Result<Box<dyn Scaler>, tidal_scalers::BuildError> {
    let metadata: BTreeMap<String, String> = metadata
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Registry::builtin()
        .build(BuildContext {
            object: ObjectRef {
                kind: ObjectKind::ScaledObject,
                namespace: "it".into(),
                name: "app".into(),
            },
            trigger: TriggerSpec {
                index: 0,
                type_name: type_name.into(),
                name: None,
                metadata,
                metric_type: None,
                use_cached_metrics: false,
            },
            env: BTreeMap::new(),
            auth: AuthParams::from_pairs(auth.iter().copied()),
            services,
        })
        .await
}

/// A loopback port nobody listens on.
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The test exporter: sets gauges that Prometheus scrapes and metrics-api reads.
pub(crate) struct Exporter {
    pub(crate) url: String,
}

impl Exporter {
    /// Sets gauge `name{labels}` to `value`.
    pub(crate) async fn set(&self, name: &str, value: &str, labels: &[(&str, &str)]) {
        let mut query = vec![("name", name), ("value", value)];
        query.extend_from_slice(labels);
        let _ = rustls::crypto::ring::default_provider().install_default();
        let response = reqwest::Client::new()
            .post(format!("{}/set", self.url))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap()
        );
    }
}

/// Samples until the first value is `want`, for servers that publish with a delay (Prometheus
/// scrapes every second; RabbitMQ's management stats refresh every few seconds).
///
/// # Panics
/// When the value is not reached within 30 seconds.
pub(crate) async fn eventually(scaler: &dyn Scaler, want: f64) -> tidal_scalers::MetricValue {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let got = scaler.sample().await;
        match got {
            Ok(values) if values[0].value == want => return values[0].clone(),
            _ if std::time::Instant::now() > deadline => panic!("never sampled {want}: {got:?}"),
            _ => tokio::time::sleep(std::time::Duration::from_millis(250)).await,
        }
    }
}

/// The test CA's PEM material (`scripts/services/tls.sh`), read from the files `services.sh
/// env` names.
pub(crate) struct TlsFiles {
    /// The CA that signed every test server's certificate.
    pub(crate) ca: String,
    /// A CA that signed nothing.
    pub(crate) other_ca: String,
    /// A client certificate signed by `ca`, and its key.
    pub(crate) cert: String,
    pub(crate) key: String,
    /// The same key, PKCS#8-encrypted with `key_password`.
    pub(crate) encrypted_key: String,
    /// The same key in OpenSSL's legacy encrypted PEM, with `key_password`.
    pub(crate) legacy_key: String,
    pub(crate) key_password: String,
}

/// The test CA's files, or `None` (test skipped) as [`env`] decides.
pub(crate) fn tls_files() -> Option<TlsFiles> {
    let env = env(&[
        "TIDAL_TLS_CA",
        "TIDAL_TLS_OTHER_CA",
        "TIDAL_TLS_CLIENT_CERT",
        "TIDAL_TLS_CLIENT_KEY",
        "TIDAL_TLS_CLIENT_KEY_ENCRYPTED",
        "TIDAL_TLS_CLIENT_KEY_LEGACY",
        "TIDAL_TLS_CLIENT_KEY_PASSWORD",
    ])?;
    let read = |name: &str| {
        std::fs::read_to_string(&env[name]).unwrap_or_else(|e| panic!("{}: {e}", env[name]))
    };
    Some(TlsFiles {
        ca: read("TIDAL_TLS_CA"),
        other_ca: read("TIDAL_TLS_OTHER_CA"),
        cert: read("TIDAL_TLS_CLIENT_CERT"),
        key: read("TIDAL_TLS_CLIENT_KEY"),
        encrypted_key: read("TIDAL_TLS_CLIENT_KEY_ENCRYPTED"),
        legacy_key: read("TIDAL_TLS_CLIENT_KEY_LEGACY"),
        key_password: env["TIDAL_TLS_CLIENT_KEY_PASSWORD"].clone(),
    })
}
