//! An `external` or `external-push` trigger's parameters.
//!
//! KEDA reads only the address and TLS settings itself; every metadata key is forwarded to the
//! external scaler as `scalerMetadata`, with `…FromEnv` keys resolved from the scale target's
//! environment (the key keeps its name, the value becomes the variable's value; an unset
//! variable drops the key), exactly as KEDA forwards them.

use std::collections::BTreeMap;

use crate::params::{self, ParamError, Params};
use crate::secret::Secret;

/// TLS to the external scaler.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalTls {
    /// `caCert`: PEM root certificate; the system's roots when absent.
    pub ca_cert: Option<Secret>,
    /// `tlsClientCert` + `tlsClientKey`: PEM client certificate and key.
    pub client: Option<(Secret, Secret)>,
    /// `unsafeSsl`: encrypt without checking the server's certificate (`caCert` is then
    /// unused), as KEDA's `InsecureSkipVerify`.
    pub unsafe_ssl: bool,
}

/// Where the external scaler listens and how to reach it: the channel pool's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// `scalerAddress`, `host:port`.
    pub address: String,
    /// TLS, when `enableTLS` is true or a `caCert` or client certificate is given.
    pub tls: Option<ExternalTls>,
}

impl Endpoint {
    /// The host part of the address (the TLS server name).
    pub fn host(&self) -> &str {
        self.address
            .rsplit_once(':')
            .map_or(self.address.as_str(), |(host, _)| host)
            .trim_matches(['[', ']'])
    }
}

/// A parsed `external` or `external-push` trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where to connect.
    pub endpoint: Endpoint,
    /// The metadata forwarded as `scalerMetadata`.
    pub scaler_metadata: BTreeMap<String, String>,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad, missing or unsupported parameter.
    pub fn parse(params: &Params<'_>, env: &BTreeMap<String, String>) -> Result<Self, ParamError> {
        let address = params.required_string(
            "scalerAddress",
            params::METADATA,
            "the external scaler's gRPC address, host:port",
        )?;
        let valid = address
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !valid {
            return Err(ParamError::Invalid {
                param: "scalerAddress".into(),
                value: format!("{address:?}"),
                expected: "host:port, such as \"my-scaler.default:6000\"".into(),
            });
        }
        let enable_tls = params.bool_or("enableTLS", params::METADATA, false)?;
        let unsafe_ssl = params.bool_or("unsafeSsl", params::METADATA, false)?;
        let ca_cert = params.secret("caCert", params::AUTH);
        let client = params.certificate_pair("tlsClientCert", "tlsClientKey", None)?;
        let tls = (enable_tls || ca_cert.is_some() || client.is_some()).then_some(ExternalTls {
            ca_cert,
            client,
            unsafe_ssl,
        });
        let scaler_metadata = params
            .metadata()
            .iter()
            .filter_map(|(key, value)| {
                if key.ends_with("FromEnv") {
                    env.get(value.trim())
                        .filter(|v| !v.is_empty())
                        .map(|v| (key.clone(), v.clone()))
                } else {
                    Some((key.clone(), value.clone()))
                }
            })
            .collect();
        Ok(Self {
            endpoint: Endpoint { address, tls },
            scaler_metadata,
        })
    }
}
