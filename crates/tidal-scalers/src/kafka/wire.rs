//! One connection to one Kafka broker: framing, correlation ids, API versions, TLS and SASL.
//!
//! Kafka's protocol is size-prefixed request/response frames over TCP. Brokers drop old
//! request versions (Kafka 4 removed everything before 2.1's, KIP-896), so every connection
//! starts with ApiVersions and each request is sent at the highest version both sides speak.
//! A connection that failed or timed out mid-request is never reused: the caller drops it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, RequestHeader, ResponseHeader, SaslAuthenticateRequest,
    SaslHandshakeRequest,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::config::{ClusterSettings, Sasl};
use super::sasl::Scram;
use crate::http::TlsConfig;
use crate::secret::Secret;

/// The client id brokers log for Tidal's requests.
const CLIENT_ID: &str = "tidal";

/// Larger responses are refused rather than allocated (a misbehaving peer, or not Kafka).
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// Failures on one broker connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The TCP or TLS connection could not be made or broke.
    #[error("cannot reach Kafka broker {broker}: {reason}")]
    Connect {
        /// `host:port`.
        broker: String,
        /// Why.
        reason: String,
    },
    /// No answer in time.
    #[error("no answer from Kafka broker {broker} to {api} within {after:?}")]
    Timeout {
        /// `host:port`.
        broker: String,
        /// The request that went unanswered.
        api: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// SASL authentication failed.
    #[error("Kafka broker {broker} rejected SASL authentication: {reason}")]
    Auth {
        /// `host:port`.
        broker: String,
        /// The broker's reason.
        reason: String,
    },
    /// TLS material did not load.
    #[error("TLS settings for Kafka do not load: {reason}")]
    Tls {
        /// Why.
        reason: String,
    },
    /// The broker and Tidal share no version of a request.
    #[error(
        "Kafka broker {broker} does not support any version of {api} Tidal speaks (broker {broker_versions}, Tidal {tidal_versions})"
    )]
    Unsupported {
        /// `host:port`.
        broker: String,
        /// The request.
        api: &'static str,
        /// The broker's versions, `min..max`, or "none".
        broker_versions: String,
        /// Tidal's versions, `min..max`.
        tidal_versions: String,
    },
    /// The bytes on the wire were not the expected Kafka response.
    #[error("malformed {api} response from Kafka broker {broker}: {reason}")]
    Protocol {
        /// `host:port`.
        broker: String,
        /// The request.
        api: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl WireError {
    /// Whether the connection must be dropped after this error.
    pub fn breaks_connection(&self) -> bool {
        !matches!(self, Self::Unsupported { .. })
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An authenticated connection to one broker with its negotiated API versions.
pub struct Connection {
    io: Box<dyn Io>,
    broker: String,
    timeout: Duration,
    correlation_id: i32,
    versions: HashMap<i16, (i16, i16)>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("broker", &self.broker)
            .finish_non_exhaustive()
    }
}

/// The short name of a request type, for messages.
fn api_name<R: Request>() -> &'static str {
    ApiKey::try_from(R::KEY).map_or("request", |key| match key {
        ApiKey::ApiVersions => "ApiVersions",
        ApiKey::Metadata => "Metadata",
        ApiKey::FindCoordinator => "FindCoordinator",
        ApiKey::OffsetFetch => "OffsetFetch",
        ApiKey::ListOffsets => "ListOffsets",
        ApiKey::SaslHandshake => "SaslHandshake",
        ApiKey::SaslAuthenticate => "SaslAuthenticate",
        ApiKey::Produce => "Produce",
        ApiKey::OffsetCommit => "OffsetCommit",
        ApiKey::CreateTopics => "CreateTopics",
        _ => "request",
    })
}

impl Connection {
    /// Dials `broker` (`host:port`), sets up TLS, negotiates versions and authenticates.
    /// Every step is bounded by `timeout`.
    ///
    /// # Errors
    /// [`WireError`] when any step fails.
    pub async fn open(
        broker: &str,
        settings: &ClusterSettings,
        tls: Option<&Arc<rustls::ClientConfig>>,
        timeout: Duration,
    ) -> Result<Self, WireError> {
        let connect = |reason: String| WireError::Connect {
            broker: broker.to_owned(),
            reason,
        };
        let tcp = match tokio::time::timeout(timeout, TcpStream::connect(broker)).await {
            Err(_) => {
                return Err(WireError::Timeout {
                    broker: broker.to_owned(),
                    api: "connect",
                    after: timeout,
                });
            }
            Ok(result) => result.map_err(|e| connect(e.to_string()))?,
        };
        let _ = tcp.set_nodelay(true);
        let io: Box<dyn Io> = match tls {
            None => Box::new(tcp),
            Some(config) => {
                let host = broker.rsplit_once(':').map_or(broker, |(h, _)| h);
                let name = rustls::pki_types::ServerName::try_from(
                    host.trim_matches(['[', ']']).to_owned(),
                )
                .map_err(|e| connect(format!("invalid TLS server name {host:?}: {e}")))?;
                let connector = tokio_rustls::TlsConnector::from(config.clone());
                match tokio::time::timeout(timeout, connector.connect(name, tcp)).await {
                    Err(_) => {
                        return Err(WireError::Timeout {
                            broker: broker.to_owned(),
                            api: "TLS handshake",
                            after: timeout,
                        });
                    }
                    Ok(stream) => {
                        Box::new(stream.map_err(|e| connect(format!("TLS handshake: {e}")))?)
                    }
                }
            }
        };
        let mut conn = Self {
            io,
            broker: broker.to_owned(),
            timeout,
            correlation_id: 0,
            versions: HashMap::new(),
        };
        conn.negotiate().await?;
        if let Some(sasl) = &settings.sasl {
            conn.authenticate(sasl).await?;
        }
        Ok(conn)
    }

    /// `host:port` of the broker.
    pub fn broker(&self) -> &str {
        &self.broker
    }

    async fn negotiate(&mut self) -> Result<(), WireError> {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str(CLIENT_ID))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        // v3 is what every broker since 2.4 answers; Kafka 4 still does.
        let response = self.call_at(&request, 3).await?;
        if response.error_code != 0 {
            return Err(WireError::Protocol {
                broker: self.broker.clone(),
                api: "ApiVersions",
                reason: broker_error(response.error_code),
            });
        }
        self.versions = response
            .api_keys
            .iter()
            .map(|k| (k.api_key, (k.min_version, k.max_version)))
            .collect();
        Ok(())
    }

    /// The highest version of `R` both sides speak.
    ///
    /// # Errors
    /// [`WireError::Unsupported`] when there is none.
    pub fn version<R: Request>(&self) -> Result<i16, WireError> {
        let ours = R::VERSIONS;
        let shown = |range: Option<&(i16, i16)>| {
            range.map_or_else(|| "none".to_owned(), |(a, b)| format!("{a}..{b}"))
        };
        match self.versions.get(&R::KEY) {
            Some(&(min, max)) if min.max(ours.min) <= max.min(ours.max) => Ok(max.min(ours.max)),
            theirs => Err(WireError::Unsupported {
                broker: self.broker.clone(),
                api: api_name::<R>(),
                broker_versions: shown(theirs),
                tidal_versions: format!("{}..{}", ours.min, ours.max),
            }),
        }
    }

    /// Sends `request` at the negotiated version and reads its response.
    ///
    /// # Errors
    /// [`WireError`]; after one that [breaks the connection](WireError::breaks_connection)
    /// the connection must be dropped.
    pub async fn call<R: Request>(&mut self, request: &R) -> Result<R::Response, WireError> {
        let version = self.version::<R>()?;
        self.call_at(request, version).await
    }

    /// Sends `request` at `version` and reads its response, within the timeout.
    ///
    /// # Errors
    /// [`WireError`] as for [`Connection::call`].
    pub async fn call_at<R: Request>(
        &mut self,
        request: &R,
        version: i16,
    ) -> Result<R::Response, WireError> {
        let api = api_name::<R>();
        let timeout = self.timeout;
        match tokio::time::timeout(timeout, self.exchange(request, version)).await {
            Ok(result) => result,
            Err(_) => Err(WireError::Timeout {
                broker: self.broker.clone(),
                api,
                after: timeout,
            }),
        }
    }

    async fn exchange<R: Request>(
        &mut self,
        request: &R,
        version: i16,
    ) -> Result<R::Response, WireError> {
        let api = api_name::<R>();
        let protocol = |reason: String| WireError::Protocol {
            broker: self.broker.clone(),
            api,
            reason,
        };
        self.correlation_id = self.correlation_id.wrapping_add(1);
        let correlation_id = self.correlation_id;
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(correlation_id)
            .with_client_id(Some(StrBytes::from_static_str(CLIENT_ID)));
        let mut frame = BytesMut::with_capacity(256);
        frame.put_i32(0);
        header
            .encode(&mut frame, R::header_version(version))
            .map_err(|e| protocol(format!("encoding the request header: {e}")))?;
        request
            .encode(&mut frame, version)
            .map_err(|e| protocol(format!("encoding the request: {e}")))?;
        let size =
            i32::try_from(frame.len() - 4).map_err(|_| protocol("request too large".into()))?;
        frame[..4].copy_from_slice(&size.to_be_bytes());

        let broken = |e: std::io::Error| WireError::Connect {
            broker: self.broker.clone(),
            reason: e.to_string(),
        };
        self.io.write_all(&frame).await.map_err(broken)?;
        self.io.flush().await.map_err(broken)?;
        let size = self.io.read_i32().await.map_err(broken)?;
        let size = usize::try_from(size)
            .ok()
            .filter(|s| *s >= 4 && *s <= MAX_FRAME)
            .ok_or_else(|| protocol(format!("frame size {size} is not a Kafka response")))?;
        let mut body = vec![0; size];
        self.io.read_exact(&mut body).await.map_err(broken)?;
        let mut body = Bytes::from(body);
        let header = ResponseHeader::decode(&mut body, R::Response::header_version(version))
            .map_err(|e| protocol(format!("decoding the response header: {e}")))?;
        if header.correlation_id != correlation_id {
            return Err(protocol(format!(
                "correlation id {} answers no request (expected {correlation_id})",
                header.correlation_id
            )));
        }
        let response = R::Response::decode(&mut body, version)
            .map_err(|e| protocol(format!("decoding version {version}: {e}")))?;
        if body.has_remaining() {
            tracing::debug!(
                broker = %self.broker,
                api,
                left = body.remaining(),
                "Kafka response had trailing bytes."
            );
        }
        Ok(response)
    }

    async fn authenticate(&mut self, sasl: &Sasl) -> Result<(), WireError> {
        let mechanism = match sasl {
            Sasl::Plain { .. } => "PLAIN",
            Sasl::Scram { mechanism, .. } => mechanism.name(),
            Sasl::OAuthBearer { .. } => "OAUTHBEARER",
        };
        let broker = self.broker.clone();
        let auth_error = |reason: String| WireError::Auth {
            broker: broker.clone(),
            reason,
        };
        let handshake =
            SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str(mechanism));
        let response = self.call(&handshake).await?;
        if response.error_code != 0 {
            let enabled: Vec<&str> = response.mechanisms.iter().map(StrBytes::as_str).collect();
            return Err(auth_error(format!(
                "mechanism {mechanism} is not enabled (the broker offers {})",
                if enabled.is_empty() {
                    "none".to_owned()
                } else {
                    enabled.join(", ")
                }
            )));
        }
        match sasl {
            Sasl::Plain { username, password } => {
                let mut message = Vec::new();
                message.push(0);
                message.extend_from_slice(username.as_bytes());
                message.push(0);
                message.extend_from_slice(password.expose().as_bytes());
                self.sasl_step(message).await?;
            }
            Sasl::Scram {
                mechanism,
                username,
                password,
            } => {
                let mut scram = Scram::new(*mechanism, username, password);
                let server_first = self.sasl_step(scram.client_first()).await?;
                let client_final = scram.client_final(&server_first).map_err(auth_error)?;
                let server_final = self.sasl_step(client_final).await?;
                scram.verify_server(&server_final).map_err(auth_error)?;
            }
            Sasl::OAuthBearer { oauth, extensions } => {
                let authorization = oauth
                    .authorization(token_client(), self.timeout)
                    .await
                    .map_err(|e| auth_error(e.to_string()))?;
                let token = crate::http::OAuth::bare_token(&authorization);
                let challenge = self
                    .sasl_step(oauth_bearer_message(&token, extensions))
                    .await?;
                if !challenge.is_empty() {
                    // The next connection fetches a new token rather than retry this one.
                    oauth.reject(&authorization).await;
                    // RFC 7628 §3.2.2: the server refused the token with a JSON error; the
                    // client acknowledges with one ^A and the broker then fails the exchange.
                    let detail = String::from_utf8_lossy(&challenge).into_owned();
                    self.sasl_step(vec![1]).await.map_err(|e| match e {
                        WireError::Auth { broker, reason } if !reason.contains(&detail) => {
                            WireError::Auth {
                                broker,
                                reason: format!("{reason} ({detail})"),
                            }
                        }
                        other => other,
                    })?;
                    return Err(auth_error(format!(
                        "the broker refused the token: {detail}"
                    )));
                }
            }
        }
        Ok(())
    }

    async fn sasl_step(&mut self, message: Vec<u8>) -> Result<Vec<u8>, WireError> {
        let request = SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(message));
        let response = self.call(&request).await?;
        if response.error_code != 0 {
            return Err(WireError::Auth {
                broker: self.broker.clone(),
                reason: response.error_message.map_or_else(
                    || broker_error(response.error_code),
                    |m| m.as_str().to_owned(),
                ),
            });
        }
        Ok(response.auth_bytes.to_vec())
    }
}

