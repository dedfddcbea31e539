//! The `rabbitmq` scaler: queue length or message rates.
//!
//! Over AMQP (an `amqp://` host) the queue is declared passively on a channel of a connection
//! shared per URI, which reports its ready messages. Over the management API (an `http://`
//! host) one GET reads the queue's `messages` (or `messages_ready` with
//! `excludeUnacknowledged`) and its publish and deliver rates; with `useRegex`, every matching
//! queue is read in one listing and combined by `operation`. Each `mode` turns the counts and
//! rates into a value and an activity exactly as KEDA does ([`status`]).

mod config;
mod management;
mod status;

use std::time::Duration;

use async_trait::async_trait;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;

pub use config::{Config, Mode, Operation, Protocol};

use crate::http::{self, HttpAuth, HttpError, TlsConfig};
use crate::metric::{MetricSpec, MetricValue};
use crate::params::ParamError;
use crate::scaler::{BuildContext, Scaler};
use crate::secret::Secret;
use status::Status;

/// The KEDA trigger type.
pub const TYPE: &str = "rabbitmq";

/// The most regex listing pages one sample reads: a bound on the requests a single poll makes.
pub const MAX_PAGES: u32 = 20;

/// `rabbitmq` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The management API could not be queried.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The queue does not exist (or no queue matches the regex).
    #[error("{} {queue:?} does not exist", if *regex { "no queue matches" } else { "queue" })]
    QueueNotFound {
        /// `queueName`.
        queue: String,
        /// Whether `queueName` is a regex.
        regex: bool,
    },
    /// The AMQP connection failed.
    #[error("cannot connect to RabbitMQ at {host}: {reason}")]
    Connect {
        /// The host, without credentials.
        host: String,
        /// Why.
        reason: String,
    },
    /// The broker refused the credentials.
    #[error("RabbitMQ at {host} refused the credentials")]
    Auth {
        /// The host, without credentials.
        host: String,
    },
    /// No answer in time over AMQP.
    #[error("no answer from RabbitMQ at {host} within {after:?}")]
    Timeout {
        /// The host, without credentials.
        host: String,
        /// The timeout.
        after: Duration,
    },
    /// An AMQP operation failed.
    #[error("RabbitMQ at {host} answered an error: {reason}")]
    Amqp {
        /// The host, without credentials.
        host: String,
        /// Why.
        reason: String,
    },
    /// The regex listing has more pages than Tidal reads.
    #[error(
        "the queues matching {queue:?} fill {pages} pages of {page_size}; at most {MAX_PAGES} \
         pages are read: raise pageSize"
    )]
    TooManyPages {
        /// `queueName`.
        queue: String,
        /// How many pages the listing has.
        pages: u32,
        /// `pageSize`.
        page_size: u32,
    },
    /// The management API's answer is not what it should be.
    #[error("the management API's answer is malformed: {reason}")]
    Malformed {
        /// Why.
        reason: String,
    },
}

/// A built `rabbitmq` trigger.
#[derive(Debug)]
pub struct RabbitMqScaler {
    config: Config,
    services: std::sync::Arc<crate::Services>,
    specs: Vec<MetricSpec>,
    http: Option<(reqwest::Client, url::Url, HttpAuth)>,
    /// The AMQP URI and the TLS material for `amqps`: the connection pool's key.
    amqp: (Secret, TlsConfig),
}

