//! The `postgresql` scaler: the number a SQL query returns.
//!
//! The query runs over the simple-query protocol, so any numeric type (integer, float,
//! numeric) arrives as text and is parsed the same way; it must return at least one row whose
//! first column is a number. Clients are shared per connection string and re-dialled after
//! the connection drops.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio_postgres::SimpleQueryMessage;

use crate::metric::{MetricSpec, MetricValue};
use crate::params::{self, ParamError, Params};
use crate::scaler::{BuildContext, Scaler, single_value};
use crate::secret::Secret;

/// The KEDA trigger type.
pub const TYPE: &str = "postgresql";

pub use crate::sql::Error;

/// The database's name in messages.
const DATABASE: &str = "PostgreSQL";

/// `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, without checking its certificate.
    Prefer,
    /// TLS required, without checking the certificate (libpq's `require`).
    Require,
}

/// A parsed `postgresql` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The connection string (`connection`, or built from host, port, userName, dbName,
    /// sslmode and password); it may hold the password.
    pub connection: Secret,
    /// `host:port/dbname`, for messages.
    pub server: String,
    /// The TLS mode.
    pub ssl_mode: SslMode,
    /// `query`.
    pub query: String,
    /// `targetQueryValue`, > 0.
    pub target_query_value: f64,
    /// `activationTargetQueryValue` (default 0).
    pub activation_target_query_value: f64,
}

const SSL_MODES: &[(&str, SslMode)] = &[
    ("disable", SslMode::Disable),
    ("prefer", SslMode::Prefer),
    ("require", SslMode::Require),
];

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &Params<'_>) -> Result<Self, ParamError> {
        let query =
            params.required_string("query", params::METADATA, "a query returning one number")?;
        let target_query_value = params.target(
            "targetQueryValue",
            params::METADATA,
            "the value per replica to scale on",
        )?;
        let activation_target_query_value =
            params.f64_or("activationTargetQueryValue", params::METADATA, 0.0)?;
        let (connection, server, ssl_mode) = if let Some(connection) =
            params.secret("connection", params::AUTH_ENV)
        {
            let parsed: tokio_postgres::Config = connection.expose().parse().map_err(|_| ParamError::Invalid {
                param: "connection".into(),
                value: crate::secret::REDACTED.into(),
                expected: "a libpq connection string (host=… port=… user=… dbname=… sslmode=…) or postgresql:// URL".into(),
            })?;
            let host = parsed
                .get_hosts()
                .first()
                .map_or_else(String::new, |h| match h {
                    tokio_postgres::config::Host::Tcp(name) => name.clone(),
                    tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
                });
            let port = parsed.get_ports().first().copied().unwrap_or(5432);
            let ssl_mode = match parsed.get_ssl_mode() {
                tokio_postgres::config::SslMode::Disable => SslMode::Disable,
                tokio_postgres::config::SslMode::Require => SslMode::Require,
                _ => SslMode::Prefer,
            };
            let server = format!("{host}:{port}/{}", parsed.get_dbname().unwrap_or_default());
            (connection, server, ssl_mode)
        } else {
            let host = params.required_string(
                "host",
                params::ANY,
                "give connection, or host, port, userName, dbName",
            )?;
            let port = params.parse_or("port", params::ANY, 5432_u16, "a port number")?;
            let user = params.required_string("userName", params::ANY, "the user to connect as")?;
            let dbname = params.required_string("dbName", params::ANY, "the database to query")?;
            let ssl_text = params
                .string("sslmode", params::ANY)
                .unwrap_or_else(|| "disable".into());
            let ssl_mode = match ssl_text.as_str() {
                "verify-ca" | "verify-full" => {
                    return Err(ParamError::rule(
                        "sslmode",
                        format!(
                            "{ssl_text:?} (certificate verification) is not supported yet; allowed: \"disable\", \"prefer\" or \"require\""
                        ),
                    ));
                }
                _ => params
                    .choice("sslmode", params::ANY, SSL_MODES)?
                    .unwrap_or(SslMode::Disable),
            };
            let password = params
                .secret("password", params::AUTH_ENV)
                .map(|p| format!(" password={}", quote(p.expose())))
                .unwrap_or_default();
            let text = format!(
                "host={} port={port} user={} dbname={} sslmode={ssl_text}{password}",
                quote(&host),
                quote(&user),
                quote(&dbname)
            );
            (
                Secret::new(text),
                format!("{host}:{port}/{dbname}"),
                ssl_mode,
            )
        };
        Ok(Self {
            connection,
            server,
            ssl_mode,
            query,
            target_query_value,
            activation_target_query_value,
        })
    }
}

