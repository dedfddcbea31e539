//! `prometheus` trigger metadata, with KEDA's names and defaults.

use std::time::Duration;

use crate::http::HttpAuth;
use crate::params::{self, ParamError, Params};

/// A parsed `prometheus` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `serverAddress`: the Prometheus base URL; `/api/v1/query` is appended.
    pub server_address: url::Url,
    /// `query`: PromQL returning one series (or none).
    pub query: String,
    /// `queryParameters`: extra `key=value` pairs added to the query string.
    pub query_parameters: Vec<(String, String)>,
    /// `namespace`: sent as the `namespace` query parameter (multi-tenant proxies).
    pub namespace: Option<String>,
    /// `threshold`: the scaling target, > 0.
    pub threshold: f64,
    /// `activationThreshold` (default 0).
    pub activation_threshold: f64,
    /// `ignoreNullValues` (default true): an empty result, NaN or ±Inf is 0 instead of an error.
    pub ignore_null_values: bool,
    /// `customHeaders`: `name=value` pairs sent with every query.
    pub custom_headers: Vec<(String, String)>,
    /// `timeout` in milliseconds (default: the global HTTP timeout).
    pub timeout: Duration,
    /// `authModes` and credentials, plus `unsafeSsl`.
    pub auth: HttpAuth,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &Params<'_>, default_timeout: Duration) -> Result<Self, ParamError> {
        let server_address = params.http_url(
            "serverAddress",
            params::METADATA_ENV,
            "the Prometheus URL, e.g. http://prometheus.monitoring:9090",
        )?;
        let query = params.required_string(
            "query",
            params::METADATA_ENV,
            "a PromQL query returning one series, e.g. sum(rate(http_requests_total[2m]))",
        )?;
        let threshold = params.target(
            "threshold",
            params::METADATA,
            "the value per replica to scale on",
        )?;
        let timeout = params.timeout_ms("timeout", default_timeout)?;
        Ok(Self {
            server_address,
            query,
            query_parameters: pairs(params, "queryParameters")?,
            namespace: params.string("namespace", params::METADATA),
            threshold,
            activation_threshold: params.f64_or("activationThreshold", params::METADATA, 0.0)?,
            ignore_null_values: params.bool_or("ignoreNullValues", params::METADATA, true)?,
            custom_headers: pairs(params, "customHeaders")?,
            timeout,
            auth: HttpAuth::parse_modes(params, "authModes")?,
        })
    }
}

/// KEDA's `key1=value1,key2=value2` lists.
fn pairs(params: &Params<'_>, name: &str) -> Result<Vec<(String, String)>, ParamError> {
    let Some(text) = params.string(name, params::METADATA) else {
        return Ok(Vec::new());
    };
    text.split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| ParamError::Invalid {
                    param: name.into(),
                    value: format!("{text:?}"),
                    expected: format!(
                        "a comma-separated list of key=value pairs ({item:?} has no '=')"
                    ),
                })
        })
        .collect()
}
