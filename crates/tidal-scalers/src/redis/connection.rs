//! Redis connection settings shared by the `redis` and `redis-streams` scalers, and the pooled
//! multiplexed connections they use.
//!
//! KEDA's parameters: `address` (`host:port`) or `host` + `port`, `username`, `password`,
//! `databaseIndex`, `enableTLS` (or `tls: enable` in the TriggerAuthentication), `unsafeSsl`,
//! and `ca`, `cert`, `key` from the TriggerAuthentication. One multiplexed connection serves
//! every trigger with the same settings; a broken one is dropped and re-dialled on next use.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo};

use crate::params::{self, ParamError, Params};
use crate::pools::ClientPools;
use crate::secret::Secret;

/// Where and how to connect.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectionSettings {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// `databaseIndex` (default 0).
    pub database_index: i64,
    /// `username` (Redis 6 ACL users).
    pub username: Option<String>,
    /// `password`.
    pub password: Option<Secret>,
    /// TLS, when `enableTLS` is true.
    pub tls: Option<RedisTls>,
}

/// TLS settings for Redis.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedisTls {
    /// `unsafeSsl`: accept any certificate.
    pub unsafe_ssl: bool,
    /// `ca`: PEM root certificate.
    pub ca: Option<Secret>,
    /// `cert` + `key`: PEM client certificate and key.
    pub client: Option<(Secret, Secret)>,
}

/// Failures talking to Redis. Messages come from the server or the socket; never a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedisError {
    /// Connecting failed (refused, DNS, TLS).
    #[error("cannot connect to Redis at {address}: {reason}")]
    Connect {
        /// `host:port`.
        address: String,
        /// Why.
        reason: String,
    },
    /// The server rejected the credentials.
    #[error("Redis at {address} rejected the credentials: {reason}")]
    Auth {
        /// `host:port`.
        address: String,
        /// The server's reason.
        reason: String,
    },
    /// No answer in time.
    #[error("no answer from Redis at {address} within {after:?}")]
    Timeout {
        /// `host:port`.
        address: String,
        /// The timeout.
        after: Duration,
    },
    /// A command failed.
    #[error("Redis at {address} answered an error: {reason}")]
    Command {
        /// `host:port`.
        address: String,
        /// The server's reason.
        reason: String,
    },
}

impl ConnectionSettings {
    /// Reads KEDA's connection parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the bad or missing parameter.
    pub fn parse(params: &Params<'_>) -> Result<Self, ParamError> {
        const ORDER: &[params::Source] = &[
            params::Source::Metadata,
            params::Source::Env,
            params::Source::Auth,
        ];
        let (host, port) = if let Some(address) = params.string("address", params::ANY) {
            let (host, port) = address
                .rsplit_once(':')
                .ok_or_else(|| ParamError::Invalid {
                    param: "address".into(),
                    value: format!("{address:?}"),
                    expected: "host:port".into(),
                })?;
            let port = port.parse::<u16>().map_err(|_| ParamError::Invalid {
                param: "address".into(),
                value: format!("{address:?}"),
                expected: "host:port with a port number".into(),
            })?;
            (host.trim_matches(['[', ']']).to_owned(), port)
        } else {
            let host = params.required_string(
                "host",
                ORDER,
                "give address (host:port) or host and port",
            )?;
            let port = params
                .parse::<u16>("port", ORDER, "a port number")?
                .ok_or_else(|| ParamError::missing("port", "host needs a port"))?;
            (host, port)
        };
        let metadata_tls = params.bool_or("enableTLS", params::METADATA, false)?;
        let auth_tls = params.string("tls", params::AUTH);
        let enable_tls = match auth_tls.as_deref() {
            None => metadata_tls,
            Some(_) if params.string("enableTLS", params::METADATA).is_some() => {
                return Err(ParamError::rule(
                    "tls",
                    "set TLS either with enableTLS in the trigger or tls in the TriggerAuthentication, not both",
                ));
            }
            Some("enable") => true,
            Some(_) => {
                return Err(ParamError::Invalid {
                    param: "tls".into(),
                    value: crate::secret::REDACTED.into(),
                    expected: "\"enable\"".into(),
                });
            }
        };
        let tls = enable_tls
            .then(|| -> Result<RedisTls, ParamError> {
                let client = params.client_certificate()?;
                Ok(RedisTls {
                    unsafe_ssl: params.bool_or("unsafeSsl", params::METADATA, false)?,
                    ca: params.secret("ca", params::AUTH),
                    client,
                })
            })
            .transpose()?;
        Ok(Self {
            host,
            port,
            database_index: params.parse_or(
                "databaseIndex",
                params::METADATA,
                0,
                "a database number",
            )?,
            username: params.string("username", ORDER),
            password: params.secret("password", ORDER),
            tls,
        })
    }

    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// A connection from the pool, dialling one on first use.
    ///
    /// # Errors
    /// [`RedisError`] when the connection or the handshake fails or times out.
    pub async fn connect(
        &self,
        pools: &ClientPools,
        timeout: Duration,
    ) -> Result<MultiplexedConnection, RedisError> {
        if let Some(conn) = pools.redis.get(self) {
            return Ok(conn);
        }
        let conn = self.dial(timeout).await?;
        pools.redis.insert(self.clone(), conn.clone());
        Ok(conn)
    }

