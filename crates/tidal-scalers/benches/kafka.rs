//! Poll latency of the kafka scaler against the local Kafka broker of `scripts/services.sh`.
//!
//! ```text
//! eval "$(scripts/services.sh env kafka)"
//! cargo bench -p tidal-scalers --features integration-tests --bench kafka
//! ```
//!
//! `poll` is one `Scaler::sample()` of a trigger on a three-partition topic whose group lags
//! by 120, on a warm pooled cluster client: Metadata, then OffsetFetch and ListOffsets side by
//! side. `baseline_metadata` is one bare Metadata round trip on an open connection, the
//! broker's floor; a poll costs about two of them on its critical path. Without
//! `TIDAL_KAFKA_BOOTSTRAP_SERVERS` both are reported and skipped.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::MetadataRequest;
use tidal_scalers::kafka::ClusterSettings;
use tidal_scalers::kafka::wire::Connection;
use tidal_scalers::{
    AuthParams, BuildContext, ObjectKind, ObjectRef, Registry, Services, TriggerSpec,
};

#[path = "../tests/kafka_fixture.rs"]
mod fixture;

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn bootstrap() -> Option<String> {
    let found = std::env::var("TIDAL_KAFKA_BOOTSTRAP_SERVERS").ok();
    if found.is_none() {
        eprintln!(
            "kafka: skipped, TIDAL_KAFKA_BOOTSTRAP_SERVERS is not set (eval \"$(scripts/services.sh env kafka)\")"
        );
    }
    found
}

#[divan::bench]
fn poll(bencher: divan::Bencher<'_, '_>) {
    let Some(bootstrap) = bootstrap() else { return };
    let rt = runtime();
    let suffix = std::process::id();
    let (topic, group) = (
        format!("tidal-bench-{suffix}"),
        format!("tidal-bench-{suffix}"),
    );
    rt.block_on(fixture::lagging_group(&bootstrap, &topic, &group));
    let metadata: BTreeMap<String, String> = [
        ("bootstrapServers", bootstrap.as_str()),
        ("consumerGroup", group.as_str()),
        ("topic", topic.as_str()),
        ("lagThreshold", "100"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let ctx = BuildContext {
        object: ObjectRef {
            kind: ObjectKind::ScaledObject,
            namespace: "bench".into(),
            name: "bench".into(),
        },
        trigger: TriggerSpec {
            index: 0,
            type_name: "kafka".into(),
            name: None,
            metadata,
            metric_type: None,
            use_cached_metrics: false,
        },
        env: BTreeMap::new(),
        auth: AuthParams::default(),
        services: Arc::new(Services::new()),
    };
    let scaler = rt.block_on(Registry::builtin().build(ctx)).unwrap();
    // Warm the connections and the coordinator; the value proves the poll is a real one.
    let value = rt.block_on(scaler.sample()).unwrap();
    assert!(
        (value[0].value - fixture::LAG).abs() < f64::EPSILON,
        "{value:?}"
    );
    bencher.bench_local(|| rt.block_on(scaler.sample()).unwrap());
}

#[divan::bench]
fn baseline_metadata(bencher: divan::Bencher<'_, '_>) {
    let Some(bootstrap) = bootstrap() else { return };
    let rt = runtime();
    let settings = ClusterSettings {
        bootstrap_servers: vec![bootstrap.clone()],
        sasl: None,
        tls: None,
    };
    let mut conn = rt
        .block_on(Connection::open(
            &bootstrap,
            &settings,
            None,
            Duration::from_secs(10),
        ))
        .unwrap();
    let request = MetadataRequest::default().with_topics(Some(Vec::new()));
    bencher.bench_local(|| rt.block_on(conn.call(&request)).unwrap());
}