impl RabbitMqScaler {
    /// Builds the scaler; AMQP connections are dialled on the first sample.
    ///
    /// # Errors
    /// A parameter error, the metric type error, or unusable TLS material.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config =
            Config::parse(&ctx.params(), ctx.services.default_timeout).map_err(Error::from)?;
        let specs = ctx.external_spec(
            &format!("rabbitmq-{}", config.queue_name),
            config.value,
            config.activation_value,
        )?;
        let mut url = url::Url::parse(config.host.expose()).map_err(|e| Error::Malformed {
            reason: e.to_string(),
        })?;
        // The vhost is the last path segment (percent-encoded, `%2F` for "/"); anything before
        // it is a path prefix of the management API behind a proxy.
        let path = url.path().trim_start_matches('/').to_owned();
        let (prefix, url_vhost) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        let vhost = config.vhost.clone().unwrap_or_else(|| {
            let decoded = percent_decode(url_vhost);
            if decoded.is_empty() {
                "/".to_owned()
            } else {
                decoded
            }
        });
        let username = config
            .username
            .clone()
            .unwrap_or_else(|| percent_decode(url.username()));
        let password = config
            .password
            .clone()
            .or_else(|| url.password().map(|p| Secret::new(percent_decode(p))));
        let (http, amqp_uri) = match config.protocol {
            Protocol::Http => {
                let client = config
                    .tls
                    .client(&ctx.services.pools)
                    .map_err(Error::from)?;
                let _ = url.set_username("");
                let _ = url.set_password(None);
                let mut base = url.clone();
                base.set_query(None);
                base.set_path(&format!(
                    "{}/api/queues/",
                    if prefix.is_empty() {
                        String::new()
                    } else {
                        format!("/{prefix}")
                    }
                ));
                let auth = HttpAuth {
                    basic: (!username.is_empty()).then(|| (username.clone(), password.clone())),
                    tls: config.tls.clone(),
                    ..HttpAuth::default()
                };
                let endpoint = if config.use_regex {
                    base.join(&encode(&vhost)).map_err(|e| Error::Malformed {
                        reason: e.to_string(),
                    })?
                } else {
                    base.join(&format!(
                        "{}/{}",
                        encode(&vhost),
                        encode(&config.queue_name)
                    ))
                    .map_err(|e| Error::Malformed {
                        reason: e.to_string(),
                    })?
                };
                (Some((client, endpoint, auth)), Secret::new(""))
            }
            Protocol::Amqp => {
                if url.scheme() == "amqps" && config.tls.unsafe_ssl {
                    return Err(Error::from(ParamError::rule(
                        "unsafeSsl",
                        "is not supported for amqps: Tidal always verifies the broker's \
                         certificate over AMQP; give the CA that signed it in the \
                         TriggerAuthentication's ca",
                    ))
                    .into());
                }
                let _ = url.set_username(&username);
                let _ = url.set_password(password.as_ref().map(Secret::expose));
                url.set_path(&format!("/{}", encode(&vhost)));
                (None, Secret::new(url.to_string()))
            }
        };
        Ok(Self {
            amqp: (amqp_uri, config.tls.clone()),
            config,
            services: ctx.services.clone(),
            specs,
            http,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What the management API reports: one queue, or every queue the regex matches.
    async fn read_http(
        &self,
        client: &reqwest::Client,
        endpoint: &url::Url,
        auth: &HttpAuth,
    ) -> Result<Status, Error> {
        let config = &self.config;
        if config.use_regex {
            let items = self.list_matching(client, endpoint, auth).await?;
            return management::combine(&items, config);
        }
        let body = http::get(client, endpoint, auth, config.timeout, |request| request).await;
        let body = body.map_err(|e| self.http_error(e))?;
        Ok(management::status(&management::parse_queue(&body)?, config))
    }

    /// Every queue the regex matches, page by page. KEDA reads the first page and fails when
    /// there are more; reading them all keeps the value right when a listing outgrows
    /// `pageSize`, at one request per page. At most [`MAX_PAGES`] are read.
    async fn list_matching(
        &self,
        client: &reqwest::Client,
        endpoint: &url::Url,
        auth: &HttpAuth,
    ) -> Result<Vec<management::QueueInfo>, Error> {
        let config = &self.config;
        let page_size = config.page_size.to_string();
        let mut items = Vec::new();
        let mut page_number = 1u32;
        loop {
            let page = page_number.to_string();
            let body = http::get(client, endpoint, auth, config.timeout, |request| {
                request.query(&[
                    ("page", page.as_str()),
                    ("use_regex", "true"),
                    ("pagination", "true"),
                    ("name", config.queue_name.as_str()),
                    ("page_size", page_size.as_str()),
                ])
            })
            .await
            .map_err(|e| self.http_error(e))?;
            let page = management::parse_page(&body)?;
            items.extend(page.items);
            if page_number >= page.page_count {
                return Ok(items);
            }
            if page_number == MAX_PAGES {
                return Err(Error::TooManyPages {
                    queue: config.queue_name.clone(),
                    pages: page.page_count,
                    page_size: config.page_size,
                });
            }
            page_number += 1;
        }
    }

    fn http_error(&self, error: HttpError) -> Error {
        match error {
            HttpError::Status { status: 404, .. } => Error::QueueNotFound {
                queue: self.config.queue_name.clone(),
                regex: self.config.use_regex,
            },
            e => e.into(),
        }
    }

    /// Ready messages from a passive declare.
    async fn read_amqp(&self) -> Result<f64, Error> {
        let timeout = self.config.timeout;
        let host = self.config.host_shown.clone();
        let call = async {
            let connection = self.amqp_connection().await?;
            let channel = connection
                .create_channel()
                .await
                .map_err(|e| self.amqp_error(&e))?;
            let declared = channel
                .queue_declare(
                    self.config.queue_name.as_str().into(),
                    QueueDeclareOptions {
                        passive: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await;
            match declared {
                Ok(queue) => {
                    let _ = channel.close(200, "".into()).await;
                    Ok(f64::from(queue.message_count()))
                }
                Err(e) if e.to_string().contains("NOT_FOUND") => Err(Error::QueueNotFound {
                    queue: self.config.queue_name.clone(),
                    regex: false,
                }),
                Err(e) => Err(self.amqp_error(&e)),
            }
        };
        let Ok(result) = tokio::time::timeout(timeout, call).await else {
            self.services.pools.amqp.remove(&self.amqp);
            return Err(Error::Timeout {
                host,
                after: timeout,
            });
        };
        if matches!(result, Err(Error::Connect { .. } | Error::Amqp { .. })) {
            self.services.pools.amqp.remove(&self.amqp);
        }
        result
    }

    async fn amqp_connection(&self) -> Result<std::sync::Arc<lapin::Connection>, Error> {
        let pools = &self.services.pools;
        if let Some(conn) = pools.amqp.get(&self.amqp)
            && conn.status().connected()
        {
            return Ok(conn);
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (uri, tls) = &self.amqp;
        // amqps trusts the system's roots and `ca`, and presents `cert`/`key` when given.
        let tls = lapin::tcp::OwnedTLSConfig {
            identity: tls.client_identity.as_ref().map(|(cert, key)| {
                lapin::tcp::OwnedIdentity::PKCS8 {
                    pem: cert.expose().as_bytes().to_vec(),
                    key: key.expose().as_bytes().to_vec(),
                }
            }),
            cert_chain: tls.ca.as_ref().map(|ca| ca.expose().to_owned()),
        };
        let runtime = lapin::runtime::default_runtime().map_err(|e| Error::Connect {
            host: self.config.host_shown.clone(),
            reason: e.to_string(),
        })?;
        let conn = lapin::Connection::connect_with_config(
            uri.expose(),
            lapin::ConnectionProperties::default(),
            tls,
            runtime,
        )
        .await
        .map_err(|e| {
            let reason = e.to_string();
            if reason.contains("ACCESS_REFUSED")
                || reason.contains("authentication")
                || reason.contains("403")
            {
                Error::Auth {
                    host: self.config.host_shown.clone(),
                }
            } else {
                Error::Connect {
                    host: self.config.host_shown.clone(),
                    reason: strip_secret(&reason, &self.amqp.0),
                }
            }
        })?;
        let conn = std::sync::Arc::new(conn);
        pools.amqp.insert(self.amqp.clone(), conn.clone());
        Ok(conn)
    }

    fn amqp_error(&self, e: &lapin::Error) -> Error {
        Error::Amqp {
            host: self.config.host_shown.clone(),
            reason: strip_secret(&e.to_string(), &self.amqp.0),
        }
    }
}

/// Removes the URI (which holds the password) from a client message, just in case.
fn strip_secret(text: &str, uri: &Secret) -> String {
    if uri.is_empty() {
        text.to_owned()
    } else {
        text.replace(uri.expose(), crate::secret::REDACTED)
    }
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[async_trait]
impl Scaler for RabbitMqScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let status = if let Some((client, endpoint, auth)) = &self.http {
            self.read_http(client, endpoint, auth).await?
        } else {
            // AMQP reports no rates; only QueueLength is allowed over it.
            Status {
                messages: self.read_amqp().await?,
                ..Status::default()
            }
        };
        let (value, active) = status.evaluate(self.config.mode, self.config.activation_value);
        Ok(vec![MetricValue::new(&self.specs[0].name, value, active)])
    }

    async fn close(&self) {
        // The pooled AMQP connection is shared; it stays for other triggers.
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(RabbitMqScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
