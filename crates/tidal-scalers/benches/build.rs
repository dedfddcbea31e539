//! What one more trigger costs to build and hold, in time and allocated bytes.
//!
//! ```text
//! cargo bench -p tidal-scalers --bench build
//! ```
//!
//! A fleet of thousands of triggers pays this per trigger. Each benchmark builds a trigger
//! while the process already holds one like it (as in a fleet), so shared state — pooled
//! clients, interned cron schedules — is not counted again. `redis` is the baseline: a config
//! and a metric spec, the connection being pooled. `cron, schedule in use` is the common case;
//! `cron, new schedule` pays the parse of two schedules (croner keeps several KB of
//! bitfields per schedule).

use std::collections::BTreeMap;
use std::sync::Arc;

use divan::AllocProfiler;
use tidal_scalers::{
    AuthParams, BuildContext, ObjectKind, ObjectRef, Registry, Scaler, Services, TriggerSpec,
};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

fn context(type_name: &str, metadata: &[(&str, String)], services: &Arc<Services>) -> BuildContext {
    BuildContext {
        object: ObjectRef {
            kind: ObjectKind::ScaledObject,
            namespace: "bench".into(),
            name: "app".into(),
        },
        trigger: TriggerSpec {
            index: 0,
            type_name: type_name.into(),
            name: None,
            metadata: metadata
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            metric_type: None,
            use_cached_metrics: false,
        },
        env: BTreeMap::new(),
        auth: AuthParams::default(),
        services: Arc::clone(services),
    }
}

fn build(
    runtime: &tokio::runtime::Runtime,
    registry: &Registry,
    ctx: BuildContext,
) -> Box<dyn Scaler> {
    runtime.block_on(registry.build(ctx)).expect("builds")
}

fn cron(start: String) -> Vec<(&'static str, String)> {
    vec![
        ("timezone", "UTC".into()),
        ("start", start),
        ("end", "0 4 * * *".into()),
        ("desiredReplicas", "2".into()),
    ]
}

fn bench_build(
    bencher: divan::Bencher<'_, '_>,
    type_name: &str,
    metadata: impl Fn(u64) -> Vec<(&'static str, String)> + Sync,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let registry = Registry::builtin();
    let services = Arc::new(Services::new());
    let _fleet = build(
        &runtime,
        &registry,
        context(type_name, &metadata(0), &services),
    );
    let mut n = 0;
    bencher
        .with_inputs(|| {
            n += 1;
            context(type_name, &metadata(n), &services)
        })
        .bench_local_values(|ctx| build(&runtime, &registry, ctx));
}

#[divan::bench]
fn redis(bencher: divan::Bencher<'_, '_>) {
    bench_build(bencher, "redis", |n| {
        vec![
            ("address", "127.0.0.1:16379".into()),
            ("listName", format!("jobs-{n}")),
            ("listLength", "5".into()),
        ]
    });
}

#[divan::bench]
fn cron_schedule_in_use(bencher: divan::Bencher<'_, '_>) {
    bench_build(bencher, "cron", |_| cron("0 3 * * *".into()));
}

#[divan::bench]
fn cron_new_schedule(bencher: divan::Bencher<'_, '_>) {
    // A distinct start per trigger: minute and hour from the counter (1,440 distinct).
    bench_build(bencher, "cron", |n| {
        cron(format!("{} {} * * *", n % 60, (n / 60) % 24))
    });
}