/// A broker error code as Kafka names it.
pub fn broker_error(code: i16) -> String {
    kafka_protocol::ResponseError::try_from_code(code)
        .map_or_else(|| "no error".to_owned(), |e| format!("{e:?} ({code})"))
}

/// The rustls configuration for `tls`.
///
/// # Errors
/// [`WireError::Tls`] when a certificate or key does not load.
pub fn tls_config(tls: &TlsConfig) -> Result<Arc<rustls::ClientConfig>, WireError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut config = if tls.unsafe_ssl {
        crate::tls::encrypt_only()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        match &tls.ca {
            Some(ca) => {
                for cert in CertificateDer::pem_slice_iter(ca.expose().as_bytes()) {
                    let cert = cert.map_err(|e| tls_error("ca", &e))?;
                    roots.add(cert).map_err(|e| tls_error("ca", &e))?;
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
            }
        }
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", &e))?
        .with_root_certificates(roots)
        .with_no_client_auth()
    };
    if let Some((cert, key)) = &tls.client_identity {
        let certs = CertificateDer::pem_slice_iter(cert.expose().as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error("cert", &e))?;
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key.expose().as_bytes())
            .map_err(|e| tls_error("key", &e))?;
        let certified = rustls::sign::CertifiedKey::from_der(certs, key, config.crypto_provider())
            .map_err(|e| tls_error("cert and key", &e))?;
        config.client_auth_cert_resolver = Arc::new(ClientCert(Arc::new(certified)));
    }
    Ok(Arc::new(config))
}

