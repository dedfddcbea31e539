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

mod ssl;
pub use ssl::{ClientCert, Roots, SslMode, Tls};

/// The database's name in messages.
const DATABASE: &str = "PostgreSQL";

/// A parsed `postgresql` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The connection string (`connection`, or built from host, port, userName, dbName,
    /// sslmode and password) as given; it may hold the password. Connections are shared per
    /// string.
    pub connection: Secret,
    /// The same string without the TLS settings tokio-postgres does not read.
    pub driver: Secret,
    /// `host:port/dbname`, for messages.
    pub server: String,
    /// How TLS is negotiated, the server checked and the client certificate presented
    /// (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`, `sslpassword`).
    pub tls: Tls,
    /// `query`.
    pub query: String,
    /// `targetQueryValue`, > 0.
    pub target_query_value: f64,
    /// `activationTargetQueryValue` (default 0).
    pub activation_target_query_value: f64,
}

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
        let connection = match params.secret("connection", params::AUTH_ENV) {
            Some(connection) => connection,
            None => Secret::new(connection_from_fields(params)?),
        };
        let (driver, tls) =
            ssl::split(connection.expose(), SslMode::Prefer).map_err(|e| match e {
                ssl::SplitError::Malformed => not_a_connection_string(),
                ssl::SplitError::Mode(mode) => ParamError::rule(
                    "sslmode",
                    format!("{mode:?} is not supported; allowed: {}", ssl::ALLOWED),
                ),
                ssl::SplitError::Incomplete(given, missing) => ParamError::rule(
                    "connection",
                    format!("{given} needs {missing} in the connection string too"),
                ),
            })?;
        let parsed: tokio_postgres::Config =
            driver.parse().map_err(|_| not_a_connection_string())?;
        let host = parsed
            .get_hosts()
            .first()
            .map_or_else(String::new, |h| match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            });
        let port = parsed.get_ports().first().copied().unwrap_or(5432);
        let server = format!("{host}:{port}/{}", parsed.get_dbname().unwrap_or_default());
        Ok(Self {
            connection,
            driver: Secret::new(driver),
            server,
            tls,
            query,
            target_query_value,
            activation_target_query_value,
        })
    }
}

/// The connection string KEDA builds from `host`, `port`, `userName`, `dbName`, `sslmode`
/// (default `disable`) and `password`.
fn connection_from_fields(params: &Params<'_>) -> Result<String, ParamError> {
    let host = params.required_string(
        "host",
        params::ANY,
        "give connection, or host, port, userName, dbName",
    )?;
    let port = params.parse_or("port", params::ANY, 5432_u16, "a port number")?;
    let user = params.required_string("userName", params::ANY, "the user to connect as")?;
    let dbname = params.required_string("dbName", params::ANY, "the database to query")?;
    let mode = params
        .choice("sslmode", params::ANY, ssl::SSL_MODES)?
        .unwrap_or(SslMode::Disable);
    let mode = mode.name();
    let password = params
        .secret("password", params::AUTH_ENV)
        .map(|p| format!(" password={}", quote(p.expose())))
        .unwrap_or_default();
    Ok(format!(
        "host={} port={port} user={} dbname={} sslmode={mode}{password}",
        quote(&host),
        quote(&user),
        quote(&dbname)
    ))
}

fn not_a_connection_string() -> ParamError {
    ParamError::Invalid {
        param: "connection".into(),
        value: crate::secret::REDACTED.into(),
        expected: "a libpq connection string (host=… port=… user=… dbname=… sslmode=…) or \
                   postgresql:// URL"
            .into(),
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
                .driver
                .expose()
                .parse()
                .map_err(|e: tokio_postgres::Error| Error::Connect {
                    database: DATABASE,
                    server: self.config.server.clone(),
                    reason: e.to_string(),
                })?;
        pg.connect_timeout(timeout);
        let connect_error = |reason: String| Error::Connect {
            database: DATABASE,
            server: self.config.server.clone(),
            reason,
        };
        let chain = |e: tokio_postgres::Error| connect_error(crate::http::error_chain(&e));
        let plain = match self.config.tls.mode {
            SslMode::Disable | SslMode::Allow => Some(pg.connect(tokio_postgres::NoTls).await),
            _ => None,
        };
        let client = match plain {
            Some(Ok((client, connection))) => {
                tokio::spawn(connection);
                client
            }
            Some(Err(e))
                if self.config.tls.mode == SslMode::Disable || !ssl::retry_with_tls(&e) =>
            {
                return Err(chain(e));
            }
            // Not tried, or `allow` refused in plain text: TLS.
            Some(Err(_)) | None => {
                pg.ssl_mode(tokio_postgres::config::SslMode::Require);
                let rustls = ssl::client_config(&self.config.tls).map_err(connect_error)?;
                let tls = tokio_postgres_rustls::MakeRustlsConnect::new(rustls);
                let (client, connection) = pg.connect(tls).await.map_err(chain)?;
                tokio::spawn(connection);
                client
            }
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
