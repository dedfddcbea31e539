//! The connector behind `unsafeSsl`: TLS without checking the server's certificate.
//!
//! tonic's own TLS always verifies the server, so a channel to an external scaler with
//! `unsafeSsl: "true"` dials through this connector instead: TCP, then a rustls handshake that
//! accepts any certificate (the handshake signature is still checked) and offers HTTP/2 by
//! ALPN, presenting the client certificate when one is configured. tonic then speaks plain
//! HTTP/2 over the encrypted stream.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tonic::codegen::http::Uri;

use super::config::{Endpoint, ExternalTls};

/// Dials `address` with TLS that does not verify the server.
#[derive(Clone)]
pub(super) struct UnverifiedTls {
    address: String,
    server_name: ServerName<'static>,
    connector: TlsConnector,
    timeout: Duration,
}

impl UnverifiedTls {
    /// The connector for `endpoint` with `tls`.
    ///
    /// # Errors
    /// A message when the client certificate or the host name does not load.
    pub(super) fn new(
        endpoint: &Endpoint,
        tls: &ExternalTls,
        timeout: Duration,
    ) -> Result<Self, String> {
        let identity = tls
            .client
            .as_ref()
            .map(|(cert, key)| crate::tls::client_identity(cert.expose(), key.expose()))
            .transpose()?;
        let mut config = crate::tls::encrypt_only_with(identity)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        let server_name = ServerName::try_from(endpoint.host().to_owned())
            .map_err(|e| format!("{:?} is not a host name: {e}", endpoint.host()))?;
        Ok(Self {
            address: endpoint.address.clone(),
            server_name,
            connector: TlsConnector::from(Arc::new(config)),
            timeout,
        })
    }
}

impl tower::Service<Uri> for UnverifiedTls {
    type Response = TokioIo<TlsStream<TcpStream>>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let dial = async {
                let tcp = TcpStream::connect(&this.address).await?;
                tcp.set_nodelay(true)?;
                this.connector.connect(this.server_name.clone(), tcp).await
            };
            let stream = tokio::time::timeout(this.timeout, dial)
                .await
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
            Ok(TokioIo::new(stream))
        })
    }
}
