//! The `metrics-api` scaler: GET a URL, find a number in the answer.
//!
//! KEDA's generic HTTP trigger. The body may be JSON (GJSON `valueLocation`), YAML or XML (dot
//! paths) or Prometheus text (a series selector). The value is compared with
//! `activationTargetValue` for activity and handed to the engine against `targetValue`.

mod config;
mod gjson;
mod promtext;
mod value;

use async_trait::async_trait;

pub use config::{Config, Format};

use crate::http::{self, HttpError};
use crate::metric::{MetricSpec, MetricValue};
use crate::params::ParamError;
use crate::scaler::{BuildContext, Scaler, single_value};

/// The KEDA trigger type.
pub const TYPE: &str = "metrics-api";

/// `metrics-api` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The endpoint could not be queried.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The body does not parse in the configured `format`.
    #[error("the answer is not valid {format}: {reason}")]
    Malformed {
        /// The `format`.
        format: &'static str,
        /// The parser's reason.
        reason: String,
    },
    /// Nothing is at `valueLocation`.
    #[error("valueLocation {location:?} matches nothing in the answer")]
    NotFound {
        /// The `valueLocation`.
        location: String,
    },
    /// What is at `valueLocation` is not a number or a quantity.
    #[error(
        "valueLocation {location:?} points at {found}, which is neither a number nor a Kubernetes quantity"
    )]
    NotANumber {
        /// The `valueLocation`.
        location: String,
        /// What was found, shortened.
        found: String,
    },
}

/// A built `metrics-api` trigger.
#[derive(Debug)]
pub struct MetricsApiScaler {
    config: Config,
    client: reqwest::Client,
    specs: Vec<MetricSpec>,
}

impl MetricsApiScaler {
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
        let specs = ctx.external_spec(
            &format!("metric-api-{}", config.value_location),
            config.target_value,
            config.activation_target_value,
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

    async fn read(&self) -> Result<f64, Error> {
        let body = http::get(
            &self.client,
            &self.config.url,
            &self.config.auth,
            self.config.timeout,
            |r| r,
        )
        .await?;
        value::extract(self.config.format, &body, &self.config.value_location)
    }
}

#[async_trait]
impl Scaler for MetricsApiScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        Ok(single_value(&self.specs, self.read().await?))
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(MetricsApiScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
