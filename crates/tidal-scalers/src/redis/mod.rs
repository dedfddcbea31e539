//! The `redis` scaler: the length of a list (or sorted set, set or hash).
//!
//! KEDA runs a small Lua script so that one round trip reads the key's type and its length
//! (`LLEN`, `ZCARD`, `SCARD` or `HLEN`); a missing key has length 0. Tidal runs the same
//! script on a connection shared by every trigger with the same servers and credentials.
//! `redis-cluster` and `redis-sentinel` are the same scaler on a Redis Cluster (the script runs
//! on the node that owns the key) or on the master that sentinels name ([`settings`]).

mod connection;
mod settings;

use std::time::Duration;

use async_trait::async_trait;

pub use connection::{RedisConnection, RedisError};
pub use settings::{ConnectionSettings, Deployment, Topology};

use crate::metric::{MetricSpec, MetricValue};
use crate::params::{self, ParamError, Params};
use crate::pools::ClientPools;
use crate::scaler::{BuildContext, Scaler, single_value};

/// The KEDA trigger type.
pub const TYPE: &str = "redis";
/// The trigger type for a Redis Cluster.
pub const CLUSTER_TYPE: &str = "redis-cluster";
/// The trigger type for a master found through Redis Sentinel.
pub const SENTINEL_TYPE: &str = "redis-sentinel";

/// KEDA's length script: the key's cardinality by type, 0 when it does not exist.
const LENGTH_SCRIPT: &str = r"
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'list' or t == 'none' then return redis.call('LLEN', KEYS[1]) end
if t == 'zset' then return redis.call('ZCARD', KEYS[1]) end
if t == 'set' then return redis.call('SCARD', KEYS[1]) end
if t == 'hash' then return redis.call('HLEN', KEYS[1]) end
return redis.error_reply('key ' .. KEYS[1] .. ' holds a ' .. t .. ', not a list, set, sorted set or hash')
";

/// `redis` and `redis-streams` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// Talking to Redis failed.
    #[error(transparent)]
    Redis(#[from] RedisError),
    /// The consumer group does not exist on the stream.
    #[error("stream {stream:?} has no consumer group {group:?}")]
    NoGroup {
        /// `stream`.
        stream: String,
        /// `consumerGroup`.
        group: String,
    },
}

/// A parsed `redis` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Connection settings.
    pub connection: ConnectionSettings,
    /// `listName`: the key to measure.
    pub list_name: String,
    /// `listLength` (default 5): items per replica.
    pub list_length: i64,
    /// `activationListLength` (default 0).
    pub activation_list_length: i64,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &Params<'_>, deployment: Deployment) -> Result<Self, ParamError> {
        Ok(Self {
            connection: ConnectionSettings::parse(params, deployment)?,
            list_name: params.required_string(
                "listName",
                params::METADATA,
                "the key of the list to measure",
            )?,
            list_length: positive_int(params, "listLength", 5)?,
            activation_list_length: params.parse_or(
                "activationListLength",
                params::METADATA,
                0,
                "a whole number",
            )?,
        })
    }
}

/// A whole-number target, > 0, `default` when absent (KEDA's int64 targets).
pub(crate) fn positive_int(
    params: &Params<'_>,
    name: &str,
    default: i64,
) -> Result<i64, ParamError> {
    let value = params.parse_or(name, params::METADATA, default, "a whole number")?;
    if value <= 0 {
        return Err(ParamError::rule(
            name,
            format!("must be greater than 0, got {value}"),
        ));
    }
    Ok(value)
}

/// Runs `query` on the pooled connection, bounding it by `timeout` and re-dialling next time
/// after a transport failure.
pub(crate) async fn with_connection<T, F, Fut>(
    settings: &ConnectionSettings,
    pools: &ClientPools,
    timeout: Duration,
    query: F,
) -> Result<T, RedisError>
where
    F: FnOnce(RedisConnection) -> Fut,
    Fut: std::future::Future<Output = ::redis::RedisResult<T>>,
{
    let conn = settings.connect(pools, timeout).await?;
    let result = match tokio::time::timeout(timeout, query(conn)).await {
        Ok(result) => result.map_err(|e| settings.classify(&e, timeout, false)),
        Err(_) => Err(RedisError::Timeout {
            address: settings.address(),
            after: timeout,
        }),
    };
    if matches!(
        result,
        Err(RedisError::Connect { .. } | RedisError::Timeout { .. })
    ) {
        settings.discard(pools);
    }
    result
}

/// A built `redis` trigger.
#[derive(Debug)]
pub struct RedisScaler {
    config: Config,
    services: std::sync::Arc<crate::Services>,
    specs: Vec<MetricSpec>,
}

impl RedisScaler {
    /// Builds the scaler; the connection is dialled on the first sample.
    ///
    /// # Errors
    /// A parameter error or the metric type error.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let deployment = Deployment::of_trigger(&ctx.trigger.type_name);
        let config = Config::parse(&ctx.params(), deployment).map_err(Error::from)?;
        let specs = ctx.external_spec(
            &format!("redis-{}", config.list_name),
            config.list_length as f64,
            config.activation_list_length as f64,
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
}

#[async_trait]
impl Scaler for RedisScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let key = self.config.list_name.clone();
        let length: i64 = with_connection(
            &self.config.connection,
            &self.services.pools,
            self.services.default_timeout,
            |mut conn| async move {
                ::redis::Script::new(LENGTH_SCRIPT)
                    .key(key)
                    .invoke_async(&mut conn)
                    .await
            },
        )
        .await
        .map_err(Error::from)?;
        Ok(single_value(&self.specs, length as f64))
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(RedisScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
