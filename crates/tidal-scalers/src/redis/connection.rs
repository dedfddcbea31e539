//! The pooled connections the Redis scalers share: one per distinct [`ConnectionSettings`],
//! multiplexed for a server or a sentinel-found master, a cluster connection (which routes
//! each key to its node and follows the cluster's moves) for a Redis Cluster. One that fails to
//! connect or times out is dropped and re-dialled on next use; for Sentinel that asks the
//! sentinels for the master again, so the poll after a failed master reads the new one.

use std::time::Duration;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClientBuilder, SentinelServerType};
use redis::{
    AsyncConnectionConfig, Cmd, ConnectionAddr, IntoConnectionInfo, Pipeline, RedisConnectionInfo,
    RedisFuture, TlsCertificates, TlsMode, Value,
};

use super::settings::{ConnectionSettings, Topology};
use crate::http::TlsConfig;
use crate::pools::ClientPools;

/// A connection to whichever deployment the settings name.
#[derive(Clone)]
pub enum RedisConnection {
    /// A server, or the master sentinels pointed to.
    Single(MultiplexedConnection),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            Self::Cluster(c) => c.get_db(),
        }
    }
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
    /// A connection from the pool, dialling one on first use.
    ///
    /// # Errors
    /// [`RedisError`] when the connection or the handshake fails or times out.
    pub async fn connect(
        &self,
        pools: &ClientPools,
        timeout: Duration,
    ) -> Result<RedisConnection, RedisError> {
        if let Some(conn) = pools.redis.get(self) {
            return Ok(conn);
        }
        // The whole dial is bounded: a sentinel or a cluster seed that accepts but never
        // answers would otherwise hold the poll until the operator's own deadline.
        let conn = tokio::time::timeout(timeout, self.dial(timeout))
            .await
            .map_err(|_| RedisError::Timeout {
                address: self.address(),
                after: timeout,
            })??;
        pools.redis.insert(self.clone(), conn.clone());
        Ok(conn)
    }

    /// Forgets the pooled connection after a transport failure, so the next call re-dials.
    pub fn discard(&self, pools: &ClientPools) {
        pools.redis.remove(self);
    }

    async fn dial(&self, timeout: Duration) -> Result<RedisConnection, RedisError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let connecting = |e: redis::RedisError| self.classify(&e, timeout, true);
        match &self.topology {
            Topology::Standalone { host, port } => {
                let info = self
                    .node_addr(host, *port)
                    .into_connection_info()
                    .map_err(connecting)?
                    .set_redis_settings(self.redis_info());
                let client = match self.certificates() {
                    Some(certs) => redis::Client::build_with_tls(info, certs),
                    None => redis::Client::open(info),
                }
                .map_err(connecting)?;
                let conn = client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .map_err(connecting)?;
                Ok(RedisConnection::Single(conn))
            }
            Topology::Cluster { nodes } => {
                let seeds = nodes
                    .iter()
                    .map(|(host, port)| self.node_addr(host, *port).into_connection_info())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(connecting)?;
                let mut builder = redis::cluster::ClusterClientBuilder::new(seeds)
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .retries(1);
                if let Some(user) = &self.username {
                    builder = builder.username(user.clone());
                }
                if let Some(password) = &self.password {
                    builder = builder.password(password.expose());
                }
                if let Some(tls) = &self.tls {
                    builder = builder.tls(tls_mode(tls));
                }
                if let Some(certs) = self.certificates() {
                    builder = builder.certs(certs);
                }
                let conn = builder
                    .build()
                    .map_err(connecting)?
                    .get_async_connection()
                    .await
                    .map_err(connecting)?;
                Ok(RedisConnection::Cluster(conn))
            }
            Topology::Sentinel {
                nodes,
                master,
                username,
                password,
            } => {
                let sentinels = nodes.iter().map(|(host, port)| self.node_addr(host, *port));
                let mut builder =
                    SentinelClientBuilder::new(sentinels, master, SentinelServerType::Master)
                        .map_err(connecting)?
                        .set_client_to_redis_db(self.database_index);
                if let Some(user) = &self.username {
                    builder = builder.set_client_to_redis_username(user);
                }
                if let Some(password) = &self.password {
                    builder = builder.set_client_to_redis_password(password.expose());
                }
                if let Some(user) = username {
                    builder = builder.set_client_to_sentinel_username(user);
                }
                if let Some(password) = password {
                    builder = builder.set_client_to_sentinel_password(password.expose());
                }
                if let Some(tls) = &self.tls {
                    builder = builder
                        .set_client_to_redis_tls_mode(tls_mode(tls))
                        .set_client_to_sentinel_tls_mode(tls_mode(tls));
                }
                if let Some(certs) = self.certificates() {
                    builder = builder
                        .set_client_to_redis_certificates(certs.clone())
                        .set_client_to_sentinel_certificates(certs);
                }
                let conn = builder
                    .build()
                    .map_err(connecting)?
                    .get_async_connection_with_config(&config)
                    .await
                    .map_err(connecting)?;
                Ok(RedisConnection::Single(conn))
            }
        }
    }

    /// One node's address, with TLS when it is on.
    fn node_addr(&self, host: &str, port: u16) -> ConnectionAddr {
        match &self.tls {
            None => ConnectionAddr::Tcp(host.to_owned(), port),
            Some(tls) => ConnectionAddr::TcpTls {
                host: host.to_owned(),
                port,
                insecure: tls.unsafe_ssl,
                tls_params: None,
            },
        }
    }

    /// The database and credentials of the data nodes.
    fn redis_info(&self) -> RedisConnectionInfo {
        let mut info = RedisConnectionInfo::default().set_db(self.database_index);
        if let Some(user) = &self.username {
            info = info.set_username(user);
        }
        if let Some(password) = &self.password {
            info = info.set_password(password.expose());
        }
        info
    }

    /// The TriggerAuthentication's `ca` and client certificate, when it gives either.
    fn certificates(&self) -> Option<TlsCertificates> {
        let tls = self.tls.as_ref()?;
        if tls.ca.is_none() && tls.client_identity.is_none() {
            return None;
        }
        Some(TlsCertificates {
            client_tls: tls
                .client_identity
                .as_ref()
                .map(|(cert, key)| redis::ClientTlsConfig {
                    client_cert: cert.expose().as_bytes().to_vec(),
                    client_key: key.expose().as_bytes().to_vec(),
                }),
            root_cert: tls.ca.as_ref().map(|ca| ca.expose().as_bytes().to_vec()),
        })
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

/// `unsafeSsl` as the client's TLS mode.
fn tls_mode(tls: &TlsConfig) -> TlsMode {
    if tls.unsafe_ssl {
        TlsMode::Insecure
    } else {
        TlsMode::Secure
    }
}
