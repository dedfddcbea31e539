//! Poll latency per scaler against the local servers of `scripts/services.sh`.
//!
//! ```text
//! eval "$(scripts/services.sh env)"
//! cargo bench -p tidal-scalers --features integration-tests --bench poll
//! ```
//!
//! Each benchmark is one `Scaler::sample()` on a warm, pooled client: the latency a scale
//! loop adds per trigger and poll. `baseline_http_get` is a bare GET of the same exporter
//! endpoint metrics-api reads, so the difference is the scaler's own cost; the `-tls` cases
//! read the same servers over TLS with the test CA, against their plain twins. A scaler whose
//! server variables are missing is reported and skipped.

use std::collections::BTreeMap;
use std::sync::Arc;

use tidal_scalers::{
    AuthParams, BuildContext, ObjectKind, ObjectRef, Registry, Scaler, Services, TriggerSpec,
};

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Parameter pairs of a trigger.
type Pairs = Vec<(String, String)>;

/// The trigger type, metadata and authentication for `scaler`, or `None` when its server is
/// not configured.
fn trigger(scaler: &str) -> Option<(&'static str, Pairs, Pairs)> {
    let pairs = |p: &[(&str, String)]| {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<Vec<_>>()
    };
    Some(match scaler {
        "metrics-api" => (
            "metrics-api",
            pairs(&[
                (
                    "url",
                    format!("{}/api/value?name=tidal_bench", var("TIDAL_EXPORTER_URL")?),
                ),
                ("valueLocation", "value".into()),
                ("targetValue", "1".into()),
            ]),
            vec![],
        ),
        "prometheus" => (
            "prometheus",
            pairs(&[
                ("serverAddress", var("TIDAL_PROMETHEUS_URL")?),
                ("query", "sum(up)".into()),
                ("threshold", "1".into()),
            ]),
            vec![],
        ),
        "redis" => (
            "redis",
            pairs(&[
                ("address", var("TIDAL_REDIS_ADDRESS")?),
                ("listName", "tidal-bench".into()),
            ]),
            vec![],
        ),
        "redis-streams" => (
            "redis-streams",
            pairs(&[
                ("address", var("TIDAL_REDIS_ADDRESS")?),
                ("stream", "tidal-bench-stream".into()),
            ]),
            vec![],
        ),
        "redis-cluster" => (
            "redis-cluster",
            pairs(&[
                ("addresses", var("TIDAL_REDIS_CLUSTER_ADDRESSES")?),
                ("listName", "tidal-bench".into()),
            ]),
            pairs(&[("password", var("TIDAL_REDIS_AUTH_PASSWORD")?)]),
        ),
        "redis-sentinel" => (
            "redis-sentinel",
            pairs(&[
                ("addresses", var("TIDAL_REDIS_SENTINEL_ADDRESS")?),
                ("listName", "tidal-bench".into()),
            ]),
            pairs(&[
                ("sentinelMaster", var("TIDAL_REDIS_SENTINEL_MASTER")?),
                ("sentinelPassword", var("TIDAL_REDIS_AUTH_PASSWORD")?),
            ]),
        ),
        "rabbitmq-amqp" => (
            "rabbitmq",
            pairs(&[
                ("host", var("TIDAL_RABBITMQ_AMQP_URL")?),
                ("queueName", "tidal-bench".into()),
            ]),
            vec![],
        ),
        "rabbitmq-http" => (
            "rabbitmq",
            pairs(&[
                ("host", var("TIDAL_RABBITMQ_HTTP_URL")?),
                ("queueName", "tidal-bench".into()),
            ]),
            vec![],
        ),
        "postgresql" => (
            "postgresql",
            pairs(&[
                ("query", "SELECT 1".into()),
                ("targetQueryValue", "1".into()),
            ]),
            pairs(&[("connection", var("TIDAL_POSTGRES_CONNECTION")?)]),
        ),
        "mysql" => (
            "mysql",
            pairs(&[("query", "SELECT 1".into()), ("queryValue", "1".into())]),
            pairs(&[("connectionString", var("TIDAL_MYSQL_DSN")?)]),
        ),
        "nats-jetstream" => (
            "nats-jetstream",
            pairs(&[
                (
                    "natsServerMonitoringEndpoint",
                    var("TIDAL_NATS_MONITORING_ENDPOINT")?,
                ),
                ("stream", "TIDAL_BENCH".into()),
                ("consumer", "bench".into()),
            ]),
            vec![],
        ),
        "redis-tls" => (
            "redis",
            pairs(&[
                ("address", var("TIDAL_REDIS_TLS_ADDRESS")?),
                ("listName", "tidal-bench".into()),
                ("enableTLS", "true".into()),
            ]),
            client_tls()?,
        ),
        "rabbitmq-amqps" => (
            "rabbitmq",
            pairs(&[
                ("host", var("TIDAL_RABBITMQ_AMQPS_URL")?),
                ("queueName", "tidal-bench".into()),
            ]),
            client_tls()?,
        ),
        "postgresql-tls" => (
            "postgresql",
            pairs(&[
                ("query", "SELECT 1".into()),
                ("targetQueryValue", "1".into()),
            ]),
            pairs(&[(
                "connection",
                format!(
                    "{} sslmode=verify-full sslrootcert={}",
                    var("TIDAL_POSTGRES_CONNECTION")?.replace("sslmode=disable", ""),
                    var("TIDAL_TLS_CA")?
                ),
            )]),
        ),
        "mysql-tls" => (
            "mysql",
            pairs(&[("query", "SELECT 1".into()), ("queryValue", "1".into())]),
            pairs(&[(
                "connectionString",
                format!("{}?tls=skip-verify", var("TIDAL_MYSQL_DSN")?),
            )]),
        ),
        _ => return None,
    })
}

