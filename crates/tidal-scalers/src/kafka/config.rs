//! A `kafka` trigger's parameters, read with KEDA's names, sources and defaults.
//!
//! Besides the lag settings this holds what makes two broker connections different
//! ([`ClusterSettings`]: bootstrap servers, SASL and TLS), which is also the key of the
//! connection pool. SASL `gssapi` and `saslTokenProvider: aws_msk_iam` are rejected here,
//! naming the parameter, instead of failing at the first poll.

use std::fmt;

use crate::http::TlsConfig;
use crate::params::{self, ParamError, Params, Source};
use crate::secret::Secret;

/// KEDA reads `sasl` and `tls` from the trigger first, then from the TriggerAuthentication.
const METADATA_AUTH: &[Source] = &[Source::Metadata, Source::Auth];

/// What to assume for a partition the group has never committed an offset on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffsetResetPolicy {
    /// Consumers will start at the end: the partition counts as lag 1 (0 with
    /// `scaleToZeroOnInvalidOffset`), so one consumer starts and commits.
    #[default]
    Latest,
    /// Consumers will start at the beginning: the partition's whole log end offset is lag.
    Earliest,
}

/// How the lag is computed and capped (everything but the connection).
// One flag per KEDA parameter: the struct mirrors the trigger's metadata.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagSettings {
    /// `lagThreshold` (default 10, > 0): lag per replica.
    pub lag_threshold: i64,
    /// `activationLagThreshold` (default 0, >= 0).
    pub activation_lag_threshold: i64,
    /// `offsetResetPolicy` (default latest).
    pub offset_reset_policy: OffsetResetPolicy,
    /// `allowIdleConsumers`: do not cap the lag at partitions × lagThreshold.
    pub allow_idle_consumers: bool,
    /// `excludePersistentLag`: a partition whose committed offset did not move since the last
    /// poll adds nothing to the value (it still counts for activation).
    pub exclude_persistent_lag: bool,
    /// `scaleToZeroOnInvalidOffset`: a partition without a committed offset counts as 0.
    pub scale_to_zero_on_invalid_offset: bool,
    /// `limitToPartitionsWithLag`: cap at the number of partitions that have lag.
    pub limit_to_partitions_with_lag: bool,
    /// `ensureEvenDistributionOfPartitions`: round the replica count up to a divisor of the
    /// partition count.
    pub ensure_even_distribution: bool,
}

impl Default for LagSettings {
    fn default() -> Self {
        Self {
            lag_threshold: 10,
            activation_lag_threshold: 0,
            offset_reset_policy: OffsetResetPolicy::Latest,
            allow_idle_consumers: false,
            exclude_persistent_lag: false,
            scale_to_zero_on_invalid_offset: false,
            limit_to_partitions_with_lag: false,
            ensure_even_distribution: false,
        }
    }
}

/// SASL authentication Tidal implements.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Sasl {
    /// `sasl: plaintext` (SASL/PLAIN).
    Plain {
        /// `username`.
        username: String,
        /// `password`.
        password: Secret,
    },
    /// `sasl: scram_sha256` or `scram_sha512`.
    Scram {
        /// SHA-256 or SHA-512.
        mechanism: ScramMechanism,
        /// `username`.
        username: String,
        /// `password`.
        password: Secret,
    },
    /// `sasl: oauthbearer`: a token from a client-credentials grant at `oauthTokenEndpointUri`
    /// (`username` is the client id, `password` the secret, `scopes` the scopes), sent with
    /// `oauthExtensions`.
    OAuthBearer {
        /// The token endpoint, the client credentials and the kept token.
        oauth: crate::http::OAuth,
        /// `oauthExtensions`: `key=value` pairs sent with the token (RFC 7628 §3.1).
        extensions: Vec<(String, String)>,
    },
}