fn tls_error(what: &str, e: &dyn std::fmt::Display) -> WireError {
    WireError::Tls {
        reason: format!("{what}: {e}"),
    }
}

/// Presents the one client certificate to every broker that asks.
#[derive(Debug)]
struct ClientCert(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for ClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// The OAUTHBEARER client-first message (RFC 7628 §3.1): no channel binding, the token, then
/// the extensions, each ended by ^A, and a final ^A.
fn oauth_bearer_message(token: &Secret, extensions: &[(String, String)]) -> Vec<u8> {
    let mut message = format!("n,,\u{1}auth=Bearer {}\u{1}", token.expose());
    for (key, value) in extensions {
        message.extend([key.as_str(), "=", value.as_str(), "\u{1}"]);
    }
    message.push('\u{1}');
    message.into_bytes()
}

/// The HTTP client that fetches OAUTHBEARER tokens, shared by every Kafka connection.
fn token_client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        crate::http::TlsConfig::default()
            .build()
            .unwrap_or_else(|_| reqwest::Client::new())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oauthbearer_client_first_message_follows_rfc_7628() {
        let message = oauth_bearer_message(
            &Secret::new("eyJ.token".to_owned()),
            &[("logicalCluster".to_owned(), "lkc-1".to_owned())],
        );
        assert_eq!(
            message,
            b"n,,\x01auth=Bearer eyJ.token\x01logicalCluster=lkc-1\x01\x01"
        );
        assert_eq!(
            oauth_bearer_message(&Secret::new("t".to_owned()), &[]),
            b"n,,\x01auth=Bearer t\x01\x01"
        );
    }
}
