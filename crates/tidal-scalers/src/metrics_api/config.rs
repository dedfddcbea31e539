//! `metrics-api` trigger metadata, with KEDA's names and defaults.

use std::time::Duration;

use super::aggregation::Aggregation;
use super::endpoints::ServiceRef;
use crate::http::HttpAuth;
use crate::params::{self, ParamError, Params};

/// `format`: how the response body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON, `valueLocation` is a GJSON path (default).
    Json,
    /// YAML, `valueLocation` is a dot path.
    Yaml,
    /// XML, `valueLocation` is a dot path of element names.
    Xml,
    /// Prometheus text exposition, `valueLocation` is a selector `name{label="value"}`.
    Prometheus,
}

impl Format {
    /// KEDA's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Yaml => "yaml",
            Self::Xml => "xml",
            Self::Prometheus => "prometheus",
        }
    }
}

/// A parsed `metrics-api` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `url`: the endpoint to GET.
    pub url: url::Url,
    /// `format` (default `json`).
    pub format: Format,
    /// `valueLocation`: where the value is in the body.
    pub value_location: String,
    /// `targetValue`: the scaling target, > 0.
    pub target_value: f64,
    /// `activationTargetValue` (default 0).
    pub activation_target_value: f64,
    /// `timeout` in milliseconds (default: the global HTTP timeout).
    pub timeout: Duration,
    /// `authMode` and the credentials it needs, plus `unsafeSsl`.
    pub auth: HttpAuth,
    /// `aggregateFromKubeServiceEndpoints: "true"`: the Service the `url`'s host names, whose
    /// ready endpoints are each queried instead of the `url` itself.
    pub service_endpoints: Option<ServiceRef>,
    /// `aggregationType` (default `average`): how the endpoints' values are combined. Checked
    /// even when not aggregating, as KEDA does.
    pub aggregation_type: Aggregation,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &Params<'_>, default_timeout: Duration) -> Result<Self, ParamError> {
        let url = params.http_url(
            "url",
            params::METADATA_ENV,
            "the endpoint to GET, e.g. http://app:8080/stats",
        )?;
        let format = params
            .choice(
                "format",
                params::METADATA,
                &[
                    ("json", Format::Json),
                    ("yaml", Format::Yaml),
                    ("xml", Format::Xml),
                    ("prometheus", Format::Prometheus),
                ],
            )?
            .unwrap_or(Format::Json);
        let value_location = params.required_string(
            "valueLocation",
            params::METADATA,
            "where the value is in the response, e.g. components.worker.tasks",
        )?;
        let target_value = params.target(
            "targetValue",
            params::METADATA,
            "the value per replica to scale on",
        )?;
        let activation_target_value =
            params.f64_or("activationTargetValue", params::METADATA, 0.0)?;
        let service_endpoints =
            if params.bool_or("aggregateFromKubeServiceEndpoints", params::METADATA, false)? {
                Some(ServiceRef::from_url(&url)?)
            } else {
                None
            };
        let aggregation_type = params
            .choice("aggregationType", params::METADATA, &Aggregation::CHOICES)?
            .unwrap_or_default();
        let timeout = params.timeout_ms("timeout", default_timeout)?;
        Ok(Self {
            url,
            format,
            value_location,
            target_value,
            activation_target_value,
            timeout,
            auth: HttpAuth::parse(params)?,
            service_endpoints,
            aggregation_type,
        })
    }
}