impl fmt::Debug for Sasl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plain { username, .. } => write!(f, "Plain({username})"),
            Self::Scram {
                mechanism,
                username,
                ..
            } => write!(f, "{mechanism:?}({username})"),
            Self::OAuthBearer { oauth, .. } => write!(f, "OAuthBearer({})", oauth.client_id),
        }
    }
}

/// The SCRAM hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScramMechanism {
    /// SCRAM-SHA-256.
    Sha256,
    /// SCRAM-SHA-512.
    Sha512,
}

impl ScramMechanism {
    /// The SASL mechanism name the broker expects.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SCRAM-SHA-256",
            Self::Sha512 => "SCRAM-SHA-512",
        }
    }
}

/// Everything that makes two broker connections different: the pool key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusterSettings {
    /// `bootstrapServers`, each `host:port`.
    pub bootstrap_servers: Vec<String>,
    /// `sasl` with `username` and `password`.
    pub sasl: Option<Sasl>,
    /// `tls`.
    pub tls: Option<TlsConfig>,
}

/// A parsed `kafka` trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where and how to connect.
    pub cluster: ClusterSettings,
    /// `consumerGroup`.
    pub consumer_group: String,
    /// `topic`; `None` measures every topic the group has committed offsets on.
    pub topic: Option<String>,
    /// `partitionLimitation`: only these partitions of `topic` count (ignored without a topic,
    /// as in KEDA).
    pub partition_limitation: Option<Vec<i32>>,
    /// The lag rules.
    pub lag: LagSettings,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad, missing or unsupported parameter.
    pub fn parse(params: &Params<'_>) -> Result<Self, ParamError> {
        let bootstrap_servers = bootstrap_servers(params)?;
        let consumer_group = params.required_string(
            "consumerGroup",
            params::METADATA_ENV,
            "the consumer group whose lag to measure",
        )?;
        let topic = params.string("topic", params::METADATA_ENV);
        let partition_limitation = match params.string("partitionLimitation", params::METADATA) {
            Some(text) if topic.is_some() => Some(partition_list(&text)?),
            _ => None,
        };
        let lag = lag_settings(params, topic.is_some())?;
        // Only checked for KEDA compatibility: Tidal negotiates protocol versions with each
        // broker instead.
        if let Some(version) = params.string("version", params::METADATA) {
            let parts: Vec<&str> = version.split('.').collect();
            let numeric = parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if !numeric || !(3..=4).contains(&parts.len()) {
                return Err(ParamError::Invalid {
                    param: "version".into(),
                    value: format!("{version:?}"),
                    expected: "a Kafka version such as \"2.8.0\"".into(),
                });
            }
        }
        params.bool_or("fullMetadata", params::METADATA, true)?;
        let tls = tls(params)?;
        let sasl = sasl(params)?;
        Ok(Self {
            cluster: ClusterSettings {
                bootstrap_servers,
                sasl,
                tls,
            },
            consumer_group,
            topic,
            partition_limitation,
            lag,
        })
    }

    /// KEDA's metric name before the index prefix: `kafka-<topic>` or `kafka-<group>-topics`.
    pub fn metric_name(&self) -> String {
        match &self.topic {
            Some(topic) => format!("kafka-{topic}"),
            None => format!("kafka-{}-topics", self.consumer_group),
        }
    }
}

fn bootstrap_servers(params: &Params<'_>) -> Result<Vec<String>, ParamError> {
    let text = params.required_string(
        "bootstrapServers",
        params::METADATA_ENV,
        "comma-separated broker addresses, host:port",
    )?;
    text.split(',')
        .map(str::trim)
        .map(|server| {
            let valid = server
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if valid {
                Ok(server.to_owned())
            } else {
                Err(ParamError::Invalid {
                    param: "bootstrapServers".into(),
                    value: format!("{server:?}"),
                    expected: "host:port (comma-separated for several brokers)".into(),
                })
            }
        })
        .collect()
}

