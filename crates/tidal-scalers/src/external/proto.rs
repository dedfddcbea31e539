//! The generated `externalscaler` client (from `proto/externalscaler.proto` at build time),
//! the channel it runs on and the bounded call every RPC goes through.

#![allow(
    missing_docs,
    unreachable_pub,
    clippy::pedantic,
    clippy::derive_partial_eq_without_eq
)]

use std::time::Duration;

use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use super::Error;
use super::config::Endpoint;

tonic::include_proto!("externalscaler");

/// A lazily connected channel to `endpoint`: nothing is dialled until the first call, and
/// tonic re-dials by itself after the connection breaks. Unary calls are bounded by
/// [`call`]; the channel itself sets no request timeout, which would cut activity streams.
pub(super) fn channel(
    endpoint: &Endpoint,
    timeout: Duration,
) -> Result<tonic::transport::Channel, Error> {
    let tls_error = |e: &dyn std::fmt::Display| Error::Tls {
        address: endpoint.address.clone(),
        reason: e.to_string(),
    };
    let scheme = if endpoint.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let mut builder =
        tonic::transport::Endpoint::from_shared(format!("{scheme}://{}", endpoint.address))
            .map_err(|e| tls_error(&e))?
            .connect_timeout(timeout)
            .tcp_nodelay(true);
    if let Some(tls) = endpoint.tls.as_ref().filter(|tls| tls.unsafe_ssl) {
        // tonic's TLS always verifies: dial through a connector that does not, over http://.
        let connector = super::unverified::UnverifiedTls::new(endpoint, tls, timeout)
            .map_err(|reason| tls_error(&reason))?;
        let plain = tonic::transport::Endpoint::from_shared(format!("http://{}", endpoint.address))
            .map_err(|e| tls_error(&e))?;
        return Ok(plain.connect_with_connector_lazy(connector));
    }
    if let Some(tls) = &endpoint.tls {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut config = ClientTlsConfig::new().domain_name(endpoint.host().to_owned());
        config = match &tls.ca_cert {
            Some(ca) => config.ca_certificate(Certificate::from_pem(ca.expose())),
            None => config.with_native_roots(),
        };
        if let Some((cert, key)) = &tls.client {
            config = config.identity(Identity::from_pem(cert.expose(), key.expose()));
        }
        builder = builder.tls_config(config).map_err(|e| tls_error(&e))?;
    }
    Ok(builder.connect_lazy())
}

/// Runs one RPC within `timeout`, mapping failures to [`Error`].
pub(super) async fn call<T>(
    address: &str,
    rpc: &'static str,
    timeout: Duration,
    future: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, Error> {
    match tokio::time::timeout(timeout, future).await {
        Err(_) => Err(Error::Timeout {
            address: address.to_owned(),
            rpc,
            after: timeout,
        }),
        Ok(Err(status)) => {
            // tonic reports a connection that broke under a call as Unknown with the
            // transport error as its source; for the user that is the server being away.
            let code = if status.code() == tonic::Code::Unknown
                && std::error::Error::source(&status).is_some()
            {
                tonic::Code::Unavailable
            } else {
                status.code()
            };
            Err(Error::Rpc {
                address: address.to_owned(),
                rpc,
                code: format!("{code:?}"),
                message: crate::http::error_chain(&status),
            })
        }
        Ok(Ok(response)) => Ok(response.into_inner()),
    }
}
