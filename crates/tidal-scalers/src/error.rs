//! The crate's error: one variant per scaler module, plus what the framework itself checks.

use crate::scaler::ObjectRef;

/// Any scaler error. Each scaler's own enum names the parameter or the upstream fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The trigger `type` has no scaler.
    #[error("trigger type {type_name:?} is not supported; supported types: {supported}")]
    UnknownType {
        /// The type given.
        type_name: String,
        /// The supported types, comma-separated.
        supported: String,
    },
    /// `metricType: Utilization` on a trigger other than cpu or memory.
    #[error(
        "metricType \"Utilization\" is only allowed for cpu and memory triggers, not {trigger_type:?}; allowed: \"AverageValue\" or \"Value\""
    )]
    MetricType {
        /// The trigger type.
        trigger_type: String,
    },
    /// `useCachedMetrics: true` on a trigger KEDA does not allow it for.
    #[error(
        "useCachedMetrics is not allowed for {trigger_type:?} triggers (not for cpu, memory or cron)"
    )]
    CacheNotAllowed {
        /// The trigger type.
        trigger_type: String,
    },
    /// A `metrics-api` trigger failed.
    #[error("metrics-api: {0}")]
    MetricsApi(#[from] crate::metrics_api::Error),
    /// A `mysql` trigger failed.
    #[error("mysql: {0}")]
    MySql(crate::sql::Error),
    /// A `nats-jetstream` trigger failed.
    #[error("nats-jetstream: {0}")]
    NatsJetStream(#[from] crate::nats_jetstream::Error),
    /// A `postgresql` trigger failed.
    #[error("postgresql: {0}")]
    Postgres(crate::sql::Error),
    /// A `prometheus` trigger failed.
    #[error("prometheus: {0}")]
    Prometheus(#[from] crate::prometheus::Error),
    /// A `rabbitmq` trigger failed.
    #[error("rabbitmq: {0}")]
    RabbitMq(#[from] crate::rabbitmq::Error),
    /// A `redis` or `redis-streams` trigger failed.
    #[error("redis: {0}")]
    Redis(#[from] crate::redis::Error),
    /// A `cpu` or `memory` trigger is misconfigured.
    #[error("{resource}: {source}")]
    Resource {
        /// `cpu` or `memory`.
        resource: &'static str,
        /// What is wrong.
        source: crate::cpu_memory::Error,
    },
    /// A `cron` trigger failed.
    #[error("cron: {0}")]
    Cron(#[from] crate::cron::Error),
    /// A `kafka` trigger failed.
    #[error("kafka: {0}")]
    Kafka(#[from] crate::kafka::Error),
    /// An `external` or `external-push` trigger failed.
    #[error("external: {0}")]
    External(#[from] crate::external::Error),
    /// A `kubernetes-workload` trigger failed.
    #[error("kubernetes-workload: {0}")]
    KubernetesWorkload(#[from] crate::kubernetes_workload::Error),
}

/// Result alias for the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A trigger that could not be built, naming the object and the trigger's field path.
#[derive(Debug, thiserror::Error)]
#[error("{object} spec.triggers[{index}] ({trigger_type}): {source}")]
pub struct BuildError {
    /// The owning object.
    pub object: ObjectRef,
    /// The trigger's index in `spec.triggers`.
    pub index: usize,
    /// The trigger type.
    pub trigger_type: String,
    /// What went wrong.
    #[source]
    pub source: Error,
}