/// The test CA and the client certificate and key, as TriggerAuthentication parameters.
fn client_tls() -> Option<Pairs> {
    Some(vec![
        ("ca".to_owned(), pem("TIDAL_TLS_CA")?),
        ("cert".to_owned(), pem("TIDAL_TLS_CLIENT_CERT")?),
        ("key".to_owned(), pem("TIDAL_TLS_CLIENT_KEY")?),
    ])
}

/// The PEM text of the file variable `name` names.
fn pem(name: &str) -> Option<String> {
    std::fs::read_to_string(var(name)?).ok()
}

fn build(rt: &tokio::runtime::Runtime, scaler: &str) -> Option<Box<dyn Scaler>> {
    let Some((type_name, metadata, auth)) = trigger(scaler) else {
        eprintln!(
            "{scaler}: skipped, its server variables are not set (eval \"$(scripts/services.sh env)\")"
        );
        return None;
    };
    let ctx = BuildContext {
        object: ObjectRef {
            kind: ObjectKind::ScaledObject,
            namespace: "bench".into(),
            name: "bench".into(),
        },
        trigger: TriggerSpec {
            index: 0,
            type_name: type_name.into(),
            name: None,
            metadata: metadata.into_iter().collect::<BTreeMap<_, _>>(),
            metric_type: None,
            use_cached_metrics: false,
        },
        env: BTreeMap::new(),
        auth: AuthParams::from_pairs(auth),
        services: Arc::new(Services::new()),
    };
    let scaler = rt.block_on(Registry::builtin().build(ctx)).unwrap();
    Some(scaler)
}

const SCALERS: &[&str] = &[
    "metrics-api",
    "prometheus",
    "redis",
    "redis-streams",
    // The same list read through a Redis Cluster and through a sentinel-found master, against
    // `redis` above.
    "redis-cluster",
    "redis-sentinel",
    "rabbitmq-amqp",
    "rabbitmq-http",
    "postgresql",
    "mysql",
    "nats-jetstream",
    // The same reads over TLS, against the plain ones above as their baseline.
    "redis-tls",
    "rabbitmq-amqps",
    "postgresql-tls",
    "mysql-tls",
];

#[divan::bench(args = SCALERS)]
fn poll(bencher: divan::Bencher<'_, '_>, scaler: &str) {
    let rt = runtime();
    let Some(built) = build(&rt, scaler) else {
        return;
    };
    // Warm the pooled connection; errors (an absent queue, say) still measure a full round trip.
    let _ = rt.block_on(built.sample());
    bencher.bench_local(|| rt.block_on(built.sample()));
}

#[divan::bench]
fn baseline_http_get(bencher: divan::Bencher<'_, '_>) {
    let Some(exporter) = var("TIDAL_EXPORTER_URL") else {
        eprintln!("baseline: skipped, TIDAL_EXPORTER_URL is not set");
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = runtime();
    let client = reqwest::Client::new();
    let url = format!("{exporter}/api/value?name=tidal_bench");
    bencher.bench_local(|| {
        rt.block_on(async {
            client
                .get(&url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        })
    });
}
