//! The `metrics-api` scaler: GET a URL, find a number in the answer.
//!
//! KEDA's generic HTTP trigger. The body may be JSON (GJSON `valueLocation`), YAML or XML (dot
//! paths) or Prometheus text (a series selector). The value is compared with
//! `activationTargetValue` for activity and handed to the engine against `targetValue`.
//!
//! With `aggregateFromKubeServiceEndpoints`, the `url` names a Service instead: each of its
//! ready endpoints is queried at its pod IP (see [`endpoint_urls`]) and the values are combined by
//! `aggregationType` (see [`Aggregation`]). The endpoints come from the operator's index.

mod aggregation;
mod config;
mod endpoints;
mod gjson;
mod promtext;
mod value;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;

pub use aggregation::Aggregation;
pub use config::{Config, Format};
pub use endpoints::{Endpoint, EndpointLister, EndpointPort, ServiceRef, endpoint_urls};

use crate::http::{self, HttpError};
use crate::metric::{MetricSpec, MetricValue};
use crate::params::ParamError;
use crate::scaler::{BuildContext, Scaler, single_value};

/// The KEDA trigger type.
pub const TYPE: &str = "metrics-api";

/// Endpoints of one Service queried at once, KEDA's limit: enough to keep a poll short on a
/// large Deployment without opening hundreds of connections together.
const CONCURRENT_ENDPOINTS: usize = 5;

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
    /// `aggregateFromKubeServiceEndpoints` is true but the process was built without an
    /// [`EndpointLister`] ([`crate::Services::endpoints`]).
    #[error(
        "aggregateFromKubeServiceEndpoints needs the operator's endpoint index, and this process has none"
    )]
    NoEndpointIndex,
    /// The endpoint index could not answer.
    #[error("listing the endpoints of Service {service} failed: {reason}")]
    ListEndpoints {
        /// The Service, `namespace/name`.
        service: String,
        /// The index's reason.
        reason: String,
    },
    /// The Service has no ready endpoint to query.
    #[error("Service {service} has no ready endpoints to query")]
    NoEndpoints {
        /// The Service, `namespace/name`.
        service: String,
    },
    /// Every endpoint of the Service failed; one failing endpoint alone is left out instead.
    #[error(
        "none of the {count} endpoints of Service {service} gave a value; the first failure: {first}"
    )]
    AllEndpointsFailed {
        /// The Service, `namespace/name`.
        service: String,
        /// How many endpoints were queried.
        count: usize,
        /// The failure of the first endpoint, in the index's order.
        first: Box<Error>,
    },
}

/// The Service a trigger aggregates over, with the index that lists its endpoints.
struct Service {
    lister: Arc<dyn EndpointLister>,
    namespace: String,
    name: String,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Service({self})")
    }
}

/// A built `metrics-api` trigger.
#[derive(Debug)]
pub struct MetricsApiScaler {
    config: Config,
    client: reqwest::Client,
    specs: Vec<MetricSpec>,
    service: Option<Service>,
}

impl MetricsApiScaler {
    /// Builds the scaler from its context.
    ///
    /// A Service without a namespace in the `url` is looked up in the object's namespace.
    ///
    /// # Errors
    /// A parameter error, the metric type error, unusable TLS material, or
    /// [`Error::NoEndpointIndex`] when aggregating without an endpoint index.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config =
            Config::parse(&ctx.params(), ctx.services.default_timeout).map_err(Error::from)?;
        let service = match &config.service_endpoints {
            None => None,
            Some(service) => Some(Service {
                lister: ctx
                    .services
                    .endpoints
                    .clone()
                    .ok_or(Error::NoEndpointIndex)?,
                namespace: service
                    .namespace
                    .clone()
                    .unwrap_or_else(|| ctx.object.namespace.clone()),
                name: service.name.clone(),
            }),
        };
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
            service,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    async fn read(&self) -> Result<f64, Error> {
        match &self.service {
            None => self.read_url(&self.config.url).await,
            Some(service) => self.read_service(service).await,
        }
    }

    async fn read_url(&self, url: &url::Url) -> Result<f64, Error> {
        let body = http::get(
            &self.client,
            url,
            &self.config.auth,
            self.config.timeout,
            |r| r,
        )
        .await?;
        value::extract(self.config.format, &body, &self.config.value_location)
    }

    /// KEDA's aggregation: an endpoint that fails is logged and left out, so one crashing pod
    /// does not blank the trigger; only when every endpoint fails is the sample an error.
    async fn read_service(&self, service: &Service) -> Result<f64, Error> {
        let endpoints = service
            .lister
            .ready_endpoints(&service.namespace, &service.name)
            .map_err(|reason| Error::ListEndpoints {
                service: service.to_string(),
                reason,
            })?;
        let urls = endpoint_urls(&self.config.url, &endpoints);
        let count = urls.len();
        // Owned URLs: a stream of futures borrowing them trips the compiler's higher-ranked
        // lifetime check inside the boxed `sample` future.
        let results: Vec<Result<f64, Error>> = futures::stream::iter(urls)
            .map(|url| async move { self.read_url(&url).await })
            .buffered(CONCURRENT_ENDPOINTS)
            .collect()
            .await;
        let mut values = Vec::with_capacity(results.len());
        let mut first_failure = None;
        for result in results {
            match result {
                Ok(value) => values.push(value),
                Err(error) => {
                    tracing::debug!(
                        %service,
                        %error,
                        "Endpoint gave no value; it is left out of the aggregation."
                    );
                    first_failure.get_or_insert(error);
                }
            }
        }
        let aggregate = self.config.aggregation_type.apply(&values);
        tracing::debug!(
            %service,
            endpoints = count,
            read = values.len(),
            aggregation = self.config.aggregation_type.as_str(),
            value = aggregate,
            "Service endpoints aggregated."
        );
        match (aggregate, first_failure) {
            (Some(value), _) => Ok(value),
            (None, Some(first)) => Err(Error::AllEndpointsFailed {
                service: service.to_string(),
                count,
                first: Box::new(first),
            }),
            (None, None) => Err(Error::NoEndpoints {
                service: service.to_string(),
            }),
        }
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
mod service_tests;
#[cfg(test)]
mod tests;
