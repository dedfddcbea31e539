//! The `kafka` scaler: a consumer group's lag, read over Kafka's wire protocol in pure Rust.
//!
//! KEDA's kafka scaler asks the brokers for the partitions of the topic (or of every topic the
//! group has committed offsets on), the group's committed offsets and the partitions' log end
//! offsets, and scales on the difference. Tidal sends the same four requests (Metadata,
//! FindCoordinator, OffsetFetch, ListOffsets) with `kafka-protocol` over tokio TCP, with TLS
//! and SASL PLAIN or SCRAM, on connections shared by every trigger with the same bootstrap
//! servers and credentials ([`ClientPool`]). No librdkafka, no Java.
//!
//! [`config`] reads the trigger, [`lag`] is KEDA's arithmetic without IO, `cluster` and `wire`
//! talk to the brokers.

mod cluster;
pub mod config;
pub mod lag;
mod sasl;
pub mod wire;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

pub use cluster::Cluster;
pub use config::{ClusterSettings, Config, LagSettings, OffsetResetPolicy, Sasl};
pub use lag::{Lag, PartitionOffsets, PreviousOffsets};
pub use wire::WireError;

use crate::metric::{MetricSpec, MetricValue};
use crate::params::ParamError;
use crate::pools::Pool;
use crate::scaler::{BuildContext, Scaler};

/// The KEDA trigger type.
pub const TYPE: &str = "kafka";

/// `kafka` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// A broker could not be reached, timed out, refused the credentials or spoke nonsense.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A broker answered with a Kafka error code.
    #[error("Kafka answered {api} for {subject} with {reason}")]
    Broker {
        /// The request.
        api: &'static str,
        /// What the request was about (group, topic, partition).
        subject: String,
        /// The Kafka error code.
        code: i16,
        /// The error's name and code.
        reason: String,
    },
    /// The topic does not exist.
    #[error("topic {topic:?} does not exist (parameter \"topic\")")]
    UnknownTopic {
        /// `topic`.
        topic: String,
    },
    /// No `topic` was given and the group has committed offsets on no topic, so there is
    /// nothing to measure (KEDA reports 0 here; Tidal reports it, so fallback can act).
    #[error(
        "consumer group {group:?} has no committed offsets on any topic; it does not exist yet or its offsets expired. Set \"topic\" to measure a topic it has not consumed yet"
    )]
    NoTopics {
        /// `consumerGroup`.
        group: String,
    },
    /// `partitionLimitation` matches no partition of the topic.
    #[error("topic {topic:?} has no partition to measure (partitionLimitation {limitation:?})")]
    NoPartitions {
        /// The topic.
        topic: String,
        /// `partitionLimitation`, if set.
        limitation: Option<String>,
    },
    /// A partition has no leader right now (a broker is down or an election is running).
    #[error("topic {topic:?} partition {partition} has no leader right now")]
    NoLeader {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
}

/// Broker connections shared by every `kafka` trigger in the process, one [`Cluster`] per
/// bootstrap servers and credentials.
#[derive(Debug, Default)]
pub struct ClientPool {
    clusters: Pool<ClusterSettings, Arc<Cluster>>,
}

impl ClientPool {
    /// The cluster client for `settings`, created on first use.
    ///
    /// # Errors
    /// [`WireError::Tls`] when the TLS material does not load.
    pub fn cluster(
        &self,
        settings: &ClusterSettings,
        timeout: std::time::Duration,
    ) -> Result<Arc<Cluster>, WireError> {
        self.clusters.get_or_try_insert(settings.clone(), || {
            Cluster::new(settings.clone(), timeout).map(Arc::new)
        })
    }

    /// How many distinct clusters are connected.
    pub fn len(&self) -> usize {
        self.clusters.len()
    }

    /// Whether no cluster is connected.
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }
}

/// A built `kafka` trigger.
#[derive(Debug)]
pub struct KafkaScaler {
    config: Config,
    cluster: Arc<Cluster>,
    specs: Vec<MetricSpec>,
    previous: Mutex<PreviousOffsets>,
}

impl KafkaScaler {
    /// Builds the scaler; brokers are dialled on the first sample.
    ///
    /// # Errors
    /// A parameter error, the metric type error, or unloadable TLS material.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config = Config::parse(&ctx.params()).map_err(Error::from)?;
        let specs = ctx.external_spec(
            &config.metric_name(),
            config.lag.lag_threshold as f64,
            config.lag.activation_lag_threshold as f64,
        )?;
        let cluster = ctx
            .services
            .pools
            .kafka
            .cluster(&config.cluster, ctx.services.default_timeout)
            .map_err(Error::from)?;
        Ok(Self {
            config,
            cluster,
            specs,
            previous: Mutex::new(PreviousOffsets::default()),
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Reads the offsets and computes the lag, as one poll does.
    ///
    /// # Errors
    /// [`Error`] from the brokers.
    pub async fn lag(&self) -> Result<Lag, Error> {
        let offsets = self
            .cluster
            .offsets(
                &self.config.consumer_group,
                self.config.topic.as_deref(),
                self.config.partition_limitation.as_deref(),
            )
            .await?;
        let mut previous = self
            .previous
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let lag = lag::compute(&self.config.lag, &offsets, &mut previous);
        tracing::debug!(
            group = %self.config.consumer_group,
            lag = lag.value,
            lag_with_persistent = lag.with_persistent,
            partitions = lag.partitions,
            partitions_with_lag = lag.partitions_with_lag,
            "Kafka lag computed."
        );
        Ok(lag)
    }
}

#[async_trait]
impl Scaler for KafkaScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let lag = self.lag().await?;
        Ok(self
            .specs
            .first()
            .map(|spec| vec![MetricValue::new(&spec.name, lag.value as f64, lag.active)])
            .unwrap_or_default())
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(KafkaScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;