/// `1,2,10-12` → `[1, 2, 10, 11, 12]`, as KEDA's typed config reads integer lists.
fn partition_list(text: &str) -> Result<Vec<i32>, ParamError> {
    let invalid = |item: &str| ParamError::Invalid {
        param: "partitionLimitation".into(),
        value: format!("{item:?}"),
        expected: "partition numbers and ranges, such as \"0,1,5-7\"".into(),
    };
    let mut partitions = Vec::new();
    for item in text.split(',').map(str::trim) {
        let number = |s: &str| s.trim().parse::<i32>().ok().filter(|n| *n >= 0);
        match item.split_once('-') {
            Some((from, to)) => {
                let (Some(from), Some(to)) = (number(from), number(to)) else {
                    return Err(invalid(item));
                };
                if from > to {
                    return Err(invalid(item));
                }
                partitions.extend(from..=to);
            }
            None => partitions.push(number(item).ok_or_else(|| invalid(item))?),
        }
    }
    partitions.sort_unstable();
    partitions.dedup();
    Ok(partitions)
}

fn lag_settings(params: &Params<'_>, has_topic: bool) -> Result<LagSettings, ParamError> {
    let whole = "a whole number";
    let lag_threshold = params.parse_or("lagThreshold", params::METADATA, 10_i64, whole)?;
    if lag_threshold <= 0 {
        return Err(ParamError::rule(
            "lagThreshold",
            format!("must be greater than 0, got {lag_threshold}"),
        ));
    }
    let activation_lag_threshold =
        params.parse_or("activationLagThreshold", params::METADATA, 0_i64, whole)?;
    if activation_lag_threshold < 0 {
        return Err(ParamError::rule(
            "activationLagThreshold",
            format!("must be 0 or more, got {activation_lag_threshold}"),
        ));
    }
    let flag = |name: &str| params.bool_or(name, params::METADATA, false);
    let settings = LagSettings {
        lag_threshold,
        activation_lag_threshold,
        offset_reset_policy: params
            .choice(
                "offsetResetPolicy",
                params::METADATA,
                &[
                    ("latest", OffsetResetPolicy::Latest),
                    ("earliest", OffsetResetPolicy::Earliest),
                ],
            )?
            .unwrap_or_default(),
        allow_idle_consumers: flag("allowIdleConsumers")?,
        exclude_persistent_lag: flag("excludePersistentLag")?,
        scale_to_zero_on_invalid_offset: flag("scaleToZeroOnInvalidOffset")?,
        limit_to_partitions_with_lag: flag("limitToPartitionsWithLag")?,
        ensure_even_distribution: flag("ensureEvenDistributionOfPartitions")?,
    };
    if settings.allow_idle_consumers && settings.limit_to_partitions_with_lag {
        return Err(ParamError::rule(
            "limitToPartitionsWithLag",
            "cannot be true together with allowIdleConsumers",
        ));
    }
    if settings.limit_to_partitions_with_lag && settings.ensure_even_distribution {
        return Err(ParamError::rule(
            "ensureEvenDistributionOfPartitions",
            "cannot be true together with limitToPartitionsWithLag",
        ));
    }
    if !has_topic {
        for (name, set) in [
            (
                "limitToPartitionsWithLag",
                settings.limit_to_partitions_with_lag,
            ),
            (
                "ensureEvenDistributionOfPartitions",
                settings.ensure_even_distribution,
            ),
        ] {
            if set {
                return Err(ParamError::rule(name, "needs topic to be set"));
            }
        }
    }
    Ok(settings)
}

fn tls(params: &Params<'_>) -> Result<Option<TlsConfig>, ParamError> {
    let enabled = params
        .choice(
            "tls",
            METADATA_AUTH,
            &[("enable", true), ("disable", false)],
        )?
        .unwrap_or(false);
    if !enabled {
        return Ok(None);
    }
    TlsConfig::from_params(params).map(Some)
}