/// libpq's quoting for connection string values.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A built `postgresql` trigger.
#[derive(Debug)]
pub struct PostgresScaler {
    config: Config,
    services: Arc<crate::Services>,
    specs: Vec<MetricSpec>,
}

impl PostgresScaler {
    /// Builds the scaler; the connection is made on the first sample.
    ///
    /// # Errors
    /// A parameter error or the metric type error.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config =
            Config::parse(&ctx.params()).map_err(|e| crate::Error::Postgres(Error::from(e)))?;
        let specs = ctx.external_spec(
            "postgresql",
            config.target_query_value,
            config.activation_target_query_value,
        )?;
        Ok(Self {
            config,
            services: ctx.services.clone(),
            specs,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    async fn client(&self, timeout: Duration) -> Result<Arc<tokio_postgres::Client>, Error> {
        let pools = &self.services.pools;
        if let Some(client) = pools.postgres.get(&self.config.connection)
            && !client.is_closed()
        {
            return Ok(client);
        }
        let mut pg: tokio_postgres::Config =
            self.config
                .connection
                .expose()
                .parse()
                .map_err(|e: tokio_postgres::Error| Error::Connect {
                    database: DATABASE,
                    server: self.config.server.clone(),
                    reason: e.to_string(),
                })?;
        pg.connect_timeout(timeout);
        let connect_error = |e: tokio_postgres::Error| Error::Connect {
            database: DATABASE,
            server: self.config.server.clone(),
            reason: crate::http::error_chain(&e),
        };
        let client = if self.config.ssl_mode == SslMode::Disable {
            let (client, connection) = pg
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(connect_error)?;
            tokio::spawn(connection);
            client
        } else {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(crate::tls::encrypt_only());
            let (client, connection) = pg.connect(tls).await.map_err(connect_error)?;
            tokio::spawn(connection);
            client
        };
        let client = Arc::new(client);
        pools
            .postgres
            .insert(self.config.connection.clone(), client.clone());
        Ok(client)
    }

    async fn read(&self) -> Result<f64, Error> {
        let timeout = self.services.default_timeout;
        let call = async {
            let client = self.client(timeout).await?;
            let messages =
                client
                    .simple_query(&self.config.query)
                    .await
                    .map_err(|e| Error::Query {
                        server: self.config.server.clone(),
                        reason: crate::http::error_chain(&e),
                    })?;
            first_number(&messages)
        };
        let Ok(result) = tokio::time::timeout(timeout, call).await else {
            self.services.pools.postgres.remove(&self.config.connection);
            return Err(Error::Timeout {
                database: DATABASE,
                server: self.config.server.clone(),
                after: timeout,
            });
        };
        result
    }
}

/// The first column of the first row, as a number.
fn first_number(messages: &[SimpleQueryMessage]) -> Result<f64, Error> {
    let row = messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .ok_or_else(|| Error::NotANumber {
            found: "no rows".into(),
        })?;
    let text = row.get(0).ok_or_else(|| Error::NotANumber {
        found: "NULL".into(),
    })?;
    text.trim().parse::<f64>().map_err(|_| Error::NotANumber {
        found: format!("{:?}", crate::http::excerpt(text, 64)),
    })
}

#[async_trait]
impl Scaler for PostgresScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let value = self.read().await.map_err(crate::Error::Postgres)?;
        Ok(single_value(&self.specs, value))
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(PostgresScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