    /// Forgets the pooled connection after a transport failure, so the next call re-dials.
    pub fn discard(&self, pools: &ClientPools) {
        pools.redis.remove(self);
    }

    async fn dial(&self, timeout: Duration) -> Result<MultiplexedConnection, RedisError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let address = self.address();
        let connect_error = |e: redis::RedisError| RedisError::Connect {
            address: address.clone(),
            reason: e.to_string(),
        };
        let addr = match &self.tls {
            None => ConnectionAddr::Tcp(self.host.clone(), self.port),
            Some(tls) => ConnectionAddr::TcpTls {
                host: self.host.clone(),
                port: self.port,
                insecure: tls.unsafe_ssl,
                tls_params: None,
            },
        };
        let mut redis_info = RedisConnectionInfo::default().set_db(self.database_index);
        if let Some(user) = &self.username {
            redis_info = redis_info.set_username(user);
        }
        if let Some(password) = &self.password {
            redis_info = redis_info.set_password(password.expose());
        }
        let info = addr
            .into_connection_info()
            .map_err(connect_error)?
            .set_redis_settings(redis_info);
        let client = match &self.tls {
            Some(tls) if tls.ca.is_some() || tls.client.is_some() => redis::Client::build_with_tls(
                info,
                redis::TlsCertificates {
                    client_tls: tls
                        .client
                        .as_ref()
                        .map(|(cert, key)| redis::ClientTlsConfig {
                            client_cert: cert.expose().as_bytes().to_vec(),
                            client_key: key.expose().as_bytes().to_vec(),
                        }),
                    root_cert: tls.ca.as_ref().map(|ca| ca.expose().as_bytes().to_vec()),
                },
            ),
            _ => redis::Client::open(info),
        }
        .map_err(connect_error)?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| self.classify(&e, timeout, true))
    }

    /// Maps a client error to [`RedisError`].
    pub fn classify(
        &self,
        err: &redis::RedisError,
        timeout: Duration,
        connecting: bool,
    ) -> RedisError {
        let address = self.address();
        let reason = err.to_string();
        if err.is_timeout() {
            RedisError::Timeout {
                address,
                after: timeout,
            }
        } else if matches!(err.kind(), redis::ErrorKind::AuthenticationFailed)
            || err
                .code()
                .is_some_and(|c| matches!(c, "WRONGPASS" | "NOAUTH" | "NOPERM"))
        {
            RedisError::Auth { address, reason }
        } else if connecting || err.is_io_error() || err.is_connection_dropped() {
            RedisError::Connect { address, reason }
        } else {
            RedisError::Command { address, reason }
        }
    }
}
