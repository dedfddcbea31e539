//! `rabbitmq` trigger metadata, with KEDA's names and defaults.

use std::time::Duration;

use crate::http::TlsConfig;
use crate::params::{self, ParamError, Params};
use crate::secret::Secret;

/// How the queue is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// AMQP 0-9-1: a passive queue declare (QueueLength only).
    Amqp,
    /// The management HTTP API.
    Http,
}

/// What is measured (`mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Messages in the queue.
    QueueLength,
    /// Messages published per second.
    MessageRate,
    /// Messages delivered or fetched per second.
    DeliverGetRate,
    /// Published per second ÷ delivered per second: above 1, the consumers fall behind.
    PublishedToDeliveredRatio,
    /// Seconds the consumers need to empty the queue at the current rates.
    ExpectedQueueConsumptionTime,
}

/// How several queues matched by a regex combine (`operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Add them up (default).
    Sum,
    /// The largest.
    Max,
    /// The mean.
    Avg,
}

/// A parsed `rabbitmq` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `host`: the AMQP URI or management URL, credentials included; kept secret.
    pub host: Secret,
    /// The `host` without credentials, for messages and metric names.
    pub host_shown: String,
    /// `protocol`, resolved from the `host` scheme when `auto` (the default).
    pub protocol: Protocol,
    /// `queueName` (a regex with `useRegex`).
    pub queue_name: String,
    /// `vhostName`, overriding the vhost in `host`.
    pub vhost: Option<String>,
    /// `mode` (default QueueLength).
    pub mode: Mode,
    /// `value` (or the deprecated `queueLength`); default 20 for QueueLength.
    pub value: f64,
    /// `activationValue` (default 0).
    pub activation_value: f64,
    /// `useRegex` (HTTP only).
    pub use_regex: bool,
    /// `operation` (default sum).
    pub operation: Operation,
    /// `excludeUnacknowledged`: count only ready messages (HTTP only).
    pub exclude_unacknowledged: bool,
    /// `pageSize` for regex listings (default 100).
    pub page_size: u32,
    /// `timeout` in milliseconds.
    pub timeout: Duration,
    /// `username` from the TriggerAuthentication, overriding the URL's.
    pub username: Option<String>,
    /// `password` from the TriggerAuthentication, overriding the URL's.
    pub password: Option<Secret>,
    /// TLS for the management API (`unsafeSsl`, `ca`, `cert`, `key`).
    pub tls: TlsConfig,
}

/// KEDA's default QueueLength target.
const DEFAULT_QUEUE_LENGTH: f64 = 20.0;

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &Params<'_>, default_timeout: Duration) -> Result<Self, ParamError> {
        let host = params.secret("host", params::ANY).ok_or_else(|| {
            ParamError::missing("host", "an AMQP URI (amqp://user:pass@host:5672/vhost) or management URL (http://user:pass@host:15672/vhost), usually hostFromEnv or in the TriggerAuthentication")
        })?;
        let parsed = url::Url::parse(host.expose()).map_err(|_| ParamError::Invalid {
            param: "host".into(),
            value: crate::secret::REDACTED.into(),
            expected: "an amqp://, amqps://, http:// or https:// URL".into(),
        })?;
        let host_shown = crate::http::display_url(&parsed);
        let scheme_protocol = match parsed.scheme() {
            "amqp" | "amqps" => Some(Protocol::Amqp),
            "http" | "https" => Some(Protocol::Http),
            _ => None,
        };
        let protocol = match params
            .choice(
                "protocol",
                params::ANY,
                &[
                    ("auto", None),
                    ("amqp", Some(Protocol::Amqp)),
                    ("http", Some(Protocol::Http)),
                ],
            )?
            .flatten()
        {
            Some(p) if scheme_protocol == Some(p) => p,
            Some(p) => {
                return Err(ParamError::rule(
                    "protocol",
                    format!("{p:?} does not match the scheme of host ({host_shown})"),
                ));
            }
            None => scheme_protocol.ok_or_else(|| ParamError::Invalid {
                param: "host".into(),
                value: format!("{host_shown:?}"),
                expected: "an amqp://, amqps://, http:// or https:// URL".into(),
            })?,
        };
        let queue_name =
            params.required_string("queueName", params::METADATA, "the queue to measure")?;
        let mode = params.choice(
            "mode",
            params::METADATA,
            &[
                ("QueueLength", Mode::QueueLength),
                ("MessageRate", Mode::MessageRate),
                ("DeliverGetRate", Mode::DeliverGetRate),
                ("PublishedToDeliveredRatio", Mode::PublishedToDeliveredRatio),
                (
                    "ExpectedQueueConsumptionTime",
                    Mode::ExpectedQueueConsumptionTime,
                ),
            ],
        )?;
        let legacy = params.f64("queueLength", params::METADATA)?;
        let (mode, value) = match (mode, legacy) {
            (Some(_), Some(_)) => {
                return Err(ParamError::rule(
                    "queueLength",
                    "is deprecated and cannot be combined with mode; use mode and value",
                ));
            }
            (None, Some(length)) => (Mode::QueueLength, length),
            (None, None) => match params.f64("value", params::METADATA)? {
                Some(v) => (Mode::QueueLength, v),
                None => (Mode::QueueLength, DEFAULT_QUEUE_LENGTH),
            },
            (Some(mode), None) => (
                mode,
                params.target("value", params::METADATA, "the target of the chosen mode")?,
            ),
        };
        if value <= 0.0 {
            return Err(ParamError::rule(
                "value",
                format!("must be greater than 0, got {value}"),
            ));
        }
        let use_regex = params.bool_or("useRegex", params::METADATA, false)?;
        let exclude_unacknowledged =
            params.bool_or("excludeUnacknowledged", params::METADATA, false)?;
        if protocol == Protocol::Amqp {
            let http_only = [
                ("mode", mode != Mode::QueueLength),
                ("useRegex", use_regex),
                ("excludeUnacknowledged", exclude_unacknowledged),
            ];
            if let Some((param, _)) = http_only.iter().find(|(_, used)| *used) {
                return Err(ParamError::rule(
                    param,
                    "needs the management API: use an http:// host or protocol: http",
                ));
            }
        }
        let page_size = params.parse_or("pageSize", params::METADATA, 100, "a whole number")?;
        if page_size == 0 {
            return Err(ParamError::rule("pageSize", "must be at least 1"));
        }
        Ok(Self {
            host,
            host_shown,
            protocol,
            queue_name,
            vhost: params.string("vhostName", params::METADATA),
            mode,
            value,
            activation_value: params.f64_or("activationValue", params::METADATA, 0.0)?,
            use_regex,
            operation: params
                .choice(
                    "operation",
                    params::METADATA,
                    &[
                        ("sum", Operation::Sum),
                        ("max", Operation::Max),
                        ("avg", Operation::Avg),
                    ],
                )?
                .unwrap_or(Operation::Sum),
            exclude_unacknowledged,
            page_size,
            timeout: params.timeout_ms("timeout", default_timeout)?,
            username: params.string("username", params::AUTH_ENV),
            password: params.secret("password", params::AUTH_ENV),
            tls: TlsConfig::from_params(params)?,
        })
    }
}
