//! The `nats-jetstream` scaler: a JetStream consumer's lag from the monitoring endpoint.
//!
//! Like KEDA, Tidal reads `GET /jsz?acc=<account>&consumers=true&config=true` on the server's
//! HTTP monitoring port (no NATS client connection) and takes, for the named stream and
//! consumer, `num_pending + num_ack_pending`: messages not yet delivered plus messages
//! delivered but not acknowledged.

use async_trait::async_trait;
use serde::Deserialize;

use crate::http::{self, HttpAuth, HttpError};
use crate::metric::{MetricSpec, MetricValue};
use crate::params::{self, ParamError, Params};
use crate::scaler::{BuildContext, Scaler, single_value};

/// The KEDA trigger type.
pub const TYPE: &str = "nats-jetstream";

/// `nats-jetstream` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The monitoring endpoint could not be queried.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The answer is not a `/jsz` answer.
    #[error("the /jsz answer is malformed: {reason}")]
    Malformed {
        /// Why.
        reason: String,
    },
    /// The account, stream or consumer is not on the server.
    #[error("{what} was not found on the server")]
    NotFound {
        /// `account "A"`, `stream "S"` or `consumer "C" of stream "S"`.
        what: String,
    },
}

/// A parsed `nats-jetstream` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `natsServerMonitoringEndpoint` with `useHttps` applied, plus `/jsz`.
    pub endpoint: url::Url,
    /// `account` (default `$G`, the global account).
    pub account: String,
    /// `stream`.
    pub stream: String,
    /// `consumer`.
    pub consumer: String,
    /// `lagThreshold` (default 10).
    pub lag_threshold: f64,
    /// `activationLagThreshold` (default 0).
    pub activation_lag_threshold: f64,
    /// The call timeout.
    pub timeout: std::time::Duration,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(
        params: &Params<'_>,
        default_timeout: std::time::Duration,
    ) -> Result<Self, ParamError> {
        let endpoint = params.required_string(
            "natsServerMonitoringEndpoint",
            params::ANY,
            "host:port of the server's HTTP monitoring, e.g. nats.nats.svc:8222",
        )?;
        let scheme = if params.bool_or("useHttps", params::METADATA, false)? {
            "https"
        } else {
            "http"
        };
        let endpoint = url::Url::parse(&format!("{scheme}://{endpoint}/jsz"))
            .ok()
            .filter(|u| u.has_host() && !endpoint.contains("://"))
            .ok_or_else(|| ParamError::Invalid {
                param: "natsServerMonitoringEndpoint".into(),
                value: format!("{endpoint:?}"),
                expected: "host:port without a scheme (use useHttps for https)".into(),
            })?;
        let lag_threshold = params.f64_or("lagThreshold", params::METADATA, 10.0)?;
        if lag_threshold <= 0.0 {
            return Err(ParamError::rule(
                "lagThreshold",
                format!("must be greater than 0, got {lag_threshold}"),
            ));
        }
        Ok(Self {
            endpoint,
            account: params
                .string("account", params::METADATA)
                .unwrap_or_else(|| "$G".into()),
            stream: params.required_string("stream", params::METADATA, "the JetStream stream")?,
            consumer: params.required_string(
                "consumer",
                params::METADATA,
                "the stream's durable consumer",
            )?,
            lag_threshold,
            activation_lag_threshold: params.f64_or(
                "activationLagThreshold",
                params::METADATA,
                0.0,
            )?,
            timeout: params.timeout_ms("timeout", default_timeout)?,
        })
    }
}

#[derive(Deserialize)]
struct Jsz {
    #[serde(default)]
    account_details: Vec<Account>,
}

#[derive(Deserialize)]
struct Account {
    name: String,
    #[serde(default)]
    stream_detail: Vec<Stream>,
}

#[derive(Deserialize)]
struct Stream {
    name: String,
    #[serde(default)]
    consumer_detail: Vec<Consumer>,
}

#[derive(Deserialize)]
struct Consumer {
    name: String,
    #[serde(default)]
    num_pending: u64,
    #[serde(default)]
    num_ack_pending: u64,
}

/// The consumer's lag in a `/jsz` answer.
fn lag(body: &[u8], config: &Config) -> Result<f64, Error> {
    let jsz: Jsz = serde_json::from_slice(body).map_err(|e| Error::Malformed {
        reason: e.to_string(),
    })?;
    let account = jsz
        .account_details
        .iter()
        .find(|a| a.name == config.account)
        .ok_or_else(|| Error::NotFound {
            what: format!("account {:?}", config.account),
        })?;
    let stream = account
        .stream_detail
        .iter()
        .find(|s| s.name == config.stream)
        .ok_or_else(|| Error::NotFound {
            what: format!("stream {:?}", config.stream),
        })?;
    let consumer = stream
        .consumer_detail
        .iter()
        .find(|c| c.name == config.consumer)
        .ok_or_else(|| Error::NotFound {
            what: format!(
                "consumer {:?} of stream {:?}",
                config.consumer, config.stream
            ),
        })?;
    Ok((consumer.num_pending + consumer.num_ack_pending) as f64)
}

/// A built `nats-jetstream` trigger.
#[derive(Debug)]
pub struct NatsJetStreamScaler {
    config: Config,
    client: reqwest::Client,
    specs: Vec<MetricSpec>,
}

impl NatsJetStreamScaler {
    /// Builds the scaler from its context.
    ///
    /// # Errors
    /// A parameter error or the metric type error.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config =
            Config::parse(&ctx.params(), ctx.services.default_timeout).map_err(Error::from)?;
        let client = crate::http::TlsConfig::default()
            .client(&ctx.services.pools)
            .map_err(Error::from)?;
        let specs = ctx.external_spec(
            &format!("nats-jetstream-{}", config.stream),
            config.lag_threshold,
            config.activation_lag_threshold,
        )?;
        Ok(Self {
            config,
            client,
            specs,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

#[async_trait]
impl Scaler for NatsJetStreamScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let config = &self.config;
        let body = http::get(
            &self.client,
            &config.endpoint,
            &HttpAuth::default(),
            config.timeout,
            |r| {
                r.query(&[
                    ("acc", config.account.as_str()),
                    ("consumers", "true"),
                    ("config", "true"),
                ])
            },
        )
        .await
        .map_err(Error::from)?;
        Ok(single_value(&self.specs, lag(&body, config)?))
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(NatsJetStreamScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
