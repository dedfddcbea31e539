//! The `external` and `external-push` scalers: Tidal as the gRPC client of KEDA's
//! `externalscaler.proto`, so external scalers written for KEDA work unchanged.
//!
//! At build, `GetMetricSpec` gives the trigger's metrics and targets. Every poll calls
//! `GetMetrics` for each metric, then `IsActive`, as KEDA does; the values and the activity
//! go to the engine like any other scaler's. `external-push` triggers of a ScaledObject also
//! keep a `StreamIsActive` stream open (re-opened after 2 s, doubling to 1 min, as in KEDA)
//! and publish what the server streams as [`ActivityPush`] events on the process-wide
//! channel [`ChannelPool::subscribe`] hands out: the operator listens there and evaluates the
//! ScaledObject at once instead of waiting for its polling interval. Polling goes on
//! regardless, so a broken stream only costs latency.
//!
//! One gRPC channel serves every trigger with the same address and TLS settings.

pub mod config;
mod proto;
mod push;
mod unverified;

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;

pub use config::{Config, Endpoint, ExternalTls};
pub use push::ActivityPush;

use crate::metric::{MetricSpec, MetricValue};
use crate::params::ParamError;
use crate::pools::Pool;
use crate::scaler::{BuildContext, ObjectKind, Scaler};
use proto::external_scaler_client::ExternalScalerClient;

/// The KEDA trigger type of the polled external scaler.
pub const TYPE: &str = "external";

/// The KEDA trigger type of the external scaler that also pushes activity.
pub const PUSH_TYPE: &str = "external-push";

/// Pushes kept for a slow subscriber before the oldest are dropped (each only asks for an
/// early evaluation, so losing old ones loses nothing).
const PUSH_BACKLOG: usize = 1024;

/// `external` and `external-push` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// TLS material did not load.
    #[error("TLS settings for the external scaler at {address} do not load: {reason}")]
    Tls {
        /// `scalerAddress`.
        address: String,
        /// Why.
        reason: String,
    },
    /// A call failed: the server is unreachable or answered with a gRPC error.
    #[error("external scaler at {address} failed {rpc}: {code}: {message}")]
    Rpc {
        /// `scalerAddress`.
        address: String,
        /// The RPC.
        rpc: &'static str,
        /// The gRPC status code.
        code: String,
        /// The status message.
        message: String,
    },
    /// No answer in time.
    #[error("no answer from the external scaler at {address} to {rpc} within {after:?}")]
    Timeout {
        /// `scalerAddress`.
        address: String,
        /// The RPC.
        rpc: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// `GetMetricSpec` returned no metric, so there is nothing to scale on.
    #[error("external scaler at {address} returned no metric spec for {object}")]
    NoMetricSpecs {
        /// `scalerAddress`.
        address: String,
        /// The ScaledObject or ScaledJob.
        object: String,
    },
    /// `GetMetrics` returned no value for a metric.
    #[error("external scaler at {address} returned no value for metric {metric:?}")]
    NoValues {
        /// `scalerAddress`.
        address: String,
        /// The metric name as the server knows it.
        metric: String,
    },
}

/// gRPC channels shared by every external trigger in the process, and the push hub.
#[derive(Debug)]
pub struct ChannelPool {
    channels: Pool<Endpoint, tonic::transport::Channel>,
    pushes: broadcast::Sender<ActivityPush>,
}

impl Default for ChannelPool {
    fn default() -> Self {
        Self {
            channels: Pool::new(),
            pushes: broadcast::channel(PUSH_BACKLOG).0,
        }
    }
}

impl ChannelPool {
    /// Receives every activity push of every `external-push` trigger built from now on.
    ///
    /// The operator subscribes once at start and, for each push with `active: true`,
    /// evaluates [`ActivityPush::object`] immediately (KEDA's `RequestScale`). A receiver
    /// that falls more than 1024 pushes behind gets `Lagged` and continues with the newest.
    pub fn subscribe(&self) -> broadcast::Receiver<ActivityPush> {
        self.pushes.subscribe()
    }

    /// The channel for `endpoint`, created (not connected) on first use.
    ///
    /// # Errors
    /// [`Error::Tls`] when the TLS material does not load.
    pub fn channel(
        &self,
        endpoint: &Endpoint,
        timeout: Duration,
    ) -> Result<tonic::transport::Channel, Error> {
        self.channels
            .get_or_try_insert(endpoint.clone(), || proto::channel(endpoint, timeout))
    }

    /// How many distinct channels are open.
    pub fn len(&self) -> usize {
        self.channels.len()
    }

    /// Whether no channel is open.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }
}

