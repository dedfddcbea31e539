//! The `mysql` scaler: the number a SQL query returns, from MySQL or MariaDB.
//!
//! The connection comes from a Go DSN (`connectionString`, usually from the
//! TriggerAuthentication or the environment) or from host, port, username, password and
//! dbName. One `mysql_async` pool serves every trigger with the same settings.

pub mod dsn;

use std::sync::Arc;

use async_trait::async_trait;
use mysql_async::prelude::Queryable;

use crate::metric::{MetricSpec, MetricValue};
use crate::params::{self, ParamError, Params};
use crate::scaler::{BuildContext, Scaler, single_value};

pub use dsn::{Dsn, Tls};

/// The KEDA trigger type.
pub const TYPE: &str = "mysql";

pub use crate::sql::Error;

/// The database's name in messages.
const DATABASE: &str = "MySQL";

/// A parsed `mysql` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where and as whom to connect.
    pub dsn: Dsn,
    /// `query`.
    pub query: String,
    /// `queryValue`, > 0.
    pub query_value: f64,
    /// `activationQueryValue` (default 0).
    pub activation_query_value: f64,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &Params<'_>) -> Result<Self, ParamError> {
        let query =
            params.required_string("query", params::METADATA, "a query returning one number")?;
        let query_value = params.target(
            "queryValue",
            params::METADATA,
            "the value per replica to scale on",
        )?;
        let activation_query_value =
            params.f64_or("activationQueryValue", params::METADATA, 0.0)?;
        let dsn = if let Some(text) = params.secret("connectionString", params::AUTH_ENV) {
            dsn::parse(text.expose()).map_err(|reason| ParamError::Invalid {
                param: "connectionString".into(),
                value: crate::secret::REDACTED.into(),
                expected: format!("a DSN like user:password@tcp(host:3306)/dbname ({reason})"),
            })?
        } else {
            Dsn {
                host: params.required_string(
                    "host",
                    params::ANY,
                    "give connectionString, or host, username, password and dbName",
                )?,
                port: params.parse_or("port", params::ANY, 3306_u16, "a port number")?,
                user: Some(params.required_string(
                    "username",
                    params::ANY,
                    "the user to connect as",
                )?),
                password: params.secret("password", params::AUTH_ENV),
                db_name: params.required_string("dbName", params::ANY, "the database to query")?,
                tls: Tls::Off,
            }
        };
        Ok(Self {
            dsn,
            query,
            query_value,
            activation_query_value,
        })
    }
}

/// A built `mysql` trigger.
#[derive(Debug)]
pub struct MySqlScaler {
    config: Config,
    server: String,
    services: Arc<crate::Services>,
    specs: Vec<MetricSpec>,
}

impl MySqlScaler {
    /// Builds the scaler; connections are made on the first sample.
    ///
    /// # Errors
    /// A parameter error or the metric type error.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config =
            Config::parse(&ctx.params()).map_err(|e| crate::Error::MySql(Error::from(e)))?;
        let specs = ctx.external_spec(
            &format!("mysql-{}", config.dsn.db_name),
            config.query_value,
            config.activation_query_value,
        )?;
        let server = format!(
            "{}:{}/{}",
            config.dsn.host, config.dsn.port, config.dsn.db_name
        );
        Ok(Self {
            config,
            server,
            services: ctx.services.clone(),
            specs,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn pool(&self) -> mysql_async::Pool {
        let dsn = &self.config.dsn;
        self.services
            .pools
            .mysql
            .get_or_try_insert(dsn.clone(), || {
                Ok::<_, std::convert::Infallible>(new_pool(dsn, dsn.tls != Tls::Off))
            })
            .unwrap_or_else(|never| match never {})
    }

    /// A pooled connection. With `tls=preferred`, a server that offers no TLS gets plain
    /// text, as the Go driver falls back, and the pool is replaced by a plain one.
    async fn connection(&self) -> Result<mysql_async::Conn, mysql_async::Error> {
        match self.pool().get_conn().await {
            Err(mysql_async::Error::Driver(
                mysql_async::DriverError::NoClientSslFlagFromServer,
            )) if self.config.dsn.tls == Tls::Preferred => {
                tracing::debug!(server = %self.server, "The server offers no TLS; tls=preferred falls back to plain text.");
                let plain = new_pool(&self.config.dsn, false);
                self.services
                    .pools
                    .mysql
                    .insert(self.config.dsn.clone(), plain.clone());
                plain.get_conn().await
            }
            other => other,
        }
    }

    async fn read(&self) -> Result<f64, Error> {
        let timeout = self.services.default_timeout;
        let call = async {
            let mut conn = self.connection().await.map_err(|e| Error::Connect {
                database: DATABASE,
                server: self.server.clone(),
                reason: e.to_string(),
            })?;
            let row: Option<mysql_async::Row> = conn
                .query_first(&self.config.query)
                .await
                .map_err(|e| Error::Query {
                    server: self.server.clone(),
                    reason: e.to_string(),
                })?;
            let value =
                row.and_then(|r| r.as_ref(0).cloned())
                    .ok_or_else(|| Error::NotANumber {
                        found: "no rows".into(),
                    })?;
            number(&value)
        };
        tokio::time::timeout(timeout, call)
            .await
            .unwrap_or_else(|_| {
                Err(Error::Timeout {
                    database: DATABASE,
                    server: self.server.clone(),
                    after: timeout,
                })
            })
    }
}

/// A pool for `dsn`, encrypting when `tls` (verifying the certificate only for `tls=true`).
fn new_pool(dsn: &Dsn, tls: bool) -> mysql_async::Pool {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(dsn.host.clone())
        .tcp_port(dsn.port)
        .user(dsn.user.clone())
        .pass(dsn.password.as_ref().map(|p| p.expose().to_owned()))
        .db_name(Some(dsn.db_name.clone()));
    if tls {
        opts = opts.ssl_opts(
            mysql_async::SslOpts::default()
                .with_danger_accept_invalid_certs(dsn.tls != Tls::Verify),
        );
    }
    mysql_async::Pool::new(opts)
}

/// A MySQL value as a number: integers, floats and decimal text.
fn number(value: &mysql_async::Value) -> Result<f64, Error> {
    use mysql_async::Value;
    match value {
        Value::Int(i) => Ok(*i as f64),
        Value::UInt(u) => Ok(*u as f64),
        Value::Float(f) => Ok(f64::from(*f)),
        Value::Double(d) => Ok(*d),
        Value::Bytes(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            text.trim().parse().map_err(|_| Error::NotANumber {
                found: format!("{:?}", crate::http::excerpt(&text, 64)),
            })
        }
        Value::NULL => Err(Error::NotANumber {
            found: "NULL".into(),
        }),
        other => Err(Error::NotANumber {
            found: format!("{other:?}"),
        }),
    }
}

#[async_trait]
impl Scaler for MySqlScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let value = self.read().await.map_err(crate::Error::MySql)?;
        Ok(single_value(&self.specs, value))
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(MySqlScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
