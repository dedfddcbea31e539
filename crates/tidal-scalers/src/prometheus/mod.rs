//! The `prometheus` scaler: one instant PromQL query per poll.
//!
//! `GET <serverAddress>/api/v1/query?query=…&time=<now>` with the trigger's credentials and
//! custom headers, through the HTTP client shared by every trigger with the same TLS
//! settings. The answer is read in the `response` module exactly as KEDA reads it.

mod config;
mod response;

use async_trait::async_trait;

pub use config::Config;

use crate::http::{self, HttpError};
use crate::metric::{MetricSpec, MetricValue};
use crate::params::ParamError;
use crate::scaler::{BuildContext, Scaler, single_value};

/// The KEDA trigger type.
pub const TYPE: &str = "prometheus";

/// `prometheus` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// Prometheus could not be queried.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// Prometheus answered with an error (bad PromQL, timeout inside Prometheus, …).
    #[error("Prometheus rejected the query ({error_type}): {message}")]
    Query {
        /// Prometheus' `errorType`.
        error_type: String,
        /// Prometheus' `error`.
        message: String,
    },
    /// The answer is not a Prometheus API answer.
    #[error("the answer is not a usable Prometheus query result: {reason}")]
    Malformed {
        /// Why.
        reason: String,
    },
    /// The query returned several series.
    #[error(
        "the query returned {count} series; it must return at most one (aggregate it, e.g. with sum())"
    )]
    MultipleSeries {
        /// How many.
        count: usize,
    },
    /// No value, NaN or ±Inf, and `ignoreNullValues` is false.
    #[error("the query has no usable value ({why}) and ignoreNullValues is false")]
    Null {
        /// What was there instead.
        why: String,
    },
    /// The sample value is not a number.
    #[error("the query's value {value:?} is not a number")]
    NotANumber {
        /// The value, shortened.
        value: String,
    },
}

/// A built `prometheus` trigger.
#[derive(Debug)]
pub struct PrometheusScaler {
    config: Config,
    url: url::Url,
    client: reqwest::Client,
    specs: Vec<MetricSpec>,
}

impl PrometheusScaler {
    /// Builds the scaler from its context.
    ///
    /// # Errors
    /// A parameter error, the metric type error, or unusable TLS material.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config =
            Config::parse(&ctx.params(), ctx.services.default_timeout).map_err(Error::from)?;
        let client = config
            .auth
            .tls
            .client(&ctx.services.pools)
            .map_err(Error::from)?;
        let mut url = config.server_address.clone();
        let path = format!("{}/api/v1/query", url.path().trim_end_matches('/'));
        url.set_path(&path);
        let specs =
            ctx.external_spec("prometheus", config.threshold, config.activation_threshold)?;
        Ok(Self {
            config,
            url,
            client,
            specs,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    async fn query(&self) -> Result<f64, Error> {
        let now = jiff::Timestamp::now().to_string();
        let config = &self.config;
        let body = http::get(
            &self.client,
            &self.url,
            &config.auth,
            config.timeout,
            |mut request| {
                request =
                    request.query(&[("query", config.query.as_str()), ("time", now.as_str())]);
                if let Some(namespace) = &config.namespace {
                    request = request.query(&[("namespace", namespace.as_str())]);
                }
                for (key, value) in &config.query_parameters {
                    request = request.query(&[(key.as_str(), value.as_str())]);
                }
                for (name, value) in &config.custom_headers {
                    request = request.header(name.as_str(), value.as_str());
                }
                request
            },
        )
        .await;
        let body = match body {
            Ok(body) => body,
            // Prometheus explains a bad query in a 4xx/5xx JSON body; surface that message.
            Err(HttpError::Status { body, status, url }) => {
                return match response::value(body.as_bytes(), config.ignore_null_values) {
                    Err(err @ Error::Query { .. }) => Err(err),
                    _ => Err(Error::Http(HttpError::Status { url, status, body })),
                };
            }
            Err(other) => return Err(other.into()),
        };
        response::value(&body, config.ignore_null_values)
    }
}

#[async_trait]
impl Scaler for PrometheusScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        Ok(single_value(&self.specs, self.query().await?))
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(PrometheusScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