/// A built `external` or `external-push` trigger.
#[derive(Debug)]
pub struct ExternalScaler {
    config: Config,
    client: ExternalScalerClient<tonic::transport::Channel>,
    reference: proto::ScaledObjectRef,
    /// The names the server gave, in the order of `specs`.
    server_names: Vec<String>,
    specs: Vec<MetricSpec>,
    timeout: Duration,
    stream: Option<tokio::task::JoinHandle<()>>,
}

impl ExternalScaler {
    /// Builds the scaler: reads the metric specs from the server and, for `external-push`
    /// on a ScaledObject, opens the activity stream.
    ///
    /// # Errors
    /// A parameter error, the metric type error, unloadable TLS material, or the failed
    /// `GetMetricSpec` call.
    pub async fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config = Config::parse(&ctx.params(), &ctx.env).map_err(Error::from)?;
        let target_type = ctx.external_target_type()?;
        let timeout = ctx.services.default_timeout;
        let channel = ctx
            .services
            .pools
            .external
            .channel(&config.endpoint, timeout)?;
        let mut client = ExternalScalerClient::new(channel);
        let reference = proto::ScaledObjectRef {
            name: ctx.object.name.clone(),
            namespace: ctx.object.namespace.clone(),
            scaler_metadata: config.scaler_metadata.clone().into_iter().collect(),
        };
        let address = config.endpoint.address.clone();
        let response = proto::call(&address, "GetMetricSpec", timeout, {
            let reference = reference.clone();
            client.get_metric_spec(reference)
        })
        .await?;
        if response.metric_specs.is_empty() {
            return Err(Error::NoMetricSpecs {
                address,
                object: ctx.object.to_string(),
            }
            .into());
        }
        let server_names = response
            .metric_specs
            .iter()
            .map(|s| s.metric_name.clone())
            .collect();
        let specs = response
            .metric_specs
            .iter()
            .map(|spec| MetricSpec {
                name: crate::metric::indexed_name(ctx.trigger.index, &spec.metric_name),
                target: if spec.target_size_float > 0.0 {
                    spec.target_size_float
                } else {
                    spec.target_size as f64
                },
                target_type,
                // Activity comes from IsActive, not from a threshold.
                activation_target: 0.0,
                source: crate::metric::MetricSource::External,
            })
            .collect();
        let stream = (ctx.trigger.type_name == PUSH_TYPE
            && ctx.object.kind == ObjectKind::ScaledObject)
            .then(|| {
                tokio::spawn(push::run(
                    client.clone(),
                    reference.clone(),
                    ActivityPush {
                        object: ctx.object.clone(),
                        trigger_index: ctx.trigger.index,
                        active: false,
                    },
                    ctx.services.pools.external.pushes.clone(),
                    address.clone(),
                ))
            });
        Ok(Self {
            config,
            client,
            reference,
            server_names,
            specs,
            timeout,
            stream,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    async fn values_of(&self, metric: &str) -> Result<f64, Error> {
        let address = &self.config.endpoint.address;
        let request = proto::GetMetricsRequest {
            scaled_object_ref: Some(self.reference.clone()),
            metric_name: metric.to_owned(),
        };
        let response = proto::call(
            address,
            "GetMetrics",
            self.timeout,
            self.client.clone().get_metrics(request),
        )
        .await?;
        if response.metric_values.is_empty() {
            return Err(Error::NoValues {
                address: address.clone(),
                metric: metric.to_owned(),
            });
        }
        // The HPA sums the values of an External metric; KEDA truncates each to milli-units.
        Ok(response
            .metric_values
            .iter()
            .map(|v| {
                crate::metric::to_milli_quantity(if v.metric_value_float > 0.0 {
                    v.metric_value_float
                } else {
                    v.metric_value as f64
                })
            })
            .sum())
    }
}

impl Drop for ExternalScaler {
    fn drop(&mut self) {
        if let Some(stream) = &self.stream {
            stream.abort();
        }
    }
}

#[async_trait]
impl Scaler for ExternalScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let mut values = Vec::with_capacity(self.specs.len());
        for name in &self.server_names {
            values.push(self.values_of(name).await?);
        }
        let active = proto::call(
            &self.config.endpoint.address,
            "IsActive",
            self.timeout,
            self.client.clone().is_active(self.reference.clone()),
        )
        .await?
        .result;
        Ok(self
            .specs
            .iter()
            .zip(values)
            .map(|(spec, value)| MetricValue::new(&spec.name, value, active))
            .collect())
    }

    async fn close(&self) {
        if let Some(stream) = &self.stream {
            stream.abort();
        }
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(ExternalScaler::new(&ctx).await?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