fn sasl(params: &Params<'_>) -> Result<Option<Sasl>, ParamError> {
    #[derive(Clone, Copy)]
    enum Mode {
        None,
        Plain,
        Scram(ScramMechanism),
        OAuthBearer,
        Unsupported(&'static str),
    }
    let mode = params
        .choice(
            "sasl",
            METADATA_AUTH,
            &[
                ("none", Mode::None),
                ("plaintext", Mode::Plain),
                ("scram_sha256", Mode::Scram(ScramMechanism::Sha256)),
                ("scram_sha512", Mode::Scram(ScramMechanism::Sha512)),
                ("oauthbearer", Mode::OAuthBearer),
                ("gssapi", Mode::Unsupported("gssapi")),
            ],
        )?
        .unwrap_or(Mode::None);
    let credentials = || -> Result<(String, Secret), ParamError> {
        let username = params
            .string("username", params::AUTH)
            .ok_or_else(|| ParamError::missing("username", "SASL needs a username"))?;
        let password = params
            .secret("password", params::AUTH)
            .ok_or_else(|| ParamError::missing("password", "SASL needs a password"))?;
        Ok((username, password))
    };
    Ok(match mode {
        Mode::None => None,
        Mode::Plain => {
            let (username, password) = credentials()?;
            Some(Sasl::Plain { username, password })
        }
        Mode::Scram(mechanism) => {
            let (username, password) = credentials()?;
            Some(Sasl::Scram {
                mechanism,
                username,
                password,
            })
        }
        Mode::OAuthBearer => {
            let (client_id, client_secret) = credentials()?;
            Some(oauth_bearer(params, client_id, client_secret)?)
        }
        Mode::Unsupported(name) => {
            return Err(ParamError::rule(
                "sasl",
                format!(
                    "{name:?} is not supported by Tidal; use none, plaintext, scram_sha256, scram_sha512 or oauthbearer"
                ),
            ));
        }
    })
}

/// `sasl: oauthbearer` with KEDA's parameters: `oauthTokenEndpointUri`, `scopes` (comma-separated),
/// `oauthExtensions` (`key=value,…`) and `saslTokenProvider` (only `bearer`).
fn oauth_bearer(
    params: &Params<'_>,
    client_id: String,
    client_secret: Secret,
) -> Result<Sasl, ParamError> {
    let provider = params
        .choice(
            "saslTokenProvider",
            METADATA_AUTH,
            &[("bearer", true), ("aws_msk_iam", false)],
        )?
        .unwrap_or(true);
    if !provider {
        return Err(ParamError::rule(
            "saslTokenProvider",
            "\"aws_msk_iam\" is not supported by Tidal (it needs AWS credentials); use bearer",
        ));
    }
    let token_uri = params.http_url(
        "oauthTokenEndpointUri",
        params::AUTH_FIRST,
        "sasl oauthbearer needs the token endpoint, e.g. https://login.example.com/oauth2/token",
    )?;
    let scopes = params
        .string("scopes", params::AUTH_FIRST)
        .map(|list| crate::http::scope_list(&list))
        .unwrap_or_default();
    let extensions = match params.string("oauthExtensions", params::AUTH_FIRST) {
        None => Vec::new(),
        Some(text) => text
            .split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((key, value))
                    if !key.is_empty()
                        && key.bytes().all(|b| b.is_ascii_alphabetic())
                        && key != "auth"
                        && !value.contains('\u{1}') =>
                {
                    Ok((key.to_owned(), value.to_owned()))
                }
                _ => Err(ParamError::Invalid {
                    param: "oauthExtensions".into(),
                    value: format!("{pair:?}"),
                    expected: "comma-separated key=value pairs, keys of letters only and not \
                               \"auth\""
                        .into(),
                }),
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Sasl::OAuthBearer {
        oauth: crate::http::OAuth::new(token_uri, client_id, client_secret, scopes),
        extensions,
    })
}
