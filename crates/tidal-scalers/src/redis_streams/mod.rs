//! The `redis-streams` scaler: stream length, pending entries, or consumer-group lag.
//!
//! Which number is read follows KEDA: without `consumerGroup`, the stream length (`XLEN`,
//! target `streamLength`); with `consumerGroup` and `lagCount`, the group's lag from
//! `XINFO GROUPS` (Redis 7+, target `lagCount`); with `consumerGroup` alone, the group's
//! pending entries from `XPENDING` (target `pendingEntriesCount`). `activationLagCount` is the
//! activation threshold in every mode. Connections are shared with the `redis` scaler, and
//! `redis-cluster-streams` and `redis-sentinel-streams` read a Redis Cluster or a master found
//! through Redis Sentinel as `redis-cluster` and `redis-sentinel` do.

use async_trait::async_trait;
use redis::Value;

use crate::metric::{MetricSpec, MetricValue};
use crate::params::{self, ParamError, Params};
use crate::redis::{ConnectionSettings, Deployment, Error, positive_int, with_connection};
use crate::scaler::{BuildContext, Scaler, single_value};

/// The KEDA trigger type.
pub const TYPE: &str = "redis-streams";
/// The trigger type for a stream on a Redis Cluster.
pub const CLUSTER_TYPE: &str = "redis-cluster-streams";
/// The trigger type for a stream on a master found through Redis Sentinel.
pub const SENTINEL_TYPE: &str = "redis-sentinel-streams";

/// What is measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measure {
    /// `XLEN stream`.
    StreamLength,
    /// `XPENDING stream group`.
    PendingEntries {
        /// `consumerGroup`.
        group: String,
    },
    /// The `lag` of the group in `XINFO GROUPS stream`.
    Lag {
        /// `consumerGroup`.
        group: String,
    },
}

/// A parsed `redis-streams` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Connection settings.
    pub connection: ConnectionSettings,
    /// `stream`.
    pub stream: String,
    /// Which number is read.
    pub measure: Measure,
    /// The target of that number: `streamLength`, `pendingEntriesCount` (both default 5) or
    /// `lagCount`.
    pub target: i64,
    /// `activationLagCount` (default 0).
    pub activation: i64,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &Params<'_>, deployment: Deployment) -> Result<Self, ParamError> {
        let connection = ConnectionSettings::parse(params, deployment)?;
        let stream = params.required_string("stream", params::METADATA, "the stream's key")?;
        let group = params.string("consumerGroup", params::METADATA);
        let lag_given = params.string("lagCount", params::METADATA).is_some();
        let (measure, target) = match group {
            None => (
                Measure::StreamLength,
                positive_int(params, "streamLength", 5)?,
            ),
            Some(group) if lag_given => {
                (Measure::Lag { group }, positive_int(params, "lagCount", 0)?)
            }
            Some(group) => (
                Measure::PendingEntries { group },
                positive_int(params, "pendingEntriesCount", 5)?,
            ),
        };
        Ok(Self {
            connection,
            stream,
            measure,
            target,
            activation: params.parse_or(
                "activationLagCount",
                params::METADATA,
                0,
                "a whole number",
            )?,
        })
    }
}

/// A built `redis-streams` trigger.
#[derive(Debug)]
pub struct RedisStreamsScaler {
    config: Config,
    services: std::sync::Arc<crate::Services>,
    specs: Vec<MetricSpec>,
}

impl RedisStreamsScaler {
    /// Builds the scaler; the connection is dialled on the first sample.
    ///
    /// # Errors
    /// A parameter error or the metric type error.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let deployment = Deployment::of_trigger(&ctx.trigger.type_name);
        let config = Config::parse(&ctx.params(), deployment).map_err(Error::from)?;
        let specs = ctx.external_spec(
            &format!("redis-streams-{}", config.stream),
            config.target as f64,
            config.activation as f64,
        )?;
        Ok(Self {
            config,
            services: ctx.services.clone(),
            specs,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    async fn read(&self) -> Result<i64, Error> {
        let stream = self.config.stream.clone();
        let connection = &self.config.connection;
        let (pools, timeout) = (&self.services.pools, self.services.default_timeout);
        match &self.config.measure {
            Measure::StreamLength => Ok(with_connection(
                connection,
                pools,
                timeout,
                |mut c| async move { redis::cmd("XLEN").arg(stream).query_async(&mut c).await },
            )
            .await?),
            Measure::PendingEntries { group } => {
                let group_arg = group.clone();
                let summary: Result<Value, _> =
                    with_connection(connection, pools, timeout, |mut c| async move {
                        redis::cmd("XPENDING")
                            .arg(stream)
                            .arg(group_arg)
                            .query_async(&mut c)
                            .await
                    })
                    .await;
                match summary {
                    Ok(Value::Array(items)) => match items.first() {
                        Some(Value::Int(count)) => Ok(*count),
                        _ => Ok(0),
                    },
                    Ok(_) => Ok(0),
                    Err(e) if e.to_string().contains("NOGROUP") => Err(self.no_group(group)),
                    Err(e) => Err(e.into()),
                }
            }
            Measure::Lag { group } => {
                let groups: Result<Value, _> =
                    with_connection(connection, pools, timeout, |mut c| {
                        let stream = stream.clone();
                        async move {
                            redis::cmd("XINFO")
                                .arg("GROUPS")
                                .arg(stream)
                                .query_async(&mut c)
                                .await
                        }
                    })
                    .await;
                let lag = match groups {
                    Ok(value) => group_lag(&value, group),
                    // No stream yet: nothing to consume.
                    Err(e) if e.to_string().contains("no such key") => return Ok(0),
                    Err(e) => return Err(e.into()),
                };
                match lag {
                    Some(lag) => Ok(lag),
                    // Group absent, or Redis cannot tell the lag: KEDA falls back to the length.
                    None => Ok(
                        with_connection(connection, pools, timeout, |mut c| async move {
                            redis::cmd("XLEN").arg(stream).query_async(&mut c).await
                        })
                        .await?,
                    ),
                }
            }
        }
    }

    fn no_group(&self, group: &str) -> Error {
        Error::NoGroup {
            stream: self.config.stream.clone(),
            group: group.to_owned(),
        }
    }
}

/// The `lag` of `group` in an `XINFO GROUPS` answer (RESP2 flat arrays or RESP3 maps);
/// `None` when the group is absent or its lag is unknown (nil).
fn group_lag(answer: &Value, group: &str) -> Option<i64> {
    let Value::Array(groups) = answer else {
        return None;
    };
    groups.iter().find_map(|entry| {
        let fields: Vec<(&Value, &Value)> = match entry {
            Value::Array(flat) => flat
                .chunks(2)
                .filter_map(|kv| Some((kv.first()?, kv.get(1)?)))
                .collect(),
            Value::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
            _ => return None,
        };
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| text(k).as_deref() == Some(name))
                .map(|(_, v)| *v)
        };
        if text(field("name")?).as_deref() != Some(group) {
            return None;
        }
        match field("lag")? {
            Value::Int(lag) => Some(*lag),
            _ => None,
        }
    })
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

#[async_trait]
impl Scaler for RedisStreamsScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        Ok(single_value(&self.specs, self.read().await? as f64))
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(RedisStreamsScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
